"""Options shared by several commands, declared once."""

from __future__ import annotations

from typing import Annotated

import typer

from opsconsole.cli.output import OutputFormat
from opsconsole.domain.environment import RoleTier
from opsconsole.domain.errors import InvalidInput

Output = Annotated[
    OutputFormat,
    typer.Option("--output", "-o", help="table for people, json for scripts.", case_sensitive=False),
]
Role = Annotated[str, typer.Option("--role", "-r", help="Role tier: read, operate or deploy.")]
Reason = Annotated[
    str | None, typer.Option("--reason", help="Why you need this; kept in the audit trail (e.g. INC-1234).")
]
Confirm = Annotated[
    str | None,
    typer.Option("--confirm", help="The environment's name, to confirm acting on a protected environment."),
]
MfaCode = Annotated[
    str | None,
    typer.Option(
        "--mfa-code", help="Current MFA code, when no terminal can ask (or set OPSCONSOLE_MFA_CODE)."
    ),
]


def parse_tier(text: str) -> RoleTier:
    try:
        return RoleTier.parse(text)
    except ValueError as e:
        raise InvalidInput(str(e), hint="pass --role read, --role operate or --role deploy") from None


def not_blank(value: str | None) -> str | None:
    """A typer callback: an option given as '' (or spaces) is an error, never the default."""
    if value is not None and not value.strip():
        raise typer.BadParameter("must not be empty (leave the option out for the default)")
    if value is not None and any(c in value for c in "\x00\r\n"):
        raise typer.BadParameter("must be one line of text")
    return value
