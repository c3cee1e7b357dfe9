"""ECS and RDS reads and actions on the demo world, moved by the simulator one tick at a time."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from opsconsole.demo.sim_accounts import accounts_of
from opsconsole.demo.simulator import OOM_REASON, Simulator
from opsconsole.demo.world import DemoReady
from tests.conftest import config_with_own_journal
from tests.helpers import run_cli
from tests.support.forked_moto import deployed_world, run_root
from tests.world_helpers import admin, record_calls


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoReady]:
    demo = deployed_world(run_root(tmp_path_factory), tmp_path_factory.mktemp("ops"))
    ready = demo.start()
    yield ready
    demo.stop()


@pytest.fixture(scope="module")
def simulator(world: DemoReady) -> Simulator:
    accounts = accounts_of(world.accounts.admin_keys)
    sim = Simulator(world.endpoint, accounts, seed=3, oom_chance=0.0)
    sim.tick()
    return sim


def ensure_two_api_revisions(world: DemoReady) -> None:
    """staging's api on its newest revision, with an older one to roll back to."""
    ecs = admin(world, "staging", "ecs")
    revisions = ecs.list_task_definitions(familyPrefix="staging-api")["taskDefinitionArns"]
    if len(revisions) < 2:
        current = ecs.describe_task_definition(taskDefinition="staging-api")["taskDefinition"]
        keep = (
            "family",
            "containerDefinitions",
            "networkMode",
            "requiresCompatibilities",
            "executionRoleArn",
            "taskRoleArn",
        )
        revisions.append(
            ecs.register_task_definition(**{k: current[k] for k in keep if k in current})["taskDefinition"][
                "taskDefinitionArn"
            ]
        )
    ecs.update_service(cluster="staging-cluster", service="api", taskDefinition=sorted(revisions)[-1])


@pytest.fixture
def config(world: DemoReady, tmp_path: Path) -> str:
    return str(config_with_own_journal(world, tmp_path))


def services_json(capsys: pytest.CaptureFixture[str], config: str, env: str) -> dict[str, Any]:
    result = run_cli(capsys, "-c", config, "ecs", "services", "--env", env, "-o", "json")
    assert result.code == 0, result.stderr
    return {row["name"]: row for row in json.loads(result.stdout)}


