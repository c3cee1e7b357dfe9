"""Signing in with IAM Identity Center from inside the TUI: the device flow runs in a worker, its
URL and code are shown in a modal on the UI thread (as `opsconsole accounts login --sso` prints
them), and the modal closes when the sign-in is approved, refused or expired."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label

from opsconsole.tui.controllers.base import Controller
from opsconsole.tui.messages import ActionFailed, SsoCodeShown, SsoSignedIn

if TYPE_CHECKING:
    from opsconsole.ports import ConsolePort


class SsoScreen(ModalScreen[None]):
    """The URL to open and the code to type; Esc hides it while the sign-in goes on."""

    DEFAULT_CSS = """
    SsoScreen { align: center middle; }
    SsoScreen > Vertical { width: 80%; max-width: 90; height: auto; border: thick $accent; padding: 1 2; }
    SsoScreen Label { width: 100%; }
    SsoScreen #sso-code { text-style: bold; color: $accent; margin: 1 0; }
    """
    BINDINGS = [Binding("escape", "dismiss", "Hide", tooltip="Hide this; the sign-in goes on.")]

    def __init__(self, url: str, code: str) -> None:
        super().__init__()
        self.url = url
        self.code = code

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Sign in with IAM Identity Center", classes="title")
            yield Label(f"Open {self.url} in a browser and enter the code:")
            yield Label(self.code, id="sso-code")
            yield Label("Waiting for the sign-in to be approved… (Esc hides this; it goes on)")

    async def action_dismiss(self, result: Any = None) -> None:
        self.dismiss(None)


class SsoLogin(Controller):
    """Runs the device flow for the identity profile and shows its code."""

    def __init__(self, console: ConsolePort) -> None:
        super().__init__(console, id="sso-login")
        self.shown: SsoScreen | None = None

    @work(thread=True, exclusive=True, exit_on_error=False, group="sso-login", description="SSO sign-in")
    def start(self) -> None:
        def show(device: Any) -> None:
            self.post_message(SsoCodeShown(device.verification_uri_complete, device.user_code))

        self.attempt("SSO sign-in", lambda: self.console.access.sso_login(None, show), SsoSignedIn)

    @on(SsoCodeShown)
    def _code(self, message: SsoCodeShown) -> None:
        self.shown = SsoScreen(message.url, message.code)
        self.app.push_screen(self.shown)

    @on(SsoSignedIn)
    def _signed_in(self, message: SsoSignedIn) -> None:
        self._hide()
        self.notify(f"signed in until {message.expires:%H:%M} UTC", title="SSO")

    @on(ActionFailed)
    def _hide(self) -> None:
        """The flow is over: the code goes (a failure is told by Controller's own handler)."""
        if self.shown is not None and self.shown.is_attached:
            self.shown.dismiss(None)
        self.shown = None
