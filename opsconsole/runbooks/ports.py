"""What the runbook engine needs from the console's services: `Services` satisfies it, tests hand in fakes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from opsconsole.domain.actions import ActionResult
from opsconsole.domain.identity import RoleSession
from opsconsole.ports import CoreServices, MonitoringServices

if TYPE_CHECKING:
    from opsconsole.domain.audit import AuditRecord


class RunbookServices(CoreServices, MonitoringServices, Protocol):
    """Only what the engine calls, so a fake needs no more (the TUI's ConsoleServices grows apart)."""

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

    def delete_maintenance(
        self, env_name: str, maintenanceid: str, *, dry_run: bool = False, reason: str | None = None
    ) -> ActionResult: ...
