"""MFA codes asked inside the TUI: a modal on the UI thread, never a terminal prompt behind the screen.

The role broker asks for a code from whichever thread renews the identity session (a pane's
worker, the session keeper). `ModalMfaPrompt` posts a request to the app, which shows `MfaScreen`;
the asking thread waits on an event, with a timeout, and gives up as soon as the app quits. Before
the app runs (the sign-in at start) the terminal prompt it was given is used.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from opsconsole.domain.errors import MfaRequired
from opsconsole.domain.identity import MfaPrompt

if TYPE_CHECKING:
    from textual.app import App

MFA_TIMEOUT_SECONDS = 120.0
POLL_SECONDS = 0.1


@dataclass
class MfaRequested(Message):
    """A thread needs an MFA code: the app shows the modal and calls `answer` with it (None: none)."""

    serial: str
    answer: Callable[[str | None], None]


class ModalMfaPrompt:
    """An `MfaPrompt` for the broker: asks through the app once it runs, else through `fallback`."""

    def __init__(self, fallback: MfaPrompt | None = None, *, timeout: float = MFA_TIMEOUT_SECONDS) -> None:
        self.fallback = fallback
        self.timeout = timeout
        self.app: App[int] | None = None
        self._closed = threading.Event()

    def attach(self, app: App[int]) -> None:
        self.app = app

    def close(self) -> None:
        """The app is quitting: any thread waiting for a code stops waiting now."""
        self._closed.set()

    def __call__(self, serial: str) -> str:
        app = self.app
        if app is None or not app.is_running:
            if self.fallback is None or self._closed.is_set():
                raise MfaRequired(f"an MFA code for {serial} is needed", hint="start the console again")
            return self.fallback(serial)
        if threading.get_ident() == app._thread_id:
            raise MfaRequired("an MFA code cannot be asked for on the UI thread", hint="press r to renew")
        box: list[str | None] = []
        done = threading.Event()

        def answer(code: str | None) -> None:
            box.append(code)
            done.set()

        app.post_message(MfaRequested(serial, answer))
        deadline = time.monotonic() + self.timeout
        while not done.wait(POLL_SECONDS):
            if self._closed.is_set() or not app.is_running:
                raise MfaRequired("the console quit while asking for an MFA code")
            if time.monotonic() > deadline:
                raise MfaRequired(
                    f"no MFA code entered within {self.timeout:.0f} s", hint="press r to renew the session"
                )
        code = box[0] if box else None
        if not code:
            raise MfaRequired("no MFA code entered: the session was not renewed", hint="press r to try again")
        return code


class MfaScreen(ModalScreen[str | None]):
    """Six digits for the MFA device; Escape gives none. q still quits (a code has no letters)."""

    DEFAULT_CSS = """
    MfaScreen { align: center middle; }
    MfaScreen > Vertical {
        width: 90%; max-width: 70; height: auto; padding: 1 2; border: thick $warning; background: $surface;
    }
    MfaScreen #mfa-what { text-style: bold; width: 100%; }
    MfaScreen #mfa-why { color: $error; width: 100%; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="mfa-cancel", tooltip="Renew later (r)."),
        Binding("q", "app.quit", "Quit", priority=True, id="mfa-quit", tooltip="Leave the console."),
    ]

    def __init__(self, serial: str) -> None:
        super().__init__()
        self.serial = serial

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"MFA code for {self.serial}", id="mfa-what", markup=False)
            yield Label("The identity session ends: enter the code your device shows now.")
            yield Input(placeholder="6 digits", id="mfa-code", restrict=r"[0-9]*", max_length=6)
            yield Label("", id="mfa-why")

    def on_mount(self) -> None:
        self.query_one("#mfa-code", Input).focus()

    @on(Input.Submitted, "#mfa-code")
    def _submitted(self, event: Input.Submitted) -> None:
        code = event.value.strip()
        if len(code) != 6:
            self.query_one("#mfa-why", Label).update(f"{len(code)} digits: an MFA code has six")
            return
        self.dismiss(code)

    def action_cancel(self) -> None:
        self.dismiss(None)
