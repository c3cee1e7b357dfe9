"""30 simulated environments (AWS accounts on moto) in the all-environments screen: time to its
first rows, against the same screen with one environment (budget < 2x).

One demo world without IAM enforcement (so a role in any account can be assumed) holds 30 extra
accounts, each seeded with a cluster of two services through moto's account header. Two configs
share the world's Zabbix and Graylog: one with the 30 environments, one with the first of them.
Each measurement is a fresh `python -m bench.fleet_30 --child CONFIG` process (imports and sign-in
not counted): headless app (160x48), the all-environments screen pushed at once; "first rows" is
the first screen update at which the services table shows rows, "filled" the first at which the
services, problems and databases tables have all been read. Runs alternate 30 / 1.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import Sample, Table, alternate, peak_rss_mb, run_measured

ACCOUNTS = 30
GROUPS = ("dev", "staging", "prod")


def account_id(index: int) -> str:
    return f"4000000000{index:02d}"


def seed(endpoint: str) -> None:
    import boto3

    session = boto3.Session()
    for index in range(1, ACCOUNTS + 1):
        ecs = session.client(
            "ecs", endpoint_url=endpoint, region_name="eu-west-1",
            aws_access_key_id="bench", aws_secret_access_key="bench",
        )  # fmt: skip

        def pin(request: Any, _account: str = account_id(index), **_: Any) -> None:
            request.headers["x-moto-account-id"] = _account

        ecs.meta.events.register("before-sign.ecs.*", pin)
        cluster = f"env{index:02d}-cluster"
        ecs.create_cluster(clusterName=cluster)
        ecs.register_task_definition(
            family="web", containerDefinitions=[{"name": "web", "image": "nginx", "memory": 128}]
        )
        for name in ("web", "worker"):
            ecs.create_service(cluster=cluster, serviceName=name, taskDefinition="web", desiredCount=1)


def config_text(world_config: str, accounts: int) -> str:
    head = world_config.split("\n[environments.", 1)[0]
    lines = [head.replace('default_environment = "dev"', 'default_environment = "env01"')]
    for index in range(1, accounts + 1):
        name, group = f"env{index:02d}", GROUPS[(index - 1) % len(GROUPS)]
        lines += [
            f"[environments.{name}]",
            f'account_id = "{account_id(index)}"',
            'region = "eu-west-1"',
            f'external_id = "bench-{name}"',
            f'zabbix = {{ host_groups = ["{group}"] }}',
            f'graylog = {{ streams = ["{group}"] }}',
            f"[environments.{name}.roles]",
            f'read = "arn:aws:iam::{account_id(index)}:role/OpsConsoleReadOnly"',
            "",
        ]
    return "\n".join(lines)


# -- in the child -----------------------------------------------------------------------------------


async def drive(config: Path) -> dict[str, float]:
    from textual.widgets import DataTable

    from opsconsole.app.console import Console
    from opsconsole.config import load_settings
    from opsconsole.tui.app import OpsConsoleApp
    from opsconsole.tui.screens.all_envs import AllEnvironmentsScreen
    from opsconsole.tui.widgets.fleet_table import FleetTable

    console = Console.build(load_settings(config, environ={}))
    console.access.caller_identity()
    app = OpsConsoleApp(console)
    marks: dict[str, float] = {}
    pushed = 0.0
    display = app._display

    def timed_display(screen: Any, renderable: Any) -> None:
        display(screen, renderable)
        if renderable is None or not pushed or not isinstance(app.screen, AllEnvironmentsScreen):
            return
        tables = {t.kind: t for t in app.screen.query(FleetTable)}
        now = time.perf_counter()
        if "first_rows" not in marks and tables["services"].query_one(DataTable).row_count > 0:
            marks["first_rows"] = now - pushed
        if "filled" not in marks and all(t.loaded_at is not None for t in tables.values()):
            marks["filled"] = now - pushed

    app._display = timed_display  # type: ignore[method-assign]
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        pushed = time.perf_counter()
        app.push_screen(AllEnvironmentsScreen(console))
        while len(marks) < 2 and time.perf_counter() - pushed < 60:  # noqa: ASYNC110
            await asyncio.sleep(0.005)
        rows = app.screen.query_one("#fleet-services DataTable", DataTable).row_count
    console.close()
    marks["rows"] = rows
    marks["rss_mb"] = peak_rss_mb()
    return marks


def child_main(config: str) -> int:
    print(json.dumps(asyncio.run(drive(Path(config)))))
    return 0


# -- in the parent ----------------------------------------------------------------------------------


def rows(table: Table, env: dict[str, str], rounds: int) -> list[str]:
    """Adds the 30-vs-1 rows to `table`; returns notes (rows seen, time to filled)."""
    from opsconsole.demo.world import DemoWorld

    with tempfile.TemporaryDirectory() as tmp:
        world = DemoWorld(root=Path(tmp) / "world", operator="bench", enforce_iam=False, deploy_stacks=False)
        ready = world.start()
        try:
            seed(ready.endpoint)
            text = ready.config_path.read_text(encoding="utf-8")
            configs = {n: Path(tmp) / f"fleet-{n}.toml" for n in (ACCOUNTS, 1)}
            for n, path in configs.items():
                path.write_text(config_text(text, n), encoding="utf-8")
            seen: dict[int, list[dict[str, float]]] = {n: [] for n in configs}

            def side(n: int) -> Any:
                def once() -> Sample:
                    _, out = run_measured(
                        [sys.executable, "-m", "bench.fleet_30", "--child", str(configs[n])], env, timeout=120
                    )
                    marks = json.loads(out.strip().splitlines()[-1])
                    seen[n].append(marks)
                    return Sample(marks["first_rows"], marks["rss_mb"])

                return once

            got = alternate({"30": side(ACCOUNTS), "1": side(1)}, rounds, warmup=False)
        finally:
            world.stop()
    table.add(
        f"all-environments screen, {ACCOUNTS} accounts: push to first rows",
        got["30"], got["1"], budget=2.0, peer_name="one account",
    )  # fmt: skip
    table.add("all-environments screen, one account: push to first rows", got["1"])
    filled = {n: sorted(m.get("filled", float("nan")) * 1000 for m in runs) for n, runs in seen.items()}
    shown = {n: [int(m["rows"]) for m in runs] for n, runs in seen.items()}
    return [
        f"All-environments screen (bench/fleet_30.py): rows shown {shown[ACCOUNTS]} with {ACCOUNTS} accounts "
        f"(2 services each), {shown[1]} with one; all three tables read after (median) "
        f"{filled[ACCOUNTS][len(filled[ACCOUNTS]) // 2]:.0f} ms vs {filled[1][len(filled[1]) // 2]:.0f} ms."
    ]


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        sys.exit(child_main(sys.argv[2]))
    from bench.common import clean_env

    result = Table()
    with tempfile.TemporaryDirectory() as state:
        notes = rows(result, clean_env(state), int(sys.argv[1]) if len(sys.argv) > 1 else 3)
    print("\n".join([*result.markdown(), *notes]))
