"""An approve step of a runbook: who approves, or a rejection with a note, or later (the run pauses)."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label

from opsconsole.tui.screens.dialog import Dialog


@dataclass(frozen=True)
class ApprovalDecision:
    approved: bool
    by: str
    note: str = ""


class ApprovalScreen(Dialog[ApprovalDecision | None]):
    """None means later: the run stops as awaiting approval and can be resumed."""

    DEFAULT_CSS = """
    ApprovalScreen #approval-what { text-style: bold; margin-bottom: 1; }
    ApprovalScreen #approval-message { margin-bottom: 1; width: 100%; }
    ApprovalScreen #approval-why { color: $error; height: auto; width: 100%; }
    """
    BINDINGS = [Binding("escape", "cancel", "Later", id="approval-later", tooltip="Leave it pending.")]

    def __init__(
        self, step: str, message: str, *, protected: bool, started_by: str, refused: str = ""
    ) -> None:
        super().__init__(None, protected=protected)
        self.step = step
        self.message = message
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
                yield Button("Later", id="later", action="screen.cancel")
                yield Button("Reject", id="reject", variant="error", action="screen.decide(False)")
                yield Button("Approve", id="approve", variant="success", action="screen.decide(True)")

    def on_mount(self) -> None:
        self.query_one("#approver", Input).focus()

    def action_decide(self, approved: bool) -> None:
        by = self.query_one("#approver", Input).value.strip()
        if not by:
            self.query_one("#approval-why", Label).update("type the approver's name")
            return
        self.dismiss(ApprovalDecision(approved, by, self.query_one("#note", Input).value.strip()))

    @on(Input.Submitted, "#approver")
    def _submitted(self) -> None:
        self.query_one("#note", Input).focus()

    @on(Input.Submitted, "#note")
    def _note_done(self) -> None:
        self.action_decide(True)
