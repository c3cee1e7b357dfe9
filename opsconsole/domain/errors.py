"""The console's error tree. Every error a user can cause says what is wrong and what to do."""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    """Process exit codes, documented in the README."""

    OK = 0
    FAILED = 1
    INVALID_INPUT = 2
    DENIED = 3


class OpsError(Exception):
    """Base of every error the console reports to a user without a traceback."""

    exit_code: ExitCode = ExitCode.FAILED

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  → {self.hint}"


class InvalidInput(OpsError):
    """The user's input (arguments, files) cannot be used as given."""

    exit_code = ExitCode.INVALID_INPUT


class ConfigError(InvalidInput):
    """A configuration file or override is malformed; names the file, line and key."""

    def __init__(
        self,
        problem: str,
        *,
        source: str | None = None,
        line: int | None = None,
        key: str | None = None,
        hint: str | None = None,
    ) -> None:
        where = source or ""
        if source and line is not None:
            where = f"{where}:{line}"
        keypart = f"[{key}] " if key else ""
        prefix = f"{where}: " if where else ""
        super().__init__(f"{prefix}{keypart}{problem}", hint=hint)
        self.source = source
        self.line = line
        self.key = key
        self.problem = problem


class UnknownEnvironment(InvalidInput):
    def __init__(self, name: str, known: list[str]) -> None:
        choices = ", ".join(known) if known else "(none configured)"
        super().__init__(
            f"unknown environment {name!r}",
            hint=f"use one of: {choices} (environments are the [environments.*] tables of the config)",
        )
        self.name = name


class Denied(OpsError):
    """Exit 3: denied or not confirmed, not failed (not allowed, read-only, held by someone else,
    or waiting for a person to decide)."""

    exit_code = ExitCode.DENIED


class NotConfirmed(Denied):
    """A protected action was not confirmed, or could not be asked for."""


class ReadOnlyViolation(Denied):
    """A change asked of a read-only environment or console."""


class AccessDenied(Denied):
    """The role in force may not do something; names the role, the action and the tier needed."""

    def __init__(
        self,
        *,
        role_arn: str,
        action: str,
        tier: str,
        required_tier: str | None,
        environment: str,
    ) -> None:
        if required_tier and required_tier != tier:
            hint = f"the {required_tier} tier allows it: retry with --role {required_tier}"
        elif required_tier:
            hint = "the role's policy is narrower than the console expects: check the role in IAM"
        else:
            hint = "no opsconsole tier allows this action"
        super().__init__(
            f"denied: {action} is not allowed for the {tier} role {role_arn} in {environment}",
            hint=hint,
        )
        self.role_arn = role_arn
        self.action = action
        self.tier = tier
        self.required_tier = required_tier


class CredentialsError(OpsError):
    """No usable identity credentials, or a role could not be assumed."""

    exit_code = ExitCode.FAILED


class MfaRequired(InvalidInput):
    """An MFA code is needed and no way to ask for one was given."""


class MfaCodeNeeded(MfaRequired):
    """A renewal needs a code for `serial` and nothing can ask for one on this thread.

    A front-end catches it, asks the operator (the TUI in a modal), hands the code to
    `console.access.supply_mfa_code(code)` and retries; nothing was sent to AWS.
    """

    def __init__(self, serial: str, *, hint: str | None = None) -> None:
        super().__init__(
            f"an MFA code for {serial} is needed and no terminal is available to ask for it",
            hint=hint or "pass --mfa-code CODE or set OPSCONSOLE_MFA_CODE",
        )
        self.serial = serial


class AccountMismatch(OpsError):
    """The account in use is not the one the config names: never act on it."""

    exit_code = ExitCode.FAILED


class BackendError(OpsError):
    """A backend (AWS, Zabbix, Graylog) failed or could not be reached."""


class BackendUnreachable(BackendError):
    """A backend could not be reached or did not answer (refused, reset, timed out, a 5xx): the
    transport failures a circuit breaker counts, unlike an answer that refuses the request."""


class CircuitOpen(BackendError):
    """A backend failed several times in a row in an environment: calls fail at once for a while."""

    def __init__(
        self, backend: str, environment: str, *, failures: int, retry_in: int, last_error: str
    ) -> None:
        super().__init__(
            f"{backend} {environment}: {failures} failures in a row, next try in {retry_in}s",
            hint=f"the last one: {last_error}" if last_error else None,
        )
        self.backend = backend
        self.environment = environment
        self.retry_in = retry_in
