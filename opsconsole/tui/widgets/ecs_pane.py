"""The ECS pane: clusters, services, tasks, containers (Enter drills down, Escape goes back).

A `RefreshingPane`: the worker reads the level shown (ecs_rows.read_stages) and the rows are
diffed into the table by key; a failed refresh keeps them and marks the pane stale.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import DataTable, Input, Label

from opsconsole.domain.action_kinds import ActionKind
from opsconsole.domain.resources import ResourceKind, ResourceRef
from opsconsole.tui.format import plural
from opsconsole.tui.key_table import key_table
from opsconsole.tui.messages import ActionRequested
from opsconsole.tui.read_only import changes_hidden
from opsconsole.tui.widgets.bound import EnvironmentPane, frame_css, show_text
from opsconsole.tui.widgets.ecs_rows import COLUMNS, Level, read_stages, searched_texts, sort_key
from opsconsole.tui.widgets.keyed_rows import KeyedRows, Row
from opsconsole.tui.widgets.refreshing import RefreshingPane, Stage
from opsconsole.tui.widgets.row_table import RowTable

if TYPE_CHECKING:
    from opsconsole.ports import ConsolePort

REFRESH_SECONDS = 5.0
Rows = dict[str, Row]


class EcsSelected(Message):
    """The cursor rests on a cluster, service or task: linked panes may follow it."""

    def __init__(self, ref: ResourceRef) -> None:
        super().__init__()
        self.ref = ref


class EcsFiltered(Message):
    """The filter changed: a linked row may now be hidden (the screen says so)."""


SINGULAR = {"clusters": "cluster", "services": "service", "tasks": "task", "containers": "container"}
DEEPER = {"clusters": "services", "services": "tasks", "tasks": "containers"}


class EcsPane(EnvironmentPane, RefreshingPane[Rows]):
    DEFAULT_CSS = (
        frame_css("EcsPane")
        + """
    EcsPane { border: round $primary; }
    EcsPane #ecs-title { height: 1; padding: 0 1; text-style: bold; }
    """
    )
    BINDINGS = key_table(
        "ecs",
        (
            "enter",
            "drill",
            "Open",
            "open",
            "Services of a cluster, tasks of a service, containers of a task.",
        ),
        ("escape", "back", "Back", "back", "Up one level."),
        ("slash", "filter", "Filter", "filter", "Show only rows containing a text."),
        ("o", "sort", "Sort", "sort", "Sort by the next column."),
        ("plus", "scale(1)", "Scale +1", "scale-up", "Desired count one higher."),
        ("minus", "scale(-1)", "Scale -1", "scale-down", "Desired count one lower."),
        ("R", ActionKind.ECS_REDEPLOY, "Redeploy", "redeploy", "Force a new deployment."),
        ("B", ActionKind.ECS_ROLLBACK, "Roll back", "rollback", "Previous task definition."),
        ("X", ActionKind.ECS_STOP_TASK, "Stop task", "stop-task", "Stop the selected task."),
        hidden={"sort", "scale-down"},
    )

    pane_id = "ecs-pane"
    refresh_seconds = REFRESH_SECONDS

    def __init__(self, console: ConsolePort, env_name: str) -> None:
        super().__init__(console, env_name)
        self.level = Level("clusters")
        self.history: list[Level] = []
        self.rows: Rows = {}
        self.filter_text = ""
        self.sort_column = 0
        self._table: KeyedRows | None = None
        self._select_when_loaded: str | None = None
        self._follow_when_loaded = False
        """Drilled into a task's containers: the row the cursor lands on is the operator's choice."""
        self._haystack: tuple[Rows, dict[str, tuple[Row, str]]] = ({}, {})
        """The rows shown and each row's text in lower case, for the filter (made again per read only
        for the rows read again: a big cluster's refresh passes most rows on as the same tuples)."""
        self.seen_services: set[tuple[str, str]] = set()
        """(cluster, service) pairs shown in this environment: the palette's index."""

    def compose(self) -> ComposeResult:
        yield Label("ECS", id="ecs-title")
        yield Input(placeholder="filter…", id="ecs-filter", classes="pane-filter")
        yield RowTable(id="ecs-table", cursor_type="row", zebra_stripes=True)
        yield Label("loading…", id="ecs-state", classes="pane-state")

    def on_mount(self) -> None:
        self.border_title = "ECS"
        self._table = KeyedRows(self.query_one("#ecs-table", DataTable), COLUMNS["clusters"])
        self._show_level()

    # -- switching ------------------------------------------------------------------------------

    def switch_environment(self) -> None:
        self.seen_services.clear()
        self.history.clear()
        self.level = Level("clusters")
        self._show_level()

    def _show_level(self) -> None:
        assert self._table is not None
        self._table.reset(COLUMNS[self.level.kind])
        self.sort_column = 0
        self._mark_sorted()
        self.rows = {}
        self.forget()
        show_text(self.query_one("#ecs-title", Label), f"{self.env_name} › {self.level.title}")
        self.refresh_rows()

    def action_drill(self) -> None:
        key = self._selected()
        deeper = DEEPER.get(self.level.kind)
        if key is None or deeper is None:
            return
        self.history.append(self.level)
        here = self.level
        self.level = {
            "services": Level("services", cluster=key),
            "tasks": Level("tasks", cluster=here.cluster, service=key),
            "containers": Level("containers", cluster=here.cluster, service=here.service, task=key),
        }[deeper]
        self._follow_when_loaded = deeper == "containers"  # often one row: the cursor never moves
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
        if self.level.kind == "containers":
            task = (self.level.task or "").rsplit("/", 1)[-1]
            cluster = self.level.cluster
            return ResourceRef(self.env_name, ResourceKind.CONTAINER, key, cluster=cluster, task=task)
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
        key = self._select_when_loaded
        if key is not None and self._table is not None and self._table.select(key):
            self._select_when_loaded = None

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
        # Shown and focused now, not at the next refresh: keys typed right after must land in it.
        box.display = True
        self.screen.set_focus(box)

    def _close_filter(self) -> None:
        box = self.query_one("#ecs-filter", Input)
        box.remove_class("shown")
        box.display = False
        box.value = ""
        self.query_one("#ecs-table", DataTable).focus()

    @on(Input.Changed, "#ecs-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip().lower()
        self._render_rows()
        self.render_state()
        self.post_message(EcsFiltered())

    def shown_keys(self) -> list[str]:
        """Keys of the rows the filter lets through."""
        text = self.filter_text
        if not text:
            return list(self.rows)
        if self._haystack[0] is not self.rows:
            self._haystack = (self.rows, searched_texts(self.rows, self._haystack[1]))
        return [k for k, (_row, hay) in self._haystack[1].items() if text in hay]

    def hides(self, ref: ResourceRef) -> bool:
        """Whether the filter hides `ref`'s row at the level shown (the link then points off screen)."""
        if not self.filter_text or ref.environment != self.env_name:
            return False
        if ref.kind is ResourceKind.SERVICE and self.level.kind == "services":
            return ref.name in self.rows and ref.name not in self.shown_keys()
        return False

    @on(Input.Submitted, "#ecs-filter")
    def _filter_done(self) -> None:
        self.query_one("#ecs-table", DataTable).focus()

    def action_sort(self) -> None:
        self.sort_column = (self.sort_column + 1) % len(COLUMNS[self.level.kind])
        self._mark_sorted()
        self._render_rows()
        self.render_state()

    def _mark_sorted(self) -> None:
        """The sorted column's header carries ▲; the others their plain names."""
        table = self.query_one("#ecs-table", DataTable)
        for index, name in enumerate(COLUMNS[self.level.kind]):
            column = table.columns.get(name)  # type: ignore[call-overload]
            if column is not None:
                column.label = Text(f"{name} ▲" if index == self.sort_column else name)
                column.content_width = max(column.content_width, column.label.cell_len)
        table.refresh(layout=True)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Read-only hides every change: the keys leave the footer and do nothing.
        if action in ("scale", "act"):
            return not changes_hidden(self.app, self.env_name)
        return True

    def action_scale(self, delta: int) -> None:
        if self.level.kind == "services" and (key := self._selected()):
            params = {"cluster": self._cluster(), "service": key, "delta": delta}
            self.post_message(ActionRequested(ActionKind.ECS_SCALE, self.env_name, params))

    def action_act(self, action: str) -> None:
        """Ask for a registered ECS change on the selected service (or, to stop one, task)."""
        kind = ActionKind(action)
        key = self._selected()
        if key is None:
            return
        stop = kind is ActionKind.ECS_STOP_TASK
        wanted = "tasks" if stop else "services"
        if self.level.kind != wanted:
            self.notify(f"{kind.spec.label} works on {wanted}: drill down with Enter", severity="warning")
            return
        params = {"cluster": self._cluster(), "task" if stop else "service": key}
        self.post_message(ActionRequested(kind, self.env_name, params))

    def _cluster(self) -> str:
        return self.level.cluster or f"{self.env_name}-cluster"

    def _selected(self) -> str | None:
        table = self.query_one("#ecs-table", DataTable)
        if table.row_count == 0:
            return None
        row_key, _column = table.coordinate_to_cell_key(table.cursor_coordinate)
        return str(row_key.value) if row_key.value is not None else None

    # -- refresh --------------------------------------------------------------------------------

    def context(self) -> Hashable:
        return (self.env_name, self.level)

    def fetch_stages(self) -> Callable[[], Iterator[Stage[Rows]]]:
        fleet, clock, env_name, level = self.console.fleet, self.now, self.env_name, self.level
        visible, previous = self.visible_keys(), self.rows
        return lambda: read_stages(fleet, env_name, level, clock(), visible, previous)

    def visible_keys(self) -> tuple[str, ...]:
        """Keys of the rows on screen: metrics are fetched for those, not for thousands of rows."""
        table = self.query_one("#ecs-table", DataTable)
        first = int(table.scroll_y)
        keys = [str(k.value) for k in list(table.rows)[first : first + table.size.height + 5]]
        return tuple(keys)

    def show(self, data: Rows) -> None:
        self.rows = data
        if self.level.kind == "services" and self.level.cluster:
            self.seen_services |= {(self.level.cluster, name) for name in self.rows}
        self._render_rows()
        if self._follow_when_loaded and self.rows:
            self._follow_when_loaded = False
            ref = self.selected_ref()
            if ref is not None and self.query_one("#ecs-table", DataTable).has_focus:
                self.post_message(EcsSelected(ref))

    def render_state(self) -> None:
        stale = self.stale_text()
        if stale is not None:
            self._state(f"{stale} · retrying")
        elif self.loaded_at is not None:
            self._state(" · ".join(self._state_parts()))

    def _state_parts(self) -> list[str]:
        assert self.loaded_at is not None
        noun = SINGULAR[self.level.kind]
        count = plural(len(self.rows), noun) + ("" if self.complete else " so far, reading the rest…")
        if self.filter_text:
            count = f"{len(self.shown_keys())} of {count} match “{self.filter_text}”"
        parts = [count, f"sorted by {COLUMNS[self.level.kind][self.sort_column]}"]
        if self.level.kind == "clusters":
            parts.append("tasks counted from the tasks")
        elif self.level.kind == "services":
            parts.append("counts as ECS reports them")
        hint = {"tasks": "enter: containers · X stops a task", "containers": "logs follow the container"}.get(
            self.level.kind, "enter opens"
        )
        return [*parts, f"updated {self.loaded_at:%H:%M:%S}", hint, "esc back"]

    def _render_rows(self) -> None:
        """The rows the filter lets through, in the sorted column's order, whatever order they
        were read, filtered or shown in; the cursor stays on its row, so the link it made holds."""
        assert self._table is not None
        column, rows = self.sort_column, self.rows
        keys = sorted(self.shown_keys(), key=lambda k: sort_key(rows[k][column]))
        self._table.update({k: rows[k] for k in keys}, ordered=True)
        self._select_pending()

    def _state(self, text: str) -> None:
        show_text(self.query_one("#ecs-state", Label), text, fixed=True)
