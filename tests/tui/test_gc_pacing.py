"""No automatic collection while a key is answered, and never off for long."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator

import pytest

from opsconsole.tui import gc_pacing
from opsconsole.tui.app import OpsConsoleApp
from opsconsole.tui.gc_pacing import KeyFirst
from tests.tui.fakes import FrozenConsole


@pytest.fixture(autouse=True)
def collection_restored() -> Iterator[None]:
    yield
    gc.enable()


async def test_a_key_holds_collection_until_resumed() -> None:
    keys = KeyFirst()
    keys.key_pressed(asyncio.get_running_loop())
    assert not gc.isenabled()
    keys.resume()
    assert gc.isenabled()


async def test_collection_resumes_after_the_last_keys_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gc_pacing, "HOLD", 0.05)
    keys = KeyFirst()
    keys.key_pressed(asyncio.get_running_loop())
    keys.key_pressed(asyncio.get_running_loop())  # the second key's deadline replaces the first's
    assert not gc.isenabled()
    await asyncio.sleep(0.15)
    assert gc.isenabled()


async def test_keys_back_to_back_hold_collection_no_longer_than_max_hold(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(gc_pacing, "MAX_HOLD", 0.02)
    keys = KeyFirst()
    keys.key_pressed(asyncio.get_running_loop())
    await asyncio.sleep(0.05)
    keys.key_pressed(asyncio.get_running_loop())  # held too long already: this key lets it run
    assert gc.isenabled()
    keys.key_pressed(asyncio.get_running_loop())  # and the next holds again
    assert not gc.isenabled()


async def test_collection_turned_off_by_someone_else_stays_off() -> None:
    gc.disable()
    keys = KeyFirst()
    keys.key_pressed(asyncio.get_running_loop())
    keys.resume()
    assert not gc.isenabled()


async def test_the_console_holds_collection_for_a_key_then_resumes() -> None:
    app = OpsConsoleApp(FrozenConsole())
    held: list[bool] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        original = app._collector.key_pressed

        def pressed(loop: asyncio.AbstractEventLoop) -> None:
            original(loop)
            held.append(not gc.isenabled())

        app._collector.key_pressed = pressed  # type: ignore[method-assign]
        await pilot.press("down")
        assert held == [True]
        await pilot.pause(gc_pacing.HOLD + 0.1)
        assert gc.isenabled()


async def test_a_console_closed_during_a_keys_hold_leaves_collection_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(gc_pacing, "HOLD", 30.0)
    app = OpsConsoleApp(FrozenConsole())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("down")
        assert not gc.isenabled()  # held, and the app ends before the hold's deadline
    assert gc.isenabled()
