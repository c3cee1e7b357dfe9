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

import argparse
import json
import math
import random
import sys
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from opsconsole.demo.zabbix.feed import ZabbixFeed

STARTED_BY = "opsconsole-simulation"
OOM_REASON = "OutOfMemoryError: Container killed due to memory usage"
AGENT = "zabbix-agent"
ZABBIX_TOKEN_ENV = "OPSCONSOLE_DEMO_ZABBIX_TOKEN"  # an env var, not an argument: `ps` shows arguments


@dataclass(frozen=True)
class SimAccount:
    name: str
    account_id: str
    region: str
    access_key_id: str
    secret_access_key: str


def accounts_of(admin_keys: dict[str, Any]) -> list[SimAccount]:
    """The demo's environment accounts, signed with their seeding admins' keys."""
    from opsconsole.demo.accounts import ENVIRONMENTS

    return [
        SimAccount(
            a.name,
            a.account_id,
            a.region,
            admin_keys[a.name].access_key_id,
            admin_keys[a.name].secret_access_key,
        )
        for a in ENVIRONMENTS
    ]


def load_accounts(path: Path) -> list[SimAccount]:
    return [SimAccount(**item) for item in json.loads(path.read_text(encoding="utf-8"))]


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
        for account in self.accounts:
            self._register_instances(account)
            self._follow_desired(account)
            if self.random.random() < self.oom_chance:
                self.kill_one(account)
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
        self.client(account, "ecs").stop_task(
            cluster=f"{account.name}-cluster", task=task["taskArn"], reason=OOM_REASON
        )
        name = str(task.get("group", "")).split(":", 1)[-1]
        self.spikes[(account.name, name)] = 5
        instance = self._instance_id(account, str(task.get("containerInstanceArn", "")))
        if instance:
            self.ooms[(account.name, instance, name)] = 8
        return str(task["taskArn"])

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
        cluster = f"{account.name}-cluster"
        day = 0.5 + 0.5 * math.sin(2 * math.pi * (now.hour + now.minute / 60 - 8) / 24)
        data = []
        for service in ("web", "api", "worker", "modsecurity", "varnish", AGENT):
            spike = self.spikes.get((account.name, service), 0)
            cpu = 12 + 45 * day + self.random.gauss(0, 3) + (35 if spike else 0)
            memory = 35 + 20 * day + self.random.gauss(0, 2) + (40 if spike else 0)
            dimensions = [
                {"Name": "ClusterName", "Value": cluster},
                {"Name": "ServiceName", "Value": service},
            ]
            data += [
                {
                    "MetricName": "CPUUtilization",
                    "Dimensions": dimensions,
                    "Timestamp": now,
                    "Value": round(min(max(cpu, 0), 100), 2),
                    "Unit": "Percent",
                },
                {
                    "MetricName": "MemoryUtilization",
                    "Dimensions": dimensions,
                    "Timestamp": now,
                    "Value": round(min(max(memory, 0), 100), 2),
                    "Unit": "Percent",
                },
            ]
        cloudwatch.put_metric_data(Namespace="AWS/ECS", MetricData=data)
        for key in list(self.spikes):
            self.spikes[key] -= 1
            if self.spikes[key] <= 0:
                del self.spikes[key]
        db = [{"Name": "DBInstanceIdentifier", "Value": f"{account.name}-db"}]
        if self.zabbix is not None and self.random.random() < self.db_spike_chance:
            self.db_spikes[account.name] = 6
        db_cpu = round(min(100.0, 8 + 50 * day + self.random.gauss(0, 4)), 2)
        if account.name in self.db_spikes:
            db_cpu = round(min(100.0, 93 + self.random.random() * 6), 2)
        cloudwatch.put_metric_data(
            Namespace="AWS/RDS",
            MetricData=[
                {
                    "MetricName": "CPUUtilization",
                    "Dimensions": db,
                    "Timestamp": now,
                    "Value": db_cpu,
                    "Unit": "Percent",
                },
                {
                    "MetricName": "DatabaseConnections",
                    "Dimensions": db,
                    "Timestamp": now,
                    "Value": float(max(0, round(20 + 120 * day + self.random.gauss(0, 6)))),
                    "Unit": "Count",
                },
                {
                    "MetricName": "FreeStorageSpace",
                    "Dimensions": db,
                    "Timestamp": now,
                    "Value": float(18e9 - self.ticks * 1e6),
                    "Unit": "Bytes",
                },
            ],
        )
        return db_cpu

    def _backup(self, account: SimAccount, now: datetime) -> None:
        self.client(account, "rds").create_db_snapshot(
            DBInstanceIdentifier=f"{account.name}-db",
            DBSnapshotIdentifier=f"{account.name}-db-simulated-backup-{now:%Y%m%d%H%M%S}",
            Tags=[{"Key": "created-by", "Value": STARTED_BY}],
        )


def _count_down(counters: dict[Any, int]) -> None:
    """One tick less for each running story; finished ones end (their problems resolve)."""
    for key in list(counters):
        counters[key] -= 1
        if counters[key] <= 0:
            del counters[key]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--accounts", required=True, type=Path)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--interval", type=float, default=2.0)
    parser.add_argument(
        "--zabbix-url", help=f"the Zabbix emulator's API; its token comes in ${ZABBIX_TOKEN_ENV}"
    )
    parser.add_argument("--zabbix-trapper-port", type=int)
    args = parser.parse_args(argv)
    stop = threading.Event()

    def watch_parent() -> None:
        sys.stdin.read()
        stop.set()

    threading.Thread(target=watch_parent, name="parent-watch", daemon=True).start()
    zabbix = None
    if args.zabbix_url:
        import os

        from opsconsole.demo.zabbix.feed import ZabbixFeed

        zabbix = ZabbixFeed(args.zabbix_url, os.environ[ZABBIX_TOKEN_ENV], args.zabbix_trapper_port)
    Simulator(args.endpoint, load_accounts(args.accounts), seed=args.seed, zabbix=zabbix).run(
        args.interval, stop
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
