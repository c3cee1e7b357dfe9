"""A fault between the console and its backend while a change is sent: the audit trail has the intent
(written before the call) and a `failed` outcome with the error, linked by id; `audit list` shows it.

The faults are real: a TCP proxy in front of moto or Zabbix resets connections once the change is
planned, so the console's own clients meet the failure as they would on a broken network.
"""

from __future__ import annotations

import dataclasses
import uuid
from pathlib import Path
from typing import Any

import pytest

from opsconsole.app.console import Console
from opsconsole.config import Settings, load_settings
from opsconsole.demo.world import DemoReady
from opsconsole.domain.action_kinds import ActionKind
from opsconsole.domain.audit import Outcome, pair_records
from opsconsole.domain.environment import RoleTier
from opsconsole.domain.errors import OpsError
from tests.contract.conftest import Scenario, write_config
from tests.faults import fault_proxy
from tests.helpers import run_cli
from tests.world_helpers import admin

TASK = "arn:aws:ecs:eu-west-1:222222222222:task/staging-cluster/0123456789abcdef0123456789abcdef"


def ensure_two_revisions(world: DemoReady, env: str, service: str) -> None:
    """The service on its newest revision with an older one to roll back to."""
    ecs = admin(world, env, "ecs")
    family = f"{env}-{service}"
    revisions = ecs.list_task_definitions(familyPrefix=family)["taskDefinitionArns"]
    if len(revisions) < 2:
        current = ecs.describe_task_definition(taskDefinition=family)["taskDefinition"]
        keep = ("family", "containerDefinitions", "networkMode", "requiresCompatibilities")
        ecs.register_task_definition(**{k: current[k] for k in keep if k in current})
        revisions = ecs.list_task_definitions(familyPrefix=family)["taskDefinitionArns"]
    ecs.update_service(cluster=f"{env}-cluster", service=service, taskDefinition=sorted(revisions)[-1])


def assert_failed_with_intent(console: Console, kind: ActionKind, env: str, error: OpsError) -> None:
    records = list(console.audit.records())
    [intent] = [r for r in records if r.phase == "intent"]
    [outcome] = [r for r in records if r.phase == "outcome"]
    assert (intent.action, intent.environment, intent.outcome) == (kind.value, env, Outcome.PENDING)
    assert intent.details["calls"], "the intent names the calls it is about to send"
    assert outcome.intent_id == intent.id and outcome.outcome == Outcome.FAILED
    assert outcome.error == error.message and outcome.actor == intent.actor
    [entry] = [e for e in pair_records(records) if e.record.phase == "intent"]
    assert (entry.outcome, entry.error) == (Outcome.FAILED, error.message)


AWS_CASES: list[tuple[ActionKind, str, dict[str, Any]]] = [
    (ActionKind.ECS_SCALE, "staging", {"service": "worker", "count": 2}),
    (ActionKind.ECS_REDEPLOY, "staging", {"service": "worker"}),
    (ActionKind.ECS_ROLLBACK, "staging", {"service": "api"}),
    (ActionKind.ECS_STOP_TASK, "staging", {"task": TASK}),
    (ActionKind.RDS_REBOOT, "dev", {"instance": "dev-db"}),
    (ActionKind.RDS_SNAPSHOT, "dev", {"instance": "dev-db"}),
]


@pytest.mark.parametrize(("kind", "env", "params"), AWS_CASES, ids=[k.value for k, _, _ in AWS_CASES])
def test_an_aws_change_cut_off_on_the_wire_is_audited_as_failed(
    demo_world: DemoReady, demo_settings: Settings, kind: ActionKind, env: str, params: dict[str, Any]
) -> None:
    if kind is ActionKind.ECS_ROLLBACK:
        ensure_two_revisions(demo_world, env, "api")
    with fault_proxy(demo_world.endpoint) as proxy:
        console = Console.build(dataclasses.replace(demo_settings, endpoint_url=proxy.url))
        planned = console.plan(kind, env, params)
        console.access.session(env, planned.tier)  # signed in before the wire breaks
        proxy.fail()
        with pytest.raises(OpsError) as failure:
            console.changes.execute(planned, reason="fault test")
        assert proxy.refused >= 1, "the change's call reached the broken wire"
    assert_failed_with_intent(console, kind, env, failure.value)


