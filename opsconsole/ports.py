"""What the user interfaces and runbooks need from the services, as protocols: the TUI, the planner and
the runbook engine type against these, so tests can hand in fakes and the real Services satisfies them."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from opsconsole.config import Settings
from opsconsole.domain.action_kinds import ActionKind
from opsconsole.domain.actions import ActionResult
from opsconsole.domain.ecs import Cluster, EcsService, Task
from opsconsole.domain.environment import RoleTier
from opsconsole.domain.identity import CallerIdentity, RoleSession
from opsconsole.domain.logs import LogMessage, SearchResult, Stream
from opsconsole.domain.problems import MaintenanceWindow, Problem, ProblemFilter, ProblemHost, Severity
from opsconsole.domain.rds import DbInstance
from opsconsole.domain.resources import ResourceRef
from opsconsole.domain.stacks import DeployedStack, EnvironmentPlan, StackEvent, StackOutcome, StackSpec
from opsconsole.domain.timeline import Timeline

if TYPE_CHECKING:
    from opsconsole.app.changes import Change
    from opsconsole.links import Links
    from opsconsole.runbooks.engine import RunbookEngine
    from opsconsole.runbooks.events import ApprovalRequest, RunEvent


class CoreServices(Protocol):
    """Sessions, ECS, RDS, stacks and sending planned calls: what every caller of the services uses."""

    settings: Settings

    def session(self, env_name: str, tier: RoleTier, reason: str | None = None) -> RoleSession: ...

    def now(self) -> datetime: ...

    @property
    def stacks(self) -> StacksPort: ...

    def ecs(self, env_name: str) -> EcsReads: ...

    def rds(self, env_name: str) -> RdsReads: ...

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
    ) -> Change: ...

    def plan_rds(
        self,
        env_name: str,
        kind: ActionKind,
        identifier: str,
        *,
        failover: bool = False,
        tier: RoleTier | None = None,
    ) -> Change: ...

    def execute(
        self,
        planned: Change,
        *,
        reason: str | None,
        dry_run: bool = False,
        on_sending: Callable[[], None] | None = None,
    ) -> ActionResult: ...


class MonitoringServices(Protocol):
    """Zabbix problems and their changes, and Graylog counts: what panes and runbooks both use."""

    def problems(self, env_name: str, flt: ProblemFilter | None = None) -> list[Problem]: ...

    def problem_action(
        self,
        env_name: str,
        eventids: list[str],
        *,
        acknowledge: bool = False,
        message: str | None = None,
        close: bool = False,
        severity: Severity | None = None,
        unacknowledge: bool = False,
        dry_run: bool = False,
        reason: str | None = None,
    ) -> ActionResult: ...

    def create_maintenance(
        self,
        env_name: str,
        name: str,
        *,
        hostids: tuple[str, ...] | list[str] = (),
        host_groups: tuple[str, ...] | list[str] = (),
        duration: timedelta,
        collect_data: bool = True,
        description: str = "",
        dry_run: bool = False,
        reason: str | None = None,
    ) -> ActionResult: ...

    def log_count(self, env_name: str, query: str, window: timedelta) -> int: ...


class ConsoleServices(CoreServices, MonitoringServices, Protocol):
    """What the TUI needs from the services; tests hand in the real thing or a fake."""

    def caller_identity(self) -> CallerIdentity: ...

    def db_metrics(
        self, env_name: str, identifiers: list[str], span: timedelta
    ) -> dict[str, dict[str, list[float]]]: ...

    def service_metrics(
        self, env_name: str, cluster: str, names: list[str], span: timedelta
    ) -> dict[str, dict[str, list[float]]]: ...

    def zabbix_hosts(self, env_name: str, tags: dict[str, str] | None = None) -> list[ProblemHost]: ...

    def maintenances(self, env_name: str) -> list[MaintenanceWindow]: ...

    def log_streams(self, env_name: str) -> list[Stream]: ...

    def log_tail(self, env_name: str, query: str = "*", *, backlog: timedelta = ...) -> LogFollower: ...

    def search_logs(
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
    ) -> SearchResult: ...

    def resource_links(self, ref: ResourceRef, *, resolve: bool = True) -> Links: ...

    def timeline(self, ref: ResourceRef, since: timedelta) -> Timeline: ...

    def runbook_engine(
        self,
        *,
        on_event: Callable[[RunEvent], None],
        approver: Callable[[ApprovalRequest], None],
        stop: threading.Event,
    ) -> RunbookEngine: ...


class LogFollower(Protocol):
    """A live tail as the log pane drives it: one poll per round, at the interval it suggests."""

    @property
    def interval(self) -> float: ...

    def poll(self) -> list[LogMessage]: ...


class EcsReads(Protocol):
    def clusters(self) -> list[Cluster]: ...

    def service_names(self, cluster: str) -> list[str]: ...

    def services(self, cluster: str, names: list[str] | None = None) -> list[EcsService]: ...

    def service(self, cluster: str, name: str) -> EcsService: ...

    def tasks(self, cluster: str, service: str | None = None, *, stopped: bool = False) -> list[Task]: ...

    def previous_revision(self, service: EcsService) -> int: ...


class RdsReads(Protocol):
    def instances(self) -> list[DbInstance]: ...

    def instance(self, identifier: str) -> DbInstance: ...


class StackReviewPort(Protocol):
    """A reviewed stacks plan that owns its change sets (opsconsole.app.stack_review.StackReview)."""

    plan: EnvironmentPlan

    def execute(
        self,
        *,
        on_events: Callable[[str, list[StackEvent]], None] | None = None,
        on_outcome: Callable[[StackOutcome], None] | None = None,
        stop: threading.Event | None = None,
    ) -> list[StackOutcome]: ...

    def close(self) -> list[str]: ...


class StacksPort(Protocol):
    """The stacks use case as the TUI and runbook steps drive it (opsconsole.app.stacks.Stacks)."""

    def status(
        self, env_name: str, keys: tuple[str, ...] | list[str] = (), *, lint: bool = False
    ) -> list[tuple[StackSpec, DeployedStack | None]]: ...

    def plan(
        self,
        env_name: str,
        keys: tuple[str, ...] | list[str] = (),
        *,
        reason: str | None = None,
        lint: bool = True,
        stop: threading.Event | None = None,
    ) -> StackReviewPort: ...
