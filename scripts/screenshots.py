"""Regenerate screenshots/ (SVG and PNG) from the demo world: `./dev screenshots`.

The world runs its seeded story first: a bad api release in prod (a deployment, OOM kills, the
Zabbix problem, the 5xx spike in the logs), then a CPU alarm on prod's database. The stacks review
shows a real plan: prod's parameters with a larger database class and one more web task.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from opsconsole.app.console import Console
from opsconsole.app.runbooks import Runbooks
from opsconsole.config import load_settings
from opsconsole.demo.world import DemoReady, DemoWorld
from opsconsole.tui.app import OpsConsoleApp

OUT = Path(__file__).resolve().parents[1] / "screenshots"
SIZE = (160, 46)
PNG_FONT = "DejaVu Sans Mono"


def simulate(ready: DemoReady) -> None:
    """The seeded story tick by tick: the bad release at tick 3, the database alarm at tick 23."""
    from opsconsole.demo.story import story_simulator

    simulator = story_simulator(ready, story_at=3)
    for _ in range(26):
        simulator.tick()
        time.sleep(0.2)  # spread the story over a few seconds, as the live demo does over minutes
    time.sleep(1.5)  # Graylog makes messages searchable a second after they arrive


Steps = Callable[[Any], Awaitable[None]]


async def shot(
    console: Console, name: str, steps: Steps, env: str | None = None, size: tuple[int, int] = SIZE
) -> Path:
    # Runbooks still run on the old facade until the Console has them (as launch_tui does).
    app = OpsConsoleApp(console, initial_env=env, runbooks=Runbooks(console))
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await steps(pilot)
        await settle(pilot)
        await pilot.pause(0.5)  # rows that came in last get their column widths on the next refresh
        path = OUT / f"{name}.svg"
        app.save_screenshot(path.name, path=str(OUT))
    return path


async def settle(pilot: Any, seconds: float = 1.0) -> None:
    await pilot.pause(seconds)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def nothing(pilot: Any) -> None:
    return None


async def api_linked(pilot: Any) -> None:
    await pilot.press("enter")  # prod-cluster -> services; the cursor rests on api
    await settle(pilot, 1.5)


async def all_envs(pilot: Any) -> None:
    await pilot.press("0")
    await settle(pilot, 2.0)


async def timeline(pilot: Any) -> None:
    await api_linked(pilot)
    await pilot.press("t")
    await settle(pilot, 1.5)


async def ack_modal(pilot: Any) -> None:
    await api_linked(pilot)
    pilot.app.screen.query_one("#problems-table").focus()
    await pilot.press("space", "a")
    await settle(pilot, 0.3)
    await pilot.press(*"rolling api back to the previous revision, INC-4711")


async def runbook(pilot: Any) -> None:
    await api_linked(pilot)
    await pilot.press("b")
    await settle(pilot, 0.5)
    table = pilot.app.screen.query_one("#rb-list")
    table.move_cursor(row=table.get_row_index("deploy-5xx-spike"))
    await settle(pilot, 0.5)


async def keys(pilot: Any) -> None:
    await pilot.press("f1")
    await settle(pilot, 0.3)


async def describe(pilot: Any) -> None:
    await api_linked(pilot)
    await pilot.press("d")
    await settle(pilot, 0.5)


async def api_tasks(pilot: Any) -> None:
    await api_linked(pilot)
    await pilot.press("enter")  # api's tasks: revision, containers, EC2 instance
    await settle(pilot, 2.0)


async def killed_container(pilot: Any) -> None:
    """An OOM-killed task's container: exit 137, and the log pane on that container's lines."""
    await api_tasks(pilot)
    table = pilot.app.screen.query_one("#ecs-table")
    killed = [n for n, k in enumerate(table.rows) if "137" in str(table.get_row(k)[4])]
    if killed:
        table.move_cursor(row=killed[0])
    await pilot.press("enter")
    await settle(pilot, 2.0)


async def web_links(pilot: Any) -> None:
    await api_linked(pilot)
    await pilot.press("w")
    await settle(pilot, 0.5)


async def sign_in(pilot: Any) -> None:
    """w, then s: the demo has no AWS console, so it shows the sign-in URL, token redacted."""
    await web_links(pilot)
    await pilot.press("s")
    await settle(pilot, 1.0)


async def facts(pilot: Any) -> None:
    await pilot.press("i")
    await settle(pilot, 0.5)


async def describe_db(pilot: Any) -> None:
    await pilot.press("f4")
    await settle(pilot, 0.5)
    await pilot.press("d")
    await settle(pilot, 1.0)


async def stacks_review(pilot: Any) -> None:
    await pilot.press("s")
    await settle(pilot)
    await pilot.press("p")
    await settle(pilot, 2.0)


def changed_estate(root: Path) -> Path:
    stacks = root / "stacks"
    shutil.copytree(Path(__file__).resolve().parents[1] / "stacks", stacks)
    params = stacks / "params" / "prod.toml"
    text = params.read_text(encoding="utf-8")
    text = text.replace('DbInstanceClass = "db.r6g.large"', 'DbInstanceClass = "db.r6g.xlarge"')
    params.write_text(text.replace("WebCount = 3", "WebCount = 4"), encoding="utf-8")
    return stacks


def main() -> int:
    OUT.mkdir(exist_ok=True)
    with (
        tempfile.TemporaryDirectory() as state,
        DemoWorld(root=Path(state) / "world", operator="alice") as ready,
    ):
        # runbook runs and journals of its own: the screenshots never show this machine's state
        os.environ["OPSCONSOLE_STATE_DIR"] = str(Path(state) / "state")
        settings = load_settings(ready.config_path, environ={})
        console = Console.build(settings)
        simulate(ready)
        plan = [
            ("main-dev", nothing, "dev"),
            ("main-staging", nothing, "staging"),
            ("main-prod", nothing, "prod"),
            ("linked-prod-api", api_linked, "prod"),
            ("all-environments", all_envs, "prod"),
            ("timeline-prod-api", timeline, "prod"),
            ("acknowledge-prod", ack_modal, "prod"),
            ("runbook-prod", runbook, "prod"),
        ]
        plan += [("keys", keys, "prod"), ("describe-prod-api", describe, "prod")]
        plan += [
            ("tasks-prod-api", api_tasks, "prod"),
            ("container-prod-api", killed_container, "prod"),
            ("web-links-prod-api", web_links, "prod"),
            ("sign-in-prod-api", sign_in, "prod"),
            ("describe-prod-db", describe_db, "prod"),
        ]
        svgs = [asyncio.run(shot(console, name, steps, env)) for name, steps, env in plan]
        svgs.append(asyncio.run(shot(console, "main-prod-80x24", nothing, "prod", (80, 24))))
        svgs.append(asyncio.run(shot(console, "facts-prod-80x24", facts, "prod", (80, 24))))
        changed = Console.build(dataclasses.replace(settings, stacks_root=str(changed_estate(Path(state)))))
        svgs.append(asyncio.run(shot(changed, "stacks-review-prod", stacks_review, "prod")))
        console.close()
    try:
        import cairosvg
    except (ImportError, OSError) as e:  # cairosvg needs the cairo C library
        print(f"SVGs written; PNGs skipped ({e}); install libcairo2 to render them", file=sys.stderr)
        return 1
    for svg in svgs:
        # The SVG asks for Fira Code from the web; offline cairo falls back to a proportional font and
        # columns run together ("STOPPED137"). A local monospace font keeps the terminal's grid.
        text = svg.read_text(encoding="utf-8").replace("Fira Code, monospace", f"{PNG_FONT}, monospace")
        cairosvg.svg2png(bytestring=text.encode("utf-8"), write_to=str(svg.with_suffix(".png")))
        print(svg.with_suffix(".png"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
