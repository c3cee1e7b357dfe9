"""The environment's configuration and the signed-in session, as a modal."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer

from opsconsole.domain.environment import Environment
from opsconsole.domain.identity import CallerIdentity, RoleSession
from opsconsole.tui.widgets.facts import EnvironmentPanel, SessionPanel


class EnvironmentInfo(ModalScreen[None]):
    DEFAULT_CSS = """
    EnvironmentInfo { align: center middle; }
    EnvironmentInfo > VerticalScroll { width: 100%; max-width: 100; height: auto; max-height: 100%; }
    EnvironmentInfo EnvironmentPanel, EnvironmentInfo SessionPanel { background: $surface; }
    """
    BINDINGS = [Binding("escape,i,q", "dismiss", "Close", id="info-close", tooltip="Back to the panes.")]

    def __init__(
        self,
        env: Environment,
        *,
        console_read_only: bool,
        now: Callable[[], datetime],
        identity: CallerIdentity | None = None,
        session: RoleSession | None = None,
        session_at: datetime | None = None,
        error: str | None = None,
    ) -> None:
        super().__init__()
        self.now = now
        self.session_at = session_at
        self.env = env
        self.console_read_only = console_read_only
        self.identity = identity
        self.session = session
        self.error = error

    def compose(self) -> ComposeResult:
        with VerticalScroll():  # at 80x24 the facts scroll, and the footer's close key stays in view
            yield EnvironmentPanel()
            yield SessionPanel(self.now)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(EnvironmentPanel).show_environment(self.env, console_read_only=self.console_read_only)
        panel = self.query_one(SessionPanel)
        if self.identity is not None:
            panel.show_identity(self.identity)
        if self.session is not None and self.session.environment == self.env.name:
            panel.show_session(self.session, self.session_at)
        if self.error is not None:
            panel.show_error(self.error)
        elif self.session is None:
            panel.show_pending(self.env.name)
