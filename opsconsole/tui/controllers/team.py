"""The team in the TUI: a worker reads the team store now and then, and the operator hears once of
each approval waiting for someone else (with the command that gives it) and of a lock another
operator holds on the environment shown. Alone (no `[team] table`) it does nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.message import Message

from opsconsole.domain.errors import OpsError
from opsconsole.tui.controllers.base import Controller

if TYPE_CHECKING:
    from opsconsole.domain.team import TeamView
    from opsconsole.ports import ConsolePort

TEAM_REFRESH_SECONDS = 30.0


class TeamRead(Message, bubble=False):
    def __init__(self, view: TeamView, me: str) -> None:
        super().__init__()
        self.view = view
        self.me = me


class TeamWatch(Controller):
    """Tells of pending approvals (not the operator's own runs) and of locks on the environment."""

    def __init__(self, console: ConsolePort) -> None:
        super().__init__(console, id="team-watch")
        self.env_name = ""
        self.told: set[str] = set()
        """What the operator was already told: approvals by run/step, locks by env/holder/purpose."""

    def on_mount(self) -> None:
        if self.console.team is not None:
            self.read()
            self.set_interval(TEAM_REFRESH_SECONDS, self.read)

    def enter(self, env_name: str) -> None:
        self.env_name = env_name
        if self.console.team is not None:
            self.read()

    @work(thread=True, exclusive=True, exit_on_error=False, group="team-watch", description="Team")
    def read(self) -> None:
        team = self.console.team
        if team is None:
            return
        try:
            self.post_message(TeamRead(team.view(), self.console.access.caller_identity().arn))
        except OpsError:
            return  # the team store is away: changes that need it say so when asked

    @on(TeamRead)
    def _read(self, message: TeamRead) -> None:
        me = message.me
        for request in message.view.approvals:
            key = f"approval {request.binding.run_id}/{request.binding.step_id}"
            if request.proof is None and request.starter != me and key not in self.told:
                self.told.add(key)
                command = f"opsconsole runbook approve {request.binding.run_id} {request.binding.step_id}"
                self.notify(
                    f"{request.starter} asks in {request.environment}: {request.summary}\n{command}",
                    title="approval wanted",
                    timeout=20,
                )
        for lease in message.view.locks:
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
