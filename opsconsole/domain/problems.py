"""Zabbix problems as an on-call engineer sees them: severity, hosts, tags, acknowledgement history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum
from typing import Any


class Severity(IntEnum):
    """Zabbix trigger severities, in Zabbix's own numbering (0..5)."""

    NOT_CLASSIFIED = 0
    INFORMATION = 1
    WARNING = 2
    AVERAGE = 3
    HIGH = 4
    DISASTER = 5

    @property
    def label(self) -> str:
        return self.name.replace("_", " ").lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        """A severity from its name ("high", "not-classified") or its number ("4")."""
        key = text.strip().lower().replace("-", "_").replace(" ", "_")
        if key.isdigit() and int(key) in cls._value2member_map_:
            return cls(int(key))
        for member in cls:
            if member.name.lower() == key:
                return member
        names = ", ".join(m.label for m in cls)
        raise ValueError(f"unknown severity {text!r}; use one of: {names}")


@dataclass(frozen=True)
class ProblemHost:
    hostid: str
    host: str
    name: str
    tags: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Acknowledgement:
    """One entry of a problem's history: who did what and when."""

    at: datetime
    user: str
    message: str
    acknowledged: bool = False
    unacknowledged: bool = False
    closed: bool = False
    old_severity: Severity | None = None
    new_severity: Severity | None = None

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "user": self.user,
            "message": self.message,
            "acknowledged": self.acknowledged,
            "unacknowledged": self.unacknowledged,
            "closed": self.closed,
            "old_severity": self.old_severity.label if self.old_severity is not None else None,
            "new_severity": self.new_severity.label if self.new_severity is not None else None,
        }


@dataclass(frozen=True)
class Problem:
    environment: str
    eventid: str
    triggerid: str
    name: str
    severity: Severity
    started: datetime
    acknowledged: bool
    suppressed: bool
    hosts: tuple[ProblemHost, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()
    history: tuple[Acknowledgement, ...] = ()
    manual_close: bool = False
    resolved: datetime | None = None

    def age(self, now: datetime) -> timedelta:
        return now - self.started

    def tag(self, name: str) -> str | None:
        """The value of the first tag called `name`, or None."""
        return next((value for tag, value in self.tags if tag == name), None)

    @property
    def host_names(self) -> str:
        return ", ".join(h.name for h in self.hosts)

    def to_json_dict(self) -> dict[str, Any]:
        """The one JSON shape of a problem, for `alerts list -o json` and a runbook's `problems`
        query. Tags stay a list as Zabbix gives them, so two values of one tag name are both kept."""
        return {
            "environment": self.environment,
            "eventid": self.eventid,
            "severity": self.severity.label,
            "started": self.started.isoformat(),
            "hosts": [h.name for h in self.hosts],
            "name": self.name,
            "acknowledged": self.acknowledged,
            "suppressed": self.suppressed,
            "manual_close": self.manual_close,
            "tags": [{"tag": name, "value": value} for name, value in self.tags],
            "history": [a.to_json_dict() for a in self.history],
        }


@dataclass(frozen=True)
class ProblemFilter:
    """What to list: an environment's host groups and/or tags, and the usual on-call filters."""

    host_groups: tuple[str, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()
    hostids: tuple[str, ...] = ()
    min_severity: Severity = Severity.NOT_CLASSIFIED
    unacknowledged_only: bool = False
    text: str | None = None
    include_suppressed: bool = True


@dataclass(frozen=True)
class MaintenanceWindow:
    maintenanceid: str
    name: str
    active_since: datetime
    active_till: datetime
    collect_data: bool
    hosts: tuple[str, ...] = ()
    host_groups: tuple[str, ...] = ()
    description: str = ""
