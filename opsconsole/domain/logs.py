"""Log messages from Graylog, with the fields the estate's conventions put on them (DESIGN section 6)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol, TypedDict, runtime_checkable

SYSLOG_LEVELS = ("emerg", "alert", "crit", "error", "warning", "notice", "info", "debug")
"""GELF/syslog levels 0..7, the numbering Graylog stores in `level`."""


class SearchWindow(TypedDict, total=False):
    """Which messages a search reads and how many: the last `since` (5 min when not given), or
    `start` (included) to `end` (excluded, now when not given); `limit` (150) from `offset` (0);
    `fields` to return (all when empty). Declared once for every `search` that passes them on."""

    since: timedelta | None
    start: datetime | None
    end: datetime | None
    limit: int
    offset: int
    fields: tuple[str, ...] | list[str]


class SearchOptions(SearchWindow, total=False):
    """A search window on Graylog itself: only these `streams` (ids; all when empty), in `sort` order."""

    streams: Sequence[str]
    sort: str


@dataclass(frozen=True)
class LogMessage:
    id: str
    """Graylog's message id (`_id`), the key a tail dedupes by."""
    timestamp: datetime
    source: str
    message: str
    level: int | None = None
    fields: Mapping[str, object] = field(default_factory=dict)
    index: str | None = None

    @property
    def level_name(self) -> str:
        if self.level is None or not 0 <= self.level < len(SYSLOG_LEVELS):
            return "-"
        return SYSLOG_LEVELS[self.level]

    def field(self, name: str) -> str | None:
        value = self.fields.get(name)
        return None if value is None else str(value)

    @property
    def environment(self) -> str | None:
        return self.field("env")

    @property
    def service(self) -> str | None:
        return self.field("service")


@dataclass(frozen=True)
class Stream:
    id: str
    title: str
    description: str = ""
    disabled: bool = False
    index_set_id: str | None = None


@dataclass(frozen=True)
class SearchResult:
    query: str
    messages: tuple[LogMessage, ...]
    total: int
    took_ms: int | None = None
    start: datetime | None = None
    """The effective range the server searched (a relative range resolved on the server)."""
    end: datetime | None = None


@dataclass(frozen=True)
class NodeInfo:
    """What `GET /api/` says about the Graylog node: the version decides the client's workarounds."""

    version: str
    node_id: str = ""
    cluster_id: str = ""

    @property
    def version_tuple(self) -> tuple[int, ...]:
        """(6, 1, 4) for "6.1.4+b3a2c1d"; unreadable parts count as 0."""
        core = self.version.split("+", 1)[0].split("-", 1)[0]
        return tuple(int(p) if p.isdigit() else 0 for p in core.split("."))


@runtime_checkable
class PartialFollower(Protocol):
    """A tail over several environments (app.logs.MergedTail): the failing ones are named in
    `errors`, the others go on."""

    errors: dict[str, str]


@runtime_checkable
class CountsLate(Protocol):
    """A tail that counts the messages Graylog indexed behind its late window (never shown)."""

    @property
    def late(self) -> int: ...
