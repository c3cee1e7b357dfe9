"""The log pane marks itself stale, with age and reason, as soon as a poll is later than its
interval, not when Graylog's deadline finally ends the poll: the real application and Graylog
emulator over HTTP, a fault-injecting proxy between them (tests/faults.py), sub-second intervals.

The deadline is left long (30 s) on purpose: a mark within a second or two can only come from
the pane's own lateness timer."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Label, Log

from opsconsole.app.console import Console
from opsconsole.config import load_settings
from opsconsole.demo.graylog.emulator import DEMO_TOKEN, GraylogEmulator
from opsconsole.demo.graylog.streams import env_streams
from opsconsole.tui.widgets.log_pane import LogPane
from tests.cli.test_logs_cmd import write_config
from tests.faults import DRIP, HANG, FaultProxy
from tests.graylog.gelf_sender import UdpSender, wait_stored

INTERVAL = 0.2
"""The tail's interval and the pane's lateness floor in this test (the product's: 1-10 s, 2 s)."""
DEADLINE, READ_TIMEOUT = 30, 3
LATE_BOUND = 2.5
"""Seconds from the fault to the mark: an interval, a poll's wait, and slack for a loaded machine;
below the read timeout (and far below the deadline) that would otherwise end the poll."""


@pytest.fixture
def graylog() -> Iterator[GraylogEmulator]:
    with GraylogEmulator(env_streams(["dev", "prod"])) as emulator:
        UdpSender(emulator.udp_port).send("GET /api/orders 200 30ms", timestamp=time.time(), env="dev")
        wait_stored(emulator.store, 1)
        yield emulator


@pytest.fixture
def proxy(graylog: GraylogEmulator) -> Iterator[FaultProxy]:
    fault = FaultProxy(graylog.api_url)
    yield fault
    fault.close()


class FastTails:
    """`console.logs` whose tails poll every INTERVAL (LogTail's own interval attributes)."""

    def __init__(self, logs: Any) -> None:
        self._logs = logs

    def tail(self, env_name: str, query: str = "*", **options: Any) -> Any:
        tail = self._logs.tail(env_name, query, **options)
        tail.min_interval = tail.interval = tail.max_interval = INTERVAL
        return tail

    def __getattr__(self, name: str) -> Any:
        return getattr(self._logs, name)


class LogApp(App[None]):
    def __init__(self, console: Console) -> None:
        super().__init__()
        self.ops = console

    def compose(self) -> ComposeResult:
        yield LogPane(cast(Any, self.ops), "dev")


def console_behind(proxy: FaultProxy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Console:
    monkeypatch.setenv("TEST_GRAYLOG_TOKEN", DEMO_TOKEN)
    path = write_config(tmp_path, proxy.url)
    path.write_text(
        path.read_text().replace(
            'token_env = "TEST_GRAYLOG_TOKEN"',
            f'token_env = "TEST_GRAYLOG_TOKEN"\ndeadline = {DEADLINE}\ntimeout = {READ_TIMEOUT}',
        )
    )
    console = Console.build(load_settings(path, environ={}))
    console.logs = cast(Any, FastTails(console.logs))
    return console


async def wait_until(pilot: Any, condition: Any, seconds: float) -> float:
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < seconds, f"not within {seconds} s"
        await pilot.pause(0.02)
    return time.monotonic() - started


@pytest.mark.parametrize("fault", [HANG, DRIP])
async def test_a_late_poll_marks_the_log_pane_stale_within_its_interval_then_it_recovers(
    proxy: FaultProxy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    console = console_behind(proxy, tmp_path, monkeypatch)
    app = LogApp(console)
    try:
        async with app.run_test(size=(120, 20)) as pilot:
            pane = app.query_one(LogPane)
            pane.refresh_seconds = pane.retry_seconds = INTERVAL
            await wait_until(pilot, lambda: pane.loaded_at is not None and pane.error is None, 30)
            assert pane.received >= 1
            proxy.fail(fault, delay=10.0)  # DRIP: a byte every 10 s
            took = await wait_until(pilot, lambda: pane.error is not None, LATE_BOUND)
            state = str(pane.query_one("#log-state", Label).render())
            assert re.match(rf"^stale \d+s: no answer for {INTERVAL:g}s, still waiting", state), state
            assert pane.has_class("stale")
            assert took < READ_TIMEOUT
            proxy.heal()  # the poll held by the fault ends at its read timeout; the retry answers
            await wait_until(pilot, lambda: pane.error is None, READ_TIMEOUT + 10)
            assert not pane.has_class("stale")
    finally:
        console.close()


async def test_messages_indexed_behind_the_late_window_are_counted_on_the_state_line(
    graylog: GraylogEmulator, proxy: FaultProxy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A shipper that buffered for two minutes: its message is older than the tail's window, so the
    pane cannot show it in order; the state line says how many and that a search finds them."""
    console = console_behind(proxy, tmp_path, monkeypatch)
    app = LogApp(console)
    try:
        async with app.run_test(size=(200, 20)) as pilot:
            pane = app.query_one(LogPane)
            await wait_until(pilot, lambda: pane.loaded_at is not None and pane.error is None, 30)
            state = pane.query_one("#log-state", Label)
            assert "late" not in str(state.render())
            UdpSender(graylog.udp_port).send("buffered", timestamp=time.time() - 120, env="dev")
            await wait_until(pilot, lambda: "1 late message not shown" in str(state.render()), 15)
            assert "S finds them" in str(state.render())
            assert all("buffered" not in line for line in pane.query_one("#log-view", Log).lines)
    finally:
        console.close()
