"""The console as one instrument on a running demo world: start to all panes filled, environment
switch to all panes refreshed, key-to-paint with every pane live, and the AWS CLI beside it.

The world runs in its own process (`opsconsole demo --serve`: moto, the Zabbix and Graylog
emulators, the simulation ticking every 2 s), so its start-up is timed apart from the console's
and the console is measured as it runs in a second terminal. Each console run is a fresh
`python -m bench.console_live --child` process, so imports are paid every time.

"Filled" for one environment means all four panes hold that environment's data, on screen:
- ECS: the pane's `rows` is not empty and its `loaded_at` is later than the start (or the key
  press), i.e. a read of this environment's clusters has landed in the table;
- RDS: `loaded_at` later than the start and the table has a row per instance (at least one);
- problems: `loaded_at` later than the start (Zabbix answered; zero problems is a valid answer);
- logs: the pane's `buffer` holds lines of the new tail (the demo's traffic writes lines every
  tick, and a tail starts with 2 minutes of backlog; the buffer is emptied on a switch).
The moment counted is the first screen update (the app's display call) at which all four hold.
Start counts from the parent launching the child's interpreter; the parts are: interpreter and
imports, sign-in (Console.build + GetCallerIdentity, as `launch_tui` does before the screen
switches), and the app itself (run_test start to filled).

A switch presses 3 (prod), 1 (dev), 2 (staging), 1, 3, 1, 2, 1: the first visit of prod and of
staging assumes their read role (cold); the later ones reuse the cached session (warm).

Key-to-paint: after the switches, Enter opens dev's cluster (its services), then down, down, up,
up and five tabs (the focus goes round the environment tabs and the four panes back to ECS)
repeat, so every press changes the screen. Each press is timed from before the press to the first
screen update at which what it changes holds (the cursor row moved, the focus left the widget):
as in bench/pane_2000.py, except that an update of the log tail or of a timer that happens to
come first does not count. The cursor resting on a service links the log and problem panes to
it, so tails restart and problems re-filter while keys arrive, on top of the panes' own refreshes
and the simulation's traffic.

Headless (`App.run_test`): the compositor builds every frame, but nothing is written to a
terminal, so a real terminal adds its write time to each paint.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.common import Sample, Table, peak_rss_mb

if TYPE_CHECKING:
    from textual.screen import Screen

    from opsconsole.tui.app import OpsConsoleApp

PANES = ("ecs", "rds", "problems", "logs")
SWITCHES = ("3", "1", "2", "1", "3", "1", "2", "1")
COLD = {0, 2}  # indexes in SWITCHES of the first visit of prod and of staging
# Every press changes the screen: the cursor moves among dev's services, and five tabs take the
# focus round the chain (the environment tabs, then the four panes) back to the ECS table.
KEYS = ("down", "down", "up", "up", "tab", "tab", "tab", "tab", "tab")
TIMEOUT = 30.0


# -- in the child: the console, measured ----------------------------------------------------------


def filled(screen: Screen[Any], env: str, since: float, logs_received: int) -> dict[str, bool]:
    """Which panes show `env`'s data read after `since` (wall seconds); see the module docstring."""
    from textual.widgets import DataTable

    from opsconsole.tui.widgets.ecs_pane import EcsPane
    from opsconsole.tui.widgets.log_pane import LogPane
    from opsconsole.tui.widgets.problems_pane import ProblemsPane
    from opsconsole.tui.widgets.rds_pane import RdsPane

    after = datetime.fromtimestamp(since, UTC)
    ecs, rds = screen.query_one(EcsPane), screen.query_one(RdsPane)
    problems, logs = screen.query_one(ProblemsPane), screen.query_one(LogPane)
    return {
        "ecs": ecs.env_name == env and bool(ecs.rows) and ecs.loaded_at is not None and ecs.loaded_at > after,
        "rds": rds.env_name == env
        and rds.loaded_at is not None
        and rds.loaded_at > after
        and rds.query_one("#rds-table", DataTable).row_count > 0,
        "problems": problems.env_name == env
        and problems.loaded_at is not None
        and problems.loaded_at > after,
        "logs": logs.env_name == env and len(logs.buffer) > 0 and logs.received > logs_received,
    }


