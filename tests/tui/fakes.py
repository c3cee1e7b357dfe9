"""A frozen stand-in for the application (a Console of fake use cases), for snapshots and failure
cases: fixed clock, fixed answers. Changes go through the real registry of action kinds
(`plan_action`) onto fake planners, and are recorded instead of sent."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any, TypeVar, cast

from opsconsole.app.actions import Planners, plan_action
from opsconsole.app.changes import Change, change
from opsconsole.app.fanout import fan_out, fan_out_stream
from opsconsole.config import Settings, parse_settings
from opsconsole.demo.accounts import ENVIRONMENTS
from opsconsole.demo.world import render_config
from opsconsole.domain.action_kinds import ActionKind
from opsconsole.domain.actions import ActionResult, PlannedCall
from opsconsole.domain.ecs import Cluster, Container, Deployment, EcsService, ServiceEvent, TargetHealth, Task
from opsconsole.domain.environment import RoleTier
from opsconsole.domain.errors import BackendError, CredentialsError, OpsError
from opsconsole.domain.identity import CallerIdentity, RoleSession
from opsconsole.domain.rds import DbEvent, DbInstance, PendingMaintenance
from opsconsole.domain.team import TeamView
from opsconsole.runbooks.library import RunbookLibrary
from tests.tui.fake_backends import FakeAlerts, FakeCorrelation, FakeLogs, FakeSignin
from tests.tui.fake_stacks import FakeStacks

T = TypeVar("T")
NOW = datetime(2026, 11, 26, 9, 30, 0, tzinfo=UTC)


def demo_like_settings() -> Settings:
    text = render_config("http://127.0.0.1:4566", Path("/var/lib/opsconsole/demo"), "alice")
    return parse_settings(text, source=Path("demo.toml"), environ={})


class FrozenConsole:
    """The application's use cases over fixed answers; tests subclass `ecs`, `rds` or `now`."""

    def __init__(self, *, failing: set[str] | None = None, delay: float = 0.0) -> None:
        self.settings = demo_like_settings()
        self.failing = failing or set()
        self.delay = delay
        self.release = threading.Event()
        self.sso_approved = threading.Event()
        """Set by a test: the fake SSO sign-in is approved in the browser."""
        self.team: FakeTeam | None = None
        """Alone unless a test gives it a team (the team store's view)."""
        self.zabbix_down = False
        self.down: frozenset[str] = frozenset()
        """Environments whose account answers nothing (every backend read fails)."""
        self.calls: list[str] = []
        """Environments a read session was asked for, in order."""
        self.actions: list[tuple[str, str, str, list[PlannedCall]]] = []
        """ECS and RDS changes sent: (environment, kind, target, calls)."""
        self.problem_calls: list[tuple[str, list[str], dict[str, object]]] = []
        """Zabbix changes sent: (environment, event or host ids, options)."""
        self.access = FakeAccess(self)
        self.fleet = FakeFleet(self)
        self.operations = FakeOperations(self)
        self.alerts = FakeAlerts(self)
        self.logs = FakeLogs(self)
        self.stacks = FakeStacks(NOW)
        self.changes = FakeChanges(self)
        self.correlation = FakeCorrelation(self)
        self.runbooks = FakeRunbooks()
        self.signin = FakeSignin(self.settings)

    def now(self) -> datetime:
        return NOW

    def check_up(self, env_name: str) -> None:
        if env_name in self.down:
            raise BackendError(f"{env_name}: could not connect to the endpoint URL")

    def ecs(self, env_name: str) -> FakeEcs:
        self.check_up(env_name)
        return FakeEcs(env_name)

    def rds(self, env_name: str) -> FakeRds:
        self.check_up(env_name)
        return FakeRds(env_name)

    def fan_out(self, env_names: list[str], read: Callable[[str], T]) -> list[tuple[str, T | OpsError]]:
        return fan_out(env_names, read)

    def fan_out_stream(
        self, env_names: list[str], read: Callable[[str], T], *, lead: int = 0
    ) -> Iterator[tuple[str, T | OpsError]]:
        return fan_out_stream(env_names, read, lead=lead)

    def plan(
        self, kind: ActionKind, env_name: str, params: Mapping[str, Any], tier: RoleTier | None = None
    ) -> Change:
        """The real registry, planned by the fake use cases."""
        return plan_action(cast(Planners, self), kind, env_name, params, tier)


"""The old name: tests/tui/test_stacks_screen.py uses it until it moves onto its own stacks fake."""


class FakeAccess:
    def __init__(self, world: FrozenConsole) -> None:
        self.world = world
        self.renewed: list[str] = []

    def renew(self, env_name: str, tier: RoleTier) -> RoleSession:
        """A fresh session: the full hour from the world's clock."""
        self.renewed.append(env_name)
        session = self.session(env_name, tier)
        return replace(session, expires_at=self.world.now() + timedelta(hours=1))

    def caller_identity(self) -> CallerIdentity:
        return CallerIdentity("999999999999", "arn:aws:iam::999999999999:user/alice", "AIDAEXAMPLEALICE")

    def sso_login(self, profile: str | None, show: Callable[[Any], None]) -> datetime:
        """A device flow that shows its code, then waits for the test to approve it (`sso_approved`)."""
        show(
            SimpleNamespace(
                verification_uri_complete="https://device.sso.example/?user_code=WDJB-MJHT",
                user_code="WDJB-MJHT",
            )
        )
        if not self.world.sso_approved.wait(10):
            raise CredentialsError("the SSO sign-in was not approved in time")
        return self.world.now() + timedelta(hours=8)

    def session(self, env_name: str, tier: RoleTier, reason: str | None = None) -> RoleSession:
        world = self.world
        world.calls.append(env_name)
        if world.delay:
            world.release.wait(world.delay)
        if env_name in world.failing:
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


