"""Every shipped runbook end to end on the demo world (AWS for real; Zabbix and Graylog faked at the
Services boundary until their clients land), the branch where its check fails included, and a dry
run of each that sends no mutating call."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from opsconsole.config import load_settings
from opsconsole.demo.simulator import Simulator, accounts_of
from opsconsole.demo.world import DemoReady, DemoWorld
from opsconsole.runbooks.engine import RunbookEngine
from opsconsole.runbooks.events import ApprovalRequest, RunEvent
from opsconsole.runbooks.library import runs_dir
from opsconsole.runbooks.loader import load_runbook
from opsconsole.runbooks.state import RunState, RunStore
from tests.conftest import config_with_own_journal
from tests.runbooks.fakes import MonitoredServices, problem
from tests.runbooks.world import Ticker, admin, mutating, record_calls, ticking

SHIPPED = Path(__file__).resolve().parents[2] / "runbooks"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoReady]:
    demo = DemoWorld(root=tmp_path_factory.mktemp("runbooks"), operator="alice")
    ready = demo.start()
    yield ready
    demo.stop()


@pytest.fixture(scope="module")
def simulator(world: DemoReady) -> Simulator:
    sim = Simulator(world.endpoint, accounts_of(world.accounts.admin_keys), seed=5, oom_chance=0.0)
    sim.tick()
    return sim


@pytest.fixture
def services(world: DemoReady, simulator: Simulator, tmp_path: Path) -> MonitoredServices:
    built = MonitoredServices.build(load_settings(config_with_own_journal(world, tmp_path), environ={}))
    assert isinstance(built, MonitoredServices)
    return built


def run(
    services: MonitoredServices,
    name: str,
    inputs: dict[str, Any],
    *,
    dry_run: bool = False,
    approve_as: str | None = "alice",
    events: list[RunEvent] | None = None,
    after_change: Ticker | None = None,
) -> RunState:
    """Run a shipped runbook; `after_change` starts moving the world once a step sent its change."""

    def approver(request: ApprovalRequest) -> None:
        if approve_as:
            request.approve(approve_as)

    sink = events if events is not None else []

    def listen(event: RunEvent) -> None:
        sink.append(event)
        if after_change is not None and event.kind == "call":
            after_change.start()

    engine = RunbookEngine(services, RunStore(runs_dir()), on_event=listen, approver=approver)
    return engine.start(load_runbook(SHIPPED / f"{name}.yaml"), inputs, dry_run=dry_run)


def path(state: RunState) -> list[tuple[str, str]]:
    return [(h.step, h.status) for h in state.history]


def actions(services: MonitoredServices) -> list[str]:
    return [r.action for r in services.audit_records() if not r.action.startswith(("runbook", "elevate"))]


# -- Zabbix agent missing ---------------------------------------------------------------------


def agent_instance(world: DemoReady) -> tuple[str, list[str]]:
    ecs = admin(world, "dev", "ecs")
    arn = ecs.list_container_instances(cluster="dev-cluster")["containerInstanceArns"][0]
    tasks = ecs.list_tasks(
        cluster="dev-cluster",
        containerInstance=arn.rsplit("/", 1)[-1],
        family="dev-zabbix-agent",
        desiredStatus="RUNNING",
    )["taskArns"]
    return arn.rsplit("/", 1)[-1], tasks


def test_zabbix_agent_running_ends_at_the_note(world: DemoReady, services: MonitoredServices) -> None:
    instance, tasks = agent_instance(world)
    assert tasks
    state = run(services, "zabbix-agent-missing", {"env": "dev", "container_instance": instance})
    assert state.status == "succeeded", state.error
    assert path(state) == [
        ("problems", "succeeded"),
        ("agent_tasks", "succeeded"),
        ("agent_runs", "succeeded"),
    ]
    assert "ecs-redeploy" not in actions(services)


def test_zabbix_agent_missing_is_redeployed_and_acknowledged(
    world: DemoReady, simulator: Simulator, services: MonitoredServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    instance, tasks = agent_instance(world)
    for task in tasks:
        admin(world, "dev", "ecs").stop_task(cluster="dev-cluster", task=task, reason="agent crashed")
    services.monitoring.problems.append(problem("dev", "501", "Zabbix agent is not available"))
    sent = record_calls(monkeypatch)
    with ticking(simulator) as ticker:
        state = run(
            services,
            "zabbix-agent-missing",
            {"env": "dev", "container_instance": instance},
            after_change=ticker,
        )
    assert state.status == "succeeded", state.error
    assert [s for s, _ in path(state)] == [
        "problems",
        "agent_tasks",
        "approve_restart",
        "restart",
        "agent_back",
        "acknowledge",
        "done",
    ]
    assert path(state)[1] == ("agent_tasks", "failed")
    assert state.outputs["agent_back"] >= 1
    assert "ecs-redeploy" in actions(services)
    # The recorder that proves dry runs send nothing does see a real run's change.
    assert "UpdateService" in sent
    assert services.monitoring.acknowledged[0][:2] == ("dev", ("501",))


# -- RDS CPU high -----------------------------------------------------------------------------


def test_rds_cpu_high_snapshots_reboots_and_acknowledges(
    simulator: Simulator, services: MonitoredServices
) -> None:
    services.monitoring.problems.append(problem("dev", "601", "High CPU on dev-db", rds_instance="dev-db"))
    simulator.tick()
    state = run(services, "rds-cpu-high", {"env": "dev", "db": "dev-db", "threshold": "0"})
    assert state.status == "succeeded", state.error
    assert [s for s, _ in path(state)] == [
        "status",
        "cpu",
        "connections",
        "slow_queries",
        "approve_reboot",
        "snapshot",
        "reboot",
        "available",
        "problems",
        "acknowledge",
        "done",
    ]
    assert actions(services)[:2] == ["rds-snapshot", "rds-reboot"]
    reboot = next(r for r in services.audit_records() if r.action == "rds-reboot")
    assert reboot.tier == "operate" and "ForceFailover" not in str(reboot.details)  # dev is not Multi-AZ
    assert services.monitoring.acknowledged[0][1] == ("601",)


def test_rds_cpu_below_the_threshold_changes_nothing(services: MonitoredServices) -> None:
    state = run(services, "rds-cpu-high", {"env": "dev", "db": "dev-db", "threshold": "1000"})
    assert state.status == "succeeded", state.error
    assert path(state) == [("status", "succeeded"), ("cpu", "failed"), ("cpu_normal", "succeeded")]
    assert actions(services) == []


# -- 5xx spike after a deploy ------------------------------------------------------------------


def deploy_api_revision_2(world: DemoReady) -> str:
    """staging's api moved to a new revision, as a pipeline's deploy does."""
    ecs = admin(world, "staging", "ecs")
    current = ecs.describe_task_definition(taskDefinition="staging-api:1")["taskDefinition"]
    keep = (
        "family",
        "containerDefinitions",
        "networkMode",
        "requiresCompatibilities",
        "executionRoleArn",
        "taskRoleArn",
    )
    newest = ecs.register_task_definition(**{k: current[k] for k in keep if k in current})
    arn: str = newest["taskDefinition"]["taskDefinitionArn"]
    ecs.update_service(cluster="staging-cluster", service="api", taskDefinition=arn)
    return arn


def test_5xx_after_a_deploy_rolls_back_verifies_and_acknowledges(
    world: DemoReady, simulator: Simulator, services: MonitoredServices
) -> None:
    deployed = deploy_api_revision_2(world)
    simulator.tick()
    ecs = admin(world, "staging", "ecs")

    def errors(query: str) -> int | None:
        if "status:>=500" not in query:
            return None
        running = ecs.describe_services(cluster="staging-cluster", services=["api"])["services"][0]
        return 0 if running["taskDefinition"] != deployed else 120

    services.monitoring.on_count = errors
    services.monitoring.problems.append(problem("staging", "701", "5xx rate high on api", service="api"))
    with ticking(simulator) as ticker:
        state = run(
            services,
            "deploy-5xx-spike",
            {"env": "staging", "service": "staging-cluster/api"},
            after_change=ticker,
        )
    assert state.status == "succeeded", state.error
    assert [s for s, _ in path(state)] == [
        "errors",
        "deployment",
        "approve_rollback",
        "rollback",
        "settled",
        "verify",
        "problems",
        "acknowledge",
        "done",
    ]
    assert state.outputs["deployment"]["task_definition"] == deployed
    assert state.outputs["settled"]["task_definition"].endswith("staging-api:1")
    assert state.outputs["verify"] == 0
    assert "ecs-rollback" in actions(services)
    assert services.monitoring.acknowledged[0][1] == ("701",)
    # Now on revision 1 and still erroring: not after a deploy, so no rollback is offered.
    services.monitoring.on_count = lambda query: 120
    again = run(services, "deploy-5xx-spike", {"env": "staging", "service": "staging-cluster/api"})
    assert path(again)[-2:] == [("deployment", "failed"), ("not_after_deploy", "succeeded")]


def test_no_5xx_spike_changes_nothing(services: MonitoredServices) -> None:
    services.monitoring.log_counts["status:>=500"] = 3
    state = run(services, "deploy-5xx-spike", {"env": "staging", "service": "staging-cluster/api"})
    assert path(state) == [("errors", "failed"), ("no_spike", "succeeded")]
    assert actions(services) == []


# -- S3 replication / KMS ---------------------------------------------------------------------


def test_missing_replication_is_named(services: MonitoredServices) -> None:
    # moto ignores a template's ReplicationConfiguration: the fresh world has this very incident.
    state = run(services, "s3-replication-kms", {"env": "staging"})
    assert state.status == "succeeded", state.error
    assert path(state) == [("replication", "failed"), ("replication_broken", "succeeded")]
    assert "ReplicationConfigurationNotFoundError" in (state.history[0].error or "")
    assert "opsconsole stacks deploy staging data" in state.outputs["replication_broken"]


def seed_replication(world: DemoReady, services: MonitoredServices, env: str) -> None:
    """The replication rule the data stack declares, put directly (moto drops it from templates)."""
    account = services.settings.environment(env).account_id
    region = services.settings.environment(env).replica_region
    replica_key = admin(world, env, "kms", region or "").describe_key(KeyId=f"alias/{env}-replica")
    s3 = admin(world, env, "s3")
    s3.put_bucket_versioning(Bucket=f"{env}-app-{account}", VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_replication(
        Bucket=f"{env}-app-{account}",
        ReplicationConfiguration={
            "Role": f"arn:aws:iam::{account}:role/{env}-s3-replication",
            "Rules": [
                {
                    "ID": "to-replica-region",
                    "Status": "Enabled",
                    "Priority": 1,
                    "Filter": {"Prefix": ""},
                    "DeleteMarkerReplication": {"Status": "Enabled"},
                    "Destination": {
                        "Bucket": f"arn:aws:s3:::{env}-app-replica-{account}",
                        "EncryptionConfiguration": {"ReplicaKmsKeyID": replica_key["KeyMetadata"]["Arn"]},
                    },
                }
            ],
        },
    )


def test_s3_replication_and_kms_healthy(world: DemoReady, services: MonitoredServices) -> None:
    seed_replication(world, services, "dev")
    state = run(services, "s3-replication-kms", {"env": "dev"})
    assert state.status == "succeeded", state.error
    assert path(state) == [
        (step, "succeeded")
        for step in ("replication", "versioning", "encryption", "replica_key", "kms_errors", "healthy")
    ], state.history[0].error
    assert state.outputs["replication"]["status"] == "Enabled"
    assert state.outputs["replica_key"]["state"] == "Enabled"


def test_a_disabled_replica_key_is_named(world: DemoReady, services: MonitoredServices) -> None:
    seed_replication(world, services, "dev")
    region = services.settings.environment("dev").replica_region or ""
    kms = admin(world, "dev", "kms", region)
    key = kms.describe_key(KeyId="alias/dev-replica")["KeyMetadata"]["KeyId"]
    kms.disable_key(KeyId=key)
    try:
        state = run(services, "s3-replication-kms", {"env": "dev"})
    finally:
        kms.enable_key(KeyId=key)
    assert path(state)[-2:] == [("replica_key", "failed"), ("key_unusable", "succeeded")]
    assert "Disabled" in state.outputs["key_unusable"]


# -- Deploy inside a maintenance window -------------------------------------------------------


def test_no_changes_opens_no_maintenance(services: MonitoredServices) -> None:
    state = run(services, "deploy-with-maintenance", {"env": "dev", "stacks": "observability"})
    assert state.status == "succeeded", state.error
    assert path(state) == [
        ("plan", "succeeded"),
        ("has_changes", "succeeded"),
        ("nothing_to_do", "succeeded"),
    ]
    assert services.monitoring.calls == []


def test_changes_deploy_inside_a_maintenance_that_ends_even_when_the_deploy_fails(
    world: DemoReady, services: MonitoredServices
) -> None:
    cfn = admin(world, "dev", "cloudformation")
    account = services.settings.environment("dev").account_id
    buckets = [f"dev-cloudtrail-{account}"]  # the template's retained TrailBucket
    cfn.delete_stack(StackName="dev-observability")
    inputs = {"env": "dev", "stacks": "observability", "minutes": "30"}
    # The stack's buckets are retained on delete, so recreating it collides with them: a failed deploy.
    failed = run(services, "deploy-with-maintenance", inputs)
    assert [s for s, _ in path(failed)][3:] == [
        "maintenance",
        "deploy",
        "end_maintenance",
        "deployed",
        "deploy_failed",
    ]
    assert "BucketAlreadyExists" in (failed.history[4].error or "")
    assert services.monitoring.calls == ["maintenance.create", "maintenance.delete"]
    s3 = admin(world, "dev", "s3")
    for bucket in buckets:
        s3.delete_bucket(Bucket=bucket)
    done = run(services, "deploy-with-maintenance", inputs)
    assert done.status == "succeeded", done.error
    assert [s for s, _ in path(done)] == [
        "plan",
        "has_changes",
        "approve_deploy",
        "maintenance",
        "deploy",
        "end_maintenance",
        "deployed",
        "done",
    ], [h.error for h in done.history]
    assert done.outputs["plan"]["changes"] > 0
    assert services.monitoring.maintenances == {}
    status = cfn.describe_stacks(StackName="dev-observability")["Stacks"][0]["StackStatus"]
    assert status == "CREATE_COMPLETE"


# -- Dry runs ---------------------------------------------------------------------------------

DRY_RUNS = [
    ("zabbix-agent-missing", {"env": "dev", "container_instance": "missing0000"}),
    ("rds-cpu-high", {"env": "prod", "db": "prod-db", "threshold": "0"}),
    ("deploy-5xx-spike", {"env": "staging", "service": "staging-cluster/api"}),
    ("s3-replication-kms", {"env": "prod"}),
    ("deploy-with-maintenance", {"env": "dev", "stacks": "observability"}),
]


@pytest.mark.parametrize(("name", "inputs"), DRY_RUNS, ids=[d[0] for d in DRY_RUNS])
def test_a_dry_run_makes_no_mutating_call(
    name: str,
    inputs: dict[str, Any],
    world: DemoReady,
    services: MonitoredServices,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if name == "deploy-5xx-spike":
        deploy_api_revision_2(world)
        services.monitoring.log_counts["status:>=500"] = 500
    sent = record_calls(monkeypatch)
    events: list[RunEvent] = []
    state = run(services, name, inputs, dry_run=True, approve_as=None, events=events)
    assert state.status == "succeeded", state.error
    assert sent, "the dry run read nothing"
    assert mutating(sent) == []
    assert services.monitoring.calls == []
    calls = [e.message for e in events if e.kind == "call"]
    if name in ("zabbix-agent-missing", "rds-cpu-high", "deploy-5xx-spike"):
        assert calls and all(c.startswith("would") for c in calls), calls
    assert [r.action for r in services.audit_records() if r.action.startswith(("ecs-", "rds-"))] == []
