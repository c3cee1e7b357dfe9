"""What the ECS pane shows: its levels (clusters, services, tasks) and their rows, read from the fleet.

`read_stages` runs in the pane's worker; the cell formatters colour what on-call looks for first.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from rich.text import Text

from opsconsole.domain.durations import age
from opsconsole.tui.widgets.refreshing import Stage

if TYPE_CHECKING:
    from opsconsole.domain.ecs import Cluster, Task
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
    "tasks": (
        "task",
        "rev",
        "status",
        "health",
        "containers",
        "ec2 instance",
        "container inst",
        "started",
        "stopped because",
    ),
    "containers": ("container", "status", "exit", "health", "reason"),
}


@dataclass(frozen=True)
class Level:
    kind: str
    cluster: str | None = None
    service: str | None = None
    task: str | None = None
    """The task ARN whose containers are shown (containers only)."""

    @property
    def title(self) -> str:
        if self.kind == "clusters":
            return "clusters"
        if self.kind == "services":
            return f"{self.cluster} › services"
        if self.kind == "tasks":
            return f"{self.cluster} › {self.service} › tasks"
        task_id = (self.task or "").rsplit("/", 1)[-1]
        return f"{self.cluster} › {self.service} › {task_id[:8]} › containers"


ALL_ROWS_UP_TO = 100
REST_PART = 500
"""Services described per stage after a big cluster's first screen (50 DescribeServices calls)."""


def read_stages(
    fleet: FleetPort,
    env_name: str,
    level: Level,
    now: datetime,
    visible: tuple[str, ...] = (),
    previous: dict[str, tuple[Any, ...]] | None = None,
) -> Iterator[Stage[dict[str, tuple[Any, ...]]]]:
    """The rows of a level, keyed by cluster name, service name or task ARN (services in stages).

    A small cluster is read whole on every refresh. In a big one (thousands of services), a
    refresh describes the rows on screen and the new ones, and keeps the rest as last read: the
    UI thread must not starve behind a worker parsing thousands of descriptions.
    """
    if level.kind == "services":
        assert level.cluster is not None
        yield from service_stages(fleet, env_name, level.cluster, visible, previous or {})
    elif level.kind == "clusters":
        yield Stage({c.name: _cluster_row(c) for c in fleet.clusters(env_name)})
    elif level.kind == "tasks":
        yield Stage(task_rows(fleet, env_name, level, now))
    else:
        yield Stage(container_rows(fleet, env_name, level))


def _cluster_row(c: Cluster) -> tuple[Any, ...]:
    return (c.name, c.services, c.running_tasks, c.pending_tasks, c.container_instances, c.status)


def service_stages(
    fleet: FleetPort,
    env_name: str,
    cluster: str,
    visible: tuple[str, ...],
    previous: dict[str, tuple[Any, ...]],
) -> Iterator[Stage[dict[str, tuple[Any, ...]]]]:
    """A cluster's service rows. Opening a big cluster shows its first ALL_ROWS_UP_TO services in
    name order (the table's first screen) before the rest: describing 2,000 services takes ~200
    calls, several seconds in which the pane would show nothing."""
    all_names = fleet.service_names(env_name, cluster)
    if previous or len(all_names) <= ALL_ROWS_UP_TO:
        wanted, measured = _refresh_plan(all_names, visible, previous)
        yield Stage(_service_rows(fleet, env_name, cluster, all_names, previous, wanted, measured))
        return
    head = sorted(all_names, key=sort_key)[:ALL_ROWS_UP_TO]
    rows = _service_rows(fleet, env_name, cluster, head, {}, head, head)
    rest = [n for n in all_names if n not in rows]
    # The rest in parts, each shown as it comes: the worker can stop between two of them when the
    # operator has left the cluster, and the table fills instead of waiting for the last call.
    for start in range(0, len(rest), REST_PART):
        yield Stage(rows, final=False)
        part = rest[start : start + REST_PART]
        reading = set(part)
        known = [n for n in all_names if n in rows or n in reading]
        rows = _service_rows(fleet, env_name, cluster, known, rows, part, [])
    yield Stage(rows)


