"""Regenerate screenshots/ (SVG and PNG) from the demo world: `./dev screenshots`.

The stacks review shows a real plan: prod's parameters with a larger database class and one
more web task, planned against the demo's deployed estate.
"""

from __future__ import annotations

import asyncio
import dataclasses
import shutil
import sys
import tempfile
from pathlib import Path

from opsconsole.config import load_settings
from opsconsole.demo.world import DemoReady, DemoWorld
from opsconsole.services import Services
from opsconsole.tui.app import OpsConsoleApp

OUT = Path(__file__).resolve().parents[1] / "screenshots"
SIZE = (140, 36)
SHOTS = {"main-dev": "1", "main-staging": "2", "main-prod": "3"}


def simulate(ready: DemoReady) -> None:
    """A few simulation steps (seeded) so the panes show a living world, with one OOM kill."""
    from opsconsole.demo.simulator import Simulator, accounts_of

    accounts = accounts_of(ready.accounts.admin_keys)
    simulator = Simulator(ready.endpoint, accounts, seed=7, oom_chance=0.0)
    for _ in range(3):
        simulator.tick()
    simulator.kill_one(accounts[-1], "api")


async def capture_stacks_review(services: Services) -> Path:
    app = OpsConsoleApp(services, initial_env="prod")
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("s")
        await app.workers.wait_for_complete()
        await pilot.press("p")
        await app.workers.wait_for_complete()
        await pilot.pause()
        path = OUT / "stacks-review-prod.svg"
        app.save_screenshot(path.name, path=str(OUT))
    return path


def changed_estate(root: Path) -> Path:
    stacks = root / "stacks"
    shutil.copytree(Path(__file__).resolve().parents[1] / "stacks", stacks)
    params = stacks / "params" / "prod.toml"
    text = params.read_text(encoding="utf-8")
    text = text.replace('DbInstanceClass = "db.r6g.large"', 'DbInstanceClass = "db.r6g.xlarge"')
    params.write_text(text.replace("WebCount = 3", "WebCount = 4"), encoding="utf-8")
    return stacks


async def capture_services(services: Services) -> Path:
    app = OpsConsoleApp(services, initial_env="prod")
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        path = OUT / "ecs-services-prod.svg"
        app.save_screenshot(path.name, path=str(OUT))
    return path


async def capture(services: Services) -> list[Path]:
    written = []
    for name, key in SHOTS.items():
        app = OpsConsoleApp(services)
        async with app.run_test(size=SIZE) as pilot:
            await app.workers.wait_for_complete()
            await pilot.press(key)
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            path = OUT / f"{name}.svg"
            app.save_screenshot(path.name, path=str(OUT))
            written.append(path)
    return written


def main() -> int:
    OUT.mkdir(exist_ok=True)
    with (
        tempfile.TemporaryDirectory() as state,
        DemoWorld(root=Path(state) / "world", operator="alice") as ready,
    ):
        settings = load_settings(ready.config_path, environ={})
        services = Services.build(settings)
        simulate(ready)
        svgs = asyncio.run(capture(services))
        svgs.append(asyncio.run(capture_services(services)))
        changed = Services.build(dataclasses.replace(settings, stacks_root=str(changed_estate(Path(state)))))
        svgs.append(asyncio.run(capture_stacks_review(changed)))
    try:
        import cairosvg
    except (ImportError, OSError) as e:  # cairosvg needs the cairo C library
        print(f"SVGs written; PNGs skipped ({e}); install libcairo2 to render them", file=sys.stderr)
        return 1
    for svg in svgs:
        cairosvg.svg2png(url=str(svg), write_to=str(svg.with_suffix(".png")))
        print(svg.with_suffix(".png"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
