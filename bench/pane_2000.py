"""The ECS pane with 2,000 services seeded on moto: key-to-paint while refreshes keep arriving.

Key-to-paint is the wall time from a key press (cursor down) to the first screen update after
it (the app's display call), measured inside the app. Refreshes run in a worker and are forced
every 15 presses, so their reads and their diffing of 2,000 keyed rows compete with the presses
as in real use.
"""

from __future__ import annotations

import asyncio
import resource
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import boto3

from opsconsole.app.console import Console
from opsconsole.config import load_settings
from opsconsole.demo.world import DemoWorld
from opsconsole.tui.app import OpsConsoleApp
from opsconsole.tui.widgets.ecs_pane import EcsPane

SERVICES = 2000


def seed(endpoint: str, key: Any) -> float:
    ecs = boto3.client(
        "ecs",
        endpoint_url=endpoint,
        region_name="eu-west-1",
        aws_access_key_id=key.access_key_id,
        aws_secret_access_key=key.secret_access_key,
    )
    started = time.perf_counter()
    for index in range(SERVICES - 6):
        ecs.create_service(
            cluster="dev-cluster", serviceName=f"svc-{index:04d}", taskDefinition="dev-web", desiredCount=1
        )
    return time.perf_counter() - started


async def measure(console: Console, presses: int = 60) -> dict[str, float]:
    app = OpsConsoleApp(console)
    paints: list[float] = []
    display = app._display

    def timed_display(*args: Any, **kwargs: Any) -> None:
        paints.append(time.perf_counter())
        display(*args, **kwargs)

    app._display = timed_display  # type: ignore[method-assign]
    async with app.run_test(size=(150, 42)) as pilot:
        await app.workers.wait_for_complete()
        started = time.perf_counter()
        await pilot.press("enter")
        pane = app.screen.query_one(EcsPane)
        while len(pane.rows) < SERVICES and time.perf_counter() - started < 120:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        first_load = time.perf_counter() - started
        samples = []
        for index in range(presses):
            if index % 15 == 0:
                pane.refresh_rows()  # keep refreshes in flight during the presses
            before = time.perf_counter()
            await pilot.press("down")
            await pilot.pause()
            painted = [moment for moment in paints if moment > before]
            samples.append((painted[0] if painted else time.perf_counter()) - before)
            await asyncio.sleep(0.05)
        rows = len(pane.rows)
    samples.sort()
    return {
        "rows": rows,
        "first_load_s": first_load,
        "median_ms": statistics.median(samples) * 1000,
        "p95_ms": samples[int(len(samples) * 0.95) - 1] * 1000,
        "max_ms": samples[-1] * 1000,
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run() -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp, DemoWorld(root=Path(tmp) / "world", operator="bench") as ready:
        seconds = seed(ready.endpoint, ready.accounts.admin_keys["dev"])
        console = Console.build(load_settings(ready.config_path, environ={}))
        result = asyncio.run(measure(console))
        result["seed_s"] = seconds
        return result


if __name__ == "__main__":
    print(run())
