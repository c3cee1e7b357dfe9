"""Frozen Zabbix and Graylog answers for the TUI's snapshots and pilot tests, as fakes of the
alerts, logs and correlation use cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol

from opsconsole.app.alerts import problem_kind
from opsconsole.app.changes import Change, change
from opsconsole.app.console_signin import Signin
from opsconsole.app.logs import MergedTail
from opsconsole.config import Settings
from opsconsole.domain.action_kinds import ActionKind
from opsconsole.domain.actions import PlannedCall
from opsconsole.domain.environment import RoleTier
from opsconsole.domain.errors import BackendError
from opsconsole.domain.logs import LogMessage, SearchResult, Stream
from opsconsole.domain.problems import (
    Acknowledgement,
    MaintenanceWindow,
    Problem,
    ProblemFilter,
    ProblemHost,
    Severity,
)
from opsconsole.domain.resources import ResourceRef
from opsconsole.domain.timeline import Timeline, TimelineEntry
from opsconsole.links import Linker, Links

NOW = datetime(2026, 11, 26, 9, 30, 0, tzinfo=UTC)
SERVICES = ("api", "web", "worker")


def instance_of(env: str, n: int) -> str:
    return f"i-0{env[0]}{n:02d}a1b2c3d4e5f"


def frozen_problems(env: str) -> list[Problem]:
    def host(n: int) -> ProblemHost:
        return ProblemHost(str(10500 + n), f"ecs-{instance_of(env, n)}", f"{env} ECS {instance_of(env, n)}")

    def tags(n: int, **more: str) -> tuple[tuple[str, str], ...]:
        base = {"env": env, "cluster": f"{env}-cluster", "instance_id": instance_of(env, n)}
        return tuple((base | more).items())

    db_host = ProblemHost("10600", f"rds-{env}-db", f"{env} RDS {env}-db")
    return [
        Problem(
            env,
            "901",
            "23101",
            "api: task OOM-killed (exit 137)",
            Severity.HIGH,
            NOW - timedelta(minutes=7),
            False,
            False,
            (host(0),),
            tags(0, service="api"),
            manual_close=True,
        ),
        Problem(
            env,
            "902",
            "23102",
            f"High CPU on {env}-db (> 80% for 5m)",
            Severity.AVERAGE,
            NOW - timedelta(minutes=23),
            True,
            False,
            (db_host,),
            (("env", env), ("rds_instance", f"{env}-db")),
            (Acknowledgement(NOW - timedelta(minutes=20), "alice", "looking into it", acknowledged=True),),
        ),
        Problem(
            env,
            "903",
            "23103",
            "Zabbix agent is not available (for 3m)",
            Severity.AVERAGE,
            NOW - timedelta(hours=2),
            False,
            False,
            (host(2),),
            tags(2),
        ),
        Problem(
            env,
            "904",
            "23104",
            "web: 5xx rate above 2%",
            Severity.DISASTER,
            NOW - timedelta(minutes=2),
            False,
            False,
            (host(1),),
            tags(1, service="web"),
            manual_close=True,
        ),
        Problem(
            env,
            "905",
            "23105",
            "Disk space below 20% on /var",
            Severity.WARNING,
            NOW - timedelta(days=1),
            False,
            True,
            (host(1),),
            tags(1),
        ),
    ]


def frozen_logs(env: str, count: int = 24) -> list[LogMessage]:
    levels = (6, 6, 6, 4, 6, 3, 6, 7)
    messages = []
    for i in range(count):
        service = SERVICES[i % 3]
        level = levels[i % len(levels)]
        text = (
            f"GET /v1/accounts/{1000 + i} 200 {12 + i}ms"
            if level == 6
            else ("upstream timed out after 5000ms" if level == 3 else "slow query 840ms")
        )
        messages.append(
            LogMessage(
                id=f"{env}-{i:04d}",
                timestamp=NOW - timedelta(seconds=count - i),
                source=f"ip-10-0-1-{i % 3}",
                message=text,
                level=level,
                fields={"env": env, "service": service, "instance_id": instance_of(env, i % 3)},
            )
        )
    return messages


class FrozenTail:
    """Hands out the frozen lines once, then nothing: a quiet tail that backs off like the real one."""

    def __init__(self, env: str, query: str, backends: World | None = None) -> None:
        self.env = env
        self.backends = backends
        self.pending = [m for m in frozen_logs(env) if _matches(m, query)]
        self.interval = 0.05

    def poll(self) -> list[LogMessage]:
        if self.backends is not None:
            self.backends.check_up(self.env)
        batch, self.pending = self.pending, []
        self.interval = 0.05 if batch else 30.0
        return batch


def _matches(message: LogMessage, query: str) -> bool:
    # The frozen world understands only the queries links.py writes: "env:E AND service:S".
    for term in query.split(" AND "):
        if ":" in term:
            name, value = term.split(":", 1)
            if message.field(name) != value:
                return False
    return True


class World(Protocol):
    """What the fakes share: the settings, the clock, which backends are down."""

    settings: Settings
    zabbix_down: bool
    down: frozenset[str]
    """Environments whose account answers nothing (every backend read fails)."""

    def now(self) -> datetime: ...

    def check_up(self, env_name: str) -> None: ...


class FakeAlerts:
    """Zabbix as the frozen world answers it; `zabbix_down` makes problems fail."""

    def __init__(self, world: World) -> None:
        self.world = world

    def problems(self, env_name: str, flt: ProblemFilter | None = None) -> list[Problem]:
        self.world.check_up(env_name)
        if self.world.zabbix_down:
            raise BackendError("Zabbix at http://127.0.0.1:18080 is unreachable: connection refused")
        return frozen_problems(env_name)

    def hosts(self, env_name: str, tags: dict[str, str] | None = None) -> list[ProblemHost]:
        hosts = {h.hostid: h for p in frozen_problems(env_name) for h in p.hosts if _has_tags(p, tags)}
        return list(hosts.values())

    def maintenances(self, env_name: str) -> list[MaintenanceWindow]:
        return [
            MaintenanceWindow(
                "1", f"{env_name} patching", NOW, NOW + timedelta(hours=2), True, hosts=(f"{env_name}-db",)
            )
        ]

    def plan_problem_action(
        self,
        env_name: str,
        eventids: list[str],
        *,
        acknowledge: bool = False,
        message: str | None = None,
        close: bool = False,
        severity: Severity | None = None,
        unacknowledge: bool = False,
    ) -> Change:
        options: dict[str, object] = {"acknowledge": acknowledge, "message": message, "close": close}
        options |= {"severity": severity, "unacknowledge": unacknowledge}
        kind = problem_kind(
            acknowledge=acknowledge, close=close, severity=severity, unacknowledge=unacknowledge
        )
        call = PlannedCall("zabbix", "event.acknowledge", {"eventids": eventids})
        env = self.world.settings.environment(env_name)
        details = {"eventids": eventids, "options": options}
        return change(
            kind, env, ",".join(eventids), [call], f"{kind.spec.label} {len(eventids)}", details=details
        )

    def plan_maintenance(
        self,
        env_name: str,
        name: str,
        *,
        hostids: tuple[str, ...] | list[str] = (),
        host_groups: tuple[str, ...] | list[str] = (),
        duration: timedelta,
        collect_data: bool = True,
        description: str = "",
    ) -> Change:
        call = PlannedCall("zabbix", "maintenance.create", {"name": name, "hostids": list(hostids)})
        env = self.world.settings.environment(env_name)
        summary = f"create the maintenance {name!r} for {duration}"
        details = {"hostids": list(hostids)}
        return change(ActionKind.ZABBIX_MAINTENANCE_CREATE, env, name, [call], summary, details=details)

    def plan_end_maintenance(self, env_name: str, maintenanceid: str) -> Change:
        call = PlannedCall("zabbix", "maintenance.delete", {"maintenanceids": [maintenanceid]})
        env = self.world.settings.environment(env_name)
        summary = f"delete the maintenance {maintenanceid}"
        return change(ActionKind.ZABBIX_MAINTENANCE_DELETE, env, maintenanceid, [call], summary)


class FakeLogs:
    """Graylog as the frozen world answers it."""

    def __init__(self, world: World) -> None:
        self.world = world

    def streams(self, env_name: str) -> list[Stream]:
        number = list(self.world.settings.environments).index(env_name)
        return [Stream(f"6633a1f08b4e5f1a2b3c4d7{number}", env_name, f"Logs of the {env_name} environment")]

    def tail(self, env_name: str, query: str = "*", *, backlog: timedelta = timedelta(0)) -> FrozenTail:
        return FrozenTail(env_name, query, self.world)

    def merged_tail(
        self, env_names: list[str], query: str = "*", *, backlog: timedelta = timedelta(0)
    ) -> MergedTail:
        return MergedTail({env: self.tail(env, query, backlog=backlog) for env in env_names})

    def search(
        self,
        env_name: str,
        query: str = "*",
        *,
        since: timedelta | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        limit: int = 150,
        offset: int = 0,
        fields: tuple[str, ...] | list[str] = (),
    ) -> SearchResult:
        found = tuple(m for m in frozen_logs(env_name) if _matches(m, query))
        return SearchResult(query, found[:limit], len(found))

    def count(self, env_name: str, query: str, window: timedelta) -> int:
        return sum(1 for m in frozen_logs(env_name) if m.level is not None and m.level <= 3)


class FakeCorrelation:
    """Links as links.py writes them, and the timeline of a bad api deploy; the world's clock."""

    def __init__(self, world: World) -> None:
        self.world = world

    def now(self) -> datetime:
        return self.world.now()

    def links(self, ref: ResourceRef, *, resolve: bool = True) -> Links:
        env = self.world.settings.environment(ref.environment)
        instances = [instance_of(ref.environment, SERVICES.index(ref.name))] if ref.name in SERVICES else []
        return Linker().links(ref, env, instances)

    def timeline(self, ref: ResourceRef, since: timedelta) -> Timeline:
        """A bad deploy of api, as the real timeline would merge it."""
        links = self.links(ref)
        entries = [
            TimelineEntry(
                NOW - timedelta(minutes=12), "ecs", "deployment", f"deployment of {ref.environment}-api:8"
            ),
            TimelineEntry(
                NOW - timedelta(minutes=8), "task", "task stopped", "task 4f1c2a9b: OutOfMemoryError"
            ),
        ]
        entries += [
            TimelineEntry(p.started, "zabbix", f"problem ({p.severity.label})", p.name, p.eventid)
            for p in frozen_problems(ref.environment)
            if links.problems.matches(p)
        ]
        entries += [
            TimelineEntry(m.timestamp, "graylog", m.level_name, m.message, m.id)
            for m in frozen_logs(ref.environment)
            if m.level is not None and m.level <= 3 and _matches(m, links.log_query)
        ]
        entries.sort(key=lambda e: e.at, reverse=True)
        return Timeline(str(ref), NOW - since, tuple(entries))


def _has_tags(problem: Problem, tags: dict[str, str] | None) -> bool:
    return all(problem.tag(k) == v for k, v in (tags or {}).items())


class FakeSignin:
    """The console sign-in as a browser that opens: records what it was asked to open, with which
    tier. No token exists here; the shown URL is the redacted one the real use case returns."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.opened: list[tuple[str, RoleTier]] = []
        self.browser = True

    def open(
        self, target: ResourceRef | str, tier: RoleTier = RoleTier.READ, reason: str | None = None
    ) -> Signin:
        from opsconsole.app.console_links import switch_role_link
        from opsconsole.aws.signin import redacted_login_url

        env = self.settings.environment(target if isinstance(target, str) else target.environment)
        label = target if isinstance(target, str) else target.label
        destination = f"https://{env.region}.console.aws.amazon.com/{label}"
        shown = redacted_login_url(self.settings.aws_signin_url, destination)
        if not self.browser:
            link = switch_role_link(env)
            return Signin(env.name, "read", destination, False, shown, why_not="no display", switch_role=link)
        self.opened.append((label, tier))
        return Signin(env.name, "OpsConsoleReadOnly (read)", destination, True, shown)