@dataclass
class Watch:
    """Checks, at every screen update, whether the panes are filled for what is awaited."""

    app: OpsConsoleApp
    paints: list[float] = field(default_factory=list)
    env: str = ""
    since: float = 0.0
    logs_received: int = 0
    first: dict[str, float] = field(default_factory=dict)
    done: float | None = None
    cpu_done: float = 0.0
    """This process's CPU seconds (all threads) at `done`: on a busy machine the wall clock says
    more about the neighbours than about the console, its own CPU time does not."""
    shows: Callable[[], bool] | None = None
    """What a key press changes; the first screen update at which it holds is that press's paint
    (not an update of the log tail or a timer that happened to come first)."""
    shown: float | None = None

    def hook(self) -> None:
        display = self.app._display

        def timed_display(screen: Any, renderable: Any) -> None:
            display(screen, renderable)
            if renderable is None or self.app._batch_count:
                return  # nothing was drawn
            now = time.time()
            self.paints.append(now)
            if self.env and self.done is None:
                self._check(now)
            if self.shows is not None and self.shown is None and self.shows():
                self.shown = now

        self.app._display = timed_display  # type: ignore[method-assign]

    def _check(self, now: float) -> None:
        try:
            state = filled(self.app.screen, self.env, self.since, self.logs_received)
        except Exception:  # the main screen is not mounted yet
            return
        for pane, ok in state.items():
            if ok:
                self.first.setdefault(pane, now)
        if all(state.values()):
            self.done = now
            self.cpu_done = time.process_time()

    def expect(self, env: str, since: float) -> None:
        from opsconsole.tui.widgets.log_pane import LogPane

        try:
            self.logs_received = self.app.screen.query_one(LogPane).received
        except Exception:
            self.logs_received = 0
        self.env, self.since, self.first, self.done = env, since, {}, None

    async def wait(self) -> dict[str, float]:
        while self.done is None and time.time() - self.since < TIMEOUT:  # noqa: ASYNC110
            await asyncio.sleep(0.005)
        if self.done is None:
            missing = [p for p in PANES if p not in self.first]
            raise TimeoutError(f"{self.env}: not filled within {TIMEOUT:.0f} s (missing {missing})")
        return {"all": self.done - self.since} | {p: t - self.since for p, t in self.first.items()}


async def drive(config: Path, launched: float, presses: int) -> dict[str, Any]:
    entered = time.time()
    from opsconsole.app.console import Console
    from opsconsole.app.runbooks import Runbooks
    from opsconsole.config import load_settings
    from opsconsole.tui.app import OpsConsoleApp

    imported = time.time()
    console = Console.build(load_settings(config, environ={}))
    console.access.caller_identity()  # as launch_tui does before the screen switches
    signed_in, cpu_signed_in = time.time(), time.process_time()
    app = OpsConsoleApp(console, runbooks=Runbooks(console))  # as launch_tui builds it
    watch = Watch(app)
    watch.hook()
    first_env = console.settings.first_environment.name
    watch.expect(first_env, signed_in)
    result: dict[str, Any] = {}
    async with app.run_test(size=(160, 48)) as pilot:
        start = await watch.wait()
        first_paint = min(watch.paints) - signed_in
        result["start"] = {
            "to_filled": watch.done - launched if watch.done else None,
            "interpreter": entered - launched,
            "imports": imported - entered,
            "sign_in": signed_in - imported,
            "first_paint": first_paint,
            "app": start,
            "cpu_to_filled": watch.cpu_done,
            "cpu_app": watch.cpu_done - cpu_signed_in,
        }
        names = [env.name for env in console.settings.environments.values()]
        switches = []
        for index, key in enumerate(SWITCHES):
            await asyncio.sleep(0.6)  # let the previous environment's refreshes settle
            before = time.time()
            watch.expect(names[int(key) - 1], before)
            await pilot.press(key)
            took = await watch.wait()
            switches.append({"to": watch.env, "cold": index in COLD, **took})
        result["switches"] = switches
        if presses:
            result["keys"] = await key_to_paint(app, pilot, watch, presses)
    console.close()
    result["rss_mb"] = peak_rss_mb()  # this console's own
    return result


