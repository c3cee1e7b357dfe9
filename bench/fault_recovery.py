"""Fault recovery of the TUI: for each backend x fault, how long after the fault the pane that
reads that backend shows its stale mark (age and reason), and how long after the fault clears it
shows fresh data again; and the slowest key press meanwhile (the rest of the TUI keeps answering).

One demo world (moto, the Zabbix and Graylog emulators); each backend is reached through its own
fault-injecting proxy (tests/faults.py: real faults on the wire). One headless app for every case,
on dev: ECS pane for AWS, problems pane for Zabbix, log pane for Graylog. The settings are short
so the run takes minutes, and the table says which: panes refresh every INTERVAL s, backends get
1 s to connect and 2 s per answer (Graylog 3 s in all), circuits open after 3 failures for 5 s.
A recovery can include the rest of an open circuit's cooldown: that is what an operator waits.

Run: `python -m bench.fault_recovery` (prints the markdown section); bench/run.py calls `section()`.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, cast

from tests.faults import (
    BAD_GATEWAY,
    CLOSED,
    DOWN,
    DRIP,
    EXPIRED,
    HANG,
    RESET,
    SLOW,
    THROTTLED,
    UNAVAILABLE,
    FaultProxy,
)

if TYPE_CHECKING:
    from opsconsole.config import Settings
    from opsconsole.graylog.tail import LogTail
    from opsconsole.tui.app import OpsConsoleApp
    from opsconsole.tui.widgets.refreshing import StalePane

BACKENDS = ("aws", "zabbix", "graylog")
FAULTS = (DOWN, RESET, CLOSED, BAD_GATEWAY, UNAVAILABLE, THROTTLED, EXPIRED, HANG, DRIP, SLOW)
LIMIT = 30.0
"""Seconds a case waits for the stale mark, or for the recovery, before it counts as never."""


@dataclass(frozen=True)
class Pace:
    """The run's short settings (the product's: ECS refreshes every 5 s, RDS and problems 10)."""

    interval: float = 2.0
    """Seconds between a pane's refreshes, and the log pane's lateness floor."""
    connect: float = 1.0
    answer: float = 2.0
    deadline: float = 3.0
    """Graylog's whole-request deadline."""
    failures: int = 3
    cooldown: float = 5.0
    """A circuit opens after `failures` in a row, for `cooldown` seconds."""
    slow: float = 0.2
    """SLOW holds each answer this long (within the timeouts: the pane should stay fresh); DRIP
    sends a byte this often."""
    lasting: float = 1.0
    """Seconds the fault lasts after the mark, keys pressed meanwhile."""
    tail_max: float | None = None
    """The log tail's longest interval when idle (None: the product's, 10 s)."""


BENCH = Pace()
INTERVAL, SLOW_DELAY = BENCH.interval, BENCH.slow
BREAKER_FAILURES, BREAKER_COOLDOWN = BENCH.failures, BENCH.cooldown
HEALTHY = "(no fault)"
"""The first row: the slowest key with every backend healthy, the same run's baseline."""


@dataclass
class Outcome:
    backend: str
    fault: str
    to_stale: float | None
    """Seconds from the fault to the pane's stale mark; None: not marked within the window."""
    reason: str
    """The stale mark as shown (age and reason)."""
    to_recover: float | None
    """Seconds from the fault's end to fresh data on the pane; None: not within LIMIT."""
    slowest_key_ms: float
    """The slowest of the key presses made while the fault lasted."""


def proxied_settings(settings: Settings, proxies: dict[str, FaultProxy], pace: Pace = BENCH) -> Settings:
    """`settings` with every backend behind its proxy and the run's short timeouts and circuits
    (seconds, fractions included: the adapters take them as floats, the config file as whole ones)."""
    connect, answer = cast(int, pace.connect), cast(int, pace.answer)
    zabbix = dataclasses.replace(
        settings.zabbix, url=proxies["zabbix"].url, connect_timeout=connect, timeout=answer
    )
    graylog = dataclasses.replace(
        settings.graylog,
        url=proxies["graylog"].url,
        connect_timeout=connect,
        timeout=answer,
        deadline=cast(int, pace.deadline),
    )
    return dataclasses.replace(
        settings,
        endpoint_url=proxies["aws"].url,
        aws_connect_timeout=connect,
        aws_timeout=answer,
        zabbix=zabbix,
        graylog=graylog,
        breaker_failures=pace.failures,
        breaker_cooldown=cast(int, pace.cooldown),
    )


