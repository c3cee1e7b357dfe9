"""One table over every environment: rows carry an environment badge; accounts are read in parallel.

A failing account keeps its last rows on screen, badged stale with the reason, while the other
accounts stay live: at 3 a.m. one broken account must not blank the other two. Each account's
rows are shown as they arrive (the console's streaming fan-out), not when the slowest answered.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterator
from datetime import datetime

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import DataTable, Label
from textual.worker import get_current_worker

from opsconsole.domain.errors import OpsError
from opsconsole.tui.widgets.fast_table import FastTable
from opsconsole.tui.widgets.keyed_rows import KeyedRows, Row
from opsconsole.tui.widgets.refreshing import RefreshingPane

Rows = dict[str, Row]
ReadRows = Callable[[str], Rows]
Results = dict[str, Rows | str]
"""Rows per environment, or the error text of an environment that failed."""
FanOut = Callable[[list[str], ReadRows], Iterator[tuple[str, "Rows | OpsError"]]]
"""The console's bounded fan-out over environments, each answer as it arrives (a failure stays
with its environment)."""
PAINT_WAIT = 1.0
"""Seconds the other accounts' reads wait for the first account's rows to be painted."""


class FleetPartial(Message, bubble=False):
    """One account's answer, while the others are still being read."""

    def __init__(
        self, context: Hashable, env_name: str, result: Rows | str, painted: threading.Event | None = None
    ) -> None:
        super().__init__()
        self.context = context
        self.env_name = env_name
        self.result = result
        self.painted = painted
        """Set once the answer is on screen (the first answer's: the other reads wait for it)."""


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


class FleetTable(RefreshingPane[Results]):
    DEFAULT_CSS = """
    FleetTable { border: round $secondary; height: 1fr; }
    FleetTable:focus-within { border: round $accent; }
    FleetTable.stale, FleetTable.partly-stale { border: round $warning; }
    FleetTable .fleet-state { height: 1; padding: 0 1; color: $text-muted; }
    FleetTable.stale .fleet-state, FleetTable.partly-stale .fleet-state { color: $warning; }
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
        fan_out: FanOut,
    ) -> None:
        super().__init__(f"fleet-{kind}")
        self.kind = kind
        self.title = title
        self.columns = ("env", *columns)
        self.envs = envs
        self.read = read
        self.clock = now
        self.fan_out = fan_out
        self.rows: dict[str, Rows] = {}
        self.errors: dict[str, str] = {}
        self._table: KeyedRows | None = None

    def compose(self) -> ComposeResult:
        yield FastTable(cursor_type="row", zebra_stripes=True)
        yield Label("reading every account…", classes="fleet-state")

    def on_mount(self) -> None:
        self.border_title = self.title
        self._table = KeyedRows(self.query_one(DataTable), self.columns)
        self._table.reset(self.columns)
        self.refresh_rows()

    def now(self) -> datetime:
        return self.clock()

    def context(self) -> Hashable:
        return self.kind

    def fetch_job(self) -> Callable[[], Results]:
        read, names, fan_out, context = (
            self.read,
            [name for name, _ in self.envs],
            self.fan_out,
            self.context(),
        )

        def every_account() -> Results:
            # A failing account stays with its rows (marked stale); the others go on.
            worker = get_current_worker()
            results: Results = {}
            for env, result in fan_out(names, read):
                results[env] = result.message if isinstance(result, OpsError) else result
                if worker.is_cancelled:
                    break
                # The fan-out starts the other accounts when asked for the next answer: the first
                # rows are painted before dozens of reads compete with the screen for the interpreter.
                painted = threading.Event() if len(results) == 1 < len(names) else None
                self.post_message(FleetPartial(context, env, results[env], painted))
                if painted is not None:
                    painted.wait(PAINT_WAIT)
            return results

        return every_account

    @on(FleetPartial)
    def _partial(self, message: FleetPartial) -> None:
        if message.context == self.context():
            self.show({message.env_name: message.result})
            self.render_state()
        if message.painted is not None:
            self.call_after_refresh(message.painted.set)

    def show(self, data: Results) -> None:
        for env_name, result in data.items():
            if isinstance(result, str):
                self.errors[env_name] = result  # keep its last rows; they are badged stale below
            else:
                self.errors.pop(env_name, None)
                self.rows[env_name] = result
        protected = dict(self.envs)
        wanted: Rows = {}
        for env_name, _ in self.envs:
            badge = env_badge(env_name, protected[env_name], env_name in self.errors)
            for key, values in self.rows.get(env_name, {}).items():
                wanted[f"{env_name}|{key}"] = (badge, *values)
        assert self._table is not None
        self._table.update(wanted, ordered=True)  # environment order, whatever order they answered in
        self.set_class(bool(self.errors), "partly-stale")

    def render_state(self) -> None:
        parts = [f"{env} stale: {why}" for env, why in self.errors.items()]
        stale = self.stale_text()
        if stale is not None:
            parts.insert(0, stale)
        parts.append(" · ".join(f"{env} {len(self.rows.get(env, {}))}" for env, _ in self.envs))
        if self.loaded_at is not None:
            parts.append(f"updated {self.loaded_at:%H:%M:%S}")
        parts.append("enter opens in its environment")
        self.query_one(".fleet-state", Label).update(" · ".join(parts))

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
