"""Building a resource's incident timeline from every backend, each read on its own and merged by time.

One backend failing leaves its entries out and names it in `unavailable`; the timeline still shows
the others, because at 3 a.m. half a story beats an error.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from opsconsole.domain.errors import OpsError
from opsconsole.domain.logs import LogMessage
from opsconsole.domain.resources import ResourceKind, ResourceRef
from opsconsole.domain.timeline import Timeline, TimelineEntry
from opsconsole.links import cluster_of

if TYPE_CHECKING:
    from opsconsole.app.alerts import Alerts
    from opsconsole.app.audit import AuditTrail
    from opsconsole.app.fleet import Fleet
    from opsconsole.app.logs import Logs
    from opsconsole.app.stacks import Stacks
    from opsconsole.links import Links

GRAYLOG_ERRORS = "(level:0 OR level:1 OR level:2 OR level:3)"
"""Syslog levels 0-3 (emerg..error), the ones a timeline wants."""
GRAYLOG_LIMIT = 200
TASK_EVENT = re.compile(r"has (started|stopped) \d+ (running )?tasks")


class TimelineSources(Protocol):
    """The use cases a timeline reads (Correlation has them)."""

    fleet: Fleet
    alerts: Alerts
    logs: Logs

    @property
    def stacks(self) -> Stacks: ...

    @property
    def audit(self) -> AuditTrail: ...

    def now(self) -> datetime: ...

    def links(self, ref: ResourceRef, *, resolve: bool = True) -> Links: ...


def build_timeline(sources: TimelineSources, ref: ResourceRef, since: timedelta) -> Timeline:
    now = sources.now()
    start = now - since
    links = sources.links(ref)
    readers: dict[str, Callable[[], Iterable[TimelineEntry]]] = {
        "ecs": lambda: ecs_entries(sources, ref, start),
        "stack": lambda: stack_entries(sources, ref, links.stack, start),
        "zabbix": lambda: zabbix_entries(sources, ref, links.problems.matches, start),
        "audit": lambda: audit_entries(sources, ref, start),
        "graylog": lambda: graylog_entries(sources, ref, links.log_query, since),
    }
    entries: list[TimelineEntry] = []
    unavailable: list[str] = []
    for name, read in readers.items():
        try:
            entries += [e for e in read() if e.at >= start]
        except OpsError as e:
            unavailable.append(f"{name}: {e.message}")
    entries.sort(key=lambda e: e.at, reverse=True)
    return Timeline(str(ref), start, tuple(entries), tuple(unavailable))


def ecs_entries(sources: TimelineSources, ref: ResourceRef, start: datetime) -> list[TimelineEntry]:
    if ref.kind is not ResourceKind.SERVICE:
        return []
    fleet = sources.fleet
    cluster = cluster_of(ref)
    service = fleet.service(ref.environment, cluster, ref.name)
    entries = [
        TimelineEntry(
            d.created_at,
            "ecs",
            "deployment",
            f"deployment of {_revision(d.task_definition)} ({d.status.lower()})",
        )
        for d in service.deployments
        if d.created_at is not None
    ]
    # Task starts and stops have entries of their own (with why they stopped): the events that say
    # so again are left out.
    entries += [
        TimelineEntry(e.at, "ecs", "event", e.message)
        for e in service.events
        if not TASK_EVENT.search(e.message)
    ]
    for task in fleet.tasks(ref.environment, cluster, ref.name, stopped=True):
        if task.stopped_at is not None:
            why = task.stopped_reason or task.stop_code or "stopped"
            entries.append(
                TimelineEntry(task.stopped_at, "task", "task stopped", f"task {task.id[:12]}: {why}", task.id)
            )
    return entries


def stack_entries(
    sources: TimelineSources, ref: ResourceRef, stack: str | None, start: datetime
) -> list[TimelineEntry]:
    if stack is None:
        return []
    return [
        TimelineEntry(
            e.timestamp,
            "stack",
            e.status.lower().replace("_", " "),
            f"{e.logical_id} {e.status}" + (f": {e.reason}" if e.reason else ""),
            stack,
        )
        for e in sources.stacks.events(ref.environment, stack, start)
    ]


def zabbix_entries(
    sources: TimelineSources, ref: ResourceRef, matches: Callable[..., bool], start: datetime
) -> list[TimelineEntry]:
    entries: list[TimelineEntry] = []
    for problem in sources.alerts.problems(ref.environment):
        if not matches(problem):
            continue
        entries.append(
            TimelineEntry(
                problem.started,
                "zabbix",
                f"problem ({problem.severity.label})",
                problem.name
                if problem.host_names in problem.name
                else f"{problem.name} on {problem.host_names}",
                problem.eventid,
            )
        )
        for ack in problem.history:
            did = "acknowledged" if ack.acknowledged else "closed" if ack.closed else "updated"
            note = f": {ack.message}" if ack.message else ""
            entries.append(
                TimelineEntry(
                    ack.at, "zabbix", did, f"{ack.user} {did} {problem.name}{note}", problem.eventid
                )
            )
    return entries


def audit_entries(sources: TimelineSources, ref: ResourceRef, start: datetime) -> list[TimelineEntry]:
    entries = []
    for entry in sources.audit.entries(since=start):
        record = entry.record
        if record.environment != ref.environment:
            continue
        target = str(record.details.get("target", ""))
        if ref.name not in target and ref.name not in record.action:
            continue
        entries.append(
            TimelineEntry(
                record.at,
                "audit",
                record.action,
                f"{record.actor}: {record.action} {target} ({entry.outcome})",
            )
        )
    return entries


def graylog_entries(
    sources: TimelineSources, ref: ResourceRef, query: str, since: timedelta
) -> list[TimelineEntry]:
    """Errors in Graylog, grouped per minute: the 5xx responses together, other errors by their text,
    so a spike is one entry with its count, not hundreds of lines."""
    result = sources.logs.search(
        ref.environment, f"({query}) AND {GRAYLOG_ERRORS}", since=since, limit=GRAYLOG_LIMIT
    )
    groups: dict[tuple[datetime, str], list[LogMessage]] = {}
    for message in sorted(result.messages, key=lambda m: m.timestamp):
        minute = message.timestamp.replace(second=0, microsecond=0)
        groups.setdefault((minute, _category(message)), []).append(message)
    entries = []
    for (_, category), group in groups.items():
        first = group[0]
        if category == "5xx":
            text = f"{len(group)} 5xx responses, first: {_first_line(first)}"
        else:
            text = category if len(group) == 1 else f"{category} (×{len(group)})"
        entries.append(
            TimelineEntry(
                first.timestamp, "graylog", f"{_kind(category, first)} ×{len(group)}", text, first.id
            )
        )
    return entries


def _kind(category: str, first: LogMessage) -> str:
    return "5xx" if category == "5xx" else first.level_name


def _category(message: LogMessage) -> str:
    status = message.field("status")
    if status is not None and status.isdigit() and int(status) >= 500:
        return "5xx"
    return _first_line(message)


def _first_line(message: LogMessage) -> str:
    return message.message.splitlines()[0] if message.message else ""


def _revision(task_definition: str) -> str:
    return task_definition.rsplit("/", 1)[-1]
