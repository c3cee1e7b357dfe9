"""The ECS pane: clusters, then services, then tasks (Enter drills down, Escape goes back).

A thread worker reads the level shown and posts its rows; the handler diff-updates keyed rows.
The worker re-arms a timer after each answer, so requests never pile up; a failed refresh keeps
the old rows and marks the pane stale with its age and the error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import DataTable, Input, Label
from textual.worker import get_current_worker

from opsconsole.domain.errors import OpsError
from opsconsole.domain.resources import ResourceKind, ResourceRef
from opsconsole.tui.format import age
from opsconsole.tui.read_only import changes_hidden

if TYPE_CHECKING:
    from opsconsole.ports import ConsoleServices

REFRESH_SECONDS = 5.0

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


class EcsRowsLoaded(Message, bubble=False):
    def __init__(self, env_name: str, level: Level, rows: dict[str, tuple[Any, ...]], at: datetime) -> None:
        super().__init__()
        self.env_name = env_name
        self.level = level
        self.rows = rows
        self.at = at


class EcsRefreshFailed(Message, bubble=False):
    def __init__(self, env_name: str, level: Level, error: str) -> None:
        super().__init__()
        self.env_name = env_name
        self.level = level
        self.error = error


class EcsActionRequested(Message):
    """The operator asked for an action on the selected row; the screen confirms and runs it."""

    def __init__(self, env_name: str, action: str, level: Level, key: str) -> None:
        super().__init__()
        self.env_name = env_name
        self.action = action
        self.level = level
        self.key = key


class EcsSelected(Message):
    """The cursor rests on a cluster, service or task: linked panes may follow it."""

    def __init__(self, ref: ResourceRef) -> None:
        super().__init__()
        self.ref = ref


class EcsPane(Vertical):
    DEFAULT_CSS = """
    EcsPane { border: round $primary; height: 1fr; }
    EcsPane:focus-within { border: round $accent; }
    EcsPane.stale { border: round $warning; }
    EcsPane #ecs-title { height: 1; padding: 0 1; text-style: bold; }
    EcsPane #ecs-state { height: 1; padding: 0 1; color: $text-muted; }
    EcsPane.stale #ecs-state { color: $warning; }
    EcsPane #ecs-filter { display: none; height: 3; }
    EcsPane #ecs-filter.shown { display: block; }
    EcsPane DataTable { height: 1fr; }
    """
    BINDINGS = [
        Binding(
            "enter", "drill", "Open", id="ecs-open", tooltip="Services of a cluster, tasks of a service."
        ),
        Binding("escape", "back", "Back", id="ecs-back", tooltip="Up one level."),
        Binding("slash", "filter", "Filter", id="ecs-filter", tooltip="Show only rows containing a text."),
        Binding("o", "sort", "Sort", id="ecs-sort", show=False, tooltip="Sort by the next column."),
        Binding("plus", "scale(1)", "Scale +1", id="ecs-scale-up", tooltip="Desired count one higher."),
        Binding(
            "minus",
            "scale(-1)",
            "Scale -1",
            id="ecs-scale-down",
            show=False,
            tooltip="Desired count one lower.",
        ),
        Binding("R", "act('redeploy')", "Redeploy", id="ecs-redeploy", tooltip="Force a new deployment."),
        Binding("B", "act('rollback')", "Roll back", id="ecs-rollback", tooltip="Previous task definition."),
        Binding("X", "act('stop-task')", "Stop task", id="ecs-stop-task", tooltip="Stop the selected task."),
    ]

    def __init__(self, services: ConsoleServices, env_name: str) -> None:
        super().__init__(id="ecs-pane")
        self.services = services
        self.env_name = env_name
        self.level = Level("clusters")
        self.history: list[Level] = []
        self.rows: dict[str, tuple[Any, ...]] = {}
        self.filter_text = ""
        self.sort_column = 0
        self.loaded_at: datetime | None = None
        self._shown: dict[str, tuple[Any, ...]] = {}
        self._timer: Timer | None = None
        self._select_when_loaded: str | None = None
        self.seen_services: set[tuple[str, str]] = set()
        """(cluster, service) pairs shown in this environment: the palette's index."""

    def compose(self) -> ComposeResult:
        yield Label("ECS", id="ecs-title")
        yield Input(placeholder="filter…", id="ecs-filter")
        yield DataTable(id="ecs-table", cursor_type="row", zebra_stripes=True)
        yield Label("loading…", id="ecs-state")

    def on_mount(self) -> None:
        self.border_title = "ECS"
        self._show_level()

    # -- switching ------------------------------------------------------------------------------

    def switch_environment(self, env_name: str) -> None:
        self.env_name = env_name
        self.seen_services.clear()
        self.history.clear()
        self.level = Level("clusters")
        self._show_level()

    def _show_level(self) -> None:
        table = self.query_one("#ecs-table", DataTable)
        table.clear(columns=True)
        for column in COLUMNS[self.level.kind]:
            table.add_column(column, key=column)
        self.rows = {}
        self._shown = {}
        self.query_one("#ecs-title", Label).update(f"{self.env_name} › {self.level.title}")
        self.refresh_rows()

    def action_drill(self) -> None:
        key = self._selected()
        if key is None or self.level.kind == "tasks":
            return
        self.history.append(self.level)
        self.level = (
            Level("services", cluster=key)
            if self.level.kind == "clusters"
            else Level("tasks", cluster=self.level.cluster, service=key)
        )
        self._show_level()

    @on(DataTable.RowSelected, "#ecs-table")
    def _row_chosen(self) -> None:
        self.action_drill()

    @on(DataTable.RowHighlighted, "#ecs-table")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        # Only the operator's choice links panes, not the cursor landing on rows as they load.
        ref = self.selected_ref()
        if ref is not None and event.data_table.has_focus:
            self.post_message(EcsSelected(ref))

    def selected_ref(self) -> ResourceRef | None:
        key = self._selected()
        if key is None:
            return None
        if self.level.kind == "clusters":
            return ResourceRef(self.env_name, ResourceKind.CLUSTER, key)
        if self.level.kind == "services":
            return ResourceRef(self.env_name, ResourceKind.SERVICE, key, cluster=self.level.cluster)
        return ResourceRef(
            self.env_name, ResourceKind.TASK, key.rsplit("/", 1)[-1], cluster=self.level.cluster
        )

    def show_service(self, cluster: str, service: str) -> None:
        """Open the cluster's services and put the cursor on `service` once its row is there."""
        wanted = Level("services", cluster=cluster)
        self._select_when_loaded = service
        if self.level != wanted:
            self.history = [Level("clusters")]
            self.level = wanted
            self._show_level()
        else:
            self._select_pending()

    def _select_pending(self) -> None:
        table = self.query_one("#ecs-table", DataTable)
        key = self._select_when_loaded
        if key is not None and key in table.rows:
            self._select_when_loaded = None
            table.move_cursor(row=table.get_row_index(key))

    def action_back(self) -> None:
        if self.query_one("#ecs-filter", Input).has_class("shown"):
            self._close_filter()
            return
        if self.history:
            self.level = self.history.pop()
            self._show_level()

    def action_filter(self) -> None:
        box = self.query_one("#ecs-filter", Input)
        box.add_class("shown")
        box.focus()

    def _close_filter(self) -> None:
        box = self.query_one("#ecs-filter", Input)
        box.remove_class("shown")
        box.value = ""
        self.query_one("#ecs-table", DataTable).focus()

    @on(Input.Changed, "#ecs-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip().lower()
        self._render_rows()

    @on(Input.Submitted, "#ecs-filter")
    def _filter_done(self) -> None:
        self.query_one("#ecs-table", DataTable).focus()

    def action_sort(self) -> None:
        self.sort_column = (self.sort_column + 1) % len(COLUMNS[self.level.kind])
        self.query_one("#ecs-table", DataTable).sort(
            COLUMNS[self.level.kind][self.sort_column], key=_sort_key
        )
        self._state(f"sorted by {COLUMNS[self.level.kind][self.sort_column]}")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Read-only hides every change: the keys leave the footer and do nothing.
        if action in ("scale", "act"):
            return not changes_hidden(self.app, self.env_name)
        return True

    def action_scale(self, delta: int) -> None:
        if self.level.kind == "services" and (key := self._selected()):
            self.post_message(EcsActionRequested(self.env_name, f"scale{delta:+d}", self.level, key))

    def action_act(self, action: str) -> None:
        key = self._selected()
        if key is None:
            return
        wanted = "tasks" if action == "stop-task" else "services"
        if self.level.kind != wanted:
            self.notify(f"{action} works on {wanted}: drill down with Enter", severity="warning")
            return
        self.post_message(EcsActionRequested(self.env_name, action, self.level, key))

    def _selected(self) -> str | None:
        table = self.query_one("#ecs-table", DataTable)
        if table.row_count == 0:
            return None
        row_key, _column = table.coordinate_to_cell_key(table.cursor_coordinate)
        return str(row_key.value) if row_key.value is not None else None

    # -- refresh --------------------------------------------------------------------------------

    def refresh_rows(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.load(self.env_name, self.level, self.visible_keys(), self.rows)

    def visible_keys(self) -> tuple[str, ...]:
        """Keys of the rows on screen: metrics are fetched for those, not for thousands of rows."""
        table = self.query_one("#ecs-table", DataTable)
        first = int(table.scroll_y)
        keys = [str(k.value) for k in list(table.rows)[first : first + table.size.height + 5]]
        return tuple(keys)

    @work(thread=True, exclusive=True, exit_on_error=False, group="ecs-refresh", description="Reading ECS")
    def load(
        self,
        env_name: str,
        level: Level,
        visible: tuple[str, ...] = (),
        previous: dict[str, Any] | None = None,
    ) -> None:
        try:
            rows = read_rows(self.services, env_name, level, visible, previous or {})
        except OpsError as e:
            self.post_message(EcsRefreshFailed(env_name, level, e.message))
            return
        except Exception as e:  # a backend answer we could not read: keep the rows, say why
            self.post_message(EcsRefreshFailed(env_name, level, str(e).splitlines()[0]))
            return
        if not get_current_worker().is_cancelled:
            self.post_message(EcsRowsLoaded(env_name, level, rows, self.services.now()))

    @on(EcsRowsLoaded)
    def _loaded(self, message: EcsRowsLoaded) -> None:
        if (message.env_name, message.level) != (self.env_name, self.level):
            return
        self.rows = message.rows
        self.loaded_at = message.at
        if self.level.kind == "services" and self.level.cluster:
            self.seen_services |= {(self.level.cluster, name) for name in self.rows}
        self.remove_class("stale")
        self._render_rows()
        hint = "enter opens" if self.level.kind != "tasks" else "X stops a task"
        self._state(f"{len(self.rows)} {self.level.kind} · updated {message.at:%H:%M:%S} · {hint} · esc back")
        self._rearm()

    @on(EcsRefreshFailed)
    def _failed(self, message: EcsRefreshFailed) -> None:
        if (message.env_name, message.level) != (self.env_name, self.level):
            return
        self.add_class("stale")
        held = f"data {age(self.loaded_at, self.services.now())} old" if self.loaded_at else "no data"
        self._state(f"stale ({held}): {message.error} · retrying")
        self._rearm()

    def _rearm(self) -> None:
        self._timer = self.set_timer(REFRESH_SECONDS, self.refresh_rows)

    def _render_rows(self) -> None:
        """Diff the rows against what the table shows: update changed cells, drop gone rows, add
        new ones. The comparison runs on our own copy, so 2,000 unchanged rows cost a dict walk."""
        table = self.query_one("#ecs-table", DataTable)
        columns = COLUMNS[self.level.kind]
        wanted = {
            k: v
            for k, v in self.rows.items()
            if not self.filter_text or self.filter_text in " ".join(str(c) for c in v).lower()
        }
        shown = self._shown
        with self.app.batch_update():
            for key in [k for k in shown if k not in wanted]:
                table.remove_row(key)
                del shown[key]
            for key, values in wanted.items():
                before = shown.get(key)
                if before is None:
                    table.add_row(*values, key=key)
                elif before is not values:
                    for column, old, new in zip(columns, before, values, strict=True):
                        if not same_cell(old, new):
                            table.update_cell(key, column, new)
                shown[key] = values
        self._select_pending()

    def _state(self, text: str) -> None:
        self.query_one("#ecs-state", Label).update(text)


ALL_ROWS_UP_TO = 100


def read_rows(
    services: ConsoleServices,
    env_name: str,
    level: Level,
    visible: tuple[str, ...] = (),
    previous: dict[str, tuple[Any, ...]] | None = None,
) -> dict[str, tuple[Any, ...]]:
    """The rows of a level, keyed by cluster name, service name or task ARN.

    A small cluster is read whole on every refresh. In a big one (thousands of services), a
    refresh describes the rows on screen and the new ones, and keeps the rest as last read: the
    UI thread must not starve behind a worker parsing thousands of descriptions.
    """
    reader = services.ecs(env_name)
    now = services.now()
    if level.kind == "clusters":
        return {
            c.name: (c.name, c.services, c.running_tasks, c.pending_tasks, c.container_instances, c.status)
            for c in reader.clusters()
        }
    if level.kind == "services":
        assert level.cluster is not None
        previous = previous or {}
        all_names = reader.service_names(level.cluster)
        big = len(all_names) > ALL_ROWS_UP_TO and previous
        wanted = [n for n in all_names if n in set(visible) or n not in previous] if big else None
        found = reader.services(level.cluster, wanted)
        names = [s.name for s in found]
        if len(names) > ALL_ROWS_UP_TO:
            names = [n for n in names if n in set(visible)] or names[:ALL_ROWS_UP_TO]
        metrics = services.service_metrics(env_name, level.cluster, names, timedelta(minutes=30))
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
        for t in reader.tasks(level.cluster, level.service, stopped=True)[:200]
    }


def same_cell(old: Any, new: Any) -> bool:
    """Cells compare by what they show: a fresh Text with the same words and style is no change."""
    if isinstance(old, Text) and isinstance(new, Text):
        return old.plain == new.plain and str(old.style) == str(new.style)
    return bool(old == new)


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


def _sort_key(value: Any) -> Any:
    text = value.plain if isinstance(value, Text) else str(value)
    return (0, int(text)) if text.lstrip("-").isdigit() else (1, text)
