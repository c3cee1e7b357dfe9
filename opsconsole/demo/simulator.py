"""The demo's simulation: what ECS, CloudWatch and RDS would do on their own, done through the
AWS API of the moto world. Everything it does is labelled as simulation.

Each tick, per environment: registers the auto scaling group's instances as ECS container
instances; places and stops tasks so every service follows its desired count and task
definition (the Zabbix agent once per instance); now and then kills a task with an
out-of-memory reason; publishes CloudWatch metrics on a daily curve with incident spikes; and
takes a periodic database backup, which RDS reports as events. With a Zabbix feed it also does
what the estate's Zabbix agents would: a host per container instance and per DB instance, and values
that raise and resolve problems (an OOM kill on the instance, a DB CPU spike, a missing agent).

Run as a process: `python -m opsconsole.demo.simulator --endpoint URL --accounts FILE --seed N`.
"""

from __future__ import annotations

import json
import random
import sys
import threading
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from opsconsole.demo.sim_accounts import SimAccount
from opsconsole.demo.sim_metrics import daylight, ecs_metrics, rds_metrics

if TYPE_CHECKING:
    from opsconsole.demo.traffic import LogTraffic
    from opsconsole.demo.zabbix.feed import ZabbixFeed

STARTED_BY = "opsconsole-simulation"
# What a new revision of a task definition carries over from the one it replaces.
RELEASE_FIELDS = (
    "family",
    "containerDefinitions",
    "networkMode",
    "requiresCompatibilities",
    "volumes",
    "executionRoleArn",
    "taskRoleArn",
    "cpu",
    "memory",
)
OOM_REASON = "OutOfMemoryError: Container killed due to memory usage"
AGENT = "zabbix-agent"
ZABBIX_TOKEN_ENV = "OPSCONSOLE_DEMO_ZABBIX_TOKEN"  # an env var, not an argument: `ps` shows arguments


