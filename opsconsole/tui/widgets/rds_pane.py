"""The RDS pane: instances with status, class, Multi-AZ, and CPU and connection sparklines.

Same refresh rules as the ECS pane: a re-armed thread worker, keyed rows updated by diff, stale
rows kept and marked when a refresh fails.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import DataTable, Label
from textual.worker import get_current_worker

from opsconsole.domain.errors import OpsError
from opsconsole.domain.resources import ResourceKind, ResourceRef
from opsconsole.tui.widgets.ecs_pane import same_cell

if TYPE_CHECKING:
    from opsconsole.ports import ConsoleServices

REFRESH_SECONDS = 10.0
COLUMNS = ("db", "status", "multi-az", "cpu (1h)", "cpu", "conns (1h)", "conns", "free")
BLOCKS = "▁▂▃▄▅▆▇█"


def sparkline(values: list[float], top: float | None = None, width: int = 12) -> str:
    tail = values[-width:]
    if not tail:
        return "—"
    high = top if top is not None else (max(tail) or 1.0)
    return "".join(BLOCKS[min(len(BLOCKS) - 1, int(len(BLOCKS) * max(v, 0.0) / high))] for v in tail)


class RdsRowsLoaded(Message, bubble=False):
    def __init__(self, env_name: str, rows: dict[str, tuple[Any, ...]], at: datetime) -> None:
        super().__init__()
        self.env_name = env_name
        self.rows = rows
        self.at = at


class RdsRefreshFailed(Message, bubble=False):
    def __init__(self, env_name: str, error: str) -> None:
        super().__init__()
        self.env_name = env_name
        self.error = error


class RdsSelected(Message):
    """The cursor rests on a DB instance: linked panes may follow it."""

    def __init__(self, ref: ResourceRef) -> None:
        super().__init__()
        self.ref = ref


class RdsPane(Vertical):
    DEFAULT_CSS = """
    RdsPane { border: round $secondary; height: 1fr; }
    RdsPane:focus-within { border: round $accent; }
    RdsPane.stale { border: round $warning; }
    RdsPane #rds-state { height: 1; padding: 0 1; color: $text-muted; }
    RdsPane.stale #rds-state { color: $warning; }
    RdsPane DataTable { height: 1fr; }
    """

    def __init__(self, services: ConsoleServices, env_name: str) -> None:
        super().__init__(id="rds-pane")
        self.services = services
        self.env_name = env_name
        self.loaded_at: datetime | None = None
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield DataTable(id="rds-table", cursor_type="row")
        yield Label("loading…", id="rds-state")

    def on_mount(self) -> None:
        self.border_title = "RDS"
        table = self.query_one("#rds-table", DataTable)
        for column in COLUMNS:
            table.add_column(column, key=column)
        self.refresh_rows()

    @on(DataTable.RowHighlighted, "#rds-table")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        # Only the operator's choice links panes, not the cursor landing on rows as they load.
        if event.row_key.value is not None and event.data_table.has_focus:
            self.post_message(
                RdsSelected(ResourceRef(self.env_name, ResourceKind.DB, str(event.row_key.value)))
            )

    def select_db(self, identifier: str) -> bool:
        table = self.query_one("#rds-table", DataTable)
        if identifier not in table.rows:
            return False
        table.move_cursor(row=table.get_row_index(identifier))
        return True

    def switch_environment(self, env_name: str) -> None:
        self.env_name = env_name
        self.query_one("#rds-table", DataTable).clear()
        self.loaded_at = None
        self.refresh_rows()

    def refresh_rows(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.load(self.env_name)

    @work(thread=True, exclusive=True, exit_on_error=False, group="rds-refresh", description="Reading RDS")
    def load(self, env_name: str) -> None:
        try:
            instances = self.services.rds(env_name).instances()
            metrics = self.services.db_metrics(
                env_name, [db.identifier for db in instances], timedelta(hours=1)
            )
        except OpsError as e:
            self.post_message(RdsRefreshFailed(env_name, e.message))
            return
        except Exception as e:  # an unreadable answer: keep the rows, say why
            self.post_message(RdsRefreshFailed(env_name, str(e).splitlines()[0]))
            return
        rows: dict[str, tuple[Any, ...]] = {}
        for db in instances:
            cpu = metrics.get(db.identifier, {}).get("CPUUtilization", [])
            connections = metrics.get(db.identifier, {}).get("DatabaseConnections", [])
            free = metrics.get(db.identifier, {}).get("FreeStorageSpace", [])
            rows[db.identifier] = (
                db.identifier,
                Text(db.status, style="green" if db.status == "available" else "yellow"),
                "yes" if db.multi_az else "no",
                Text(sparkline(cpu, top=100.0), style="bold red" if cpu and cpu[-1] > 80 else "cyan"),
                f"{cpu[-1]:.0f}%" if cpu else "—",
                Text(sparkline(connections), style="magenta"),
                f"{connections[-1]:.0f}" if connections else "—",
                f"{free[-1] / 1e9:.1f} GB" if free else "—",
            )
        if not get_current_worker().is_cancelled:
            self.post_message(RdsRowsLoaded(env_name, rows, self.services.now()))

    @on(RdsRowsLoaded)
    def _loaded(self, message: RdsRowsLoaded) -> None:
        if message.env_name != self.env_name:
            return
        table = self.query_one("#rds-table", DataTable)
        with self.app.batch_update():
            for key in [str(k.value) for k in list(table.rows)]:
                if key not in message.rows:
                    table.remove_row(key)
            for key, values in message.rows.items():
                if key in table.rows:
                    for column, old, new in zip(COLUMNS, table.get_row(key), values, strict=True):
                        if not same_cell(old, new):
                            table.update_cell(key, column, new)
                else:
                    table.add_row(*values, key=key)
        self.loaded_at = message.at
        self.remove_class("stale")
        self.query_one("#rds-state", Label).update(
            f"{len(message.rows)} instances · updated {message.at:%H:%M:%S}"
        )
        self._timer = self.set_timer(REFRESH_SECONDS, self.refresh_rows)

    @on(RdsRefreshFailed)
    def _failed(self, message: RdsRefreshFailed) -> None:
        if message.env_name != self.env_name:
            return
        self.add_class("stale")
        self.query_one("#rds-state", Label).update(f"stale: {message.error} · retrying")
        self._timer = self.set_timer(REFRESH_SECONDS, self.refresh_rows)
