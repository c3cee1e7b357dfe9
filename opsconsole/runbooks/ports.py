"""What the runbook engine needs from the console's services: `Services` satisfies it, tests hand in fakes."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any, Protocol

from opsconsole.domain.actions import ActionResult
from opsconsole.domain.identity import RoleSession
from opsconsole.domain.problems import Problem, ProblemFilter, Severity
from opsconsole.services import ConsoleServices

if TYPE_CHECKING:
    from opsconsole.domain.audit import AuditRecord


class RunbookServices(ConsoleServices, Protocol):
    """The TUI's services, plus the operator's name, the audit trail, AWS reads, Zabbix and Graylog."""

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

    # Zabbix and Graylog (landing from their own branches with these signatures).

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
