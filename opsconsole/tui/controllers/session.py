"""The read role session of the environment shown: assumed in a worker on every switch, renewed
before it ends, its countdown in the environment bar; and the identity signed in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from textual import on, work
from textual.worker import get_current_worker

from opsconsole.domain.environment import RoleTier
from opsconsole.domain.errors import OpsError
from opsconsole.domain.identity import CallerIdentity, RoleSession
from opsconsole.tui.controllers.base import Controller
from opsconsole.tui.messages import IdentityResolved, SessionFailed, SessionResolved
from opsconsole.tui.widgets.environment_bar import EnvironmentBar

if TYPE_CHECKING:
    from opsconsole.ports import ConsolePort

RENEW_BEFORE = timedelta(minutes=5)
"""Renew a session this long before it ends, so panes never see expired credentials."""
WARN_BEFORE = timedelta(minutes=10)


@dataclass(frozen=True)
class SessionFacts:
    """What the keeper knows at one moment (the environment info modal shows it)."""

    identity: CallerIdentity | None
    session: RoleSession | None
    resolved_at: datetime | None
    error: str | None


class SessionKeeper(Controller):
    def __init__(self, console: ConsolePort) -> None:
        super().__init__(console)
        self.env_name = ""
        self.session: RoleSession | None = None
        self.resolved_at: datetime | None = None
        """When the session shown was assumed or renewed (the age a stale marker gives)."""
        self.identity: CallerIdentity | None = None
        self.error: str | None = None

    def facts(self) -> SessionFacts:
        return SessionFacts(self.identity, self.session, self.resolved_at, self.error)

    def on_mount(self) -> None:
        self.fetch_identity()
        self.set_interval(1.0, self.tick)

    def enter(self, env_name: str) -> None:
        """A new environment: forget the old session and assume this one's read role."""
        self.env_name = env_name
        self.session = None
        self.error = None
        self.assume_read(env_name)

    def renew(self) -> None:
        """`r`: assume the read role again now; the countdown starts over from the new session."""
        self.notify(f"renewing the {self.env_name} session…")
        self.assume_read(self.env_name, renew=True)

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="session-assume",
        description="Assuming the read role",
    )
    def assume_read(self, env_name: str, *, renew: bool = False) -> None:
        worker = get_current_worker()
        access = self.console.access
        try:
            session = (
                access.renew(env_name, RoleTier.READ) if renew else access.session(env_name, RoleTier.READ)
            )
        except OpsError as e:
            if not worker.is_cancelled:
                self.post_message(SessionFailed(env_name, str(e)))
            return
        if not worker.is_cancelled:
            self.post_message(SessionResolved(session))

    @work(thread=True, exclusive=True, exit_on_error=False, group="identity-fetch", description="Identity")
    def fetch_identity(self) -> None:
        try:
            identity = self.console.access.caller_identity()
        except OpsError as e:
            self.post_message(SessionFailed(self.env_name, str(e)))
            return
        self.post_message(IdentityResolved(identity))

    @on(SessionResolved)
    def _resolved(self, message: SessionResolved) -> None:
        if message.session.environment != self.env_name:
            return
        self.session = message.session
        self.resolved_at = self.console.correlation.now()
        self.error = None
        self.screen.query_one(EnvironmentBar).show_session(message.session)
        self.tick()

    @on(SessionFailed)
    def _session_failed(self, message: SessionFailed) -> None:
        if message.env_name != self.env_name:
            return
        self.error = message.error
        self.notify(message.error, title=f"Cannot enter {message.env_name}", severity="error", timeout=8)

    @on(IdentityResolved)
    def _identity(self, message: IdentityResolved) -> None:
        self.identity = message.identity

    def tick(self) -> None:
        if self.session is None:
            return  # the bar says "assuming…" (or the error) until a session arrives
        remaining = self.session.expires_at - self.console.correlation.now()
        bar = self.screen.query_one(EnvironmentBar)
        bar.show_remaining(remaining, expiring=remaining <= WARN_BEFORE)
        if remaining <= RENEW_BEFORE and not self._renewing():
            self.assume_read(self.env_name)

    def _renewing(self) -> bool:
        return any(w.group == "session-assume" and w.is_running for w in self.workers)
