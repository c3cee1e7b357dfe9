"""Actions as data: the calls an action would make, so a dry run can show them and send nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class PlannedCall:
    service: str
    operation: str
    params: dict[str, Any]

    def describe(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{self.service}.{self.operation}({args})"


@dataclass(frozen=True)
class ActionResult:
    action: str
    environment: str
    target: str
    dry_run: bool
    calls: tuple[PlannedCall, ...]
    details: dict[str, Any] = field(default_factory=dict)

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "environment": self.environment,
            "target": self.target,
            "dry_run": self.dry_run,
            "calls": [
                {"service": c.service, "operation": c.operation, "params": c.params} for c in self.calls
            ],
            "details": self.details,
        }
