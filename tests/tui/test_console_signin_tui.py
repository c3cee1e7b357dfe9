"""`w` then `s` in the TUI: the real sign-in use case over the moto world's role session and a stub
of AWS's federation endpoint (tests/app/test_console_signin.py); the panes are fakes. The token
reaches the browser and nothing on screen; the demo shows the redacted URL, marked simulated."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from opsconsole.app.console_signin import ConsoleSignin
from opsconsole.app.context import AppContext
from opsconsole.demo.world import DemoReady
from opsconsole.tui.app import OpsConsoleApp
from opsconsole.tui.screens.main import MainScreen
from opsconsole.tui.screens.web_links import WebLinksScreen
from tests.app.test_console_signin import real_settings
from tests.conftest import settings_with_own_journal
from tests.federation_stub import FederationStub
from tests.tui.fakes import FrozenConsole

SIZE = (160, 40)


async def settle(pilot: Any) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def sign_in_from_web_links(app: OpsConsoleApp, pilot: Any) -> None:
    await settle(pilot)
    await pilot.press("enter")  # services; the cursor on api
    await settle(pilot)
    await pilot.press("w")
    await settle(pilot)
    assert isinstance(app.screen, WebLinksScreen) and app.screen.can_sign_in
    await pilot.press("s")
    await settle(pilot)
    await settle(pilot)


def screen_text(app: OpsConsoleApp) -> str:
    notices = " ".join(str(n.message) for n in app._notifications)
    return app.export_screenshot() + notices


async def test_s_in_web_links_opens_the_console_signed_in(
    demo_world: DemoReady, tmp_path: Path, stub: FederationStub, browser: list[str]
) -> None:
    opened = browser
    context = AppContext.build(real_settings(demo_world, tmp_path, stub))
    console = FrozenConsole()
    console.signin = ConsoleSignin(context)  # type: ignore[assignment]
    app = OpsConsoleApp(console)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await sign_in_from_web_links(app, pilot)
            assert isinstance(app.screen, MainScreen)
            [url] = opened
            assert stub.tokens[0] in url and "services%2Fapi" in url
            text = screen_text(app)
            assert "opened the AWS console for dev" in text and stub.tokens[0] not in text
    finally:
        context.close()
    assert stub.tokens[0] not in (tmp_path / "audit.jsonl").read_text(encoding="utf-8")


async def test_the_demo_shows_the_redacted_url_marked_simulated(
    demo_world: DemoReady, tmp_path: Path, stub: FederationStub
) -> None:
    settings = dataclasses.replace(settings_with_own_journal(demo_world, tmp_path), aws_signin_url=stub.url)
    context = AppContext.build(settings)
    console = FrozenConsole()
    console.signin = ConsoleSignin(context)  # type: ignore[assignment]
    app = OpsConsoleApp(console)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await sign_in_from_web_links(app, pilot)
            modal = app.screen
            assert isinstance(modal, WebLinksScreen) and not modal.can_sign_in
            [link] = modal.links
            assert "simulated" in link.label and "SigninToken=REDACTED" in link.url
            assert "simulated" in screen_text(app)
    finally:
        context.close()
    assert stub.requests == []
