"""The scale benchmark's app process: one console (160x48, headless) over the scale world, keys
pressed as an operator would, each key's paint detected by what the key changes.

A key's paint is the first screen update (the app's display call that drew something) at which
what it changes holds, checked by a predicate taken before the press:
- cursor: the focused table's cursor row moved;
- focus (tab): the focused widget is another one;
- filter (/, characters, backspace, escape in the ECS filter): the filter box is shown and
  focused (/), the table shows exactly the rows the typed text lets through (characters), the
  box is gone and every row is back (escape);
- link (l): the link indicator says the new state (links off, or linked to the selection);
- severity (v in the problems pane): the problems table was rendered with the new minimum.
Resting on a service (the script rests 0.6 s after a run of cursor moves) links the problems and
log panes to it: the problems re-filter, the log tail restarts; those happen between presses,
as for an operator, and any cost they leave on the UI thread lands on the next keys.

RSS is this process's (/proc/self/status VmRSS), sampled every second from the first screen on:
the world (moto) and the harness that started this process are elsewhere.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.scale_world import CLUSTER

READY_TIMEOUT = 240.0
KEY_TIMEOUT = 2.0
Check = Callable[[], bool]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@dataclass
class Watch:
    """Hooks the app's display: the moment the awaited change is first on a drawn frame."""

    app: Any
    check: Check | None = None
    shown: float | None = None
    shown_cpu: float = 0.0
    """The UI thread's CPU time when the change was first drawn (immune to other processes' load)."""
    frames: int = 0

    def hook(self) -> None:
        display = self.app._display

        def timed_display(screen: Any, renderable: Any) -> None:
            display(screen, renderable)
            if renderable is None or self.app._batch_count:
                return  # nothing was drawn
            self.frames += 1
            if self.check is not None and self.shown is None and self.check():
                self.shown, self.shown_cpu = time.perf_counter(), time.thread_time()

        self.app._display = timed_display


@dataclass
class Samples:
    times: dict[str, list[float]] = field(default_factory=dict)
    cpu: dict[str, list[float]] = field(default_factory=dict)
    """The UI thread's CPU seconds from each press to its paint, per kind."""
    missed: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, took: float | None, cpu: float = 0.0) -> None:
        if took is None:
            self.missed[kind] = self.missed.get(kind, 0) + 1
        else:
            self.times.setdefault(kind, []).append(took)
            self.cpu.setdefault(kind, []).append(cpu)


