"""Transitional: what the real Console does not have yet, supplied without a facade of our own.

The Console has no runbooks use case yet (another change moves runbooks off opsconsole/services.py):
the caller hands in the engine factory (the CLI: the old facade's `runbook_engine`; the TUI may not
import that facade, it reaches backends). tui/screens/stacks.py still takes the old facade's shape.
When both land, `as_console_port` passes the Console straight through and this module goes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from opsconsole.domain.action_kinds import ActionKind
from opsconsole.domain.environment import RoleTier
from opsconsole.domain.errors import InvalidInput

if TYPE_CHECKING:
    from opsconsole.app.changes import Change
    from opsconsole.app.console import Console
    from opsconsole.ports import ConsolePort, RunbookRunner
    from opsconsole.runbooks.events import ApprovalRequest, RunEvent
    from opsconsole.services import Services

EngineFactory = Callable[..., "RunbookRunner"]
"""`factory(on_event=..., approver=..., stop=...)`: a runbook engine (opsconsole.services' runbook_engine)."""


def runbook_titles() -> list[tuple[str, str]]:
    """(name, title) of the shipped runbooks; reads their files (thread workers only)."""
    from opsconsole.runbooks.library import runbook_files, runbooks_root
    from opsconsole.runbooks.loader import RunbookInvalid, load_runbook

    titles = []
    for path in runbook_files(runbooks_root()):
        try:
            titles.append((path.stem, load_runbook(path).title))
        except RunbookInvalid:
            titles.append((path.stem, f"{path.stem} (invalid: `opsconsole runbook validate`)"))
    return titles


class ConsoleRunbooks:
    """Runbooks for a Console, until the Console has its own runbooks use case."""

    def __init__(self, factory: EngineFactory | None) -> None:
        self._factory = factory

    def titles(self) -> list[tuple[str, str]]:
        return runbook_titles()

    def engine(
        self,
        *,
        on_event: Callable[[RunEvent], None],
        approver: Callable[[ApprovalRequest], None],
        stop: threading.Event,
    ) -> RunbookRunner:
        if self._factory is None:
            raise InvalidInput("this console was started without a runbook engine")
        return self._factory(on_event=on_event, approver=approver, stop=stop)


class WithRunbooks:
    """The Console's own use cases, plus runbooks."""

    def __init__(self, console: Console, engines: EngineFactory | None) -> None:
        self._console = console
        self.settings = console.settings
        self.access = console.access
        self.fleet = console.fleet
        self.alerts = console.alerts
        self.logs = console.logs
        self.stacks = console.stacks
        self.changes = console.changes
        self.correlation = console.correlation
        self.runbooks = ConsoleRunbooks(engines)
        self.fan_out = console.fan_out

    def plan(
        self, kind: ActionKind, env_name: str, params: Mapping[str, Any], tier: RoleTier | None = None
    ) -> Change:
        return self._console.plan(kind, env_name, params, tier)


def as_console_port(
    console: ConsolePort | Console | Services, engines: EngineFactory | None = None
) -> ConsolePort:
    """The console the TUI holds: a Console (or a fake of one); the old facade is unwrapped."""
    inner = getattr(console, "console", None)  # opsconsole.services.Services wraps a Console
    if inner is not None and engines is None:
        engines = getattr(console, "runbook_engine", None)
    target = inner if inner is not None else console
    if hasattr(target, "runbooks"):
        return cast("ConsolePort", target)
    return WithRunbooks(cast("Console", target), engines)


class StacksFacade:
    """The shape tui/screens/stacks.py takes (settings, clock, the stacks use case), over the console."""

    def __init__(self, console: ConsolePort) -> None:
        self._console = console
        self.settings = console.settings
        self.stacks = console.stacks

    def now(self) -> datetime:
        return self._console.correlation.now()