def change_of(key: str, app: OpsConsoleApp, table: Any) -> Callable[[], bool]:
    """What pressing `key` changes: the focus for tab, the ECS cursor row for down and up."""
    if key == "tab":
        focused = app.focused
        return lambda: app.focused is not focused
    row = table.cursor_row
    return lambda: bool(table.cursor_row != row)


async def key_to_paint(app: OpsConsoleApp, pilot: Any, watch: Watch, presses: int) -> dict[str, Any]:
    from textual.widgets import DataTable

    from opsconsole.tui.widgets.ecs_pane import EcsPane

    app.screen.query_one("#ecs-table").focus()
    await pilot.press("enter")  # dev-cluster's services: rows to move through
    pane = app.screen.query_one(EcsPane)
    while len(pane.rows) < 2:  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    table = app.screen.query_one("#ecs-table", DataTable)
    samples: list[float] = []
    kinds: list[str] = []
    missed = 0
    started = time.time()
    for index in range(presses):
        key = KEYS[index % len(KEYS)]
        watch.shows, watch.shown = change_of(key, app, table), None
        before = time.time()
        await pilot.press(key)
        while watch.shown is None and time.time() - before < 2.0:  # noqa: ASYNC110
            await asyncio.sleep(0.001)
        if watch.shown is not None:
            samples.append(watch.shown - before)
            kinds.append("focus" if key == "tab" else "cursor")
        else:
            missed += 1
        watch.shows = None
        await asyncio.sleep(0.05)
    logs = app.screen.query_one("LogPane")
    return {
        "samples": samples,
        "kinds": kinds,
        "missed": missed,
        "seconds": time.time() - started,
        "log_lines": getattr(logs, "received", 0),
    }


def child_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.console_live --child")
    parser.add_argument("config", type=Path)
    parser.add_argument("--launched", type=float, required=True)
    parser.add_argument("--presses", type=int, default=0)
    args = parser.parse_args(argv)
    result = asyncio.run(drive(args.config, args.launched, args.presses))
    print(json.dumps(result))
    return 0


# -- in the parent: the world, the runs, the peer -------------------------------------------------


@dataclass(frozen=True)
class Results:
    world_ready: float
    world_deployed: float
    runs: list[dict[str, Any]]
    peer: list[float]
    peer_version: str
    load: tuple[float, float]
    """The machine's 1-minute load average before and after: 2 cores, shared with other work."""

    def starts(self, part: Callable[[dict[str, Any]], float]) -> list[float]:
        return [part(run["start"]) for run in self.runs]

    def switches(self, cold: bool) -> list[float]:
        return [s["all"] for run in self.runs for s in run["switches"] if s["cold"] is cold]

    def keys(self) -> dict[str, Any]:
        return next(run["keys"] for run in self.runs if "keys" in run)


def peer_profile(world: Path, home: Path) -> Path:
    """The AWS CLI's config with a profile for dev's read role, as an operator would write it."""
    config = home / "aws-config"
    config.write_text(
        (world / "aws-config").read_text()
        + "\n[profile dev-read]\nrole_arn = arn:aws:iam::111111111111:role/OpsConsoleReadOnly\n"
        "source_profile = opsconsole-demo\nexternal_id = opsconsole-dev\nregion = eu-west-1\n"
    )
    return config