def _refresh_plan(
    all_names: list[str], visible: tuple[str, ...], previous: dict[str, tuple[Any, ...]]
) -> tuple[list[str] | None, list[str]]:
    """Which services to describe (None: all) and which to read metrics for. In a big cluster a
    refresh describes the rows on screen and new ones; metrics go to the rows on screen."""
    shown = set(visible)
    big = len(all_names) > ALL_ROWS_UP_TO and bool(previous)
    wanted = [n for n in all_names if n in shown or n not in previous] if big else None
    candidates = all_names if wanted is None else wanted
    if len(candidates) <= ALL_ROWS_UP_TO:
        return wanted, candidates
    return wanted, [n for n in candidates if n in shown] or candidates[:ALL_ROWS_UP_TO]


def _service_rows(
    fleet: FleetPort,
    env_name: str,
    cluster: str,
    all_names: list[str],
    previous: dict[str, tuple[Any, ...]],
    wanted: list[str] | None,
    measured: list[str],
) -> dict[str, tuple[Any, ...]]:
    """Rows for `all_names`: those in `wanted` (None: all) described now, with metrics for
    `measured`; the others as `previous` had them."""
    found = fleet.services(env_name, cluster, wanted)
    metrics = fleet.service_metrics(env_name, cluster, measured, timedelta(minutes=30)) if measured else {}
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


def task_rows(fleet: FleetPort, env_name: str, level: Level, now: datetime) -> dict[str, tuple[Any, ...]]:
    """Tasks with their revision (flagged when older than the service's), containers and EC2 instance."""
    assert level.cluster is not None
    tasks = fleet.tasks(env_name, level.cluster, level.service, stopped=True)[:200]
    current = fleet.service(env_name, level.cluster, level.service).revision if level.service else None
    ec2 = fleet.ec2_instance_ids(env_name, level.cluster) if any(t.container_instance for t in tasks) else {}
    return {
        t.arn: (
            t.id[:12],
            _revision(t.revision, current),
            _status(t.last_status),
            t.health or "—",
            _containers(t),
            ec2.get(t.container_instance or "", "—"),
            (t.container_instance_id or "—")[:12],
            age(t.started_at, now),
            _reason(t.stopped_reason),
        )
        for t in tasks
    }


def container_rows(fleet: FleetPort, env_name: str, level: Level) -> dict[str, tuple[Any, ...]]:
    """The containers of one task: status, exit code and reason as ECS reports them."""
    assert level.cluster is not None
    task = next(
        (t for t in fleet.tasks(env_name, level.cluster, level.service, stopped=True) if t.arn == level.task),
        None,
    )
    if task is None:
        return {}
    return {
        c.name: (
            c.name,
            _status(c.last_status),
            _exit(c.exit_code),
            c.health or "—",
            _reason(c.reason),
        )
        for c in task.containers
    }


def _revision(revision: int | None, current: int | None) -> Text:
    if revision is None:
        return Text("—", style="dim")
    if current is not None and revision != current:
        return Text(f":{revision} old", style="bold yellow")  # the service has moved on to :current
    return Text(f":{revision}")


def _containers(task: Task) -> Text:
    """Containers up of all ("1/1 up"), or the first that exited badly and its code ("api 137")."""
    if not task.containers:
        return Text("—", style="dim")
    failed = next((c for c in task.containers if c.exit_code not in (None, 0)), None)
    if failed is not None:
        return Text(f"{failed.name} {failed.exit_code}", style="bold red")
    up = sum(1 for c in task.containers if c.last_status == "RUNNING")
    return Text(f"{up}/{len(task.containers)} up", style="" if up == len(task.containers) else "yellow")


def _exit(code: int | None) -> Text:
    if code is None:
        return Text("—", style="dim")
    return Text(str(code), style="bold red" if code != 0 else "")


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


def searched_texts(
    rows: dict[str, tuple[Any, ...]], before: dict[str, tuple[tuple[Any, ...], str]]
) -> dict[str, tuple[tuple[Any, ...], str]]:
    """Each row with its text in lower case, for the filter; a row found in `before` as the same
    tuple keeps the text it had."""
    texts = {}
    for key, row in rows.items():
        held = before.get(key)
        texts[key] = held if held is not None and held[0] is row else (row, " ".join(map(str, row)).lower())
    return texts


def sort_key(value: Any) -> Any:
    text = value.plain if isinstance(value, Text) else str(value)
    return (0, int(text)) if text.lstrip("-").isdigit() else (1, text)
