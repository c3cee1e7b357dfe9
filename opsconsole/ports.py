"""The TUI's port: what the screens and panes call on the application, as small protocols.

`OpsConsoleApp(console)` takes anything with these attributes; the real `Console`
(opsconsole/app/console.py) has them, and tests hand in fakes of the use cases. Each protocol
names exactly what the TUI calls. There is no `operations` here: every ECS and RDS change the TUI
makes is planned through the registry, `plan(kind, env, params)`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias, TypeVar, Unpack

from opsconsole.config import Settings
from opsconsole.domain.action_kinds import ActionKind
from opsconsole.domain.actions import ActionResult
from opsconsole.domain.ecs import Cluster, EcsService, TargetHealth, Task
from opsconsole.domain.environment import RoleTier
from opsconsole.domain.errors import OpsError
from opsconsole.domain.identity import CallerIdentity, RoleSession
from opsconsole.domain.logs import SearchResult, SearchWindow
from opsconsole.domain.problems import MaintenanceWindow, Problem, ProblemFilter, ProblemHost
from opsconsole.domain.rds import DbEvent, DbInstance, PendingMaintenance
from opsconsole.domain.resources import ResourceRef
from opsconsole.domain.stacks import DeployedStack, DeployHooks, EnvironmentPlan, StackOutcome, StackSpec
from opsconsole.domain.timeline import Timeline

T = TypeVar("T")

if TYPE_CHECKING:
    from opsconsole.app.changes import Change
    from opsconsole.app.console_signin import Signin
    from opsconsole.app.logs import Follower, MergedTail
    from opsconsole.aws.sso import DeviceCode
    from opsconsole.domain.team import TeamView
    from opsconsole.links import Links
    from opsconsole.runbooks.engine import RunbookEngine
    from opsconsole.runbooks.events import ApprovalRequest, RunEvent
    from opsconsole.runbooks.library import RunbookLibrary

    # The runbook screen drives the engine itself: no test fakes it (runs need the demo world), so
    # its type is the engine's own rather than a protocol restating `start` and `resume`.
    RunbookRunner: TypeAlias = RunbookEngine
    # A live tail, as the log pane polls it: the application's own protocol, declared once.
    LogFollower: TypeAlias = Follower

Series = dict[str, dict[str, list[float]]]


class AccessPort(Protocol):
    """Who is signed in, and the environment's role sessions."""

    def caller_identity(self) -> CallerIdentity: ...

    def session(self, env_name: str, tier: RoleTier, reason: str | None = None) -> RoleSession: ...

    def renew(self, env_name: str, tier: RoleTier) -> RoleSession: ...

    def sso_login(self, profile: str | None, show: Callable[[DeviceCode], None]) -> datetime: ...


class FleetPort(Protocol):
    """ECS and RDS reads of one environment, with their CloudWatch series."""

    def clusters(self, env_name: str) -> list[Cluster]: ...

    def cluster_names(self, env_name: str) -> list[str]: ...

    def service_names(self, env_name: str, cluster: str) -> list[str]: ...

    def services(self, env_name: str, cluster: str, names: list[str] | None = None) -> list[EcsService]: ...

    def tasks(
        self, env_name: str, cluster: str, service: str | None = None, *, stopped: bool = False
    ) -> list[Task]: ...

    def service(self, env_name: str, cluster: str, name: str) -> EcsService: ...

    def ec2_instance_ids(self, env_name: str, cluster: str) -> dict[str, str]: ...

    def target_health(self, env_name: str, service: EcsService) -> list[TargetHealth]: ...

    def databases(self, env_name: str) -> list[DbInstance]: ...

    def db_events(self, env_name: str, identifier: str | None, since: datetime) -> list[DbEvent]: ...

    def pending_maintenance(self, env_name: str, identifier: str) -> PendingMaintenance: ...

    def db_metrics(self, env_name: str, identifiers: list[str], span: timedelta) -> Series: ...

    def service_metrics(self, env_name: str, cluster: str, names: list[str], span: timedelta) -> Series: ...


class AlertsPort(Protocol):
    """Zabbix reads; problem and maintenance changes are planned through `plan`."""

    def problems(self, env_name: str, flt: ProblemFilter | None = None) -> list[Problem]: ...

    def hosts(self, env_name: str, tags: dict[str, str] | None = None) -> list[ProblemHost]: ...

    def maintenances(self, env_name: str) -> list[MaintenanceWindow]: ...


class LogsPort(Protocol):
    """Graylog of an environment: live tails and searches."""

    def tail(self, env_name: str, query: str = "*", *, backlog: timedelta = ...) -> LogFollower: ...

    def merged_tail(
        self, env_names: list[str], query: str = "*", *, backlog: timedelta = ...
    ) -> MergedTail: ...

    def search(self, env_name: str, query: str = "*", **window: Unpack[SearchWindow]) -> SearchResult: ...


class StackReviewPort(Protocol):
    """A reviewed stacks plan that owns its change sets (opsconsole.app.stack_review.StackReview)."""

    plan: EnvironmentPlan

    def execute(self, **hooks: Unpack[DeployHooks]) -> list[StackOutcome]: ...

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


class ChangesPort(Protocol):
    """The one place a planned change is sent (and audited as intent, then outcome); the TUI sends
    for real (dry runs are the CLI's and runbooks')."""

    def execute(self, planned: Change, *, reason: str | None) -> ActionResult: ...


class CorrelationPort(Protocol):
    """Links and timelines; its clock is the console's."""

    def now(self) -> datetime: ...

    def links(self, ref: ResourceRef, *, resolve: bool = True) -> Links: ...

    def timeline(self, ref: ResourceRef, since: timedelta) -> Timeline: ...


class RunbooksPort(Protocol):
    """The shipped runbooks and an engine to run them; both read files (thread workers only)."""

    @property
    def library(self) -> RunbookLibrary: ...

    def engine(
        self,
        *,
        on_event: Callable[[RunEvent], None],
        approver: Callable[[ApprovalRequest], None],
        stop: threading.Event,
    ) -> RunbookRunner: ...


class TeamPort(Protocol):
    """The team store (`[team] table`): what the TUI reads of it."""

    def view(self) -> TeamView: ...


class SigninPort(Protocol):
    def open(self, target: ResourceRef | str, tier: RoleTier = ..., reason: str | None = None) -> Signin: ...


class ConsolePort(Protocol):
    """The application as the TUI holds it: its use cases and the registry of action kinds."""

    @property
    def settings(self) -> Settings: ...

    @property
    def access(self) -> AccessPort: ...

    @property
    def fleet(self) -> FleetPort: ...

    @property
    def alerts(self) -> AlertsPort: ...

    @property
    def logs(self) -> LogsPort: ...

    @property
    def stacks(self) -> StacksPort: ...

    @property
    def changes(self) -> ChangesPort: ...

    @property
    def correlation(self) -> CorrelationPort: ...

    @property
    def team(self) -> TeamPort | None: ...

    @property
    def signin(self) -> SigninPort: ...

    def fan_out(self, env_names: list[str], read: Callable[[str], T]) -> list[tuple[str, T | OpsError]]: ...

    def fan_out_stream(
        self, env_names: list[str], read: Callable[[str], T], *, lead: int = 0
    ) -> Iterator[tuple[str, T | OpsError]]: ...

    def plan(
        self, kind: ActionKind, env_name: str, params: Mapping[str, Any], tier: RoleTier | None = None
    ) -> Change: ...
