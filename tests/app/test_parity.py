"""One operation, written once: every change driven from the CLI, from a runbook step and from the TUI
plans the same calls and leaves the same audit intent and outcome (only the reason differs: each
front-end says where the change came from)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from opsconsole.demo.world import DemoReady
from opsconsole.domain.action_kinds import ActionKind
from opsconsole.domain.audit import AuditRecord
from tests.app.parity import Trail, by_cli, by_runbook, by_tui
from tests.app.test_change_failures import TASK, ensure_two_revisions
from tests.conftest import config_with_own_journal
from tests.contract.conftest import Scenario, write_config

# kind, environment, the CLI's words, the runbook step's parameters (the TUI posts the same kind)
AWS: list[tuple[ActionKind, list[str], dict[str, Any]]] = [
    (ActionKind.ECS_SCALE, ["ecs", "scale", "worker", "2"], {"service": "worker", "count": 2}),
    (ActionKind.ECS_REDEPLOY, ["ecs", "redeploy", "worker"], {"service": "worker"}),
    (ActionKind.ECS_ROLLBACK, ["ecs", "rollback", "api"], {"service": "api"}),
    (ActionKind.ECS_STOP_TASK, ["ecs", "stop-task", TASK], {"task": TASK}),
    (ActionKind.RDS_REBOOT, ["rds", "reboot", "staging-db"], {"instance": "staging-db"}),
    (ActionKind.RDS_SNAPSHOT, ["rds", "snapshot", "staging-db"], {"instance": "staging-db"}),
]
FRONT_ENDS = ("cli", "runbook", "tui")


@pytest.mark.parametrize(("kind", "words", "params"), AWS, ids=[k.value for k, _, _ in AWS])
async def test_an_aws_change_is_the_same_from_every_front_end(
    demo_world: DemoReady,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    kind: ActionKind,
    words: list[str],
    params: dict[str, Any],
) -> None:
    trails = {}
    for front_end in FRONT_ENDS:
        if kind is ActionKind.ECS_ROLLBACK:
            ensure_two_revisions(demo_world, "staging", "api")
        if kind is ActionKind.RDS_SNAPSHOT:
            await asyncio.sleep(1.0)  # snapshot names carry the second they were taken; one per second

        home = tmp_path / front_end
        home.mkdir()
        config = config_with_own_journal(demo_world, home)
        if front_end == "cli":
            records = by_cli(capsys, config, *words, "--env", "staging")
        elif front_end == "runbook":
            records = by_runbook(config, kind, "staging", params)
        else:
            records = await by_tui(config, kind, "staging", params)
        trails[front_end] = Trail.of(records, {})
    assert trails["cli"].action == kind.value and trails["cli"].environment == "staging"
    assert trails["cli"].calls, "the intent lists the calls"
    assert trails["runbook"] == trails["cli"] and trails["tui"] == trails["cli"]


def _problem(scenario: Scenario, count: int) -> list[str]:
    """A problem for each front-end, raised at once (a real server reloads its triggers slowly)."""
    names = [f"Disk full {uuid.uuid4().hex[:6]}" for _ in range(count)]
    for name in names:
        scenario.trigger(name, 5, priority=4, manual_close=True, tags={"service": "api"})
    raised = scenario.raise_all(9)
    return [raised[name] for name in names]


def _window(scenario: Scenario, count: int) -> list[str]:
    """A maintenance window for each front-end to delete."""
    now = int(datetime.now(UTC).timestamp())
    groupid = scenario.api.hostgroup.get(filter={"name": scenario.group})[0]["groupid"]
    return [
        str(
            scenario.api.maintenance.create(
                name=f"w-{uuid.uuid4().hex[:6]}",
                active_since=now,
                active_till=now + 3600,
                groups=[{"groupid": groupid}],
                timeperiods=[{"timeperiod_type": 0, "start_date": now, "period": 3600}],
            )["maintenanceids"][0]
        )
        for _ in range(count)
    ]


# kind, what each leg needs made first, the CLI's words, the runbook step's parameters; `{id}` is
# the leg's own event or maintenance id, `{name}` a unique maintenance name
ZABBIX: list[tuple[ActionKind, Callable[[Scenario, int], list[str]] | None, list[str], dict[str, Any]]] = [
    (ActionKind.ZABBIX_ACKNOWLEDGE, _problem, ["alerts", "ack", "{id}", "-m", "on it"], {"message": "on it"}),
    (ActionKind.ZABBIX_UNACKNOWLEDGE, _problem, ["alerts", "unack", "{id}", "-m", "no"], {"message": "no"}),
    (
        ActionKind.ZABBIX_SEVERITY,
        _problem,
        ["alerts", "severity", "disaster", "{id}"],
        {"severity": "disaster"},
    ),
    (ActionKind.ZABBIX_CLOSE, _problem, ["alerts", "close", "{id}", "-m", "fixed"], {"message": "fixed"}),
    (
        ActionKind.ZABBIX_MESSAGE,
        _problem,
        ["alerts", "message", "{id}", "-m", "still on it"],
        {"message": "still on it"},
    ),
    (
        ActionKind.ZABBIX_MAINTENANCE_CREATE,
        None,
        ["alerts", "maintenance", "create", "{name}", "--group", "{group}", "--duration", "1h"],
        {"name": "{name}", "host_groups": ["{group}"], "duration": "1h"},
    ),
    (
        ActionKind.ZABBIX_MAINTENANCE_DELETE,
        _window,
        ["alerts", "maintenance", "delete", "{id}"],
        {"maintenanceid": "{id}"},
    ),
]


def _fill(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**names)
    if isinstance(value, list):
        return [_fill(v, names) for v in value]
    return value


@pytest.mark.parametrize(("kind", "setup", "words", "params"), ZABBIX, ids=[k.value for k, *_ in ZABBIX])
async def test_a_zabbix_change_is_the_same_from_every_front_end(
    scenario: Scenario,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    kind: ActionKind,
    setup: Callable[[Scenario, int], list[str]] | None,
    words: list[str],
    params: dict[str, Any],
) -> None:
    trails = {}
    ids = setup(scenario, len(FRONT_ENDS)) if setup else [""] * len(FRONT_ENDS)
    for front_end, made in zip(FRONT_ENDS, ids, strict=True):
        home = tmp_path / front_end
        home.mkdir()
        names = {
            "id": made,
            "name": f"w-{uuid.uuid4().hex[:6]}",
            "group": scenario.group,
        }
        config = write_config(home, monkeypatch, scenario.backend, scenario.group)
        if front_end == "cli":
            records: list[AuditRecord] = by_cli(capsys, config, *_fill(words, names), "--env", "ops")
        else:
            given = {k: _fill(v, names) for k, v in params.items()}
            if setup is _problem:
                given["eventids"] = [names["id"]]
            if front_end == "runbook":
                records = by_runbook(config, kind, "ops", given)
            else:
                records = await by_tui(config, kind, "ops", given)
        aliases = {names["id"]: "<id>", names["name"]: "<name>"} if names["id"] else {names["name"]: "<name>"}
        trails[front_end] = Trail.of(records, aliases)
    assert trails["cli"].action == kind.value and trails["cli"].outcome == "ok"
    assert trails["runbook"] == trails["cli"] and trails["tui"] == trails["cli"]
