"""SSO sign-in inside the TUI: the device flow runs in a worker, its URL and code appear in a modal
on the UI thread, and the modal goes when the sign-in is approved (no terminal prompt)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from textual.widgets import Label

from opsconsole.domain.errors import CredentialsError
from opsconsole.tui.app import OpsConsoleApp
from opsconsole.tui.controllers.sso import SsoLogin, SsoScreen
from tests.tui.fakes import FakeAccess, FrozenConsole


async def settle(pilot: Any, seconds: float = 0.1) -> None:
    await pilot.pause(seconds)
    await pilot.pause()


async def test_the_device_code_shows_in_a_modal_until_the_sign_in_is_approved() -> None:
    console = FrozenConsole()
    app = OpsConsoleApp(console)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.screen.query_one(SsoLogin).start()  # what the palette's "sign in: IAM Identity Center (SSO)" runs
        await settle(pilot, 0.3)
        assert isinstance(app.screen, SsoScreen)
        assert str(app.screen.query_one("#sso-code", Label).render()) == "WDJB-MJHT"
        console.sso_approved.set()
        await app.workers.wait_for_complete()
        await settle(pilot, 0.2)
        assert not isinstance(app.screen, SsoScreen), "the modal closes once the sign-in is approved"
        assert any("signed in until" in str(n.message) for n in app._notifications)


class RefusedAccess(FakeAccess):
    """A device flow whose sign-in is refused in the browser right after the code is shown."""

    def sso_login(self, profile: str | None, show: Callable[[Any], None]) -> datetime:
        show(
            SimpleNamespace(
                verification_uri_complete="https://device.sso.example/?user_code=X", user_code="X"
            )
        )
        raise CredentialsError("the sign-in was refused")


async def test_a_refused_sign_in_closes_the_modal_and_says_why_once() -> None:
    console = FrozenConsole()
    console.access = RefusedAccess(console)
    app = OpsConsoleApp(console)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.screen.query_one(SsoLogin).start()
        await app.workers.wait_for_complete()
        await settle(pilot, 0.2)
        assert not isinstance(app.screen, SsoScreen), "the modal closes when the sign-in fails"
        failed = [n for n in app._notifications if n.title == "SSO sign-in failed"]
        assert [(str(n.message), n.severity) for n in failed] == [("the sign-in was refused", "error")]