class Simulator:
    """One deterministic step at a time (`tick`), for tests; `run` repeats it until stopped."""

    def __init__(
        self,
        endpoint: str,
        accounts: list[SimAccount],
        *,
        seed: int = 0,
        oom_chance: float = 0.04,
        backup_every: int = 150,
        zabbix: ZabbixFeed | None = None,
        agent_outage_chance: float = 0.01,
        db_spike_chance: float = 0.02,
        traffic: LogTraffic | None = None,
        story_at: int | None = None,
    ) -> None:
        import boto3

        self.endpoint = endpoint
        self.accounts = accounts
        self.random = random.Random(seed)
        self.oom_chance = oom_chance
        self.backup_every = backup_every
        self.ticks = 0
        self.spikes: dict[tuple[str, str], int] = {}
        self.zabbix = zabbix
        self.agent_outage_chance = agent_outage_chance
        self.db_spike_chance = db_spike_chance
        self.agent_outages: dict[str, int] = {}  # container instance ARN -> ticks without its agent
        self.db_spikes: dict[str, int] = {}  # environment -> ticks of high DB CPU
        self.ooms: dict[tuple[str, str, str], int] = {}  # (env, instance id, service) -> ticks of problem
        self.traffic = traffic  # application logs as GELF, when the world has a Graylog emulator
        self.story_at = story_at
        self.bad_releases: dict[tuple[str, str], str] = {}  # (env, service) -> the crashing revision
        self._session = boto3.Session()
        self._clients: dict[tuple[str, str], Any] = {}

    def client(self, account: SimAccount, service: str) -> Any:
        key = (account.name, service)
        if key not in self._clients:
            self._clients[key] = self._session.client(
                service,
                endpoint_url=self.endpoint,
                region_name=account.region,
                aws_access_key_id=account.access_key_id,
                aws_secret_access_key=account.secret_access_key,
            )
        return self._clients[key]

    def run(self, interval: float, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.tick()
            except Exception as e:  # the simulation goes on; the log says what failed
                print(f"simulation tick failed: {e}", file=sys.stderr, flush=True)
            stop.wait(interval)

    def tick(self, now: datetime | None = None) -> None:
        now = now or datetime.now(UTC)
        self.ticks += 1
        self._tell_story()
        for account in self.accounts:
            self._register_instances(account)
            self._follow_desired(account)
            if self.traffic is not None:
                self.traffic.emit(
                    account.name, self._tasks(account), self._container_instances(account), self.spikes
                )
            if self.random.random() < self.oom_chance and not self._in_story(account):
                self.kill_one(account)
            self._crash_bad_releases(account)
            db_cpu = self._publish_metrics(account, now)
            if self.ticks % self.backup_every == 1:
                self._backup(account, now)
            if self.zabbix is not None:
                self._report_to_zabbix(account, db_cpu)

    # -- ECS ------------------------------------------------------------------------------------

    def _register_instances(self, account: SimAccount) -> None:
        asg = self.client(account, "autoscaling")
        ecs = self.client(account, "ecs")
        cluster = f"{account.name}-cluster"
        groups = asg.describe_auto_scaling_groups(AutoScalingGroupNames=[f"{account.name}-ecs"])[
            "AutoScalingGroups"
        ]
        wanted = {
            i["InstanceId"]: i.get("AvailabilityZone", "") for g in groups for i in g.get("Instances", [])
        }
        registered = {ci.get("ec2InstanceId") for ci in self._container_instances(account)}
        for instance_id in sorted(set(wanted) - registered):
            document = {
                "instanceId": instance_id,
                "region": account.region,
                "accountId": account.account_id,
                "availabilityZone": wanted[instance_id],
                "instanceType": "simulated",
            }
            ecs.register_container_instance(
                cluster=cluster,
                instanceIdentityDocument=json.dumps(document),
                instanceIdentityDocumentSignature="opsconsole-simulation",
            )

    def _container_instances(self, account: SimAccount) -> list[dict[str, Any]]:
        ecs = self.client(account, "ecs")
        cluster = f"{account.name}-cluster"
        arns = ecs.list_container_instances(cluster=cluster).get("containerInstanceArns", [])
        if not arns:
            return []
        return list(
            ecs.describe_container_instances(cluster=cluster, containerInstances=arns)["containerInstances"]
        )

    def _tasks(self, account: SimAccount) -> list[dict[str, Any]]:
        ecs = self.client(account, "ecs")
        cluster = f"{account.name}-cluster"
        arns = ecs.list_tasks(cluster=cluster, desiredStatus="RUNNING").get("taskArns", [])
        found: list[dict[str, Any]] = []
        for start in range(0, len(arns), 100):
            found += ecs.describe_tasks(cluster=cluster, tasks=arns[start : start + 100])["tasks"]
        return [t for t in found if t.get("lastStatus") == "RUNNING"]

    def _services(self, account: SimAccount) -> list[dict[str, Any]]:
        ecs = self.client(account, "ecs")
        cluster = f"{account.name}-cluster"
        arns = ecs.list_services(cluster=cluster).get("serviceArns", [])
        found: list[dict[str, Any]] = []
        for start in range(0, len(arns), 10):
            found += ecs.describe_services(cluster=cluster, services=arns[start : start + 10])["services"]
        return found

    def _follow_desired(self, account: SimAccount) -> None:
        ecs = self.client(account, "ecs")
        cluster = f"{account.name}-cluster"
        tasks = self._tasks(account)
        instances = [ci["containerInstanceArn"] for ci in self._container_instances(account)]
        for service in self._services(account):
            name, definition = service["serviceName"], service["taskDefinition"]
            group = f"service:{name}"
            mine = [t for t in tasks if t.get("group") == group]
            if name == AGENT:
                # The DAEMON the template asks for: one agent on every container instance.
                covered = {t.get("containerInstanceArn") for t in mine}
                if self.zabbix is not None and self.random.random() < self.agent_outage_chance:
                    self._stop_an_agent(account, mine)
                missing = [arn for arn in instances if arn not in covered and arn not in self.agent_outages]
                if missing:
                    ecs.start_task(
                        cluster=cluster,
                        taskDefinition=definition,
                        containerInstances=missing,
                        group=group,
                        startedBy=STARTED_BY,
                    )
                continue
            current = [t for t in mine if t.get("taskDefinitionArn") == definition]
            stale = [t for t in mine if t.get("taskDefinitionArn") != definition]
            desired = int(service.get("desiredCount", 0))
            if len(current) < desired and instances:
                ecs.run_task(
                    cluster=cluster,
                    taskDefinition=definition,
                    count=desired - len(current),
                    group=group,
                    startedBy=STARTED_BY,
                    launchType="EC2",
                )
            deployment = next(
                (d["id"] for d in service.get("deployments", []) if d.get("status") == "PRIMARY"), ""
            )
            for task in stale + current[desired:]:
                ecs.stop_task(
                    cluster=cluster,
                    task=task["taskArn"],
                    reason=f"Scaling activity initiated by (deployment {deployment})",
                )

    def kill_one(self, account: SimAccount, service: str | None = None) -> str | None:
        """Stop one running task of `service` (or of api or worker) as an out-of-memory kill."""
        victims = [
            t
            for t in self._tasks(account)
            if t.get("group") in ({f"service:{service}"} if service else {"service:api", "service:worker"})
        ]
        if not victims:
            return None
        task = self.random.choice(sorted(victims, key=lambda t: t["taskArn"]))
        if self.traffic is not None:
            hosts = {
                c["containerInstanceArn"]: c.get("ec2InstanceId", "")
                for c in self._container_instances(account)
            }
            self.traffic.oom(account.name, task, hosts.get(task.get("containerInstanceArn"), ""))
        self.client(account, "ecs").stop_task(
            cluster=f"{account.name}-cluster", task=task["taskArn"], reason=OOM_REASON
        )
        name = str(task.get("group", "")).split(":", 1)[-1]
        self.spikes[(account.name, name)] = 5
        instance = self._instance_id(account, str(task.get("containerInstanceArn", "")))
        if instance:
            self.ooms[(account.name, instance, name)] = 8
        return str(task["taskArn"])

    # -- the story: what an on-call engineer meets in the first minutes of the demo ----------------

    def _tell_story(self) -> None:
        """At fixed ticks: a bad api release in prod (deployment, OOM kills, Zabbix problem, 5xx
        spike) and then a CPU alarm on prod's database. `story_at` None turns it off."""
        if self.story_at is None:
            return
        prod = next((a for a in self.accounts if a.name == "prod"), None)
        if prod is None:
            return
        if self.ticks == self.story_at:
            self.bad_deploy(prod, "api")
        if self.ticks == self.story_at + 20:
            self.db_spikes[prod.name] = 15

    def _in_story(self, account: SimAccount) -> bool:
        """prod's incidents are the story's: no random OOM kill there, so once the bad release is
        rolled back its 5xx end (within the runbook's two-minute window) instead of starting again."""
        return self.story_at is not None and account.name == "prod"

    def bad_deploy(self, account: SimAccount, service: str) -> str:
        """Roll out a release of `service` that runs out of memory: a new task definition revision
        (the deployment) whose tasks are OOM-killed tick after tick until it is rolled back."""
        ecs = self.client(account, "ecs")
        cluster = f"{account.name}-cluster"
        current = ecs.describe_services(cluster=cluster, services=[service])["services"][0]["taskDefinition"]
        definition = ecs.describe_task_definition(taskDefinition=current)["taskDefinition"]
        release = {k: definition[k] for k in RELEASE_FIELDS if definition.get(k)}
        release["containerDefinitions"] = [_bad_release(c) for c in definition["containerDefinitions"]]
        released = ecs.register_task_definition(**release)
        arn = str(released["taskDefinition"]["taskDefinitionArn"])
        ecs.update_service(cluster=cluster, service=service, taskDefinition=arn)
        self.bad_releases[(account.name, service)] = arn
        return arn

    def _crash_bad_releases(self, account: SimAccount) -> None:
        for (env, service), arn in list(self.bad_releases.items()):
            if env != account.name:
                continue
            ecs = self.client(account, "ecs")
            found = ecs.describe_services(cluster=f"{env}-cluster", services=[service])["services"]
            if not found or found[0]["taskDefinition"] != arn:
                del self.bad_releases[(env, service)]  # rolled back: the crashes stop
                continue
            self.kill_one(account, service)

    def _stop_an_agent(self, account: SimAccount, agents: list[dict[str, Any]]) -> None:
        """The agent container dies on one instance and stays away a while (ECS would restart it)."""
        if not agents:
            return
        task = self.random.choice(sorted(agents, key=lambda t: t["taskArn"]))
        self.client(account, "ecs").stop_task(
            cluster=f"{account.name}-cluster",
            task=task["taskArn"],
            reason="Essential container in task exited",
        )
        self.agent_outages[str(task.get("containerInstanceArn"))] = 10

    def _instance_id(self, account: SimAccount, container_instance_arn: str) -> str | None:
        for ci in self._container_instances(account):
            if ci["containerInstanceArn"] == container_instance_arn:
                return str(ci.get("ec2InstanceId"))
        return None

    # -- Zabbix -----------------------------------------------------------------------------------

    def _report_to_zabbix(self, account: SimAccount, db_cpu: float) -> None:
        """What the agents would send: availability per instance, OOM kills, DB CPU."""
        from opsconsole.demo.zabbix.feed import AGENT_KEY, CPU_KEY, OOM_SERVICES, oom_key

        assert self.zabbix is not None
        cluster = f"{account.name}-cluster"
        values: list[tuple[str, str, float]] = []
        for ci in self._container_instances(account):
            arn, instance = ci["containerInstanceArn"], str(ci.get("ec2InstanceId"))
            host = self.zabbix.instance_host(account.name, instance, cluster)
            values.append((host, AGENT_KEY, 0 if arn in self.agent_outages else 1))
            for service in OOM_SERVICES:
                values.append(
                    (host, oom_key(service), 1 if (account.name, instance, service) in self.ooms else 0)
                )
        db = self.zabbix.db_host(account.name, f"{account.name}-db")
        values.append((db, CPU_KEY, db_cpu))
        self.zabbix.send(values)
        for counters in (self.agent_outages, self.ooms, self.db_spikes):
            _count_down(counters)

    # -- CloudWatch and RDS -------------------------------------------------------------------------

    def _publish_metrics(self, account: SimAccount, now: datetime) -> float:
        """Publish this tick's metrics; returns the DB's CPU, which Zabbix watches too."""
        cloudwatch = self.client(account, "cloudwatch")
        day = daylight(now)
        loads = {}
        for service in ("web", "api", "worker", "modsecurity", "varnish", AGENT):
            spike = 1 if self.spikes.get((account.name, service), 0) else 0
            cpu = 12 + 45 * day + self.random.gauss(0, 3) + 35 * spike
            memory = 35 + 20 * day + self.random.gauss(0, 2) + 40 * spike
            loads[service] = (cpu, memory)
        cloudwatch.put_metric_data(
            Namespace="AWS/ECS", MetricData=ecs_metrics(f"{account.name}-cluster", now, loads)
        )
        _count_down(self.spikes)
        if self.zabbix is not None and self.random.random() < self.db_spike_chance:
            self.db_spikes[account.name] = 6
        db_cpu = round(min(100.0, 8 + 50 * day + self.random.gauss(0, 4)), 2)
        if account.name in self.db_spikes:
            db_cpu = round(min(100.0, 93 + self.random.random() * 6), 2)
        connections = float(max(0, round(20 + 120 * day + self.random.gauss(0, 6))))
        free = float(18e9 - self.ticks * 1e6)
        rds = rds_metrics(f"{account.name}-db", now, db_cpu, connections, free)
        cloudwatch.put_metric_data(Namespace="AWS/RDS", MetricData=rds)
        return db_cpu

    def _backup(self, account: SimAccount, now: datetime) -> None:
        self.client(account, "rds").create_db_snapshot(
            DBInstanceIdentifier=f"{account.name}-db",
            DBSnapshotIdentifier=f"{account.name}-db-simulated-backup-{now:%Y%m%d%H%M%S}",
            Tags=[{"Key": "created-by", "Value": STARTED_BY}],
        )


def _bad_release(container: dict[str, Any]) -> dict[str, Any]:
    """The release that causes the OOM kills: a new image whose container memory limit was halved
    (a copy-paste from a smaller service), so the container is killed once it warms its cache."""
    changed = dict(container)
    image = str(container.get("image", ""))
    repository = image.rsplit(":", 1)[0] if ":" in image.rsplit("/", 1)[-1] else image
    changed["image"] = f"{repository}:{datetime.now(UTC):%Y.%m.%d}-1" if repository else image
    if container.get("memory"):
        changed["memory"] = max(64, int(container["memory"]) // 2)
    if container.get("memoryReservation"):
        changed["memoryReservation"] = min(
            int(container["memoryReservation"]), changed.get("memory", 1 << 30)
        )
    return changed


def _count_down(counters: dict[Any, int]) -> None:
    """One tick less for each running story; finished ones end (their problems resolve)."""
    for key in list(counters):
        counters[key] -= 1
        if counters[key] <= 0:
            del counters[key]
