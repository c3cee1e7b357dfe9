"""The runbook screen: pick a runbook, fill its inputs (prefilled from the selection), run or dry-run it
and watch each step; approvals come up as a modal; interrupted runs are listed and resume with Enter.

The engine runs in a thread worker and reports through events; this screen only shows them. An
approve step blocks the engine's thread until the modal answers (or is left for later, which
pauses the run as awaiting approval). The runbook files and run files are read by workers too
(`RunbookLibrary`), never on the UI thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, DataTable, Footer, Input, Label, Log, Static
from textual.worker import Worker, WorkerState, get_current_worker

from opsconsole.domain.errors import OpsError
from opsconsole.runbooks.events import ApprovalRefused, ApprovalRequest, RunEvent
from opsconsole.runbooks.library import Listed
from opsconsole.runbooks.model import Runbook
from opsconsole.runbooks.state import FAILED, SUCCEEDED, RunState
from opsconsole.tui.messages import RunEnded, RunEventArrived
from opsconsole.tui.read_only import changes_hidden
from opsconsole.tui.screens.approval import ApprovalDecision, ApprovalScreen
from opsconsole.tui.screens.runbook_states import EVENT_STATES, STEP_STYLES, persisted_states

if TYPE_CHECKING:
    from opsconsole.ports import ConsolePort, RunbooksPort


@dataclass
class FilesRead(Message, bubble=False):
    """A worker read runbook or run files; `keep` shows what it read, on the UI thread."""

    keep: Callable[[], object]


class RunbookScreen(Screen[None]):
    DEFAULT_CSS = """
    RunbookScreen #rb-title { height: 1; padding: 0 1; text-style: bold; color: $accent; }
    RunbookScreen #rb-left { width: 46; padding: 0 1; }
    RunbookScreen #rb-right { padding: 0 1; }
    RunbookScreen #rb-list, RunbookScreen #rb-runs, RunbookScreen #rb-steps { height: 1fr; }
    RunbookScreen .rb-heading { height: 1; text-style: bold; margin-top: 1; }
    RunbookScreen #rb-about { height: auto; max-height: 6; color: $text-muted; }
    RunbookScreen #rb-inputs { height: auto; max-height: 14; }
    RunbookScreen .rb-input { height: 3; }
    RunbookScreen .rb-input Label { width: 24; padding: 1 1 0 0; }
    RunbookScreen .rb-input Input { width: 1fr; }
    RunbookScreen #rb-buttons { height: 3; }
    RunbookScreen #rb-buttons Button { margin-right: 2; }
    RunbookScreen #rb-output { height: 10; border: round $secondary; }
    RunbookScreen #rb-state { height: 1; color: $text-muted; }
    RunbookScreen.-narrow #rb-left { width: 30; }
    RunbookScreen.-narrow .rb-input Label { width: 14; text-overflow: ellipsis; text-wrap: nowrap; }
    RunbookScreen.-narrow .rb-heading { height: 2; width: 100%; }
    RunbookScreen.-short #rb-about { max-height: 3; }
    RunbookScreen.-short #rb-output { height: 4; }
    """
    # At 80x24 the fixed widths left an input 2 characters wide and the steps no room.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (36, "-tall")]
    BINDINGS = [
        Binding("escape", "close", "Back", id="runbooks-close", tooltip="Back to the panes."),
        Binding(
            "ctrl+d", "start(True)", "Dry run", id="runbooks-dry-run", tooltip="Show every call; send none."
        ),
        Binding("ctrl+g", "start(False)", "Run", id="runbooks-run", tooltip="Run the runbook for real."),
        Binding("ctrl+x", "stop_run", "Stop", id="runbooks-stop", tooltip="Stop the run; resume it later."),
    ]

    def __init__(
        self,
        console: ConsolePort,
        runbooks: RunbooksPort,
        env_name: str,
        selection: Mapping[str, str] | None = None,
        preselect: str | None = None,
    ) -> None:
        super().__init__()
        self.console = console
        self.runbooks = runbooks
        self.env_name = env_name
        self.selection = dict(selection or {})
        self.preselect = preselect
        self.runbook: Runbook | None = None
        self.books: dict[str, Listed] = {}
        self.running = False
        self.last_state: RunState | None = None
        self._stop = threading.Event()

    def compose(self) -> ComposeResult:
        yield Label(f"Runbooks · {self.env_name}", id="rb-title")
        with Horizontal():
            with Vertical(id="rb-left"):
                yield DataTable(id="rb-list", cursor_type="row")
                yield Label("Runs (Enter resumes; dry runs not kept)", classes="rb-heading")
                yield DataTable(id="rb-runs", cursor_type="row")
            with Vertical(id="rb-right"):
                yield Static("", id="rb-about")
                yield VerticalScroll(id="rb-inputs")
                with Horizontal(id="rb-buttons"):
                    yield Button(
                        "Dry run (ctrl+d)", id="rb-dry-run", variant="primary", action="screen.start(True)"
                    )
                    yield Button("Run (ctrl+g)", id="rb-run", variant="warning", action="screen.start(False)")
                yield DataTable(id="rb-steps", cursor_type="row")
                yield Log(id="rb-output", max_lines=2000)
                yield Label("", id="rb-state")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#rb-list", DataTable)
        table.add_columns("runbook", "title")
        steps = self.query_one("#rb-steps", DataTable)
        for column in ("step", "kind", "state", "output"):
            steps.add_column(column, key=column)
        self.query_one("#rb-runs", DataTable).add_columns("run", "runbook", "status", "step")
        table.focus()
        self.read_library()

    def _answer(self, keep: Callable[[], object]) -> None:
        """From a file-reading worker: `keep` runs on the UI thread, unless a newer read of the
        worker's group took over; a screen closed meanwhile drops the message."""
        if not get_current_worker().is_cancelled:
            self.post_message(FilesRead(keep))

    @on(FilesRead)
    def _files_read(self, message: FilesRead) -> None:
        message.keep()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A file read that failed in a way no OpsError names (a bug) says so, not an empty list."""
        error = event.worker.error
        if event.state is WorkerState.ERROR and event.worker.group.startswith("rb-"):
            self.notify(
                f"{type(error).__name__}: {error}", title="Runbooks: unexpected error", severity="error"
            )

    def _failed(self, error: OpsError) -> None:
        self._answer(partial(self.notify, str(error), title="Runbooks", severity="error"))

    @work(thread=True, exclusive=True, exit_on_error=False, group="rb-library", description="Runbooks")
    def read_library(self) -> None:
        library = self.runbooks.library
        try:
            listed, runs = library.listed(), library.runs.runs()[:30]
        except OpsError as e:
            self._failed(e)
            return
        self._answer(partial(self._show_library, listed, runs))

    def _show_library(self, listed: list[Listed], runs: list[RunState]) -> None:
        table = self.query_one("#rb-list", DataTable)
        for entry in listed:
            self.books[entry.name] = entry
            title = entry.book.title if entry.book else entry.invalid
            table.add_row(entry.name, title, key=entry.name)
        self._show_runs(runs)
        if self.preselect and self.preselect in self.books:
            table.move_cursor(row=table.get_row_index(self.preselect))
            self.choose(self.preselect)

    # -- choosing and filling ----------------------------------------------------------------------

    @on(DataTable.RowHighlighted, "#rb-list")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None and not self.running:
            self.choose(str(event.row_key.value))

    def choose(self, name: str) -> None:
        entry = self.books.get(name)
        about = self.query_one("#rb-about", Static)
        form = self.query_one("#rb-inputs", VerticalScroll)
        form.remove_children()
        book = entry.book if entry else None
        if book is None:
            self.runbook = None
            problems = len(entry.problems) if entry else 0
            about.update(
                f"{name}: invalid: {problems} problems; `opsconsole runbook validate {name}` lists them"
            )
            return
        self.runbook = book
        about.update(f"{book.title}\n{book.description.strip()}")
        rows = []
        for spec in book.inputs:
            value = self._default(spec.type, spec.from_selection, spec.default)
            field = Input(value=value, placeholder=spec.description or spec.type, id=f"in-{spec.name}")
            rows.append(Horizontal(Label(f"{spec.name} ({spec.type})"), field, classes="rb-input"))
        form.mount_all(rows)
        self._show_steps(book)

    def _default(self, kind: str, from_selection: str | None, default: Any) -> str:
        if from_selection and self.selection.get(from_selection):
            return self.selection[from_selection]
        if kind == "environment":
            return self.env_name
        return "" if default is None else str(default)

    def _show_steps(self, book: Runbook, state: RunState | None = None) -> None:
        """The steps, as a resumed run's file has them (done, failed, awaiting), or all pending."""
        steps = self.query_one("#rb-steps", DataTable)
        steps.clear()
        persisted = persisted_states(state)
        for step in book.steps:
            shown, output = persisted.get(step.id, ("pending", ""))
            steps.add_row(step.id, step.kind, Text(shown, style=STEP_STYLES[shown]), output, key=step.id)

    def inputs(self) -> dict[str, str]:
        assert self.runbook is not None
        given = {}
        for spec in self.runbook.inputs:
            value = self.query_one(f"#in-{spec.name}", Input).value.strip()
            if value:
                given[spec.name] = value
        return given

    # -- running ---------------------------------------------------------------------------------------

    def action_start(self, dry_run: bool) -> None:
        if self.running or self.runbook is None:
            return
        if not dry_run and changes_hidden(self.app, self.env_name):
            self.notify("read-only: only dry runs", severity="warning")
            return
        self._begin(self.runbook)
        self.drive(self.runbook, self.inputs(), dry_run, None)

    @on(DataTable.RowSelected, "#rb-runs")
    def _resume_chosen(self, event: DataTable.RowSelected) -> None:
        if self.running or event.row_key.value is None:
            return
        self.read_run(str(event.row_key.value))

    @work(thread=True, exclusive=True, exit_on_error=False, group="rb-resume", description="Run file")
    def read_run(self, run_id: str) -> None:
        """A run chosen to resume: its file and its runbook's, read here, resumed on the UI thread."""
        library = self.runbooks.library
        try:
            state = library.runs.load(run_id)
            book = None if state.status == SUCCEEDED else library.load(state.path)
        except OpsError as e:
            self._failed(e)
            return
        self._answer(partial(self._resume, state, book))

    def _resume(self, state: RunState, book: Runbook | None) -> None:
        if book is None:
            self.notify("that run finished; nothing to resume")
            return
        if self.running:
            return
        self.runbook = book
        self._begin(book)
        self._show_steps(book, state)
        self.drive(book, {}, False, state.run_id)

    def _begin(self, book: Runbook) -> None:
        self.running = True
        self._stop = threading.Event()
        self._show_steps(book)
        self.query_one("#rb-output", Log).clear()
        self.query_one("#rb-steps", DataTable).focus()

    @work(thread=True, exclusive=True, exit_on_error=False, group="runbook-run", description="Runbook")
    def drive(self, book: Runbook, inputs: dict[str, str], dry_run: bool, resume: str | None) -> None:
        engine = self.runbooks.engine(
            on_event=self._relay,
            approver=self._ask,
            stop=self._stop,
        )
        try:
            if resume:
                state = engine.resume(resume)
            else:
                state = engine.start(book, inputs, selection=self.selection, dry_run=dry_run, reason="tui")
        except OpsError as e:
            self.post_message(RunEnded(None, str(e)))
            return
        self.post_message(RunEnded(state))

    def _relay(self, event: RunEvent) -> None:
        self.post_message(RunEventArrived(event))  # from the engine's thread to this screen's

    def _ask(self, request: ApprovalRequest) -> None:
        """On the engine's thread: ask in a modal and wait; a refused approver is asked again."""
        refused = ""
        while not self._stop.is_set():
            decision = self._ask_once(request, refused)
            if decision is None:
                return  # later: the run pauses as awaiting approval
            try:
                if decision.approved:
                    request.approve(decision.by, decision.note)
                else:
                    request.reject(decision.by, decision.note)
                return
            except ApprovalRefused as e:
                refused = e.message

    def _ask_once(self, request: ApprovalRequest, refused: str) -> ApprovalDecision | None:
        answered = threading.Event()
        box: list[ApprovalDecision | None] = []

        def decided(decision: ApprovalDecision | None) -> None:
            box.append(decision)
            answered.set()

        modal = ApprovalScreen(
            request.step,
            request.message,
            protected=request.protected,
            started_by=request.started_by,
            refused=refused,
        )
        self.app.call_from_thread(self.app.push_screen, modal, decided)
        while not answered.wait(0.2):
            if self._stop.is_set():
                return None
        return box[0] if box else None

    @on(RunEventArrived)
    def _event(self, message: RunEventArrived) -> None:
        event = message.event
        log = self.query_one("#rb-output", Log)
        steps = self.query_one("#rb-steps", DataTable)
        state = EVENT_STATES.get(event.kind)
        if event.step and state and event.step in steps.rows:
            # the columns widen to what they now hold ("succeeded", not "succee")
            steps.update_cell(event.step, "state", Text(state, style=STEP_STYLES[state]), update_width=True)
            if event.message and event.kind in ("step-finished", "step-failed"):
                steps.update_cell(event.step, "output", event.message[:80], update_width=True)
        where = f"[{event.step}] " if event.step else ""
        log.write_line(f"{event.kind:<15} {where}{event.message}")

    @on(RunEnded)
    def _ended(self, message: RunEnded) -> None:
        self.running = False
        self.last_state = message.state
        label = self.query_one("#rb-state", Label)
        if message.state is None:
            label.update(f"not started: {message.error}")
            self.notify(message.error or "", title="Runbook", severity="error", timeout=8)
        else:
            state = message.state
            kind = "dry run" if state.dry_run else "run"
            label.update(f"{kind} {state.run_id}: {state.status} at {state.cursor or 'the end'}")
            failed = state.status == FAILED
            waiting = state.waiting_note()  # a signed approval names the command that gives it
            self.notify(
                f"{state.title}: {state.status}" + (f"\n{waiting}" if waiting else ""),
                title="Runbook",
                severity="error" if failed else "information",
            )
        self.read_runs()

    @work(thread=True, exclusive=True, exit_on_error=False, group="rb-runs", description="Run files")
    def read_runs(self) -> None:
        try:
            runs = self.runbooks.library.runs.runs()[:30]
        except OpsError as e:
            self._failed(e)
            return
        self._answer(partial(self._show_runs, runs))

    def _show_runs(self, runs: list[RunState]) -> None:
        table = self.query_one("#rb-runs", DataTable)
        table.clear()
        for state in runs:
            style = "green" if state.status == SUCCEEDED else "red" if state.status == FAILED else "yellow"
            table.add_row(
                state.run_id[-13:],
                state.runbook,
                Text(state.status, style=style),
                state.cursor,
                key=state.run_id,
            )

    def action_stop_run(self) -> None:
        if self.running:
            self._stop.set()  # waits and retries end promptly; the run stops and can be resumed
            self.notify("stopping the run at its current step; resume it from Runs")

    def action_close(self) -> None:
        if self.running:
            self.notify("a run is in progress: wait for it, or ctrl+x to stop it", severity="warning")
            return
        self.app.pop_screen()