class Driver:
    def __init__(self, app: Any, pilot: Any, watch: Watch) -> None:
        from textual.widgets import DataTable

        from opsconsole.tui.widgets.ecs_pane import EcsPane
        from opsconsole.tui.widgets.problems_pane import ProblemsPane

        self.app, self.pilot, self.watch = app, pilot, watch
        screen = app.screen
        self.ecs = screen.query_one(EcsPane)
        self.problems = screen.query_one(ProblemsPane)
        self.ecs_table = screen.query_one("#ecs-table", DataTable)
        self.problems_table = screen.query_one("#problems-table", DataTable)
        self.samples = Samples()
        self.typed = ""

    async def press(self, key: str, kind: str, check: Check, gap: float = 0.08) -> None:
        self.watch.check, self.watch.shown = check, None
        before, before_cpu = time.perf_counter(), time.thread_time()
        await self.pilot.press(key)
        while self.watch.shown is None and time.perf_counter() - before < KEY_TIMEOUT:  # noqa: ASYNC110
            await asyncio.sleep(0.001)
        took = None if self.watch.shown is None else self.watch.shown - before
        self.samples.add(kind, took, self.watch.shown_cpu - before_cpu)
        self.watch.check = None
        await asyncio.sleep(gap)

    # -- what each key changes ----------------------------------------------------------------

    async def move(self, key: str) -> None:
        """The cursor one row `key` ("up"/"down"), the other way at the table's end (a press that
        can change nothing has no paint to time); a table of one row is not pressed."""
        table = self.app.focused
        rows, row = getattr(table, "row_count", 0), getattr(table, "cursor_row", 0)
        if rows < 2:
            return
        if key == "down" and row >= rows - 1:
            key = "up"
        elif key == "up" and row <= 0:
            key = "down"
        await self.press(key, "cursor", self.cursor_moves())

    def cursor_moves(self) -> Check:
        table = self.app.focused
        row = table.cursor_row
        return lambda: bool(table.cursor_row != row)

    def focus_moves(self) -> Check:
        focused = self.app.focused
        return lambda: self.app.focused is not focused

    def ecs_filtered(self, text: str) -> Check:
        wanted = text.strip().lower()
        rows = self.ecs.rows.values()
        count = sum(1 for v in rows if not wanted or wanted in " ".join(map(str, v)).lower())
        table = self.ecs_table
        return lambda: self.ecs.filter_text == wanted and table.row_count == count

    def filter_box_open(self) -> Check:
        return lambda: getattr(self.app.focused, "id", None) == "ecs-filter"

    def filter_closed(self) -> Check:
        count = len(self.ecs.rows)
        return lambda: self.app.focused is self.ecs_table and self.ecs_table.row_count == count

    def link_shown(self, enabled: bool) -> Check:
        label = self.app.screen.query_one("#link-indicator")
        return lambda: str(label.content).startswith("links off") is not enabled

    def severity_shown(self) -> Check:
        pane = self.problems
        following = (pane.filters.min_severity + 1) % 6
        return lambda: getattr(pane, "shown_filters", pane.filters).min_severity == following

    # -- the script ---------------------------------------------------------------------------

    async def cycle(self) -> None:
        """About 30 presses: ECS cursor and links, the ECS filter, the problems pane, tabs round."""
        for keys in (("down",) * 5, ("up",) * 2, ("down",) * 3):
            for key in keys:
                await self.move(key)
            await asyncio.sleep(0.6)  # rest: the panes link to the service under the cursor
        await self.press("l", "link", self.link_shown(False))
        await self.press("l", "link", self.link_shown(True))
        await self.press("slash", "filter", self.filter_box_open())
        for char in "svc-01":
            self.typed += char
            await self.press("minus" if char == "-" else char, "filter", self.ecs_filtered(self.typed), 0.12)
        for _ in range(2):
            self.typed = self.typed[:-1]
            await self.press("backspace", "filter", self.ecs_filtered(self.typed), 0.12)
        await self.press("escape", "filter", self.filter_closed())
        self.typed = ""
        await self.press("tab", "focus", self.focus_moves())  # to the problems table
        for _ in range(2):
            await self.press("v", "severity", self.severity_shown())
        for _ in range(3):
            await self.move("down")
        for _ in range(3):  # RDS, logs, back to ECS (Tab cycles the four panes)
            await self.press("tab", "focus", self.focus_moves())


