"""What the runbook engine needs from the console's services: `Services` satisfies it, tests hand in fakes."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from opsconsole.domain.actions import ActionResult, PlannedCall
from opsconsole.domain.environment import RoleTier
from opsconsole.domain.identity import RoleSession
from opsconsole.domain.problems import Problem, ProblemFilter, Severity

if TYPE_CHECKING:
    from opsconsole.config import Settings
    from opsconsole.domain.audit import AuditRecord
    from opsconsole.ports import EcsReads, RdsReads, StackEngine


class RunbookServices(Protocol):
    """Only what the engine calls, so a fake needs no more (the TUI's ConsoleServices grows apart)."""

    settings: Settings

    def now(self) -> datetime: ...

    def session(self, env_name: str, tier: RoleTier, reason: str | None = None) -> RoleSession: ...

    def ecs(self, env_name: str) -> EcsReads: ...

    def rds(self, env_name: str) -> RdsReads: ...

    def run_action(
        self,
        env_name: str,
        action: str,
        target: str,
        calls: list[PlannedCall],
        *,
        dry_run: bool,
        reason: str | None,
        tier: RoleTier = RoleTier.OPERATE,
    ) -> ActionResult: ...

    def deploy_engine(
        self,
        env_name: str,
        tier: RoleTier = RoleTier.DEPLOY,
        *,
        reason: str | None = None,
        lint: bool = True,
        select: tuple[str, ...] | list[str] = (),
    ) -> StackEngine: ...

    @property
    def operator(self) -> str:
        """Who is signed in: the run's starter and the actor of its audit records."""
        ...

    def record(
        self,
        action: str,
        *,
        session: RoleSession | None = None,
        reason: str | None = None,
        outcome: str = "ok",
        details: dict[str, object] | None = None,
    ) -> AuditRecord: ...

    def aws_read(
        self, env_name: str, service: str, operation: str, params: dict[str, Any], region: str | None = None
    ) -> dict[str, Any]: ...

    # Zabbix and Graylog.

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

    def delete_maintenance(
        self, env_name: str, maintenanceid: str, *, dry_run: bool = False, reason: str | None = None
    ) -> ActionResult: ...

    def log_count(self, env_name: str, query: str, window: timedelta) -> int: ...
