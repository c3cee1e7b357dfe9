"""Asking the operator: only on a terminal; otherwise a message names the flag to pass."""

from __future__ import annotations

import os
import sys

from opsconsole.domain.environment import Environment
from opsconsole.domain.errors import NotConfirmed
from opsconsole.domain.identity import MfaPrompt


def interactive() -> bool:
    return sys.stdin.isatty() and sys.stderr.isatty()


def mfa_prompt(code: str | None) -> MfaPrompt | None:
    """How to get an MFA code: the flag, OPSCONSOLE_MFA_CODE, a terminal prompt, or none."""
    given = code or os.environ.get("OPSCONSOLE_MFA_CODE")
    if given:
        return lambda _serial: given
    if not interactive():
        return None

    def ask(serial: str) -> str:
        import getpass

        return getpass.getpass(f"MFA code for {serial}: ", stream=sys.stderr)

    return ask


def confirm_environment(env: Environment, confirm: str | None, what: str) -> None:
    """Protected environments need their name typed, or `--confirm NAME` when not on a terminal.

    Raises:
        NotConfirmed: the name was not given or did not match.
    """
    if not env.protected:
        return
    if confirm is not None:
        if confirm != env.name:
            raise NotConfirmed(
                f"--confirm {confirm} does not match the environment {env.name}",
                hint=f"pass --confirm {env.name} to {what}",
            )
        return
    if not interactive():
        raise NotConfirmed(
            f"{env.name} is protected and no terminal is available to confirm: {what}",
            hint=f"pass --confirm {env.name}",
        )
    sys.stderr.write(f"{env.name} is a protected environment. To {what}, type its name: ")
    sys.stderr.flush()
    answer = sys.stdin.readline().strip()
    if answer != env.name:
        raise NotConfirmed(f"not confirmed ({answer!r} is not {env.name!r}); nothing was done")
