"""An incident timeline: what happened around one resource, from every system, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    source: str
    """stack, ecs, task, zabbix, audit or graylog: the pane an entry jumps to."""
    kind: str
    text: str
    key: str | None = None
    """What to select in that pane: a problem's event id, a task id, a stack name."""

    def to_json_dict(self) -> dict[str, str | None]:
        return {
            "at": self.at.isoformat(),
            "source": self.source,
            "kind": self.kind,
            "text": self.text,
            "key": self.key,
        }


@dataclass(frozen=True)
class Timeline:
    ref: str
    since: datetime
    entries: tuple[TimelineEntry, ...]
    unavailable: tuple[str, ...] = ()
    """Sources that could not be read, with why: the rest of the timeline still stands."""
