"""A frozen stand-in for the services, for snapshots and failure cases: fixed clock, fixed answers."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from opsconsole.app.changes import Change, change
from opsconsole.config import Settings, parse_settings
from opsconsole.demo.accounts import ENVIRONMENTS
from opsconsole.demo.world import render_config
from opsconsole.domain.action_kinds import ActionKind
from opsconsole.domain.actions import ActionResult, PlannedCall
from opsconsole.domain.ecs import Cluster, Deployment, EcsService, ServiceEvent, Task
from opsconsole.domain.environment import RoleTier
from opsconsole.domain.errors import CredentialsError
from opsconsole.domain.identity import CallerIdentity, RoleSession
from opsconsole.domain.logs import Stream
from opsconsole.domain.problems import (
    MaintenanceWindow,
)
from opsconsole.domain.rds import DbInstance
from tests.tui.fake_backends import FakeBackends, frozen_logs
from tests.tui.fake_stacks import FakeStacks

NOW = datetime(2026, 11, 26, 9, 30, 0, tzinfo=UTC)


def demo_like_settings() -> Settings:
    text = render_config("http://127.0.0.1:4566", Path("/var/lib/opsconsole/demo"), "alice")
    return parse_settings(text, source=Path("demo.toml"), environ={})


class FrozenServices(FakeBackends):
    def __init__(self, *, failing: set[str] | None = None, delay: float = 0.0) -> None:
        self.settings = demo_like_settings()
        self.problem_calls = []
        self.failing = failing or set()
        self.delay = delay
        self.release = threading.Event()
        self.calls: list[str] = []
        self.actions: list[tuple[str, str, str, list[PlannedCall]]] = []
        self.stacks = FakeStacks(NOW)

    def now(self) -> datetime:
        return NOW

    def ecs(self, env_name: str) -> FakeEcs:
        self.check_up(env_name)
        return FakeEcs(env_name)

    def rds(self, env_name: str) -> FakeRds:
        self.check_up(env_name)
        return FakeRds(env_name)

    def db_metrics(
        self, env_name: str, identifiers: list[str], span: timedelta
    ) -> dict[str, dict[str, list[float]]]:
        curve = [20 + 60 * abs(((i % 16) - 8) / 8) for i in range(16)]
        return {
            db: {"CPUUtilization": curve, "DatabaseConnections": [c * 2 for c in curve]} for db in identifiers
        }

    def service_metrics(
        self, env_name: str, cluster: str, names: list[str], span: timedelta
    ) -> dict[str, dict[str, list[float]]]:
        return {
            name: {"CPUUtilization": [30.0 + 20 * i], "MemoryUtilization": [50.0 + 14 * i]}
            for i, name in enumerate(names)
        }

    def plan_ecs(
        self,
        env_name: str,
        kind: ActionKind,
        cluster: str,
        target: str,
        *,
        count: int | None = None,
        delta: int = 0,
        tier: RoleTier | None = None,
    ) -> Change:
        params = {"cluster": cluster, "target": target, "count": count, "delta": delta}
        call = PlannedCall("ecs", kind.verb, params)
        return change(
            kind, self.settings.environment(env_name), target, [call], f"{kind.spec.label} {target}"
        )

    def plan_rds(
        self,
        env_name: str,
        kind: ActionKind,
        identifier: str,
        *,
        failover: bool = False,
        tier: RoleTier | None = None,
    ) -> Change:
        call = PlannedCall("rds", kind.verb, {"identifier": identifier, "failover": failover})
        return change(
            kind, self.settings.environment(env_name), identifier, [call], f"{kind.spec.label} {identifier}"
        )

    def execute(
        self,
        planned: Change,
        *,
        reason: str | None,
        dry_run: bool = False,
        on_sending: Callable[[], None] | None = None,
    ) -> ActionResult:
        self.actions.append(
            (planned.environment.name, planned.kind.value, planned.target, list(planned.calls))
        )
        return planned.result(dry_run=dry_run)

    def maintenances(self, env_name: str) -> list[MaintenanceWindow]:
        return [
            MaintenanceWindow(
                "1", f"{env_name} patching", NOW, NOW + timedelta(hours=2), True, hosts=(f"{env_name}-db",)
            )
        ]

    def log_streams(self, env_name: str) -> list[Stream]:
        number = [a.name for a in ENVIRONMENTS].index(env_name)
        return [Stream(f"6633a1f08b4e5f1a2b3c4d7{number}", env_name, f"Logs of the {env_name} environment")]

    def log_count(self, env_name: str, query: str, window: timedelta) -> int:
        return sum(1 for m in frozen_logs(env_name) if m.level is not None and m.level <= 3)

    def caller_identity(self) -> CallerIdentity:
        return CallerIdentity("999999999999", "arn:aws:iam::999999999999:user/alice", "AIDAEXAMPLEALICE")

    def session(self, env_name: str, tier: RoleTier, reason: str | None = None) -> RoleSession:
        self.calls.append(env_name)
        if self.delay:
            self.release.wait(self.delay)
        if env_name in self.failing:
            raise CredentialsError(f"cannot assume the read role in {env_name}: AccessDenied")
        account = next(a for a in ENVIRONMENTS if a.name == env_name)
        role = account.role_arn(tier)
        return RoleSession(
            environment=env_name,
            tier=tier,
            role_arn=role,
            session_name="opsconsole-alice",
            identity=CallerIdentity(
                account.account_id,
                f"arn:aws:sts::{account.account_id}:assumed-role/{role.rsplit('/', 1)[1]}/opsconsole-alice",
                "AROAEXAMPLE:opsconsole-alice",
            ),
            expires_at=NOW + timedelta(minutes=47, seconds=12),
            region=account.region,
        )


class FakeEcs:
    """Fixed ECS answers: one cluster, three services (one short of desired), tasks with an OOM kill."""

    def __init__(self, env_name: str) -> None:
        self.env = env_name

    def clusters(self) -> list[Cluster]:
        return [
            Cluster(
                self.env,
                f"{self.env}-cluster",
                f"arn:aws:ecs:eu-west-1:1:cluster/{self.env}-cluster",
                "ACTIVE",
                3,
                9,
                0,
                3,
            )
        ]

    def service_names(self, cluster: str) -> list[str]:
        return [s.name for s in self.services(cluster)]

    def services(self, cluster: str, names: list[str] | None = None) -> list[EcsService]:
        def svc(name: str, desired: int, running: int, revision: int, event: str) -> EcsService:
            return EcsService(
                self.env,
                cluster,
                name,
                f"arn:aws:ecs:eu-west-1:1:service/{cluster}/{name}",
                "ACTIVE",
                desired,
                running,
                0,
                f"arn:aws:ecs:eu-west-1:1:task-definition/{self.env}-{name}:{revision}",
                "EC2",
                "REPLICA",
                (
                    Deployment(
                        "ecs-svc/1",
                        "PRIMARY",
                        "",
                        desired,
                        running,
                        0,
                        "COMPLETED" if running == desired else "IN_PROGRESS",
                        NOW,
                    ),
                ),
                (ServiceEvent(NOW, f"(service {name}) {event}"),),
            )

        found = [
            svc("api", 4, 3, 7, "has stopped 1 running tasks: (task 4f1c2a9b)."),
            svc("web", 3, 3, 12, "has reached a steady state."),
            svc("worker", 2, 2, 5, "has reached a steady state."),
        ]
        return [s for s in found if names is None or s.name in names]

    def service(self, cluster: str, name: str) -> EcsService:
        return next(s for s in self.services(cluster) if s.name == name)

    def tasks(self, cluster: str, service: str | None = None, *, stopped: bool = False) -> list[Task]:
        def task(n: int, status: str, reason: str | None) -> Task:
            return Task(
                self.env,
                cluster,
                f"arn:aws:ecs:eu-west-1:1:task/{cluster}/{n:08x}deadbeef0000",
                f"service:{service}",
                "td",
                status,
                "RUNNING" if status == "RUNNING" else "STOPPED",
                None,
                reason,
                "EssentialContainerExited" if reason else None,
                f"arn:aws:ecs:eu-west-1:1:container-instance/{cluster}/i{n % 3}abc",
                NOW - timedelta(hours=n),
                NOW if reason else None,
            )

        return [
            task(1, "RUNNING", None),
            task(2, "RUNNING", None),
            task(3, "RUNNING", None),
            task(4, "STOPPED", "OutOfMemoryError: Container killed due to memory usage"),
        ]

    def previous_revision(self, service: EcsService) -> int:
        return (service.revision or 2) - 1


class FakeRds:
    def __init__(self, env_name: str) -> None:
        self.env = env_name

    def instance(self, identifier: str) -> DbInstance:
        return next(db for db in self.instances() if db.identifier == identifier)

    def instances(self) -> list[DbInstance]:
        return [
            DbInstance(
                self.env,
                f"{self.env}-db",
                "arn",
                "available",
                "db.r6g.large",
                "postgres",
                "17.6",
                self.env == "prod",
                200,
                "gp3",
                f"{self.env}-db.example",
                5432,
                None,
                True,
            )
        ]
