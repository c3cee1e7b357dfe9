"""The environment's configuration and the signed-in session, as a modal."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer

from opsconsole.tui.widgets.facts import EnvironmentPanel, SessionPanel

if TYPE_CHECKING:
    from opsconsole.ports import ConsolePort
    from opsconsole.tui.controllers.session import SessionFacts


class EnvironmentInfo(ModalScreen[None]):
    DEFAULT_CSS = """
    EnvironmentInfo { align: center middle; }
    EnvironmentInfo > VerticalScroll { width: 100%; max-width: 100; height: auto; max-height: 100%; }
    EnvironmentInfo EnvironmentPanel, EnvironmentInfo SessionPanel { background: $surface; }
    """
    BINDINGS = [Binding("escape,i,q", "dismiss", "Close", id="info-close", tooltip="Back to the panes.")]

    def __init__(self, console: ConsolePort, env_name: str, facts: SessionFacts) -> None:
        super().__init__()
        self.console = console
        self.env_name = env_name
        self.facts = facts

    def compose(self) -> ComposeResult:
        with VerticalScroll():  # at 80x24 the facts scroll, and the footer's close key stays in view
            yield EnvironmentPanel()
            yield SessionPanel(self.console.correlation.now)
        yield Footer()

    def on_mount(self) -> None:
        settings = self.console.settings
        facts = self.facts
        self.query_one(EnvironmentPanel).show_environment(
            settings.environment(self.env_name), console_read_only=settings.read_only
        )
        panel = self.query_one(SessionPanel)
        if facts.identity is not None:
            panel.show_identity(facts.identity)
        if facts.session is not None and facts.session.environment == self.env_name:
            panel.show_session(facts.session, facts.resolved_at)
        if facts.error is not None:
            panel.show_error(facts.error)
        elif facts.session is None:
            panel.show_pending(self.env_name)
