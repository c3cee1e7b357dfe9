"""What the ECS pane shows: its levels (clusters, services, tasks) and their rows, read from the fleet.

`read_rows` runs in the pane's worker; the cell formatters colour what on-call looks for first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from rich.text import Text

from opsconsole.tui.format import age

if TYPE_CHECKING:
    from opsconsole.ports import FleetPort

COLUMNS: dict[str, tuple[str, ...]] = {
    "clusters": ("cluster", "services", "running", "pending", "instances", "status"),
    "services": (
        "service",
        "desired",
        "running",
        "pending",
        "cpu",
        "mem",
        "rollout",
        "revision",
        "type",
        "last event",
    ),
    "tasks": ("task", "status", "health", "instance", "started", "stopped because"),
}


@dataclass(frozen=True)
class Level:
    kind: str
    cluster: str | None = None
    service: str | None = None

    @property
    def title(self) -> str:
        if self.kind == "clusters":
            return "clusters"
        if self.kind == "services":
            return f"{self.cluster} › services"
        return f"{self.cluster} › {self.service} › tasks"


ALL_ROWS_UP_TO = 100


def read_rows(
    fleet: FleetPort,
    env_name: str,
    level: Level,
    now: datetime,
    visible: tuple[str, ...] = (),
    previous: dict[str, tuple[Any, ...]] | None = None,
) -> dict[str, tuple[Any, ...]]:
    """The rows of a level, keyed by cluster name, service name or task ARN.

    A small cluster is read whole on every refresh. In a big one (thousands of services), a
    refresh describes the rows on screen and the new ones, and keeps the rest as last read: the
    UI thread must not starve behind a worker parsing thousands of descriptions.
    """
    if level.kind == "clusters":
        return {
            c.name: (c.name, c.services, c.running_tasks, c.pending_tasks, c.container_instances, c.status)
            for c in fleet.clusters(env_name)
        }
    if level.kind == "services":
        assert level.cluster is not None
        previous = previous or {}
        all_names = fleet.service_names(env_name, level.cluster)
        big = len(all_names) > ALL_ROWS_UP_TO and previous
        wanted = [n for n in all_names if n in set(visible) or n not in previous] if big else None
        found = fleet.services(env_name, level.cluster, wanted)
        names = [s.name for s in found]
        if len(names) > ALL_ROWS_UP_TO:
            names = [n for n in names if n in set(visible)] or names[:ALL_ROWS_UP_TO]
        metrics = fleet.service_metrics(env_name, level.cluster, names, timedelta(minutes=30))
        fresh = {
            s.name: (
                s.name,
                s.desired,
                _running(s.running, s.desired),
                s.pending,
                _percent(metrics.get(s.name, {}).get("CPUUtilization", [])),
                _percent(metrics.get(s.name, {}).get("MemoryUtilization", [])),
                s.rollout,
                f":{s.revision}" if s.revision else "—",
                s.scheduling,
                s.events[0].message.replace(f"(service {s.name}) ", "")[:60] if s.events else "—",
            )
            for s in found
        }
        return {n: fresh.get(n) or previous[n] for n in all_names if n in fresh or n in previous}
    assert level.cluster is not None
    return {
        t.arn: (
            t.id[:12],
            _status(t.last_status),
            t.health or "—",
            (t.container_instance or "").rsplit("/", 1)[-1][:12] or "—",
            age(t.started_at, now),
            _reason(t.stopped_reason),
        )
        for t in fleet.tasks(env_name, level.cluster, level.service, stopped=True)[:200]
    }


def _percent(values: list[float]) -> Text:
    if not values:
        return Text("—", style="dim")
    latest = values[-1]
    return Text(f"{latest:.0f}%", style="bold red" if latest >= 85 else "yellow" if latest >= 70 else "")


def _running(running: int, desired: int) -> Text:
    return Text(str(running), style="bold red" if running < desired else "")


def _status(status: str) -> Text:
    return Text(status, style={"RUNNING": "green", "STOPPED": "dim", "PENDING": "yellow"}.get(status, ""))


def _reason(reason: str | None) -> Text:
    if not reason:
        return Text("—", style="dim")
    return Text(reason[:70], style="bold red" if "OutOfMemory" in reason else "")


def sort_key(value: Any) -> Any:
    text = value.plain if isinstance(value, Text) else str(value)
    return (0, int(text)) if text.lstrip("-").isdigit() else (1, text)
