"""The team screen: locks, pending approvals, running and waiting runs, and the team's last actions
per environment; the same `Team.view()` as `opsconsole team`, read in a worker every few seconds
while the screen is shown. Alone (no `[team] table`) it says how to set one up."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label

from opsconsole.domain.errors import OpsError
from opsconsole.domain.team import TeamView, short_name
from opsconsole.tui.format import plural
from opsconsole.tui.messages import TeamRead
from opsconsole.tui.widgets.environment_bar import format_remaining

if TYPE_CHECKING:
    from opsconsole.ports import ConsolePort

SCREEN_NAME = "team"
"""The name the screen is installed under (the main screen's key pushes it by name)."""
REFRESH_SECONDS = 10.0
ALONE = 'no team store is configured: the console works alone (add [team] table = "opsconsole-team")'

COLUMNS = {
    "locks": ("env", "holder", "purpose", "expires in"),
    "approvals": ("run", "step", "env", "started by", "what", "approve with"),
    "runs": ("run", "env", "status", "by", "waits at", "for"),
    "actions": ("env", "at", "who", "action", "outcome"),
}
TITLES = {
    "locks": "Locks",
    "approvals": "Pending approvals",
    "runs": "Running and waiting runs",
    "actions": "Last actions per environment",
}


def read_team(console: ConsolePort) -> TeamRead | None:
    """From a worker, for the screen and the header's watch: None alone (no team store)."""
    team = console.team
    if team is None:
        return None
    view = team.view()  # a store that is away comes back as notes, not an error
    try:
        me = console.access.caller_identity().arn
    except OpsError:
        me = ""
    return TeamRead(view, me, console.correlation.now())


class TeamScreen(Screen[None]):
    DEFAULT_CSS = """
    TeamScreen #team-title { height: 1; padding: 0 1; text-style: bold; }
    TeamScreen #team-state { height: 1; padding: 0 1; color: $text-muted; }
    TeamScreen #team-state.away { color: $warning; text-style: bold; }
    TeamScreen .team-heading { height: 1; padding: 0 1; margin-top: 1; text-style: bold; color: $accent; }
    TeamScreen DataTable { height: auto; max-height: 10; margin: 0 1; }
    """
    BINDINGS = [
        Binding("escape,q", "close", "Back", id="team-close", tooltip="Back to the panes."),
        Binding("r", "reload", "Reload", id="team-reload", tooltip="Read the team store again now."),
    ]

    def __init__(self, console: ConsolePort) -> None:
        super().__init__()
        self.console = console
        self.read_at: datetime | None = None
        """When the rows shown were read (a store that is away leaves them)."""

    def compose(self) -> ComposeResult:
        yield Label("Team · locks, approvals, runs, last actions", id="team-title")
        yield Label("reading the team store…" if self.console.team else ALONE, id="team-state", markup=False)
        with VerticalScroll(id="team-body"):
            for part, columns in COLUMNS.items():
                yield Label(TITLES[part], classes="team-heading")
                table: DataTable[str | Text] = DataTable(
                    id=f"team-{part}", cursor_type="row", zebra_stripes=True
                )
                for column in columns:
                    table.add_column(column, key=column)
                yield table
        yield Footer()

    def on_mount(self) -> None:
        self.set_interval(REFRESH_SECONDS, self._tick)

    def on_screen_resume(self) -> None:
        self.action_reload()

    def _tick(self) -> None:
        if self.is_current:
            self.action_reload()

    def action_reload(self) -> None:
        if self.console.team is not None:
            self.read()

    @work(thread=True, exclusive=True, exit_on_error=False, group="team-screen", description="Team")
    def read(self) -> None:
        if (read := read_team(self.console)) is not None:
            self.post_message(read)

    @on(TeamRead)
    def _read(self, message: TeamRead) -> None:
        view, at = message.view, message.at
        if view.notes:  # the store is away: what was read before stays, marked
            self._state(view, at)
            return
        self.read_at = at
        rows: dict[str, list[tuple[str, ...]]] = {
            "locks": [
                (
                    lock.environment,
                    _who(lock.holder, message.me),
                    lock.purpose,
                    format_remaining(lock.expires_at - at),
                )
                for lock in view.locks
            ],
            "approvals": [
                (
                    a.binding.run_id,
                    a.binding.step_id,
                    a.environment,
                    _who(a.starter, message.me),
                    a.summary,
                    "signed: the run resumes"
                    if a.proof is not None
                    else f"opsconsole runbook approve {a.binding.run_id} {a.binding.step_id}",
                )
                for a in view.approvals
            ],
            "runs": [
                (
                    r.run_id,
                    r.environment,
                    r.status,
                    _who(r.starter, message.me),
                    r.waiting_step or "",
                    r.waiting_for or "",
                )
                for r in view.runs
            ],
            "actions": [
                (a.environment, f"{a.at:%m-%d %H:%M:%S}", short_name(a.actor), a.action, a.outcome)
                for a in view.actions
            ],
        }
        for part, values in rows.items():
            table = self.query_one(f"#team-{part}", DataTable)
            with self.app.batch_update():
                table.clear()
                for row in values:
                    table.add_row(*(Text(cell) for cell in row))  # data, never markup
        self._state(view, at)

    def _state(self, view: TeamView, at: datetime) -> None:
        state = self.query_one("#team-state", Label)
        counts = (plural(len(view.locks), "lock"), plural(len(view.approvals), "pending approval"))
        text = f"read {at:%H:%M:%S} UTC · {counts[0]} · {counts[1]} · {plural(len(view.runs), 'run')}"
        if view.unsent:
            text += f" · {view.unsent} record(s) kept locally until the store is back"
        if view.notes:
            since = f" (shown: as read at {self.read_at:%H:%M:%S})" if self.read_at else ""
            text = "team store away: " + "; ".join(view.notes) + since
        state.update(text)
        state.set_class(bool(view.notes), "away")

    def action_close(self) -> None:
        self.app.pop_screen()


def _who(arn: str, me: str) -> str:
    return f"{short_name(arn)} (you)" if arn == me and me else short_name(arn)
