"""MFA renewal inside the TUI: the code is asked in a modal on the UI thread, the worker that
renews waits for it; q quits while the modal is open and the waiting worker gives up at once.

The identity here is a fake with a fake clock: its MFA session ends at a set time, and renewing
after that asks the prompt the TUI supplies (as the real broker's identity credentials do)."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

from textual.widgets import Label

from opsconsole.domain.environment import RoleTier
from opsconsole.domain.errors import MfaRequired
from opsconsole.domain.identity import RoleSession
from opsconsole.tui.app import OpsConsoleApp
from opsconsole.tui.mfa import MfaScreen, ModalMfaPrompt
from tests.tui.fakes import NOW, FakeAccess, FrozenConsole

SERIAL = "arn:aws:iam::999999999999:mfa/alice"


class MfaAccess(FakeAccess):
    """Sessions need the identity's MFA session, which ends at `mfa_until` on the world's clock."""

    def __init__(self, world: MfaWorld) -> None:
        super().__init__(world)
        self.mfa_world = world
        self.codes: list[str] = []
        self.refused: list[str] = []

    def renew(self, env_name: str, tier: RoleTier) -> RoleSession:
        world = self.mfa_world
        if world.now() >= world.mfa_until:
            try:
                self.codes.append(world.prompt(SERIAL))
            except MfaRequired as e:
                self.refused.append(e.message)
                raise
            world.mfa_until = world.now() + timedelta(hours=12)
        return super().renew(env_name, tier)


class MfaWorld(FrozenConsole):
    def __init__(self) -> None:
        super().__init__()
        self.at = NOW
        self.mfa_until = NOW + timedelta(minutes=10)
        self.prompt = ModalMfaPrompt(timeout=30)
        self.mfa_access = MfaAccess(self)
        self.access = self.mfa_access

    def now(self) -> Any:
        return self.at


async def until(pilot: Any, condition: Any, what: str, seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"not within {seconds:.0f} s: {what}")


async def test_an_expired_mfa_session_renews_through_the_modal() -> None:
    world = MfaWorld()
    app = OpsConsoleApp(world)
    world.prompt.attach(app)
    async with app.run_test(size=(120, 30)) as pilot:
        await until(pilot, lambda: world.calls, "the first session")
        world.at = NOW + timedelta(minutes=40)  # past the MFA session's end
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, MfaScreen), "the MFA modal")
        assert threading.current_thread() is threading.main_thread()  # the modal lives on the UI thread
        await pilot.press(*"12345", "enter")
        await pilot.pause()
        assert "5 digits" in str(app.screen.query_one("#mfa-why", Label).render())
        await pilot.press("6", "enter")
        await until(pilot, lambda: world.access.renewed == ["dev"], "the renewed session")
        await pilot.pause(0.1)
        assert world.mfa_access.codes == ["123456"]
        countdown = str(app.screen.query_one("#countdown", Label).render())
        assert countdown == "expires in 1:00:00"  # the full hour from the fake clock's now


async def test_q_quits_while_the_mfa_modal_is_open_and_the_worker_stops_waiting() -> None:
    world = MfaWorld()
    app = OpsConsoleApp(world)
    world.prompt.attach(app)
    async with app.run_test(size=(120, 30)) as pilot:
        await until(pilot, lambda: world.calls, "the first session")
        world.at = NOW + timedelta(minutes=40)
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, MfaScreen), "the MFA modal")
        await pilot.press("q")
        await pilot.pause(0.3)
    assert not app.is_running
    for _ in range(40):  # the worker's thread notices within a poll
        if world.mfa_access.refused:
            break
        threading.Event().wait(0.05)
    assert world.mfa_access.refused == ["the console quit while asking for an MFA code"]
    assert world.mfa_access.codes == []


def test_before_the_app_runs_the_terminal_prompt_is_used_and_none_means_a_clear_error() -> None:
    asked: list[str] = []

    def terminal(serial: str) -> str:
        asked.append(serial)
        return "654321"

    prompt = ModalMfaPrompt(terminal)
    assert prompt(SERIAL) == "654321" and asked == [SERIAL]
    try:
        ModalMfaPrompt(None)(SERIAL)
    except MfaRequired as e:
        assert SERIAL in e.message
    else:
        raise AssertionError("no prompt and no app: MfaRequired expected")
