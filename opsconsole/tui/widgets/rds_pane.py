"""The RDS pane: instances with status, class, Multi-AZ, and CPU and connection sparklines.

A `RefreshingPane`: instances and their metrics read in its worker, keyed rows updated by diff,
stale rows kept and marked when a refresh fails.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import DataTable, Label

from opsconsole.domain.action_kinds import ActionKind
from opsconsole.domain.resources import ResourceKind, ResourceRef
from opsconsole.tui.format import plural
from opsconsole.tui.key_table import key_table
from opsconsole.tui.messages import ActionRequested
from opsconsole.tui.read_only import changes_hidden
from opsconsole.tui.widgets.bound import EnvironmentPane, frame_css, show_text
from opsconsole.tui.widgets.fast_table import FastTable
from opsconsole.tui.widgets.keyed_rows import KeyedRows, Row
from opsconsole.tui.widgets.refreshing import RefreshingPane, Stage

if TYPE_CHECKING:
    from opsconsole.domain.rds import DbInstance
    from opsconsole.ports import ConsolePort, FleetPort, Series

COLUMNS = ("db", "status", "multi-az", "cpu (1h)", "cpu", "conns (1h)", "conns", "free")
BLOCKS = "▁▂▃▄▅▆▇█"
Rows = dict[str, Row]


def sparkline(values: list[float], top: float | None = None, width: int = 12) -> str:
    tail = values[-width:]
    if not tail:
        return "—"
    high = top if top is not None else (max(tail) or 1.0)
    return "".join(BLOCKS[min(len(BLOCKS) - 1, int(len(BLOCKS) * max(v, 0.0) / high))] for v in tail)


class RdsSelected(Message):
    """The cursor rests on a DB instance: linked panes may follow it."""

    def __init__(self, ref: ResourceRef) -> None:
        super().__init__()
        self.ref = ref


class RdsPane(EnvironmentPane, RefreshingPane[Rows]):
    DEFAULT_CSS = frame_css("RdsPane")

    BINDINGS = key_table(
        "rds",
        ("R", "reboot(False)", "Reboot", "reboot", "Reboot the selected DB instance (asks to confirm)."),
        (
            "F",
            "reboot(True)",
            "Failover",
            "reboot-failover",
            "Reboot with failover to the standby (Multi-AZ instances only).",
        ),
        ("S", "snapshot", "Snapshot", "snapshot", "Take a manual snapshot of the selected DB instance."),
        hidden={"reboot-failover", "snapshot"},
    )

    pane_id = "rds-pane"

    def __init__(self, console: ConsolePort, env_name: str) -> None:
        super().__init__(console, env_name)
        self._table: KeyedRows | None = None

    def compose(self) -> ComposeResult:
        yield FastTable(id="rds-table", cursor_type="row")
        yield Label("loading…", id="rds-state", classes="pane-state")

    def on_mount(self) -> None:
        self.border_title = "RDS"
        self._table = KeyedRows(self.query_one("#rds-table", DataTable), COLUMNS)
        self._table.reset(COLUMNS)
        self.refresh_rows()

    @on(DataTable.RowHighlighted, "#rds-table")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        # Only the operator's choice links panes, not the cursor landing on rows as they load.
        if event.row_key.value is not None and event.data_table.has_focus:
            self.post_message(
                RdsSelected(ResourceRef(self.env_name, ResourceKind.DB, str(event.row_key.value)))
            )

    def select_db(self, identifier: str) -> bool:
        return self._table is not None and self._table.select(identifier)

    def switch_environment(self) -> None:
        assert self._table is not None
        self._table.reset()
        self.forget()
        self.refresh_rows()

    def selected(self) -> str | None:
        table = self.query_one("#rds-table", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return str(key) if key is not None else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("reboot", "snapshot"):
            return not changes_hidden(self.app, self.env_name)
        return True

    def action_reboot(self, failover: bool) -> None:
        identifier = self.selected()
        if identifier is None:
            return
        assert self._table is not None
        if failover and self._table.shown.get(identifier, ("", "", "no"))[2] != "yes":
            self.notify(f"{identifier} is not Multi-AZ: no standby to fail over to", severity="warning")
            return
        params = {"instance": identifier, "failover": failover}
        self.post_message(ActionRequested(ActionKind.RDS_REBOOT, self.env_name, params))

    def action_snapshot(self) -> None:
        identifier = self.selected()
        if identifier is not None:
            params = {"instance": identifier}
            self.post_message(ActionRequested(ActionKind.RDS_SNAPSHOT, self.env_name, params))

    def context(self) -> Hashable:
        return self.env_name

    def fetch_stages(self) -> Callable[[], Iterator[Stage[Rows]]]:
        # Instances first while nothing is shown: CloudWatch answers several times slower than
        # DescribeDBInstances (70 ms vs 10 on moto). A refresh keeps its sparklines until both came.
        preview = self.loaded_at is None
        return partial(read_rows, self.console.fleet, self.env_name, preview=preview)

    def show(self, data: Rows) -> None:
        assert self._table is not None
        self._table.update(data)

    def stopped_early(self) -> None:
        """CloudWatch failed after the instances came: their metrics are missing, not pending."""
        assert self._table is not None
        shown = self._table.shown
        self._table.update(
            {k: tuple(MISSING if c == PENDING else c for c in row) for k, row in shown.items()}
        )

    def render_state(self) -> None:
        stale = self.stale_text()
        if stale is not None:
            state = f"{stale} · retrying"
        elif self._table is not None and self.loaded_at is not None:
            state = f"{plural(len(self._table.shown), 'instance')} · updated {self.loaded_at:%H:%M:%S}"
        else:
            return
        show_text(self.query_one("#rds-state", Label), state, fixed=True)


PENDING, MISSING = "…", "—"
"""A metric cell before CloudWatch answered, and one CloudWatch has no value for."""


def read_rows(fleet: FleetPort, env_name: str, *, preview: bool = False) -> Iterator[Stage[Rows]]:
    """The instances of an environment with their last hour of metrics, keyed by identifier;
    with `preview`, first the instances alone (metrics shown as pending)."""
    instances = fleet.databases(env_name)
    if preview:
        yield Stage(rows_of(instances, None), final=False)
    metrics = fleet.db_metrics(env_name, [db.identifier for db in instances], timedelta(hours=1))
    yield Stage(rows_of(instances, metrics))


def rows_of(instances: list[DbInstance], metrics: Series | None) -> Rows:
    """One row per instance; `metrics` None: not read yet (shown as …, not as missing)."""
    rows: Rows = {}
    for db in instances:
        series = (metrics or {}).get(db.identifier, {})
        cpu = series.get("CPUUtilization", [])
        connections = series.get("DatabaseConnections", [])
        free = series.get("FreeStorageSpace", [])
        missing = PENDING if metrics is None else MISSING
        rows[db.identifier] = (
            db.identifier,
            Text(db.status, style="green" if db.status == "available" else "yellow"),
            "yes" if db.multi_az else "no",
            Text(sparkline(cpu, top=100.0), style="bold red" if cpu and cpu[-1] > 80 else "cyan"),
            f"{cpu[-1]:.0f}%" if cpu else missing,
            Text(sparkline(connections), style="magenta"),
            f"{connections[-1]:.0f}" if connections else missing,
            f"{free[-1] / 1e9:.1f} GB" if free else missing,
        )
    return rows
