"""Backend tokens: from an environment variable or a command, never from the config file, never logged."""

from __future__ import annotations

import os
import shlex
import subprocess

from opsconsole.config import BackendSettings
from opsconsole.domain.errors import ConfigError, CredentialsError

TOKEN_COMMAND_TIMEOUT = 20.0


def backend_token(settings: BackendSettings, system: str) -> str | None:
    """The token for `system` ("zabbix", "graylog"), or None when the config names no source.

    Raises:
        CredentialsError: the named env var is empty or the command fails; says which one.
    """
    if settings.token_env:
        value = os.environ.get(settings.token_env, "").strip()
        if not value:
            raise CredentialsError(
                f"{system}: the environment variable {settings.token_env} is not set or empty",
                hint=f"export {settings.token_env}=<your {system} API token> or set token_command",
            )
        return value
    if settings.token_command:
        return _run_token_command(settings.token_command, system)
    return None


def _run_token_command(command: str, system: str) -> str:
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise ConfigError(f"[{system}] token_command cannot be parsed: {exc}") from None
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=TOKEN_COMMAND_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise CredentialsError(
            f"{system}: token_command {argv[0]!r} could not run ({type(exc).__name__})",
            hint="check the command in the config's token_command",
        ) from None
    token = done.stdout.strip()
    if done.returncode != 0 or not token:
        # Its stderr may echo part of a secret (a vault's output), so it is not repeated here.
        raise CredentialsError(
            f"{system}: token_command {argv[0]!r} exited {done.returncode} without a token",
            hint="run the command yourself to see why",
        )
    return token
