"""Per-invocation CLI state: global options, and the settings and the Console built on first use."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from opsconsole.app.console import Console
    from opsconsole.config import Settings


@dataclass
class CliState:
    config_path: Path | None = None
    read_only: bool = False
    partial_failure: bool = False
    _settings: Settings | None = field(default=None, repr=False)
    _console: Console | None = field(default=None, repr=False)

    def settings(self) -> Settings:
        if self._settings is None:
            from opsconsole.config import load_settings

            settings = load_settings(self.config_path)
            if self.read_only:
                settings = dataclasses.replace(settings, read_only=True)
            self._settings = settings
        return self._settings

    def console(self, mfa_code: str | None = None) -> Console:
        """One Console per invocation: its role sessions and clients are reused by every call."""
        from opsconsole.app.console import Console
        from opsconsole.cli.prompts import mfa_prompt

        if self._console is None:
            self._console = Console.build(self.settings(), mfa_prompt=mfa_prompt(mfa_code))
        return self._console

    def close(self) -> None:
        if self._console is not None:
            self._console.close()


def state_of(ctx: typer.Context) -> CliState:
    root = ctx.find_root()
    if not isinstance(root.obj, CliState):
        root.obj = CliState()
    return root.obj