def progress(text: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {text} (RSS {rss_mb():.0f} MB)", file=sys.stderr, flush=True)


async def wait_for(condition: Check, what: str) -> float:
    started = time.perf_counter()
    while not condition():
        if time.perf_counter() - started > READY_TIMEOUT:
            raise TimeoutError(f"{what}: not within {READY_TIMEOUT:.0f} s")
        await asyncio.sleep(0.05)
    progress(f"{what}: {time.perf_counter() - started:.1f} s")
    return time.perf_counter() - started


async def open_cluster(driver: Driver, services: int) -> dict[str, float]:
    """Dev's big cluster open in the ECS pane, its services and the problems loaded."""
    table, pane = driver.ecs_table, driver.ecs
    loaded = await wait_for(lambda: CLUSTER in pane.rows, "the clusters")
    table.focus()
    table.move_cursor(row=table.get_row_index(CLUSTER))
    entered = time.perf_counter()  # before the press: the pilot's press returns once it is handled
    await driver.pilot.press("enter")
    await wait_for(lambda: len(pane.rows) > 0 and pane.level.kind == "services", "the first services")
    first_s = time.perf_counter() - entered
    await wait_for(lambda: len(pane.rows) >= services, "the services")
    services_s = time.perf_counter() - entered
    problems_s = await wait_for(lambda: len(driver.problems.problems) > 0, "the problems")
    return {
        "clusters_s": loaded,
        "first_services_s": first_s,
        "services_s": services_s,
        "problems_s": problems_s,
    }


@dataclass
class GcPauses:
    """How long each garbage collection held the process, by generation (gc.callbacks), in CPU time
    of the thread that collects (it holds the GIL throughout; wall time would count other load)."""

    by_generation: dict[int, list[float]] = field(default_factory=dict)
    _started: float = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.thread_time()
        else:
            self.by_generation.setdefault(info["generation"], []).append(time.thread_time() - self._started)

    def summary(self) -> dict[str, Any]:
        return {
            str(generation): {"count": len(took), "max_ms": max(took) * 1000, "total_ms": sum(took) * 1000}
            for generation, took in sorted(self.by_generation.items())
        }


def start_profile() -> Any:
    """cProfile of this (the UI) thread over the presses, when SCALE_PROFILE names a file."""
    if not os.environ.get("SCALE_PROFILE"):
        return None
    import cProfile

    profile = cProfile.Profile()
    profile.enable()
    return profile


def stop_profile(profile: Any) -> None:
    if profile is not None:
        profile.disable()
        profile.dump_stats(os.environ["SCALE_PROFILE"])


def start_tracing() -> Any:
    """tracemalloc from the first key on, when SCALE_TRACEMALLOC names a file (what grows)."""
    if not os.environ.get("SCALE_TRACEMALLOC"):
        return None
    import gc
    import tracemalloc

    gc.collect()
    # Deep tracebacks slow every allocation: SCALE_TRACEMALLOC_FRAMES=1 groups by line, cheaply.
    tracemalloc.start(int(os.environ.get("SCALE_TRACEMALLOC_FRAMES", "12")))
    return tracemalloc.take_snapshot()


def save_growth(first: Any) -> None:
    """The 25 call sites whose retained memory grew most since `first`, in SCALE_TRACEMALLOC."""
    if first is None:
        return
    import gc
    import tracemalloc

    gc.collect()
    grown = tracemalloc.take_snapshot().compare_to(first, "traceback")[:25]
    text = "\n\n".join(f"{stat}\n" + "\n".join(stat.traceback.format()[-16:]) for stat in grown)
    Path(os.environ["SCALE_TRACEMALLOC"]).write_text(text)


def save_partial(samples: Samples, rss: list[tuple[float, float]]) -> None:
    """What a run cut short has measured so far, in the file SCALE_PARTIAL names."""
    if os.environ.get("SCALE_PARTIAL"):
        partial = {"samples": samples.times, "missed": samples.missed, "rss": rss}
        Path(os.environ["SCALE_PARTIAL"]).write_text(json.dumps(partial))


async def sample_rss(into: list[tuple[float, float]], started: float, every: float) -> None:
    while True:
        into.append((time.perf_counter() - started, rss_mb()))
        await asyncio.sleep(every)


async def drive(config: Path, presses: int, soak: float, services: int) -> dict[str, Any]:
    from bench.scale_feeds import install
    from opsconsole.app.console import Console
    from opsconsole.config import load_settings
    from opsconsole.tui.app import OpsConsoleApp
    from opsconsole.tui.widgets.log_pane import LogPane

    console = Console.build(load_settings(config, environ={}))
    zabbix, logs = install(console)
    console.access.caller_identity()
    app = OpsConsoleApp(console)
    watch = Watch(app)
    watch.hook()
    rss: list[tuple[float, float]] = []
    result: dict[str, Any] = {}
    async with app.run_test(size=(160, 48)) as pilot:
        started = time.perf_counter()
        sampler = asyncio.create_task(sample_rss(rss, started, 1.0 if soak <= 0 else 5.0))
        await wait_for(lambda: bool(app.screen.query("#ecs-table")), "the main screen")
        driver = Driver(app, pilot, watch)
        result["ready"] = await open_cluster(driver, services)
        keys_started = time.perf_counter()
        profile, traced = start_profile(), start_tracing()
        pauses = GcPauses()
        gc.callbacks.append(pauses)
        while sum(map(len, driver.samples.times.values())) + sum(driver.samples.missed.values()) < presses:
            await driver.cycle()
            done = sum(map(len, driver.samples.times.values()))
            progress(f"{done} presses, missed {driver.samples.missed}")
            save_partial(driver.samples, rss)
        result["keys_s"] = time.perf_counter() - keys_started
        stop_profile(profile)
        result["samples"], result["missed"] = driver.samples.times, driver.samples.missed
        result["cpu"] = driver.samples.cpu
        gc.callbacks.remove(pauses)
        result["gc"] = pauses.summary()
        while time.perf_counter() - keys_started < soak:
            await driver.cycle()
        result["soak_s"] = time.perf_counter() - keys_started if soak > 0 else 0.0
        save_growth(traced)
        result["rows"] = {"ecs": len(driver.ecs.rows), "problems": len(driver.problems.problems)}
        log = app.screen.query_one(LogPane)
        result["log"] = {"received": log.received, "buffered": len(log.buffer), "tails": logs.tails}
        result["zabbix_calls"] = zabbix.calls
        result["frames"] = watch.frames
        sampler.cancel()
    result["rss"] = rss
    console.close()
    return result


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.scale_drive")
    parser.add_argument("config", type=Path)
    parser.add_argument("--presses", type=int, default=300)
    parser.add_argument("--soak", type=float, default=0.0, help="seconds of keys after the presses")
    parser.add_argument("--services", type=int, default=2000)
    args = parser.parse_args(argv)
    print(json.dumps(asyncio.run(drive(args.config, args.presses, args.soak, args.services))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
