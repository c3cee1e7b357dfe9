"""No file or network I/O on the UI thread: a pilot session of the main screen, its panes and the
runbook screen on the demo world (the real Console over moto and the emulators) records every socket connect/send and
every file open, with the thread it came from; none may come from the UI thread."""

from __future__ import annotations

import builtins
import io
import os
import socket
import threading
import traceback
from collections.abc import Callable
from typing import Any

import pytest
from textual.widgets import DataTable

from opsconsole.app.console import Console
from opsconsole.tui.app import OpsConsoleApp

SIZE = (160, 48)


class UiThreadIo:
    """Wraps I/O entry points; while `on`, a call from the main (UI) thread is kept with its stack."""

    def __init__(self) -> None:
        self.on = False
        self.seen: list[str] = []

    def wrap(self, what: str, call: Callable[..., Any]) -> Callable[..., Any]:
        def recorded(*args: Any, **kwargs: Any) -> Any:
            if self.on and threading.current_thread() is threading.main_thread() and _network_or_file(args):
                where = "".join(traceback.format_stack(limit=8)[:-1])
                self.seen.append(f"{what}{args[1:2] if what != 'open' else args[:1]!r}\n{where}")
            return call(*args, **kwargs)

        return recorded


def _network_or_file(args: tuple[Any, ...]) -> bool:
    """Not asyncio's own wake-up socket pair (a UNIX socket): that is the event loop, not I/O."""
    sock = args[0] if args else None
    return not isinstance(sock, socket.socket) or sock.family in (socket.AF_INET, socket.AF_INET6)


def watch_io(monkeypatch: pytest.MonkeyPatch) -> UiThreadIo:
    recorder = UiThreadIo()
    monkeypatch.setattr(builtins, "open", recorder.wrap("open", builtins.open))
    monkeypatch.setattr(io, "open", recorder.wrap("open", io.open))
    for name in ("connect", "connect_ex", "sendall", "send"):
        monkeypatch.setattr(socket.socket, name, recorder.wrap(name, getattr(socket.socket, name)))
    return recorder


async def settle(pilot: Any, seconds: float = 0.0) -> None:
    if seconds:
        await pilot.pause(seconds)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_the_recorder_sees_the_ui_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    ui_io = watch_io(monkeypatch)
    ui_io.on = True
    with open(os.devnull, encoding="utf-8"):
        pass
    worker = threading.Thread(target=lambda: open(os.devnull, encoding="utf-8").close())
    worker.start()
    worker.join()
    assert len(ui_io.seen) == 1  # the main thread's open, not the other thread's


async def test_no_io_on_the_ui_thread_while_using_the_main_screen(
    demo_console: Console, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = OpsConsoleApp(demo_console)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)  # start-up (the app's own CSS file) is not what this guards
        ui_io = watch_io(monkeypatch)
        ui_io.on = True
        await pilot.press("3")  # prod: re-assume, re-read every pane
        await settle(pilot)
        await pilot.press("enter")  # prod-cluster's services; link to the one under the cursor
        await settle(pilot, 0.5)
        await pilot.press("down")
        await settle(pilot, 0.5)
        for key in ("t", "escape", "i", "escape", "0", "escape", "l", "l", "r"):
            await pilot.press(key)
            await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"runbook", "escape")
        await settle(pilot)
        await pilot.press("b")  # the runbook screen: the runbook files and the runs
        await settle(pilot)
        assert app.screen.query_one("#rb-list", DataTable).row_count > 0, "the runbooks were listed"
        await pilot.press("down", "up")
        await settle(pilot)
        ui_io.on = False
    assert ui_io.seen == [], "\n\n".join(ui_io.seen)
