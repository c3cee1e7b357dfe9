"""The log pane ingesting 10,000 lines a second: key-to-paint and memory while the lines pour in.

The feed is synthetic and in memory (a tail that hands out `rate × elapsed` new messages per poll,
as the Graylog tail would under that load), so the number is the pane's cost alone: formatting,
filtering, the bounded buffer and `Log`. Key-to-paint is the wall time from a key press (scroll up
or down) to the first screen update after it. Run in its own process for a clean peak RSS:
`python -m bench.log_pane_10k` prints one JSON line.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from textual.app import App, ComposeResult

from opsconsole.domain.logs import LogMessage
from opsconsole.tui.gc_pacing import tune_gc
from opsconsole.tui.widgets.log_pane import LogPane

RATE = 10_000
SECONDS = 20.0
SERVICES = ("api", "web", "worker", "modsecurity", "zabbix-agent")


class RateTail:
    """New messages at a fixed rate: each poll returns those due since the last one."""

    interval = 0.1

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self.started = time.perf_counter()
        self.sent = 0

    def poll(self) -> list[LogMessage]:
        due = int((time.perf_counter() - self.started) * self.rate)
        batch = [self.message(n) for n in range(self.sent, due)]
        self.sent = due
        return batch

    @staticmethod
    def message(n: int) -> LogMessage:
        service = SERVICES[n % len(SERVICES)]
        status = 503 if n % 97 == 0 else 200
        return LogMessage(
            id=f"m{n}",
            timestamp=datetime.now(UTC),
            source=f"ip-10-0-1-{n % 7}",
            message=f'10.0.3.{n % 250} "GET /v1/orders/{n} HTTP/1.1" {status} {3 + n % 40}ms',
            level=3 if status >= 500 else 6,
            fields={"env": "prod", "service": service},
        )


class Feed:
    """The console as the log pane uses it: `logs.tail` and `correlation.now`."""

    def __init__(self, rate: int) -> None:
        self.rate_tail = RateTail(rate)
        self.logs = self
        self.correlation = self

    def tail(self, env_name: str, query: str = "*", *, backlog: Any = None) -> RateTail:
        return self.rate_tail

    def now(self) -> datetime:
        return datetime.now(UTC)


class PaneApp(App[None]):
    def __init__(self, feed: Feed) -> None:
        super().__init__()
        self.feed = feed

    def compose(self) -> ComposeResult:
        yield LogPane(cast(Any, self.feed), "prod")

    def on_mount(self) -> None:
        tune_gc()  # as the console does


async def measure(rate: int = RATE, seconds: float = SECONDS) -> dict[str, float]:
    feed = Feed(rate)
    app = PaneApp(feed)
    paints: list[float] = []
    display = app._display

    def timed_display(*args: Any, **kwargs: Any) -> None:
        paints.append(time.perf_counter())
        display(*args, **kwargs)

    app._display = timed_display  # type: ignore[method-assign]
    samples: list[float] = []
    async with app.run_test(size=(160, 45)) as pilot:
        pane = app.query_one(LogPane)
        app.query_one("#log-view").focus()
        started = time.perf_counter()
        keys = ("up", "up", "down", "down")
        while time.perf_counter() - started < seconds:
            before = time.perf_counter()
            await pilot.press(keys[len(samples) % len(keys)])
            while not [p for p in paints if p > before] and time.perf_counter() - before < 2:  # noqa: ASYNC110
                await asyncio.sleep(0.001)
            painted = [p for p in paints if p > before]
            samples.append((painted[0] if painted else time.perf_counter()) - before)
            await asyncio.sleep(0.1)
        elapsed = time.perf_counter() - started
        received, buffered = pane.received, len(pane.buffer)
    samples.sort()
    return {
        "rate_asked": rate,
        "lines_shown_per_s": received / elapsed,
        "presses": len(samples),
        "median_ms": statistics.median(samples) * 1000,
        "p95_ms": samples[int(len(samples) * 0.95) - 1] * 1000,
        "max_ms": samples[-1] * 1000,
        "buffered": buffered,
        "max_rss_mb": peak_rss_mb(),
    }


def peak_rss_mb() -> float:
    """This process's peak RSS since its exec (VmHWM): getrusage's maxrss would count the parent's
    memory copied at fork, as Linux keeps it across exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


if __name__ == "__main__":
    print(json.dumps(asyncio.run(measure(int(sys.argv[1]) if len(sys.argv) > 1 else RATE))))