@contextlib.contextmanager
def proxies_for(settings: Settings) -> Iterator[dict[str, FaultProxy]]:
    urls = {"aws": settings.endpoint_url, "zabbix": settings.zabbix.url, "graylog": settings.graylog.url}
    proxies = {name: FaultProxy(str(url)) for name, url in urls.items()}
    try:
        yield proxies
    finally:
        for proxy in proxies.values():
            proxy.close()


def pane_of(app: OpsConsoleApp, backend: str) -> StalePane:
    from opsconsole.tui.widgets.ecs_pane import EcsPane
    from opsconsole.tui.widgets.log_pane import LogPane
    from opsconsole.tui.widgets.problems_pane import ProblemsPane

    kinds: dict[str, type[StalePane]] = {"aws": EcsPane, "zabbix": ProblemsPane, "graylog": LogPane}
    return app.screen.query_one(kinds[backend])


def fresh_since(pane: StalePane, moment: datetime) -> bool:
    return pane.error is None and pane.loaded_at is not None and pane.loaded_at > moment


async def filled(app: OpsConsoleApp, pace: Pace = BENCH) -> None:
    """Every pane has loaded once, fresh; the refreshing panes then refresh every `pace.interval`,
    and the log pane takes a poll unanswered that long as late."""
    from opsconsole.tui.widgets.log_pane import LogPane
    from opsconsole.tui.widgets.refreshing import RefreshingPane

    started = datetime.now(UTC)
    deadline = time.monotonic() + 4 * LIMIT
    while time.monotonic() < deadline:
        try:
            panes = [pane_of(app, backend) for backend in BACKENDS]
        except Exception:  # the main screen is not mounted yet
            panes = []
        if panes and all(fresh_since(p, started) for p in panes):
            for pane in app.screen.query(RefreshingPane):
                pane.refresh_seconds = pace.interval
                pane.refresh_rows()  # re-armed at the run's interval
            for log in app.screen.query(LogPane):
                log.refresh_seconds = log.retry_seconds = pace.interval
                if pace.tail_max is not None and log._tail is not None:
                    cast("LogTail", log._tail).max_interval = pace.tail_max
            return
        await asyncio.sleep(0.05)
    raise TimeoutError("the panes did not fill")


async def press_tab(app: OpsConsoleApp) -> float:
    """Seconds from a tab key reaching the app to the focus having moved: the app's own loop
    (Pilot.press also waits for the whole process to go idle, which a busy machine never is)."""
    from textual import events

    before = app.focused
    started = time.monotonic()
    app.post_message(events.Key("tab", None))
    while app.focused is before and time.monotonic() - started < LIMIT:  # noqa: ASYNC110
        await asyncio.sleep(0.002)
    return time.monotonic() - started


async def press_meanwhile(app: OpsConsoleApp, until: float, keys: list[float]) -> None:
    """Press tab (focus to the next pane) every 0.25 s until `until`, timing each press."""
    while time.monotonic() < until:
        keys.append(await press_tab(app))
        await asyncio.sleep(max(0.0, min(0.25, until - time.monotonic())))


