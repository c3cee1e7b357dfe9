"""Confirming a change: protected environments need their name typed; others a plain yes."""

from __future__ import annotations

from typing import TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label

from opsconsole.tui.screens.dialog import Dialog

R = TypeVar("R")


class EnvironmentModal(Dialog[R]):
    """A dialog acting on one environment: a protected one (red frame) needs its name typed, and a
    refusal says why (`typed_name` composes the field and the line, `say_refused` fills it)."""

    def __init__(self, env_name: str, cancelled: R, *, protected: bool) -> None:
        super().__init__(cancelled, protected=protected)
        self.env_name = env_name

    def typed_name(self) -> ComposeResult:
        if self.protected:
            yield Label(f"{self.env_name} is protected. Type its name to go ahead:")
            yield Input(placeholder=self.env_name, id="typed")
        yield Label("", id="refused")

    def say_refused(self, refused: str) -> None:
        label = self.query_one("#refused", Label)
        label.update(refused)
        label.display = bool(refused)

    def name_refused(self) -> str | None:
        """Why the typed name does not confirm (None: it does, or none is needed)."""
        return name_refused(self.query_one("#typed", Input).value, self.env_name) if self.protected else None


class ConfirmChange(EnvironmentModal[bool]):
    """Returns True only when the operator confirmed; Escape or Cancel returns False."""

    DEFAULT_CSS = """
    ConfirmChange #what { text-style: bold; margin-bottom: 1; width: 100%; }
    ConfirmChange #calls { height: auto; max-height: 12; margin-bottom: 1; }
    ConfirmChange #why { color: $text-muted; width: 100%; }
    ConfirmChange #refused { color: $error; width: 100%; height: auto; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="confirm-cancel", tooltip="Change nothing.")]

    def __init__(self, env_name: str, *, protected: bool, what: str, summary: str) -> None:
        super().__init__(env_name, False, protected=protected)
        self.what = what
        self.summary = summary

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"{self.what} — {self.env_name}", id="what", markup=False)
            with VerticalScroll(id="calls"):
                yield Label(self.summary, id="why", markup=False)
            yield from self.typed_name()
            with Horizontal():
                yield Button("Cancel", id="cancel", action="screen.cancel")
                yield Button(
                    "Send" if self.protected else "Confirm",
                    id="go",
                    variant="error" if self.protected else "warning",
                    disabled=self.protected,
                    action="screen.dismiss(True)",
                )

    def on_mount(self) -> None:
        self.say_refused("")
        if self.protected:
            self.query_one("#typed", Input).focus()
        else:
            self.query_one("#go", Button).focus()

    @on(Input.Changed, "#typed")
    def _typed(self, event: Input.Changed) -> None:
        self.query_one("#go", Button).disabled = event.value.strip() != self.env_name

    @on(Input.Submitted, "#typed")
    def _submitted(self, event: Input.Submitted) -> None:
        refused = self.name_refused()
        if refused is None:
            self.dismiss(True)
        else:
            self.say_refused(refused)


def name_refused(typed: str, env_name: str) -> str | None:
    """Why a typed confirmation does not confirm `env_name`, in a line; None when it does."""
    typed = typed.strip()
    if typed == env_name:
        return None
    why = "nothing typed" if not typed else f"“{typed}” is not “{env_name}”"
    return f"{why}: type the environment's name exactly to confirm, or Escape to change nothing"
