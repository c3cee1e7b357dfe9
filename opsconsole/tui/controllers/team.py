"""The team in the TUI: a worker reads the team store now and then (never on the UI thread); the
header shows who holds the lock on the environment shown, why and when it expires; the operator
hears once of each approval waiting for someone else (with the command that gives it) and of a
lock another operator holds. It also installs the team screen (`T`, the palette). Alone (no
`[team] table`) it reads nothing; with one, it reads once the screen is filled (FillGate)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from textual import on, work
from textual.worker import get_current_worker

from opsconsole.domain.team import Lease, short_name
from opsconsole.tui.controllers.base import Controller
from opsconsole.tui.controllers.fill_gate import FILL_WAIT, FillGate
from opsconsole.tui.messages import TeamRead
from opsconsole.tui.screens.team import SCREEN_NAME, TeamScreen, read_team
from opsconsole.tui.widgets.environment_bar import EnvironmentBar

if TYPE_CHECKING:
    from opsconsole.domain.team import TeamView
    from opsconsole.ports import ConsolePort

TEAM_REFRESH_SECONDS = 15.0


class TeamWatch(Controller):
    """Tells of pending approvals (not the operator's own runs) and of locks on the environment."""

    def __init__(self, console: ConsolePort, filled: FillGate) -> None:
        super().__init__(console, id="team-watch")
        self._gate = filled
        self.env_name = ""
        self.told: set[str] = set()
        """What the operator was already told: approvals by run/step, locks by env/holder/purpose."""
        self.locks: dict[str, Lease] = {}
        """The live leases of the last read, by environment."""
        self.me = ""

    def on_mount(self) -> None:
        if not self.app.is_screen_installed(SCREEN_NAME):
            self.app.install_screen(TeamScreen(self.console), SCREEN_NAME)
        if self.console.team is not None:  # the first read comes with the first `enter`
            self.set_interval(TEAM_REFRESH_SECONDS, self.read)
            self.set_interval(1.0, self._show_lock)

    def open(self) -> None:
        """The team screen (the palette's entry; the `T` key pushes it by name)."""
        self.app.push_screen(SCREEN_NAME)

    def enter(self, env_name: str) -> None:
        self.env_name = env_name
        if self.console.team is not None:
            self._show_lock()  # what the last read knew of this environment, until the next one
            self.read()

    @work(thread=True, exclusive=True, exit_on_error=False, group="team-watch", description="Team")
    def read(self) -> None:
        self._gate.current.wait(FILL_WAIT)
        if get_current_worker().is_cancelled:  # a newer read (another environment) took over
            return
        read = read_team(self.console)
        if read is not None and read.me:  # without the operator's ARN their own runs look like others'
            self.post_message(read)

    @on(TeamRead)
    def _read(self, message: TeamRead) -> None:
        self.me = message.me
        if not message.view.notes:  # a store that is away keeps the last leases shown
            self.locks = {lease.environment: lease for lease in message.view.locks}
        self._show_lock()
        self._tell(message.view)

    def _show_lock(self) -> None:
        """The header's lock line, its expiry counted down from the console's clock."""
        bars = self.screen.query(EnvironmentBar)
        if not bars:
            return
        lease = self.locks.get(self.env_name)
        now: datetime = self.console.correlation.now()
        if lease is None or lease.expired(now):
            bars.first().show_lock(None)
            return
        holder = "you" if lease.holder == self.me else short_name(lease.holder)
        bars.first().show_lock(holder, lease.purpose, lease.expires_at - now)

    def _tell(self, view: TeamView) -> None:
        me = self.me
        for request in view.approvals:
            key = f"approval {request.binding.run_id}/{request.binding.step_id}"
            if request.proof is None and request.starter != me and key not in self.told:
                self.told.add(key)
                command = f"opsconsole runbook approve {request.binding.run_id} {request.binding.step_id}"
                self.notify(
                    f"{request.starter} asks in {request.environment}: {request.summary}\n{command}",
                    title="approval wanted",
                    timeout=20,
                )
        for lease in view.locks:
            key = f"lock {lease.environment}/{lease.holder}/{lease.purpose}"
            if lease.environment == self.env_name and lease.holder != me and key not in self.told:
                self.told.add(key)
                self.notify(
                    f"{lease.environment} is locked by {lease.holder}: {lease.purpose} "
                    f"(until {lease.expires_at:%H:%M} UTC); changes here wait for it",
                    title="environment locked",
                    severity="warning",
                    timeout=20,
                )
