"""The demo's simulation: what ECS, CloudWatch and RDS would do on their own, done through the
AWS API of the moto world. Everything it does is labelled as simulation.

Each tick, per environment: registers the auto scaling group's instances as ECS container
instances; places and stops tasks so every service follows its desired count and task
definition (the Zabbix agent once per instance); now and then kills a task with an
out-of-memory reason; publishes CloudWatch metrics on a daily curve with incident spikes; and
takes a periodic database backup, which RDS reports as events.

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
    from opsconsole.demo.traffic import LogTraffic

STARTED_BY = "opsconsole-simulation"
OOM_REASON = "OutOfMemoryError: Container killed due to memory usage"
AGENT = "zabbix-agent"


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
        traffic: LogTraffic | None = None,
    ) -> None:
        import boto3

        self.endpoint = endpoint
        self.accounts = accounts
        self.random = random.Random(seed)
        self.oom_chance = oom_chance
        self.backup_every = backup_every
        self.ticks = 0
        self.spikes: dict[tuple[str, str], int] = {}
        self.traffic = traffic  # application logs as GELF, when the world has a Graylog emulator
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
            if self.traffic is not None:
                self.traffic.emit(
                    account.name, self._tasks(account), self._container_instances(account), self.spikes
                )
            if self.random.random() < self.oom_chance:
                self.kill_one(account)
            self._publish_metrics(account, now)
            if self.ticks % self.backup_every == 1:
                self._backup(account, now)

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
                missing = [arn for arn in instances if arn not in covered]
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
        return str(task["taskArn"])

    # -- CloudWatch and RDS -------------------------------------------------------------------------

    def _publish_metrics(self, account: SimAccount, now: datetime) -> None:
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
        cloudwatch.put_metric_data(
            Namespace="AWS/RDS",
            MetricData=[
                {
                    "MetricName": "CPUUtilization",
                    "Dimensions": db,
                    "Timestamp": now,
                    "Value": round(min(100.0, 8 + 50 * day + self.random.gauss(0, 4)), 2),
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

    def _backup(self, account: SimAccount, now: datetime) -> None:
        self.client(account, "rds").create_db_snapshot(
            DBInstanceIdentifier=f"{account.name}-db",
            DBSnapshotIdentifier=f"{account.name}-db-simulated-backup-{now:%Y%m%d%H%M%S}",
            Tags=[{"Key": "created-by", "Value": STARTED_BY}],
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--accounts", required=True, type=Path)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--interval", type=float, default=2.0)
    parser.add_argument("--gelf", help="udp://host:port of the Graylog emulator's GELF input, for app logs")
    args = parser.parse_args(argv)
    stop = threading.Event()

    def watch_parent() -> None:
        sys.stdin.read()
        stop.set()

    threading.Thread(target=watch_parent, name="parent-watch", daemon=True).start()
    traffic = None
    if args.gelf:
        from opsconsole.demo.traffic import LogTraffic

        traffic = LogTraffic(args.gelf, seed=args.seed)
    Simulator(args.endpoint, load_accounts(args.accounts), seed=args.seed, traffic=traffic).run(
        args.interval, stop
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