def test_services_follow_desired_after_a_scale(
    simulator: Simulator, config: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = services_json(capsys, config, "dev")
    assert (before["worker"]["desired"], before["worker"]["running"]) == (1, 1)
    scaled = run_cli(
        capsys, "-c", config, "ecs", "scale", "worker", "3", "--env", "dev", "--reason", "backlog"
    )
    assert scaled.code == 0, scaled.stderr
    assert (
        "called: ecs.update_service(cluster='dev-cluster', service='worker', desiredCount=3)" in scaled.stdout
    )
    simulator.tick()
    after = services_json(capsys, config, "dev")["worker"]
    assert (after["desired"], after["running"], after["rollout"]) == (3, 3, "COMPLETED")
    assert after["events"][0]["message"] == "(service worker) has reached a steady state."
    audit = json.loads(run_cli(capsys, "-c", config, "audit", "list", "-o", "json").stdout)
    actions = [(r["action"], r["tier"], r["reason"]) for r in audit]
    assert ("ecs.scale", "operate", "backlog") in actions


def test_rollback_picks_the_previous_revision(
    world: DemoReady, simulator: Simulator, config: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # A pipeline registers api:2 and moves the service to it.
    ensure_two_api_revisions(world)
    simulator.tick()
    assert services_json(capsys, config, "staging")["api"]["revision"] == 2
    dry = run_cli(
        capsys, "-c", config, "ecs", "rollback", "api", "--env", "staging", "--dry-run", "-o", "json"
    )
    assert json.loads(dry.stdout)["calls"][0]["params"]["taskDefinition"] == "staging-api:1"
    done = run_cli(capsys, "-c", config, "ecs", "rollback", "api", "--env", "staging")
    assert done.code == 0, done.stderr
    simulator.tick()
    api = services_json(capsys, config, "staging")["api"]
    assert (api["revision"], api["running"], api["desired"]) == (1, 2, 2)
    diff = run_cli(
        capsys, "-c", config, "ecs", "taskdef-diff", "staging-api", "--env", "staging", "-o", "json"
    )
    assert json.loads(diff.stdout)["from"] == 1 and json.loads(diff.stdout)["to"] == 2


def test_a_killed_task_shows_its_stopped_reason(
    simulator: Simulator, config: str, capsys: pytest.CaptureFixture[str]
) -> None:
    prod = next(a for a in simulator.accounts if a.name == "prod")
    killed = simulator.kill_one(prod, "api")
    assert killed is not None
    result = run_cli(
        capsys, "-c", config, "ecs", "tasks", "--env", "prod", "--service", "api", "--stopped", "-o", "json"
    )
    stopped = [t for t in json.loads(result.stdout) if t["arn"] == killed]
    assert stopped and stopped[0]["stopped_reason"] == OOM_REASON
    assert stopped[0]["stop_code"] == "EssentialContainerExited"
    simulator.tick()
    assert services_json(capsys, config, "prod")["api"]["running"] == 4


def test_every_instance_runs_the_zabbix_agent(
    simulator: Simulator, config: str, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_cli(capsys, "-c", config, "ecs", "instances", "--env", "prod", "-o", "json")
    rows = json.loads(result.stdout)
    assert len(rows) == 3 and all(r["zabbix_agent_running"] and r["agent_connected"] for r in rows)


ACTIONS = [
    ["ecs", "scale", "web", "2"],
    ["ecs", "redeploy", "web"],
    ["ecs", "rollback", "api"],
    ["ecs", "stop-task", "0123456789abcdef"],
    ["rds", "reboot", "dev-db"],
    ["rds", "snapshot", "dev-db"],
]


@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: f"{a[0]}-{a[1]}")
def test_the_read_tier_is_refused_every_action_naming_operate(
    action: list[str], simulator: Simulator, world: DemoReady, config: str, capsys: pytest.CaptureFixture[str]
) -> None:
    env = "staging" if action[1] == "rollback" else "dev"
    if action[1] == "rollback":
        ensure_two_api_revisions(world)
    args = [*action, "--env", env, "--role", "read"]
    if action[:2] == ["ecs", "stop-task"]:
        dev = next(a for a in simulator.accounts if a.name == "dev")
        args[2] = simulator._tasks(dev)[0]["taskArn"]
    result = run_cli(capsys, "-c", config, *args)
    assert result.code == 3, result.stderr
    assert "is not allowed for the read role" in result.stderr
    assert "the operate tier allows it: retry with --role operate" in result.stderr


MUTATING = {"UpdateService", "StopTask", "RebootDBInstance", "CreateDBSnapshot", "RunTask", "StartTask"}


@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: f"{a[0]}-{a[1]}")
def test_dry_run_sends_no_mutating_call(
    action: list[str],
    world: DemoReady,
    config: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if action[1] == "rollback":
        ensure_two_api_revisions(world)
    sent = record_calls(monkeypatch)
    env = "staging" if action[1] == "rollback" else "dev"
    result = run_cli(capsys, "-c", config, *action, "--env", env, "--dry-run", "-o", "json")
    assert result.code == 0, result.stderr
    planned = json.loads(result.stdout)
    assert planned["dry_run"] is True and planned["calls"]
    assert not set(sent) & MUTATING


def test_the_call_recorder_does_see_mutating_calls(
    config: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = record_calls(monkeypatch)
    result = run_cli(capsys, "-c", config, "ecs", "redeploy", "varnish", "--env", "dev")
    assert result.code == 0, result.stderr
    assert "UpdateService" in sent


def test_rds_list_events_reboot_and_snapshot(
    simulator: Simulator, config: str, capsys: pytest.CaptureFixture[str]
) -> None:
    listing = run_cli(capsys, "-c", config, "rds", "list", "--all-envs", "--maintenance", "-o", "json")
    rows = {r["identifier"]: r for r in json.loads(listing.stdout)}
    assert set(rows) == {"dev-db", "staging-db", "prod-db"}
    assert rows["prod-db"]["multi_az"] is True and rows["dev-db"]["multi_az"] is False
    # The demo's moto answers DescribePendingMaintenanceActions (moto alone answers invalid XML).
    assert rows["dev-db"]["maintenance"] == []
    assert rows["prod-db"]["maintenance"] == ["system-update (New Operating System update is available)"]
    refused = run_cli(capsys, "-c", config, "rds", "reboot", "dev-db", "--env", "dev", "--failover")
    assert refused.code == 2 and "not Multi-AZ" in refused.stderr
    rebooted = run_cli(
        capsys, "-c", config, "rds", "reboot", "prod-db", "--env", "prod", "--failover", "--confirm", "prod"
    )
    assert rebooted.code == 0, rebooted.stderr
    assert "ForceFailover=True" in rebooted.stdout
    snap = run_cli(capsys, "-c", config, "rds", "snapshot", "dev-db", "--env", "dev", "-o", "json")
    assert snap.code == 0 and json.loads(snap.stdout)["calls"][0]["operation"] == "create_db_snapshot"
    events = run_cli(capsys, "-c", config, "rds", "events", "--env", "prod", "-o", "json")
    messages = [(e["source"], e["message"]) for e in json.loads(events.stdout)]
    assert ("prod-db", "DB instance created") in messages and ("prod-db", "DB instance restarted") in messages


def test_protected_action_without_confirmation_exits_3(
    config: str, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_cli(capsys, "-c", config, "ecs", "scale", "web", "5", "--env", "prod")
    assert result.code == 3 and "pass --confirm prod" in result.stderr


def test_all_envs_has_an_environment_column(
    simulator: Simulator, config: str, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_cli(capsys, "-c", config, "ecs", "clusters", "--all-envs", "-o", "json")
    assert [(r["environment"], r["name"]) for r in json.loads(result.stdout)] == [
        ("dev", "dev-cluster"),
        ("staging", "staging-cluster"),
        ("prod", "prod-cluster"),
    ]