def aws_first_screen(aws: str, env: dict[str, str]) -> None:
    """What the console's first screen shows, with the AWS CLI: the clusters and the DB instances."""

    def call(*args: str) -> Any:
        done = subprocess.run(
            [aws, *args, "--profile", "dev-read", "--output", "json"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        return json.loads(done.stdout)

    arns = call("ecs", "list-clusters")["clusterArns"]
    call("ecs", "describe-clusters", "--clusters", *arns)
    call("rds", "describe-db-instances")


def console_run(config: Path, env: dict[str, str], presses: int) -> dict[str, Any]:
    """One console, in a fresh interpreter, from launch to its last measurement."""
    launched = time.time()
    done = subprocess.run(
        [sys.executable, "-m", "bench.console_live", "--child", str(config), "--launched", repr(launched)]
        + ["--presses", str(presses)],
        cwd=Path(__file__).resolve().parents[1],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"the console run failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def peer_run(aws: str, env: dict[str, str], config: Path, home: Path) -> float:
    """The AWS CLI's first screen, with a fresh HOME: the CLI caches assumed-role keys there, and
    each console run assumes the role afresh too."""
    home.mkdir()
    peer_env = {
        **env,
        "HOME": str(home),
        "AWS_CONFIG_FILE": str(peer_profile(config.parent, home)),
        "AWS_SHARED_CREDENTIALS_FILE": str(config.parent / "aws-credentials"),
        "AWS_ENDPOINT_URL": endpoint_of(config),
    }
    started = time.perf_counter()
    aws_first_screen(aws, peer_env)
    return time.perf_counter() - started


def run(runs: int = 5, presses: int = 240) -> Results:
    """Console and peer runs interleaved on one world, so a busy moment of the shared machine
    does not land on one side only; the last console run also times key presses."""
    from bench.common import peer, start_demo

    aws = peer("aws", "awscli")
    version = subprocess.run([aws, "--version"], capture_output=True, text=True).stdout.strip()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "OPSCONSOLE_STATE_DIR": tmp}
        for var in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            env.pop(var, None)
        process, ready, deployed, config = start_demo(env)
        try:
            time.sleep(6.0)  # three simulation ticks: logs and metrics in every environment
            consoles, peers = [], []
            for index in range(runs):
                consoles.append(console_run(config, env, presses if index == runs - 1 else 0))
                peers.append(peer_run(aws, env, config, Path(tmp) / f"aws-home-{index}"))
        finally:
            process.terminate()
            process.wait(30)
    return Results(ready, deployed, consoles, peers, version, (load_before, os.getloadavg()[0]))


def endpoint_of(config: Path) -> str:
    line = next(x for x in config.read_text().splitlines() if x.startswith("endpoint_url"))
    return line.split("=", 1)[1].strip().strip('"')


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def quantiles(samples: list[float]) -> str:
    return (
        f"p50 {percentile(samples, 50) * 1000:.0f} ms, p95 {percentile(samples, 95) * 1000:.0f}, "
        f"p99 {percentile(samples, 99) * 1000:.0f}, max {max(samples) * 1000:.0f}"
    )


def spread(samples: list[float]) -> str:
    return (
        f"median {statistics.median(samples) * 1000:.0f} ms (min {min(samples) * 1000:.0f}, "
        f"max {max(samples) * 1000:.0f}, {len(samples)} runs)"
    )


def describe(r: Results) -> list[str]:
    """The RESULTS.md section."""
    pane_medians = ", ".join(
        f"{pane} {statistics.median(run['start']['app'][pane] for run in r.runs) * 1000:.0f}"
        for pane in PANES
    )
    keys = r.keys()
    samples = keys["samples"]
    by_kind = {
        kind: [t for t, k in zip(samples, keys["kinds"], strict=True) if k == kind]
        for kind in ("cursor", "focus")
    }
    return [
        "## The console on a running demo world (bench/console_live.py)",
        "",
        f"World (`opsconsole demo --serve`, its own process): export line {r.world_ready:.1f} s, "
        f"estate deployed {r.world_deployed:.1f} s; not counted below. Each console run is a fresh "
        "process against that world, headless (`App.run_test`, 160×48); filled = all four panes "
        "show data of the environment read after the start or key press, at a screen update "
        f"(definition in the module docstring). Load average {r.load[0]:.1f} before, {r.load[1]:.1f} "
        f"after, on {os.cpu_count()} cores shared with other work.",
        "",
        f"- Launch to all panes filled (budget < 0.8 s): {spread(r.starts(lambda s: s['to_filled']))}. "
        f"Of which interpreter {statistics.median(r.starts(lambda s: s['interpreter'])) * 1000:.0f} ms, "
        f"imports {statistics.median(r.starts(lambda s: s['imports'])) * 1000:.0f} ms, "
        f"sign-in (GetCallerIdentity) {statistics.median(r.starts(lambda s: s['sign_in'])) * 1000:.0f} ms, "
        f"app to filled {spread(r.starts(lambda s: s['app']['all']))}; first paint "
        f"{statistics.median(r.starts(lambda s: s['first_paint'])) * 1000:.0f} ms after sign-in; "
        f"each pane's median (ms after sign-in): {pane_medians}. The console's own CPU time (all "
        f"its threads) to filled: {spread(r.starts(lambda s: s['cpu_to_filled']))}, of which the app "
        f"(after sign-in) {spread(r.starts(lambda s: s['cpu_app']))}.",
        f"- Environment switch to all panes refreshed (budget: p50 < 150 ms): first visit, role assumed: "
        f"{spread(r.switches(True))}; again, session cached: {spread(r.switches(False))}.",
        f"- Key-to-paint with all panes live on the demo world (the budget, p99 < 50 ms and max < 100 ms, "
        f"is for the full-scale world of bench/scale_screen.py), {len(samples)} presses over "
        f"{keys['seconds']:.0f} s while the panes refresh, the cursor's links restart the log tail and "
        f"re-filter problems, {keys['log_lines']} log lines tailed: {quantiles(samples)}; "
        f"cursor moves in ECS services {quantiles(by_kind['cursor'])}; tab to the next pane "
        f"{quantiles(by_kind['focus'])}"
        + (f"; {keys['missed']} presses drew nothing within 2 s." if keys["missed"] else "."),
        f"- Peer: the first screen's AWS data with the AWS CLI ({r.peer_version}), dev's read role "
        "profile, a fresh credential cache per run: `aws ecs list-clusters` + `describe-clusters` + "
        f"`aws rds describe-db-instances`, run one after another: {spread(r.peer)}. That is ECS and RDS "
        "only, without metrics; the console's figure above also includes the CPU/connection "
        "sparklines, the Zabbix problems and the log tail.",
        f"- Memory: each console's own peak RSS {spread_mb([run['rss_mb'] for run in r.runs])}.",
        "",
    ]


def spread_mb(values: list[float]) -> str:
    return f"median {statistics.median(values):.0f} MB (min {min(values):.0f}, max {max(values):.0f})"


def table_rows(r: Results, table: Table) -> None:
    """The acceptance rows of the console in the main table of RESULTS.md."""
    starts = [Sample(run["start"]["to_filled"], run["rss_mb"]) for run in r.runs]
    table.add(
        "console: launch to all panes filled (demo world)", starts, [Sample(p) for p in r.peer],
        budget_ms=800, peer_name="AWS CLI's ECS+RDS first screen",
    )  # fmt: skip
    table.add(
        "AWS CLI: list-clusters + describe-clusters + describe-db-instances", [Sample(p) for p in r.peer]
    )
    table.add(
        "console: environment switch, session cached (p50)",
        [Sample(x) for x in r.switches(False)],
        budget_ms=150,
    )
    table.add(
        "console: environment switch, first visit (role assumed)", [Sample(x) for x in r.switches(True)]
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        sys.exit(child_main(sys.argv[2:]))
    outcome = run()
    print("\n".join(describe(outcome)))
    print(json.dumps([run["start"] for run in outcome.runs]), file=sys.stderr)
