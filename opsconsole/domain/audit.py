"""Audit records: one per elevation or change the console makes."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class AuditRecord:
    """Who did what, where and why. Never holds a secret."""

    at: datetime
    actor: str
    action: str
    environment: str | None = None
    account: str | None = None
    role_arn: str | None = None
    tier: str | None = None
    reason: str | None = None
    outcome: str = "ok"
    details: dict[str, Any] = field(default_factory=dict)

    def to_json_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["at"] = self.at.isoformat()
        return data

    @classmethod
    def from_json_dict(cls, data: dict[str, Any]) -> AuditRecord:
        values = dict(data)
        values["at"] = datetime.fromisoformat(values["at"])
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in values.items() if k in known})
