"""One table over every environment: rows carry an environment badge; accounts are read in parallel.

A failing account keeps its last rows on screen, badged stale with the reason, while the other
accounts stay live: at 3 a.m. one broken account must not blank the other two.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import DataTable, Label

from opsconsole.domain.errors import OpsError
from opsconsole.tui.format import first_line
from opsconsole.tui.widgets.ecs_pane import same_cell

Rows = dict[str, tuple[Any, ...]]
ReadRows = Callable[[str], Rows]
REFRESH_SECONDS = 10.0


class FleetLoaded(Message, bubble=False):
    def __init__(self, results: dict[str, Rows | str], at: datetime) -> None:
        super().__init__()
        self.results = results
        """Rows per environment, or the error text of an environment that failed."""
        self.at = at


class FleetChosen(Message):
    """Enter on a row: the screen opens it in its own environment."""

    def __init__(self, kind: str, env_name: str, key: str) -> None:
        super().__init__()
        self.kind = kind
        self.env_name = env_name
        self.key = key


def env_badge(env_name: str, protected: bool, stale: bool) -> Text:
    if stale:
        return Text(f"{env_name} ⚠", style="bold yellow")
    return Text(env_name, style="bold red" if protected else "bold")


class FleetTable(Vertical):
    DEFAULT_CSS = """
    FleetTable { border: round $secondary; height: 1fr; }
    FleetTable:focus-within { border: round $accent; }
    FleetTable.stale { border: round $warning; }
    FleetTable .fleet-state { height: 1; padding: 0 1; color: $text-muted; }
    FleetTable.stale .fleet-state { color: $warning; }
    FleetTable DataTable { height: 1fr; }
    """

    def __init__(
        self,
        kind: str,
        title: str,
        columns: tuple[str, ...],
        envs: list[tuple[str, bool]],
        read: ReadRows,
        now: Callable[[], datetime],
    ) -> None:
        super().__init__(id=f"fleet-{kind}")
        self.kind = kind
        self.title = title
        self.columns = ("env", *columns)
        self.envs = envs
        self.read = read
        self.now = now
        self.rows: dict[str, Rows] = {}
        self.errors: dict[str, str] = {}
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield DataTable(cursor_type="row", zebra_stripes=True)
        yield Label("reading every account…", classes="fleet-state")

    def on_mount(self) -> None:
        self.border_title = self.title
        table = self.query_one(DataTable)
        for column in self.columns:
            table.add_column(column, key=column)
        self.refresh_rows()

    def refresh_rows(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="fleet", description="All accounts")
    def load(self) -> None:
        def one(env_name: str) -> Rows | str:
            try:
                return self.read(env_name)
            except OpsError as e:
                return e.message
            except Exception as e:  # an unreadable answer stays with its account
                return first_line(e)

        names = [name for name, _ in self.envs]
        with ThreadPoolExecutor(max_workers=len(names) or 1) as pool:
            results = dict(zip(names, pool.map(one, names), strict=True))
        self.post_message(FleetLoaded(results, self.now()))

    @on(FleetLoaded)
    def _loaded(self, message: FleetLoaded) -> None:
        for env_name, result in message.results.items():
            if isinstance(result, str):
                self.errors[env_name] = result  # keep its last rows; they are badged stale below
            else:
                self.errors.pop(env_name, None)
                self.rows[env_name] = result
        self._show(message.at)
        self._timer = self.set_timer(REFRESH_SECONDS, self.refresh_rows)

    def _show(self, at: datetime) -> None:
        table = self.query_one(DataTable)
        protected = dict(self.envs)
        wanted: dict[str, tuple[Any, ...]] = {}
        for env_name, _ in self.envs:
            badge = env_badge(env_name, protected[env_name], env_name in self.errors)
            for key, values in self.rows.get(env_name, {}).items():
                wanted[f"{env_name}|{key}"] = (badge, *values)
        with self.app.batch_update():
            for key in [str(k.value) for k in list(table.rows)]:
                if key not in wanted:
                    table.remove_row(key)
            for key, values in wanted.items():
                if key in table.rows:
                    for column, old, new in zip(self.columns, table.get_row(key), values, strict=True):
                        if not same_cell(old, new):
                            table.update_cell(key, column, new)
                else:
                    table.add_row(*values, key=key)
        self.set_class(bool(self.errors), "stale")
        counts = " · ".join(f"{env} {len(self.rows.get(env, {}))}" for env, _ in self.envs)
        state = f"{counts} · updated {at:%H:%M:%S} · enter opens in its environment"
        if self.errors:
            state = " · ".join(f"{env} stale: {why}" for env, why in self.errors.items()) + " · " + state
        self.query_one(".fleet-state", Label).update(state)

    def stale_envs(self) -> set[str]:
        return set(self.errors)

    def rows_of(self, env_name: str) -> list[str]:
        table = self.query_one(DataTable)
        return [str(k.value) for k in table.rows if str(k.value).startswith(f"{env_name}|")]

    @on(DataTable.RowSelected)
    def _chosen(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            env_name, key = str(event.row_key.value).split("|", 1)
            self.post_message(FleetChosen(self.kind, env_name, key))
