"""Audit records: an intent before each change and its outcome after it, linked by one id; single
records for events that change nothing in a backend (an elevation)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any


class Outcome:
    """What an outcome record says happened; an intent is `pending` until its outcome is written."""

    PENDING = "pending"
    OK = "ok"
    FAILED = "failed"
    INTERRUPTED = "interrupted"
    UNKNOWN = "outcome unknown"


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
    id: str = ""
    """Unique per record; an outcome names its intent's id in `intent_id`."""
    phase: str = "event"
    """`intent` (written before the call), `outcome` (after it) or `event` (a single record)."""
    intent_id: str | None = None
    error: str | None = None

    @property
    def target(self) -> str | None:
        """What the change acted on: the planned target (service, instance, problems), else the
        stack a deploy or delete names; None for records about no one thing (an elevation)."""
        value = self.details.get("target") or self.details.get("stack")
        return str(value) if value else None

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


@dataclass(frozen=True)
class AuditEntry:
    """One change as `audit list` shows it: its intent with the outcome that followed (or none)."""

    record: AuditRecord
    outcome: str
    error: str | None = None
    finished_at: datetime | None = None


def pair_records(records: list[AuditRecord]) -> list[AuditEntry]:
    """Intents joined with their outcomes (and the outcome's details), in the order the intents were
    written; an intent with no outcome (the process died between the two) reads "outcome unknown"."""
    outcomes = {r.intent_id: r for r in records if r.phase == "outcome" and r.intent_id}
    entries = []
    for record in records:
        if record.phase == "outcome":
            continue
        if record.phase != "intent":
            entries.append(AuditEntry(record, record.outcome, record.error))
            continue
        done = outcomes.get(record.id)
        if done is None:
            entries.append(AuditEntry(record, Outcome.UNKNOWN))
        else:
            # The intent's details and what the change found out (what it deleted, what it ended as).
            shown = replace(record, details={**record.details, **done.details}) if done.details else record
            entries.append(AuditEntry(shown, done.outcome, done.error, done.at))
    return entries
