"""Transitional: the TUI's old facade, delegating every call to the application's use cases.

The CLI and runbooks hold a `Console` (opsconsole/app/console.py); the TUI moves onto it next and
this module goes away. Nothing here holds logic of its own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from opsconsole.app.audit import journal_path
from opsconsole.app.changes import Change
from opsconsole.app.console import Console
from opsconsole.app.stacks import Stacks
from opsconsole.aws.session import utc_now
from opsconsole.config import Settings
from opsconsole.domain.action_kinds import ActionKind
from opsconsole.domain.actions import ActionResult
from opsconsole.domain.audit import AuditRecord
from opsconsole.domain.environment import Environment, RoleTier
from opsconsole.domain.errors import OpsError
from opsconsole.domain.identity import CallerIdentity, Clock, MfaPrompt, RoleSession
from opsconsole.domain.logs import SearchResult, Stream
from opsconsole.domain.problems import MaintenanceWindow, Problem, ProblemFilter, ProblemHost, Severity
from opsconsole.domain.resources import ResourceRef
from opsconsole.domain.timeline import Timeline

if TYPE_CHECKING:
    from opsconsole.graylog.tail import LogTail
    from opsconsole.links import Links
    from opsconsole.runbooks.engine import RunbookEngine
    from opsconsole.runbooks.events import ApprovalRequest, RunEvent

__all__ = ["Services", "journal_path"]
T = TypeVar("T")


class Services:
    """The old facade over a Console."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.settings = console.settings

    @classmethod
    def build(
        cls, settings: Settings, *, mfa_prompt: MfaPrompt | None = None, clock: Clock = utc_now
    ) -> Services:
        return cls(Console.build(settings, mfa_prompt=mfa_prompt, clock=clock))

    def close(self) -> None:
        self.console.close()

    def now(self) -> datetime:
        return self.console.context.now()

    def environments(self) -> list[Environment]:
        return self.console.access.environments()

    def caller_identity(self) -> CallerIdentity:
        return self.console.access.caller_identity()

    @property
    def operator(self) -> str:
        return self.console.access.operator

    def session(self, env_name: str, tier: RoleTier, reason: str | None = None) -> RoleSession:
        return self.console.access.session(env_name, tier, reason)

    @property
    def stacks(self) -> Stacks:
        return self.console.stacks

    def ecs(self, env_name: str) -> _EcsView:
        self.settings.environment(env_name)
        return _EcsView(self.console, env_name)

    def rds(self, env_name: str) -> _RdsView:
        self.settings.environment(env_name)
        return _RdsView(self.console, env_name)

    def db_metrics(
        self, env_name: str, identifiers: list[str], span: timedelta
    ) -> dict[str, dict[str, list[float]]]:
        return self.console.fleet.db_metrics(env_name, identifiers, span)

    def service_metrics(
        self, env_name: str, cluster: str, names: list[str], span: timedelta
    ) -> dict[str, dict[str, list[float]]]:
        return self.console.fleet.service_metrics(env_name, cluster, names, span)

    def fan_out(self, env_names: list[str], read: Callable[[str], T]) -> list[tuple[str, T | OpsError]]:
        return self.console.context.fan_out(env_names, read)

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
        return self.console.operations.plan_ecs(
            env_name, kind, cluster, target, count=count, delta=delta, tier=tier
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
        return self.console.operations.plan_rds(env_name, kind, identifier, failover=failover, tier=tier)

    def execute(
        self,
        planned: Change,
        *,
        reason: str | None,
        dry_run: bool = False,
        on_sending: Callable[[], None] | None = None,
    ) -> ActionResult:
        return self.console.changes.execute(planned, reason=reason, dry_run=dry_run, on_sending=on_sending)

    def aws_read(
        self, env_name: str, service: str, operation: str, params: dict[str, Any], region: str | None = None
    ) -> dict[str, Any]:
        return self.console.fleet.aws_read(env_name, service, operation, params, region)

    def problems(self, env_name: str, flt: ProblemFilter | None = None) -> list[Problem]:
        return self.console.alerts.problems(env_name, flt)

    def zabbix_hosts(self, env_name: str, tags: dict[str, str] | None = None) -> list[ProblemHost]:
        return self.console.alerts.hosts(env_name, tags)

    def maintenances(self, env_name: str) -> list[MaintenanceWindow]:
        return self.console.alerts.maintenances(env_name)

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
    ) -> ActionResult:
        planned = self.console.alerts.plan_problem_action(
            env_name,
            eventids,
            acknowledge=acknowledge,
            message=message,
            close=close,
            severity=severity,
            unacknowledge=unacknowledge,
        )
        return self.console.changes.execute(planned, reason=reason, dry_run=dry_run)

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
    ) -> ActionResult:
        planned = self.console.alerts.plan_maintenance(
            env_name,
            name,
            hostids=hostids,
            host_groups=host_groups,
            duration=duration,
            collect_data=collect_data,
            description=description,
        )
        return self.console.changes.execute(planned, reason=reason, dry_run=dry_run)

    def delete_maintenance(
        self, env_name: str, maintenanceid: str, *, dry_run: bool = False, reason: str | None = None
    ) -> ActionResult:
        planned = self.console.alerts.plan_end_maintenance(env_name, maintenanceid)
        return self.console.changes.execute(planned, reason=reason, dry_run=dry_run)

    def log_streams(self, env_name: str) -> list[Stream]:
        return self.console.logs.streams(env_name)

    def search_logs(self, env_name: str, query: str = "*", **kwargs: Any) -> SearchResult:
        return self.console.logs.search(env_name, query, **kwargs)

    def log_tail(self, env_name: str, query: str = "*", *, backlog: timedelta = timedelta(0)) -> LogTail:
        return self.console.logs.tail(env_name, query, backlog=backlog)

    def log_count(self, env_name: str, query: str, window: timedelta) -> int:
        return self.console.logs.count(env_name, query, window)

    def record(
        self,
        action: str,
        *,
        session: RoleSession | None = None,
        reason: str | None = None,
        outcome: str = "ok",
        details: dict[str, object] | None = None,
    ) -> AuditRecord:
        from opsconsole.app.audit import AuditScope

        scope = AuditScope.of_session(session) if session else AuditScope()
        return self.console.audit.event(
            action, scope, reason=reason, details=dict(details or {}), outcome=outcome
        )

    def audit_records(self, since: datetime | None = None) -> Iterator[AuditRecord]:
        return self.console.audit.records(since)

    def runbook_engine(
        self,
        *,
        on_event: Callable[[RunEvent], None],
        approver: Callable[[ApprovalRequest], None],
        stop: threading.Event,
    ) -> RunbookEngine:
        from opsconsole.app.runbooks import Runbooks

        return Runbooks(self.console).engine(on_event=on_event, approver=approver, stop=stop)

    def timeline(self, ref: ResourceRef, since: timedelta) -> Timeline:
        return self.console.correlation.timeline(ref, since)

    def resource_links(self, ref: ResourceRef, *, resolve: bool = True) -> Links:
        return self.console.correlation.links(ref, resolve=resolve)


class _EcsView:
    """The old per-environment ECS reader, over Fleet."""

    def __init__(self, console: Console, env_name: str) -> None:
        self._fleet = console.fleet
        self._env = env_name

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._fleet, name)
        return lambda *args, **kwargs: method(self._env, *args, **kwargs)


class _RdsView:
    """The old per-environment RDS reader, over Fleet."""

    _NAMES = {
        "instances": "databases",
        "instance": "database",
        "clusters": "db_clusters",
        "events": "db_events",
    }

    def __init__(self, console: Console, env_name: str) -> None:
        self._fleet = console.fleet
        self._env = env_name

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._fleet, self._NAMES.get(name, name))
        return lambda *args, **kwargs: method(self._env, *args, **kwargs)
