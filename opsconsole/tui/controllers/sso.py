"""Signing in with IAM Identity Center from inside the TUI: the device flow runs in a worker, its
URL and code are shown in a modal on the UI thread (as `opsconsole accounts login --sso` prints
them), and the modal closes when the sign-in is approved, refused or expired."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Label

from opsconsole.domain.errors import OpsError
from opsconsole.tui.controllers.base import Controller

if TYPE_CHECKING:
    from opsconsole.ports import ConsolePort


@dataclass
class SsoCodeShown(Message, bubble=False):
    url: str
    code: str


class SsoEnded(Message, bubble=False):
    """The device flow is over: signed in until `expires`, or `error`."""

    def __init__(self, expires: datetime | None, error: str | None = None) -> None:
        super().__init__()
        self.expires = expires
        self.error = error


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

        try:
            expires = self.console.access.sso_login(None, show)
        except OpsError as e:
            self.post_message(SsoEnded(None, str(e)))
            return
        self.post_message(SsoEnded(expires))

    @on(SsoCodeShown)
    def _code(self, message: SsoCodeShown) -> None:
        self.shown = SsoScreen(message.url, message.code)
        self.app.push_screen(self.shown)

    @on(SsoEnded)
    def _ended(self, message: SsoEnded) -> None:
        if self.shown is not None and self.shown.is_attached:
            self.shown.dismiss(None)
        self.shown = None
        if message.error is not None:
            self.notify(message.error, title="SSO sign-in failed", severity="error", timeout=10)
        elif message.expires is not None:
            self.notify(f"signed in until {message.expires:%H:%M} UTC", title="SSO")
