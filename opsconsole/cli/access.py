"""The options of every command that acts in an environment with a role, declared once.

`--reason`, `--confirm` and `--mfa-code` mean the same wherever they appear; a command names one
`access: Access` parameter and `with_access` shows typer the three options in its place.
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from opsconsole.cli.options import Confirm, MfaCode, Reason


@dataclass(frozen=True)
class Access:
    """Why the operator acts, the protected environment's name they confirm, and an MFA code."""

    reason: str | None = None
    confirm: str | None = None
    mfa_code: str | None = None


_OPTIONS: dict[str, Any] = {"reason": Reason, "confirm": Confirm, "mfa_code": MfaCode}


def with_access(command: Callable[..., None]) -> Callable[..., None]:
    """`command` with its `access` parameter shown to typer as --reason, --confirm and --mfa-code."""
    hints = typing.get_type_hints(command, include_extras=True)
    parameters: list[inspect.Parameter] = []
    for parameter in inspect.signature(command).parameters.values():
        if parameter.name != "access":
            parameters.append(parameter.replace(annotation=hints[parameter.name]))
            continue
        for name, annotation in _OPTIONS.items():
            kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
            parameters.append(inspect.Parameter(name, kind, default=None, annotation=annotation))

    @functools.wraps(command)
    def run(*args: Any, reason: str | None, confirm: str | None, mfa_code: str | None, **kwargs: Any) -> None:
        command(*args, access=Access(reason, confirm, mfa_code), **kwargs)

    # typer reads the signature and the hints: both say the three options, none says `access`.
    run.__signature__ = inspect.Signature(parameters, return_annotation=None)  # type: ignore[attr-defined]
    run.__annotations__ = {p.name: p.annotation for p in parameters} | {"return": None}
    return run
