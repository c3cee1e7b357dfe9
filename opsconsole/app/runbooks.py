"""Runbook runs over a Console: the engine, wired to the run files under the user's state directory.

The engine drives the console's use cases (reads, planned changes, the audit trail), so it sits on
top of Console rather than inside it: `Runbooks(console).engine(...)`, and a front-end is handed both
(Console itself cannot hand it out: the engine's steps plan with the Console, which would make a
cycle).

The engine, the run store and the runbook files are imported on first use: the TUI holds a
Runbooks from its start, and importing the engine there (the team store, approvals, YAML) cost
~0.1 s of every launch for a screen most sessions never open.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from opsconsole.app.console import Console
    from opsconsole.runbooks.engine import RunbookEngine
    from opsconsole.runbooks.events import ApprovalRequest, RunEvent
    from opsconsole.runbooks.library import RunbookLibrary
    from opsconsole.runbooks.state import RunStore


class Runbooks:
    """Builds runbook engines for one console session (a CLI command, a TUI session)."""

    def __init__(self, console: Console, store: RunStore | None = None) -> None:
        self._console = console
        self._store = store

    @property
    def library(self) -> RunbookLibrary:
        """The runbook files and the runs kept of them (reads files: workers only in the TUI)."""
        from opsconsole.runbooks.library import RunbookLibrary

        return RunbookLibrary(runs=self._store)

    @property
    def store(self) -> RunStore:
        """The run files: `<state dir>/runbook-runs/` unless another store was handed in."""
        return self.library.runs

    def engine(
        self,
        *,
        on_event: Callable[[RunEvent], None] | None = None,
        approver: Callable[[ApprovalRequest], None] | None = None,
        stop: threading.Event | None = None,
    ) -> RunbookEngine:
        """An engine that tells `on_event` what happens, asks `approver` at approve steps, and ends
        waits and retries when `stop` is set."""
        from opsconsole.runbooks.engine import RunbookEngine

        return RunbookEngine(self._console, self.store, on_event=on_event, approver=approver, stop=stop)