ZABBIX_CASES: list[tuple[ActionKind, dict[str, Any]]] = [
    (ActionKind.ZABBIX_ACKNOWLEDGE, {"message": "on it"}),
    (ActionKind.ZABBIX_UNACKNOWLEDGE, {"message": "not mine"}),
    (ActionKind.ZABBIX_SEVERITY, {"severity": "disaster"}),
    (ActionKind.ZABBIX_CLOSE, {"message": "fixed"}),
    (ActionKind.ZABBIX_MESSAGE, {"message": "still looking"}),
    (ActionKind.ZABBIX_MAINTENANCE_CREATE, {"name": "patch-{unique}", "duration": "1h"}),
    (ActionKind.ZABBIX_MAINTENANCE_DELETE, {}),
]


@pytest.mark.parametrize(("kind", "params"), ZABBIX_CASES, ids=[k.value for k, _ in ZABBIX_CASES])
def test_a_zabbix_change_cut_off_on_the_wire_is_audited_as_failed(
    scenario: Scenario,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    kind: ActionKind,
    params: dict[str, Any],
) -> None:
    scenario.trigger("Disk full", 5, priority=4, manual_close=True, tags={"service": "api"})
    eventid = scenario.raise_all(9)["Disk full"]
    with fault_proxy(scenario.backend.url) as proxy:
        backend = dataclasses.replace(scenario.backend, url=proxy.url)
        settings = load_settings(write_config(tmp_path, monkeypatch, backend, scenario.group))
        console = Console.build(settings)
        unique = uuid.uuid4().hex[:8]  # maintenance names are unique on a server that outlives the test
        params = {**params, "eventids": [eventid], "host_groups": [scenario.group]}
        if "name" in params:
            params["name"] = str(params["name"]).format(unique=unique)
        if kind is ActionKind.ZABBIX_MAINTENANCE_DELETE:
            window = console.plan(
                ActionKind.ZABBIX_MAINTENANCE_CREATE,
                "ops",
                {**params, "name": f"w-{unique}", "duration": "1h"},
            )
            made = console.changes.execute(window, reason="set up")
            params["maintenanceid"] = made.details["result"]["maintenanceids"][0]
            console = Console.build(settings)  # a journal of the failing change only
            console.audit.journal.path.unlink()
        planned = console.plan(kind, "ops", params)
        proxy.fail()
        with pytest.raises(OpsError) as failure:
            console.changes.execute(planned, reason="fault test")
    assert_failed_with_intent(console, kind, "ops", failure.value)


def test_interrupted_and_unknown_outcomes_read_back(demo_settings: Settings) -> None:
    console = Console.build(demo_settings)
    planned = console.plan(ActionKind.ECS_SCALE, "dev", {"service": "worker", "count": 1})
    with pytest.raises(KeyboardInterrupt), console.audit.change(planned.kind, _scope(planned), reason="x"):
        raise KeyboardInterrupt
    console.audit.intent(planned.kind, _scope(planned), reason="the process died here")
    entries = [e for e in console.audit.entries() if e.record.phase == "intent"]
    assert [e.outcome for e in entries] == [Outcome.INTERRUPTED, Outcome.UNKNOWN]


def _scope(planned: Any) -> Any:
    from opsconsole.app.audit import AuditScope

    return AuditScope.of_environment(planned.environment, RoleTier.OPERATE)


def test_an_acknowledge_whose_operator_cannot_be_named_is_not_sent(
    scenario: Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The operator is part of the intent: when AWS cannot say who is signed in, nothing reaches Zabbix
    (it used to be acknowledged first, then the command failed and the trail had no record)."""
    scenario.trigger("Disk full", 5, priority=4, manual_close=True, tags={"service": "api"})
    eventid = scenario.raise_all(9)["Disk full"]
    config = write_config(tmp_path, monkeypatch, scenario.backend, scenario.group)
    text = config.read_text(encoding="utf-8").replace('operator = "alice"', "")
    config.write_text(text + '\n[aws]\nendpoint_url = "http://127.0.0.1:9"\n', encoding="utf-8")
    result = run_cli(capsys, "-c", str(config), "alerts", "ack", eventid, "--env", "ops", "-m", "on it")
    assert result.code == 1 and "identity" in result.stderr, result.stderr
    [problem] = scenario.api.problem.get(eventids=[eventid], output=["acknowledged"])
    assert problem["acknowledged"] == "0"
    assert not (tmp_path / "audit.jsonl").exists() or "zabbix" not in (tmp_path / "audit.jsonl").read_text()