class FakeFleet:
    """ECS and RDS reads through the world's per-environment readers (which tests override)."""

    def __init__(self, world: FrozenConsole) -> None:
        self.world = world

    def clusters(self, env_name: str) -> list[Cluster]:
        return self.world.ecs(env_name).clusters()

    def cluster_names(self, env_name: str) -> list[str]:
        return [c.name for c in self.clusters(env_name)]

    def service_names(self, env_name: str, cluster: str) -> list[str]:
        return self.world.ecs(env_name).service_names(cluster)

    def services(self, env_name: str, cluster: str, names: list[str] | None = None) -> list[EcsService]:
        return self.world.ecs(env_name).services(cluster, names)

    def service(self, env_name: str, cluster: str, name: str) -> EcsService:
        return self.world.ecs(env_name).service(cluster, name)

    def tasks(
        self, env_name: str, cluster: str, service: str | None = None, *, stopped: bool = False
    ) -> list[Task]:
        return self.world.ecs(env_name).tasks(cluster, service, stopped=stopped)

    def ec2_instance_ids(self, env_name: str, cluster: str) -> dict[str, str]:
        return {
            f"arn:aws:ecs:eu-west-1:1:container-instance/{cluster}/i{n}abc": f"i-0{env_name}{n}"
            for n in range(3)
        }

    def target_health(self, env_name: str, service: EcsService) -> list[TargetHealth]:
        group = f"arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/{env_name}-{service.name}/0a1b"
        return [
            TargetHealth(group, f"i-0{env_name}{n}", 32768 + n, "healthy" if n else "unhealthy", None, None)
            for n in range(2)
        ]

    def databases(self, env_name: str) -> list[DbInstance]:
        return self.world.rds(env_name).instances()

    def db_events(self, env_name: str, identifier: str | None, since: datetime) -> list[DbEvent]:
        return [
            DbEvent(env_name, identifier or f"{env_name}-db", NOW, "DB instance restarted", ("availability",))
        ]

    def pending_maintenance(self, env_name: str, identifier: str) -> PendingMaintenance:
        return PendingMaintenance(env_name, identifier, ("system-update (OS patch)",), available=True)

    def database(self, env_name: str, identifier: str) -> DbInstance:
        return self.world.rds(env_name).instance(identifier)

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


class FakeOperations:
    """Plans ECS and RDS changes as one call naming the kind's verb and its parameters."""

    def __init__(self, world: FrozenConsole) -> None:
        self.world = world

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
        env = self.world.settings.environment(env_name)
        return change(kind, env, target, [call], f"{kind.spec.label} {target}")

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
        env = self.world.settings.environment(env_name)
        return change(kind, env, identifier, [call], f"{kind.spec.label} {identifier}")


class FakeChanges:
    """Records what would be sent: ECS and RDS in `actions`, Zabbix in `problem_calls`."""

    def __init__(self, world: FrozenConsole) -> None:
        self.world = world

    def execute(
        self,
        planned: Change,
        *,
        reason: str | None,
        dry_run: bool = False,
        on_sending: Callable[[], None] | None = None,
    ) -> ActionResult:
        env = planned.environment.name
        details = planned.details
        if planned.kind is ActionKind.ZABBIX_MAINTENANCE_CREATE:
            self.world.problem_calls.append((env, list(details["hostids"]), {"maintenance": planned.target}))
        elif planned.kind is ActionKind.ZABBIX_MAINTENANCE_DELETE:
            self.world.problem_calls.append((env, [planned.target], {"maintenance_delete": planned.target}))
        elif planned.kind.family == "zabbix":
            self.world.problem_calls.append((env, list(details["eventids"]), dict(details["options"])))
        else:
            self.world.actions.append((env, planned.kind.value, planned.target, list(planned.calls)))
        return planned.result(dry_run=dry_run)


class FakeRunbooks:
    @property
    def library(self) -> RunbookLibrary:
        return RunbookLibrary()

    def engine(self, **_: object) -> Any:
        # Runs need AWS, Zabbix and Graylog behind them: the pilot tests run them on the demo world.
        raise BackendError("the frozen world runs no runbooks")


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
                (f"arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/{self.env}-{name}/0a1b",)
                if name == "api"
                else (),
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
            revision = (self.service(cluster, service).revision or 1) if service else 1
            container = Container(
                service or "app", status, 137 if reason else None, reason and "OutOfMemoryError", None
            )
            return Task(
                self.env,
                cluster,
                f"arn:aws:ecs:eu-west-1:1:task/{cluster}/{n:08x}deadbeef0000",
                f"service:{service}",
                f"arn:aws:ecs:eu-west-1:1:task-definition/{self.env}-{service}:{revision - (1 if reason else 0)}",
                status,
                "RUNNING" if status == "RUNNING" else "STOPPED",
                None,
                reason,
                "EssentialContainerExited" if reason else None,
                f"arn:aws:ecs:eu-west-1:1:container-instance/{cluster}/i{n % 3}abc",
                NOW - timedelta(hours=n),
                NOW if reason else None,
                (container,),
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


class FakeTeam:
    """The team store's view, as a test sets it."""

    def __init__(self, view: TeamView) -> None:
        self.shown = view

    def view(self) -> TeamView:
        return self.shown
