"""The question modals share one frame (tui/screens/dialog.py): each button answers what its label
says, Escape answers the dialog's own "changed nothing", and the keys the help lists stay theirs."""

from __future__ import annotations

from typing import Any

import pytest
from textual.app import App
from textual.color import Color
from textual.screen import Screen
from textual.widgets import Button, Input

from opsconsole.tui.screens.approval import ApprovalDecision, ApprovalScreen
from opsconsole.tui.screens.confirm import ConfirmChange
from opsconsole.tui.screens.dialog import Dialog
from opsconsole.tui.screens.log_search import LogSearchScreen

SIZE = (120, 40)


class Host(App[None]):
    """Pushes one dialog and records what it answers."""

    def __init__(self, dialog: Screen[Any]) -> None:
        super().__init__()
        self.dialog = dialog
        self.answers: list[object] = []

    def on_mount(self) -> None:
        self.push_screen(self.dialog, self.answers.append)


async def click(pilot: Any, selector: str) -> None:
    """Click a button once it is ready: a button ignores clicks while it still shows the last one."""
    button = pilot.app.screen.query_one(selector, Button)
    for _ in range(40):
        if not button.has_class("-active"):
            break
        await pilot.pause(0.05)
    await pilot.click(selector)
    for _ in range(3):  # the button's action runs a moment later
        await pilot.pause()


def confirm() -> ConfirmChange:
    return ConfirmChange("dev", protected=False, what="scale api", summary="1 call")


def approval() -> ApprovalScreen:
    return ApprovalScreen("approve", "scale api?", protected=True, started_by="alice")


@pytest.mark.parametrize(
    ("dialog", "button", "answer"),
    [
        (confirm, "#cancel", False),
        (confirm, "#go", True),
        (approval, "#later", None),
        (lambda: LogSearchScreen("dev", "service:api"), "#cancel", None),
    ],
)
async def test_each_button_answers_what_it_says(dialog: Any, button: str, answer: object) -> None:
    app = Host(dialog())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await click(pilot, button)
        assert app.answers == [answer]
        assert not isinstance(app.screen, Dialog)


@pytest.mark.parametrize(
    ("dialog", "answer", "key_id"),
    [
        (confirm, False, "confirm-cancel"),
        (approval, None, "approval-later"),
        (lambda: LogSearchScreen("dev", ""), None, "log-search-cancel"),
    ],
)
async def test_escape_changes_nothing_under_the_dialogs_own_key(
    dialog: Any, answer: object, key_id: str
) -> None:
    app = Host(dialog())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert [b.id for b in app.screen.BINDINGS if not isinstance(b, tuple | str)] == [key_id]
        await pilot.press("escape")
        await pilot.pause()
        assert app.answers == [answer]


@pytest.mark.parametrize(("button", "approved"), [("#approve", True), ("#reject", False)])
async def test_approval_buttons_decide_with_the_approvers_name(button: str, approved: bool) -> None:
    app = Host(approval())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await click(pilot, button)  # no name yet: it asks for one and stays
        assert app.answers == [] and isinstance(app.screen, ApprovalScreen)
        app.screen.query_one("#approver", Input).value = "bob"
        app.screen.query_one("#note", Input).value = "seen"
        await click(pilot, button)
        assert app.answers == [ApprovalDecision(approved, "bob", "seen")]


@pytest.mark.parametrize(("protected", "colour"), [(True, "error"), (False, "warning")])
async def test_the_frame_is_red_only_in_a_protected_environment(protected: bool, colour: str) -> None:
    app = Host(ApprovalScreen("approve", "scale api?", protected=protected, started_by="alice"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        kind, shown = app.screen.query_one("Vertical").styles.border_top
        assert kind == "thick"
        assert shown == Color.parse(app.current_theme.to_color_system().generate()[colour])
