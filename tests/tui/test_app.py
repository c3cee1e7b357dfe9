"""The TUI shell: Pilot tests against the moto world and a frozen fake, plus SVG snapshots."""

from __future__ import annotations

from typing import Any

import pytest
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Footer, Label, Tabs

from opsconsole.app.console import Console
from opsconsole.tui.app import OpsConsoleApp
from opsconsole.tui.messages import SessionFailed, SessionResolved
from opsconsole.tui.screens.info import EnvironmentInfo
from opsconsole.tui.screens.main import MainScreen
from opsconsole.tui.widgets.facts import SessionPanel
from tests.tui.fakes import FrozenConsole

SIZE = (140, 36)


async def settle(pilot: Any) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def header_text(app: OpsConsoleApp, widget_id: str) -> str:
    return str(app.screen.query_one(f"#{widget_id}", Label).render())


async def test_opens_on_dev_with_the_read_role_from_moto(demo_console: Console) -> None:
    app = OpsConsoleApp(demo_console)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        assert screen.session is not None
        assert (
            screen.session.identity.arn
            == "arn:aws:sts::111111111111:assumed-role/OpsConsoleReadOnly/opsconsole-alice"
        )
        assert header_text(app, "account") == "account 111111111111"
        assert header_text(app, "tier") == "tier read"
        assert header_text(app, "countdown").startswith("expires in 59:")
        assert screen.query_one("#demo-badge", Label)


async def test_switching_environment_reassumes_and_identity_follows(demo_console: Console) -> None:
    messages: list[Message] = []
    app = OpsConsoleApp(demo_console)
    async with app.run_test(size=SIZE, message_hook=messages.append) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        assert screen.current_env == "prod"
        assert screen.query_one(Tabs).active == "env-prod"
        assert screen.session is not None and screen.session.identity.account == "333333333333"
        assert header_text(app, "account") == "account 333333333333"
        assert screen.has_class("protected-env")
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert screen.current_env == "staging"
        assert screen.session is not None and screen.session.identity.account == "222222222222"
        assert not screen.has_class("protected-env")
    resolved = [m.session.environment for m in messages if isinstance(m, SessionResolved)]
    assert resolved == ["dev", "prod", "staging"]


async def test_a_slow_assume_never_freezes_the_screen() -> None:
    services = FrozenConsole(delay=5.0)
    app = OpsConsoleApp(services)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("3")  # while dev's assume is still blocked
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, MainScreen)
        assert screen.current_env == "prod"
        assert header_text(app, "countdown") == "assuming…"
        services.release.set()
        await settle(pilot)
        # dev's late answer is dropped; prod's is shown.
        assert screen.session is not None and screen.session.environment == "prod"


async def test_failed_assume_marks_the_panel_stale_and_keeps_the_app_running() -> None:
    messages: list[Message] = []
    app = OpsConsoleApp(FrozenConsole(failing={"staging"}))
    async with app.run_test(size=SIZE, message_hook=messages.append) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        assert any(isinstance(m, SessionFailed) and m.env_name == "staging" for m in messages)
        await pilot.press("i")  # the info modal holds the session facts and the last error
        await settle(pilot)
        panel = app.screen.query_one(SessionPanel)
        assert panel.has_class("stale")
        assert panel.stale_text() == "stale (no data): cannot assume the read role in staging: AccessDenied"
        await pilot.press("escape")
        await pilot.press("1")
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        assert not app.screen.query_one(SessionPanel).has_class("stale")


@pytest.mark.parametrize("env_key", ["1", "3"])
def test_main_screen_snapshot(env_key: str, snap_compare: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press(env_key)
        await settle(pilot)

    app = OpsConsoleApp(FrozenConsole())
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


async def test_the_facts_modal_fits_80x24_with_its_close_key_in_view() -> None:
    app = OpsConsoleApp(FrozenConsole())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        facts = app.screen.query_one(VerticalScroll)
        assert facts.region.right <= 80 and facts.region.bottom <= 23  # the last row is the footer's
        footer = app.screen.query_one(Footer)
        assert footer.region.bottom == 24 and footer.region.height == 1
        assert "Close" in app.export_screenshot()  # the footer's close key stays on screen
        facts.scroll_end(animate=False)
        await pilot.pause()
        assert facts.max_scroll_y > 0  # what does not fit scrolls instead of being cut
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, EnvironmentInfo)