async def run_case(
    app: OpsConsoleApp, proxy: FaultProxy, backend: str, fault: str, pace: Pace = BENCH
) -> Outcome:
    pane = pane_of(app, backend)
    keys: list[float] = []
    started = time.monotonic()
    proxy.fail(fault, delay=pace.slow)
    to_stale: float | None = None
    window = started + (3 * pace.interval + 2 * pace.lasting + 2 if fault == SLOW else LIMIT)
    while time.monotonic() < window and to_stale is None:
        if pane.error is not None:
            to_stale = time.monotonic() - started
        else:
            await press_meanwhile(app, min(window, time.monotonic() + 0.2), keys)
    reason = pane.stale_text() or ""
    await press_meanwhile(app, time.monotonic() + pace.lasting, keys)  # the fault lasts a little longer
    healed_at, healed = time.monotonic(), datetime.now(UTC)
    proxy.heal()
    to_recover: float | None = None
    while time.monotonic() < healed_at + LIMIT:
        if fresh_since(pane, healed):
            to_recover = time.monotonic() - healed_at
            break
        await asyncio.sleep(0.05)
    slowest = max(keys, default=0.0) * 1000
    return Outcome(backend, fault, to_stale, reason, to_recover, slowest)


async def run_all(settings: Settings, cases: list[tuple[str, str]], pace: Pace = BENCH) -> list[Outcome]:
    """Every (backend, fault) in one app on dev, each backend behind its proxy."""
    from opsconsole.app.console import Console
    from opsconsole.tui.app import OpsConsoleApp

    outcomes: list[Outcome] = []
    with proxies_for(settings) as proxies:
        console = Console.build(proxied_settings(settings, proxies, pace))
        app = OpsConsoleApp(console)
        try:
            async with app.run_test(size=(160, 48)):
                await filled(app, pace)
                keys: list[float] = []
                await press_meanwhile(app, time.monotonic() + 3 * pace.lasting, keys)
                outcomes.append(Outcome("none", HEALTHY, None, "", None, max(keys) * 1000))
                for backend, fault in cases:  # each ends on fresh data: its circuit closed again
                    outcomes.append(await run_case(app, proxies[backend], backend, fault, pace))
        finally:
            console.close()
    return outcomes


def seconds(value: float | None) -> str:
    return "never" if value is None else f"{value:.1f}"


def table(outcomes: list[Outcome]) -> str:
    lines = [
        "| backend | fault | to stale (s) | stale mark | to recover (s) | slowest key (ms) |",
        "|---|---|---|---|---|---|",
    ]
    for o in outcomes:
        mark = o.reason.replace("|", "/")[:90] or ("-" if o.fault == HEALTHY else "(stayed fresh)")
        stale = "-" if o.to_stale is None and o.fault in (SLOW, HEALTHY) else seconds(o.to_stale)
        recover = "-" if o.fault == HEALTHY else seconds(o.to_recover)
        key = f"{o.slowest_key_ms:.0f}"
        lines.append(f"| {o.backend} | {o.fault} | {stale} | {mark} | {recover} | {key} |")
    return "\n".join(lines)


def measure(cases: list[tuple[str, str]] | None = None) -> list[Outcome]:
    """A demo world of its own, then every case (all backends x faults by default)."""
    from opsconsole.config import load_settings
    from opsconsole.demo.world import DemoWorld

    cases = cases or [(backend, fault) for backend in BACKENDS for fault in FAULTS]
    with tempfile.TemporaryDirectory() as tmp, DemoWorld(root=Path(tmp) / "world", operator="bench") as ready:
        settings = load_settings(ready.config_path, environ={})
        settings = dataclasses.replace(
            settings, audit=dataclasses.replace(settings.audit, journal=str(Path(tmp) / "audit.jsonl"))
        )
        return asyncio.run(run_all(settings, cases))


def section() -> str:
    """The markdown section for bench/RESULTS.md."""
    outcomes = measure()
    return "\n".join(
        [
            "## Fault recovery (TUI, demo world behind a fault proxy)",
            "",
            f"Panes refresh every {INTERVAL:g} s in this run; backends get 1 s to connect and 2 s per"
            f" answer (Graylog 3 s in all); circuits open after {BREAKER_FAILURES} failures for"
            f" {BREAKER_COOLDOWN} s. `slow` holds each answer {SLOW_DELAY} s (within the timeouts: the"
            " pane stays fresh), `drip` sends a byte as often. `to recover` runs from the fault's end to"
            " fresh data on the pane; `slowest key` is the slowest tab press while the fault lasted.",
            "",
            table(outcomes),
            "",
        ]
    )


def main() -> None:
    print(section())


if __name__ == "__main__":
    main()
