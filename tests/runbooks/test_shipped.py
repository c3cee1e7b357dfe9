"""Every shipped runbook end to end on the demo world and its real backends: AWS on moto, the Zabbix
emulator (problems raised by agent values through its trapper, acknowledgements and maintenance
windows read back through the console's use cases) and the Graylog emulator (log lines sent as
GELF over UDP and counted with the runbooks' own queries), the branch where its check fails
included, and a dry run of each that sends no change to AWS or to Zabbix."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from opsconsole.app.console import Console
from opsconsole.app.runbooks import Runbooks
from opsconsole.config import load_settings
from opsconsole.demo.sim_accounts import accounts_of
from opsconsole.demo.simulator import Simulator
from opsconsole.demo.story import zabbix_feed
from opsconsole.demo.world import DemoReady
from opsconsole.demo.zabbix.feed import AGENT_KEY, CPU_KEY, ZabbixFeed, oom_key
from opsconsole.domain.problems import Problem, ProblemFilter
from opsconsole.runbooks.events import ApprovalRequest, RunEvent
from opsconsole.runbooks.loader import load_runbook
from opsconsole.runbooks.state import RunState
from tests.conftest import config_with_own_journal
from tests.graylog.gelf_sender import UdpSender
from tests.runbooks.world import (
    FailingRelease,
    Ticker,
    container_instances,
    log_line,
    report,
    ticking,
    wait_logged,
)
from tests.support.forked_moto import deployed_world, run_root
from tests.world_helpers import admin, mutating, record_calls

SHIPPED = Path(__file__).resolve().parents[2] / "runbooks"
FIVE_XX = "status:>=500"  # what deploy-5xx-spike counts: a Lucene range, on Graylog and on the emulator


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoReady]:
    demo = deployed_world(run_root(tmp_path_factory), tmp_path_factory.mktemp("runbooks"))
    ready = demo.start()
    yield ready
    demo.stop()


@pytest.fixture(scope="module")
def simulator(world: DemoReady) -> Simulator:
    """ECS and CloudWatch moving on their own. Its Zabbix reports stay off: each test raises the
    problems its incident has through `feed`, so a background tick cannot resolve one before the
    runbook acknowledges it."""
    sim = Simulator(world.endpoint, accounts_of(world.accounts.admin_keys), seed=5, oom_chance=0.0)
    sim.tick()
    return sim


@pytest.fixture(scope="module")
def feed(world: DemoReady) -> ZabbixFeed:
    return zabbix_feed(world)


@pytest.fixture(scope="module")
def logs(world: DemoReady) -> Iterator[UdpSender]:
    sender = UdpSender(world.graylog.port)
    yield sender
    sender.close()


@pytest.fixture
def console(world: DemoReady, simulator: Simulator, tmp_path: Path) -> Iterator[Console]:
    built = Console.build(load_settings(config_with_own_journal(world, tmp_path), environ={}))
    yield built
    built.close()


def run(
    console: Console,
    name: str,
    inputs: dict[str, Any],
    *,
    dry_run: bool = False,
    approve_as: str | None = "alice",
    events: list[RunEvent] | None = None,
    after_change: Ticker | None = None,
    watch: Callable[[RunEvent], None] | None = None,
) -> RunState:
    """Run a shipped runbook; `after_change` starts moving the world once a step sent its change;
    `watch` sees every event as it happens (on the engine's thread)."""

    def approver(request: ApprovalRequest) -> None:
        if approve_as:
            request.approve(approve_as)

    sink = events if events is not None else []

    def listen(event: RunEvent) -> None:
        sink.append(event)
        if watch is not None:
            watch(event)
        if after_change is not None and event.kind == "call":
            after_change.start()

    engine = Runbooks(console).engine(on_event=listen, approver=approver, stop=BriskStop())
    return engine.start(load_runbook(SHIPPED / f"{name}.yaml"), inputs, dry_run=dry_run)


class BriskStop(threading.Event):
    """The engine's stop event, whose timed waits last at most BRISK seconds. The world here moves on
    the test's own ticker (every 0.3 s) or is already where the runbook waits for it, so the shipped
    runbooks' poll intervals (5 s, 15 s) only added waiting; each wait step still polls the same
    condition, and its timeout still counts real time (the engine's monotonic deadline)."""

    def wait(self, timeout: float | None = None) -> bool:
        return super().wait(timeout if timeout is None else min(timeout, BRISK))


BRISK = 0.5


def path(state: RunState) -> list[tuple[str, str]]:
    return [(h.step, h.status) for h in state.history]


def actions(console: Console) -> list[str]:
    return [
        r.action
        for r in console.audit.records()
        if r.phase != "outcome" and not r.action.startswith(("runbook", "access."))
    ]


def problem(console: Console, env: str, eventid: str) -> Problem:
    """The problem as Zabbix has it now (acknowledged or not, with its history)."""
    found = [p for p in console.alerts.problems(env) if p.eventid == eventid]
    assert found, f"event {eventid} is not an open problem in {env}"
    return found[0]


def raised(console: Console, env: str, name: str, **tags: str) -> str:
    """The event id of the open problem `name` (with `tags`) the feed just raised."""
    flt = ProblemFilter(tags=tuple(tags.items()))
    found = [
        p.eventid for p in console.alerts.problems(env, flt) if p.name.startswith(name) and not p.acknowledged
    ]
    assert found, f"no open problem {name!r} in {env}"
    return found[0]


# -- Zabbix agent missing ---------------------------------------------------------------------


def agent_tasks(world: DemoReady, env: str, container_instance: str) -> list[str]:
    tasks: list[str] = admin(world, env, "ecs").list_tasks(
        cluster=f"{env}-cluster",
        containerInstance=container_instance,
        family=f"{env}-zabbix-agent",
        desiredStatus="RUNNING",
    )["taskArns"]
    return tasks


def test_zabbix_agent_running_ends_at_the_note(world: DemoReady, console: Console) -> None:
    instance, _ = container_instances(world, "dev")[0]
    assert agent_tasks(world, "dev", instance)
    state = run(console, "zabbix-agent-missing", {"env": "dev", "container_instance": instance})
    assert state.status == "succeeded", state.error
    assert path(state) == [
        ("problems", "succeeded"),
        ("agent_tasks", "succeeded"),
        ("agent_runs", "succeeded"),
    ]
    assert "ecs.redeploy" not in actions(console)


def test_zabbix_agent_missing_is_redeployed_and_acknowledged(
    world: DemoReady,
    simulator: Simulator,
    feed: ZabbixFeed,
    console: Console,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    instance, ec2 = container_instances(world, "dev")[0]
    for task in agent_tasks(world, "dev", instance):
        admin(world, "dev", "ecs").stop_task(cluster="dev-cluster", task=task, reason="agent crashed")
    # The server stops hearing from the agent: its availability item drops to 0.
    report(feed, "dev", ec2, AGENT_KEY, 0)
    eventid = raised(console, "dev", "Zabbix agent is not available")
    sent = record_calls(monkeypatch)
    with ticking(simulator) as ticker:
        state = run(
            console,
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
    assert eventid in state.outputs["problems"]
    assert state.outputs["agent_back"] >= 1
    assert "ecs.redeploy" in actions(console)
    # The recorder that proves dry runs send nothing does see a real run's change.
    assert "UpdateService" in sent
    acked = problem(console, "dev", eventid)
    assert acked.acknowledged
    assert [h.message for h in acked.history if h.acknowledged] == [
        f"Agent daemon redeployed on {instance} by runbook run {state.run_id}"
    ]
    # The agent reports again and Zabbix resolves the problem, as the runbook's last note says.
    report(feed, "dev", ec2, AGENT_KEY, 1)
    assert eventid not in [p.eventid for p in console.alerts.problems("dev")]


# -- RDS CPU high -----------------------------------------------------------------------------


def test_rds_cpu_high_snapshots_reboots_and_acknowledges(
    simulator: Simulator, feed: ZabbixFeed, logs: UdpSender, console: Console
) -> None:
    # The database's CPU spikes for a tick: CloudWatch has the datapoint, Zabbix the problem.
    simulator.db_spikes["dev"] = 1
    simulator.tick()
    simulator.db_spikes.pop("dev", None)
    feed.send([(feed.db_host("dev", "dev-db"), CPU_KEY, 96.5)])
    eventid = raised(console, "dev", "High CPU on dev-db", rds_instance="dev-db")
    for ms in (2400, 3100):
        log_line(logs, "dev", f"slow query: SELECT * FROM orders ({ms} ms)", rds_instance="dev-db")
    log_line(logs, "staging", "slow query: SELECT 1 (2000 ms)", rds_instance="staging-db")  # not dev's
    wait_logged(console, "dev", '"slow query"', 2)
    state = run(console, "rds-cpu-high", {"env": "dev", "db": "dev-db"})
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
    assert state.outputs["cpu"] >= 93  # the simulator's spike, over the default threshold of 80
    assert state.outputs["slow_queries"] == 2
    assert state.outputs["problems"] == [eventid]
    assert actions(console)[:2] == ["rds.snapshot", "rds.reboot"]
    reboot = next(r for r in console.audit.records() if r.action == "rds.reboot")
    assert reboot.tier == "operate" and "ForceFailover" not in str(reboot.details)  # dev is not Multi-AZ
    acked = problem(console, "dev", eventid)
    assert acked.acknowledged and acked.history[-1].message.startswith("Rebooted dev-db after a CPU alarm")


def test_rds_cpu_below_the_threshold_changes_nothing(simulator: Simulator, console: Console) -> None:
    simulator.tick()
    state = run(console, "rds-cpu-high", {"env": "staging", "db": "staging-db"})
    assert state.status == "succeeded", state.error
    assert path(state) == [("status", "succeeded"), ("cpu", "failed"), ("cpu_normal", "succeeded")]
    assert 0 < state.outputs["cpu"] < 80  # a real datapoint of the simulator's daily curve
    assert actions(console) == []


# -- 5xx spike after a deploy ------------------------------------------------------------------


def staging_account(simulator: Simulator) -> Any:
    return next(a for a in simulator.accounts if a.name == "staging")


def test_5xx_after_a_deploy_rolls_back_verifies_and_acknowledges(
    world: DemoReady, simulator: Simulator, feed: ZabbixFeed, logs: UdpSender, console: Console
) -> None:
    # A release of staging's api that runs out of memory: its tasks are OOM-killed each tick.
    deployed = simulator.bad_deploy(staging_account(simulator), "api")
    simulator.tick()
    _, ec2 = container_instances(world, "staging")[0]
    report(feed, "staging", ec2, oom_key("api"), 1)
    eventid = raised(console, "staging", "OOM kill: api task", service="api")
    with FailingRelease(world, logs, "staging", "api", deployed) as release:
        assert release.beat() and release.beat()
        wait_logged(console, "staging", f"service:api AND {FIVE_XX}", 51)
        with ticking(simulator) as ticker:
            state = run(
                console,
                "deploy-5xx-spike",
                {"env": "staging", "service": "staging-cluster/api"},
                after_change=ticker,
            )
    assert state.status == "succeeded", state.error
    assert [s for s, _ in path(state) if s != "verify"] == [
        "errors",
        "deployment",
        "approve_rollback",
        "rollback",
        "settled",
        "problems",
        "open_problems",
        "acknowledge",
        "done",
    ]
    assert state.outputs["errors"] > 50
    assert state.outputs["deployment"]["task_definition"] == deployed
    assert state.outputs["settled"]["task_definition"].endswith("staging-api:1")
    assert state.outputs["verify"] == 0
    assert release.running() == []  # the bad release's tasks are gone, and with them the 5xx
    assert "ecs.rollback" in actions(console)
    assert eventid in state.outputs["problems"]
    acked = problem(console, "staging", eventid)
    assert acked.acknowledged and acked.history[-1].message.startswith(f"Rolled back api from {deployed}")
    # Now on revision 1 with the spike still in the 15-minute window: not after a deploy, no rollback.
    again = run(console, "deploy-5xx-spike", {"env": "staging", "service": "staging-cluster/api"})
    assert path(again)[-2:] == [("deployment", "failed"), ("not_after_deploy", "succeeded")]


def test_no_5xx_spike_changes_nothing(logs: UdpSender, console: Console) -> None:
    # dev's api answers: three 5xx among other statuses; only the 5xx count, and three is no spike.
    for status in (200, 404, 499, 500, 503, 504):
        log_line(logs, "dev", f'"GET /api/stock HTTP/1.1" {status} 40ms', service="api", status=status)
    assert wait_logged(console, "dev", f"service:api AND {FIVE_XX}", 3) == 3
    state = run(console, "deploy-5xx-spike", {"env": "dev", "service": "dev-cluster/api"})
    assert path(state) == [("errors", "failed"), ("no_spike", "succeeded")]
    assert state.outputs["errors"] == 3
    assert actions(console) == []


# -- S3 replication / KMS ---------------------------------------------------------------------


def test_missing_replication_is_named(console: Console) -> None:
    # moto ignores a template's ReplicationConfiguration: the fresh world has this very incident.
    state = run(console, "s3-replication-kms", {"env": "staging"})
    assert state.status == "succeeded", state.error
    assert path(state) == [("replication", "failed"), ("replication_broken", "succeeded")]
    assert "ReplicationConfigurationNotFoundError" in (state.history[0].error or "")
    assert "opsconsole stacks deploy staging data" in state.outputs["replication_broken"]


def seed_replication(world: DemoReady, console: Console, env: str) -> None:
    """The replication rule the data stack declares, put directly (moto drops it from templates)."""
    account = console.settings.environment(env).account_id
    region = console.settings.environment(env).replica_region
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


def test_s3_replication_and_kms_healthy(world: DemoReady, logs: UdpSender, console: Console) -> None:
    seed_replication(world, console, "dev")
    log_line(logs, "dev", "KMS AccessDenied on kms:Decrypt for the replica key", service="worker")
    log_line(logs, "dev", "job stock-sync finished in 1.2s", service="worker")  # unrelated
    wait_logged(console, "dev", "KMS", 1)
    state = run(console, "s3-replication-kms", {"env": "dev"})
    assert state.status == "succeeded", state.error
    assert path(state) == [
        (step, "succeeded")
        for step in ("replication", "versioning", "encryption", "replica_key", "kms_errors", "healthy")
    ], state.history[0].error
    assert state.outputs["replication"]["status"] == "Enabled"
    assert state.outputs["replica_key"]["state"] == "Enabled"
    assert state.outputs["kms_errors"] == 1
    assert "1 related log lines" in state.outputs["healthy"]


def test_a_disabled_replica_key_is_named(world: DemoReady, console: Console) -> None:
    seed_replication(world, console, "dev")
    region = console.settings.environment("dev").replica_region or ""
    kms = admin(world, "dev", "kms", region)
    key = kms.describe_key(KeyId="alias/dev-replica")["KeyMetadata"]["KeyId"]
    kms.disable_key(KeyId=key)
    try:
        state = run(console, "s3-replication-kms", {"env": "dev"})
    finally:
        kms.enable_key(KeyId=key)
    assert path(state)[-2:] == [("replica_key", "failed"), ("key_unusable", "succeeded")]
    assert "Disabled" in state.outputs["key_unusable"]


# -- Deploy inside a maintenance window -------------------------------------------------------


def zabbix_changes(console: Console) -> list[str]:
    return [
        r.action for r in console.audit.records() if r.action.startswith("zabbix.") and r.phase == "intent"
    ]


def test_no_changes_opens_no_maintenance(console: Console) -> None:
    state = run(console, "deploy-with-maintenance", {"env": "dev", "stacks": "observability"})
    assert state.status == "succeeded", state.error
    assert path(state) == [
        ("plan", "succeeded"),
        ("has_changes", "succeeded"),
        ("nothing_to_do", "succeeded"),
    ]
    assert zabbix_changes(console) == []
    assert console.alerts.maintenances("dev") == []


def test_changes_deploy_inside_a_maintenance_that_ends_even_when_the_deploy_fails(
    world: DemoReady, console: Console
) -> None:
    cfn = admin(world, "dev", "cloudformation")
    account = console.settings.environment("dev").account_id
    buckets = [f"dev-cloudtrail-{account}"]  # the template's retained TrailBucket
    cfn.delete_stack(StackName="dev-observability")
    inputs = {"env": "dev", "stacks": "observability", "minutes": "30"}
    during: dict[str, list[Any]] = {}

    def look_at_zabbix(event: RunEvent) -> None:
        # While the deploy runs, Zabbix has the environment's host groups in maintenance.
        if event.kind == "step-started" and event.step == "deploy":
            during.setdefault("deploy", []).append(console.alerts.maintenances("dev"))

    # The stack's buckets are retained on delete, so recreating it collides with them: a failed deploy.
    failed = run(console, "deploy-with-maintenance", inputs, watch=look_at_zabbix)
    assert [s for s, _ in path(failed)][3:] == [
        "maintenance",
        "deploy",
        "end_maintenance",
        "deployed",
        "deploy_failed",
    ]
    assert "BucketAlreadyExists" in (failed.history[4].error or "")
    assert zabbix_changes(console) == ["zabbix.maintenance_create", "zabbix.maintenance_delete"]
    [window] = during["deploy"][0]
    assert window.name == f"deploy dev (runbook run {failed.run_id})" and window.host_groups == ("dev",)
    # 30 minutes from the run's start (Zabbix keeps active_since to the minute).
    assert 30 * 60 <= (window.active_till - window.active_since).total_seconds() < 31 * 60
    assert console.alerts.maintenances("dev") == []  # ended although the deploy failed
    s3 = admin(world, "dev", "s3")
    for bucket in buckets:
        s3.delete_bucket(Bucket=bucket)
    done = run(console, "deploy-with-maintenance", inputs, watch=look_at_zabbix)
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
    assert [[w.name for w in ws] for ws in during["deploy"]][1] == [f"deploy dev (runbook run {done.run_id})"]
    assert console.alerts.maintenances("dev") == []
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


def incident_for(
    name: str, world: DemoReady, simulator: Simulator, feed: ZabbixFeed, logs: UdpSender, console: Console
) -> tuple[str, str] | None:
    """Raise the incident the runbook would act on, so its dry run has a change to show (and not send);
    the (environment, event id) of the problem it would acknowledge."""
    if name == "zabbix-agent-missing":
        _, ec2 = container_instances(world, "dev")[-1]
        report(feed, "dev", ec2, AGENT_KEY, 0)
        return "dev", raised(console, "dev", "Zabbix agent is not available")
    if name == "rds-cpu-high":
        simulator.tick()
        feed.send([(feed.db_host("prod", "prod-db"), CPU_KEY, 97.0)])
        return "prod", raised(console, "prod", "High CPU on prod-db", rds_instance="prod-db")
    if name == "deploy-5xx-spike":
        deployed = simulator.bad_deploy(staging_account(simulator), "api")
        simulator.tick()
        _, ec2 = container_instances(world, "staging")[-1]
        report(feed, "staging", ec2, oom_key("api"), 1)
        release = FailingRelease(world, logs, "staging", "api", deployed)
        assert release.beat() and release.beat()
        wait_logged(console, "staging", f"service:api AND {FIVE_XX}", 51)
        return "staging", raised(console, "staging", "OOM kill: api task", service="api")
    return None


@pytest.mark.parametrize(("name", "inputs"), DRY_RUNS, ids=[d[0] for d in DRY_RUNS])
def test_a_dry_run_makes_no_mutating_call(
    name: str,
    inputs: dict[str, Any],
    world: DemoReady,
    simulator: Simulator,
    feed: ZabbixFeed,
    logs: UdpSender,
    console: Console,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    incident = incident_for(name, world, simulator, feed, logs, console)
    sent = record_calls(monkeypatch)
    events: list[RunEvent] = []
    state = run(console, name, inputs, dry_run=True, approve_as=None, events=events)
    assert state.status == "succeeded", state.error
    assert sent, "the dry run read nothing"
    assert mutating(sent) == []
    calls = [e.message for e in events if e.kind == "call"]
    if incident is not None:
        assert calls and all(c.startswith("would") for c in calls), calls
        env, eventid = incident
        assert any("event.acknowledge" in c for c in calls), calls
        # Zabbix itself says nothing changed: the problem has no acknowledgement, no maintenance.
        [event] = feed.api.event.get(eventids=[eventid], select_acknowledges="extend")
        assert event["acknowledges"] == [] and problem(console, env, eventid).history == ()
    assert feed.api.maintenance.get(output="extend") == []
    assert zabbix_changes(console) == []
    assert [r.action for r in console.audit.records() if r.action.startswith(("ecs.", "rds."))] == []
