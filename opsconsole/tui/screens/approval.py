"""An approve step of a runbook: who approves, or a rejection with a note, or later (the run pauses)."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label


@dataclass(frozen=True)
class ApprovalDecision:
    approved: bool
    by: str
    note: str = ""


class ApprovalScreen(ModalScreen[ApprovalDecision | None]):
    """None means later: the run stops as awaiting approval and can be resumed."""

    DEFAULT_CSS = """
    ApprovalScreen { align: center middle; }
    ApprovalScreen > Vertical {
        width: 90%; max-width: 120; height: auto; max-height: 90%;
        padding: 1 2; border: thick $warning; background: $surface;
    }
    ApprovalScreen.protected > Vertical { border: thick $error; }
    ApprovalScreen #approval-what { text-style: bold; margin-bottom: 1; }
    ApprovalScreen #approval-message { margin-bottom: 1; width: 100%; }
    ApprovalScreen #approval-why { color: $error; height: auto; width: 100%; }
    ApprovalScreen Horizontal { height: auto; align-horizontal: right; margin-top: 1; }
    ApprovalScreen Button { margin-left: 2; }
    """
    BINDINGS = [Binding("escape", "later", "Later", id="approval-later", tooltip="Leave it pending.")]

    def __init__(
        self, step: str, message: str, *, protected: bool, started_by: str, refused: str = ""
    ) -> None:
        super().__init__(classes="protected" if protected else "")
        self.step = step
        self.message = message
        self.protected = protected
        self.started_by = started_by
        self.refused = refused

    def compose(self) -> ComposeResult:
        who = (
            f"a second person: not {self.started_by}, who started the run"
            if self.protected
            else "the on-call engineer"
        )
        with Vertical():
            yield Label(f"Approval needed · step {self.step}", id="approval-what")
            yield Label(self.message, id="approval-message", markup=False)
            yield Label(f"Approver: {who}")
            yield Input(placeholder="approver's name", id="approver")
            yield Input(placeholder="note (for a rejection, say why)", id="note")
            yield Label(self.refused, id="approval-why")
            with Horizontal():
                yield Button("Later", id="later")
                yield Button("Reject", id="reject", variant="error")
                yield Button("Approve", id="approve", variant="success")

    def on_mount(self) -> None:
        self.query_one("#approver", Input).focus()

    def _decide(self, approved: bool) -> None:
        by = self.query_one("#approver", Input).value.strip()
        if not by:
            self.query_one("#approval-why", Label).update("type the approver's name")
            return
        self.dismiss(ApprovalDecision(approved, by, self.query_one("#note", Input).value.strip()))

    @on(Button.Pressed, "#approve")
    def _approve(self) -> None:
        self._decide(True)

    @on(Input.Submitted, "#approver")
    def _submitted(self) -> None:
        self.query_one("#note", Input).focus()

    @on(Input.Submitted, "#note")
    def _note_done(self) -> None:
        self._decide(True)

    @on(Button.Pressed, "#reject")
    def _reject(self) -> None:
        self._decide(False)

    @on(Button.Pressed, "#later")
    def action_later(self) -> None:
        self.dismiss(None)
