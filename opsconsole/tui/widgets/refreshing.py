"""The refreshing-pane base: one worker per load, a timer that re-arms itself, the stale marker,
the keyed table diff, and the one place where a pane's worker failures arrive.

`Worker.StateChanged` does not bubble, so no screen sees a pane's workers: the pane handles its
own. A backend's `OpsError` is an expected answer (stale marker, keep the rows); any other
exception is a bug, and it reaches the same marker through the worker's ERROR state.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from datetime import datetime
from functools import partial
from typing import Any, ClassVar, Generic, TypeVar, cast

from rich.cells import cell_len
from rich.text import Text
from textual._two_way_dict import TwoWayDict
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import DataTable
from textual.widgets.data_table import CellKey, DuplicateKey, RowKey
from textual.widgets.data_table import Row as DataRow
from textual.worker import Worker, WorkerState, get_current_worker

from opsconsole.domain.errors import OpsError
from opsconsole.tui.format import age, first_line
from opsconsole.tui.messages import PaneLoaded, PaneRefreshFailed

T = TypeVar("T")
Row = tuple[Any, ...]
STALE_TICK_SECONDS = 1.0
"""How often a stale marker repaints, so its age grows while nobody presses a key."""


class PaneAnswered(Message):
    """A refreshing pane's read for what it shows has answered (data or error); it bubbles, so
    the screen knows when its first screen is filled and background reads may start."""

    def __init__(self, pane_id: str | None) -> None:
        super().__init__()
        self.pane_id = pane_id


class StalePane(Vertical):
    """A pane whose data can go stale: it knows when it last loaded and why it failed since.

    Subclasses paint their state line in `render_state` (using `stale_text`), say how to try
    again in `retry_later`, and name the worker group whose failure should trigger that retry.
    """

    ALLOW_MAXIMIZE = True
    """The pane (not its table alone) fills the screen, so it stays on screen and keeps refreshing."""

    loop_group: str = ""
    """The worker group of the pane's loop: its unexpected failure re-arms the loop."""

    def __init__(self, pane_id: str) -> None:
        super().__init__(id=pane_id)
        self.loaded_at: datetime | None = None
        self.error: str | None = None
        self._ager: Timer | None = None
        self._next: Timer | None = None
        self._late: Timer | None = None

    def now(self) -> datetime:
        raise NotImplementedError

    def render_state(self) -> None:
        raise NotImplementedError

    def retry_later(self) -> None:
        raise NotImplementedError

    def stale_text(self) -> str | None:
        """`stale 42s: <error>` (the age of the rows shown), or None while fresh."""
        if self.error is None:
            return None
        held = f"stale {age(self.loaded_at, self.now())}" if self.loaded_at else "stale (no data)"
        return f"{held}: {self.error}"

    def mark_fresh(self, at: datetime | None) -> None:
        self.loaded_at = at or self.loaded_at
        self.error = None
        self.remove_class("stale")
        if self._ager is not None:
            self._ager.stop()
            self._ager = None

    def mark_stale(self, error: str, *, unexpected: bool = False, quiet: bool = False) -> None:
        """Keep what is shown, say why it is old; the operator hears once per new error (not at
        all when `quiet`: whoever failed already told them)."""
        repeated = quiet or error == self.error
        self.error = error
        self.add_class("stale")
        if self._ager is None:
            self._ager = self.set_interval(STALE_TICK_SECONDS, self.render_state)
        if not repeated:
            title = f"{self.border_title or self.id}: {'unexpected error' if unexpected else 'stale'}"
            self.notify(error, title=title, severity="error" if unexpected else "warning")

    def schedule(self, seconds: float, request: Callable[[], None]) -> None:
        """Send the next request in `seconds`; one is pending at a time (an earlier one is dropped)."""
        self.unschedule()
        self._next = self.set_timer(seconds, request)

    def unschedule(self) -> None:
        if self._next is not None:
            self._next.stop()
            self._next = None

    def expect_answer(self, within: float) -> None:
        """A request is out: unless it is `answered` within `within` seconds, the pane marks itself
        stale at once (a hung backend must not look fresh while its socket waits for a deadline).
        The mark is quiet: the border and state line say it, and a failure, if one comes, notifies;
        a toast per slow answer would be noise."""
        self.answered()
        self._late = self.set_timer(within, partial(self._answer_is_late, within))

    def answered(self) -> None:
        if self._late is not None:
            self._late.stop()
            self._late = None

    def _answer_is_late(self, within: float) -> None:
        self._late = None
        self.mark_stale(f"no answer for {within:g}s, still waiting", quiet=True)
        self.render_state()

    def forget(self) -> None:
        """Another environment or view: the old age and error no longer apply."""
        self.mark_fresh(None)
        self.loaded_at = None

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Where every failure of this pane's workers arrives, expected or not."""
        worker = event.worker
        if event.state is not WorkerState.ERROR or worker.is_cancelled:
            return
        error = worker.error
        if worker.group == self.loop_group:
            self.answered()  # the request ended (badly): it is no longer late, it failed
            self.post_message(PaneAnswered(self.id))
        text = f"{type(error).__name__}: {first_line(error)}" if isinstance(error, Exception) else str(error)
        self.mark_stale(text, unexpected=True)
        self.render_state()
        if worker.group == self.loop_group:
            self.retry_later()


class RefreshingPane(StalePane, Generic[T]):
    """A pane that reads its data in a thread worker every `refresh_seconds`.

    Subclasses give `context` (what is shown: answers for another are dropped), `fetch_job` (a
    callable built on the UI thread and run in the worker) and `show` (paint the data). The
    timer is armed again after each answer, success or failure, so requests never pile up; a
    tick while a modal covers the pane, or while the pane is hidden, only re-arms the timer.
    """

    refresh_seconds: float = 10.0
    worker_description: ClassVar[str] = "Refreshing"

    def context(self) -> Hashable:
        raise NotImplementedError

    def fetch_job(self) -> Callable[[], T]:
        raise NotImplementedError

    def show(self, data: T) -> None:
        raise NotImplementedError

    def refresh_rows(self) -> None:
        """Load now: an explicit request (a switch, a drill-down, an action done) is never skipped.

        An answer later than one interval marks the pane stale at once; the answer, when it
        comes, clears the mark."""
        self.unschedule()
        self.expect_answer(self.refresh_seconds)
        self.run_worker(
            partial(self._load, self.context(), self.fetch_job()),
            thread=True,
            exclusive=True,
            exit_on_error=False,
            group=self.loop_group,
            description=self.worker_description,
        )

    def _load(self, context: Hashable, job: Callable[[], T]) -> None:
        worker = get_current_worker()
        try:
            data = job()
        except OpsError as e:
            if not worker.is_cancelled:
                self.post_message(PaneRefreshFailed(context, e.message))
            return
        if not worker.is_cancelled:
            self.post_message(PaneLoaded(context, data, self.now()))

    def covered(self) -> bool:
        """A modal (or another screen) is on top, or the pane is not on the screen."""
        return self.app.screen is not self.screen or not self.is_on_screen

    def retry_later(self) -> None:
        self.schedule(self.refresh_seconds, self._tick)

    def _tick(self) -> None:
        self._next = None
        if self.covered():
            self.retry_later()
        else:
            self.refresh_rows()

    def on_pane_loaded(self, message: PaneLoaded) -> None:
        if self._answers(message.context):
            self.mark_fresh(message.at)
            self.show(cast(T, message.data))
            self._next_round()

    def on_pane_refresh_failed(self, message: PaneRefreshFailed) -> None:
        if self._answers(message.context):
            self.mark_stale(message.error)
            self._next_round()

    def _answers(self, context: Hashable) -> bool:
        """Whether an answer is for what is shown (an older view's is dropped); if so, it came."""
        if context != self.context():
            return False
        self.answered()
        self.post_message(PaneAnswered(self.id))
        return True

    def _next_round(self) -> None:
        self.render_state()
        self.retry_later()


def same_cell(old: Any, new: Any) -> bool:
    """Cells compare by what they show: a fresh Text with the same words and style is no change."""
    if isinstance(old, Text) and isinstance(new, Text):
        return old.plain == new.plain and str(old.style) == str(new.style)
    return bool(old == new)


def cell_width(value: Any) -> int:
    """The width a one-line cell takes (the table measures its new rows by rendering each cell)."""
    if isinstance(value, Text):
        return value.cell_len
    return cell_len(value if isinstance(value, str) else str(value))


class KeyedRows:
    """A DataTable kept equal to keyed rows by diff: changed cells updated, gone rows removed,
    new rows added, all in one batch. The comparison runs on our own copy of what is shown, so
    2,000 unchanged rows cost a dict walk, not 2,000 `get_row` calls; a row passed again as the
    same tuple object is not compared at all.

    Only new rows are measured by the table (its widths are computed per new row): rows that go
    are removed in one pass (`DataTable.remove_row` renumbers every row, per row), and a new
    order is given by renumbering, as `DataTable.sort` does, not by clearing and adding again."""

    BULK = 8
    """More rows than this going at once are removed in one renumbering pass."""

    def __init__(self, table: DataTable[Any], columns: Sequence[str]) -> None:
        self.table = table
        self.columns = tuple(columns)
        self.shown: dict[str, Row] = {}

    def reset(self, columns: Sequence[str] | None = None) -> None:
        """Empty the table; new `columns` replace the old ones."""
        if columns is None:
            self.table.clear()
        else:
            self.columns = tuple(columns)
            self.table.clear(columns=True)
            for column in self.columns:
                self.table.add_column(column, key=column)
        self.shown = {}

    def update(self, wanted: dict[str, Row], *, ordered: bool = False) -> None:
        """Show `wanted`; with `ordered`, the table's rows take `wanted`'s order (the cursor stays
        on its row)."""
        with self.table.app.batch_update():
            gone = [k for k in self.shown if k not in wanted]
            current = self._cursor_key()
            if len(gone) > max(self.BULK, len(self.shown) // 2):
                self.table.clear()  # most rows go: adding the few kept again is cheaper
                self.shown = {}
            elif gone:
                self._remove(gone)
            shown = self.shown
            new: list[tuple[str, Row]] = []
            for key, values in wanted.items():
                before = shown.get(key)
                if before is None:
                    new.append((key, values))
                elif before is not values:
                    self._update_cells(key, before, values)
                shown[key] = values
            if new:
                self._add(new)
            if ordered and list(shown) != list(wanted):
                self._reorder(list(wanted))
            self.shown = dict(wanted) if ordered else shown
            self._keep_cursor_on(current)

    def _update_cells(self, key: str, before: Row, values: Row) -> None:
        for column, old, new in zip(self.columns, before, values, strict=True):
            if not same_cell(old, new):
                self.table.update_cell(key, column, new)

    def _add(self, rows: list[tuple[str, Row]]) -> None:
        """Append rows. Many at once skip `add_row`'s per-row cursor update and the table's
        per-cell measuring: the widths come from the cells' own lengths (one line each)."""
        table = self.table
        if len(rows) <= self.BULK:
            for key, values in rows:
                table.add_row(*values, key=key)
            return
        was_empty = table.row_count == 0
        columns = table.ordered_columns
        widths = [column.content_width for column in columns]
        locations, data, metadata = table._row_locations, table._data, table.rows
        index = table.row_count
        for key, values in rows:
            row_key = RowKey(key)
            if row_key in locations:
                raise DuplicateKey(f"The row key {key!r} already exists.")
            locations[row_key] = index
            index += 1
            data[row_key] = {column.key: value for column, value in zip(columns, values, strict=False)}
            metadata[row_key] = DataRow(row_key, 1)
            for i, value in enumerate(values):
                width = cell_width(value)
                if width > widths[i]:
                    widths[i] = width
        for column, width in zip(columns, widths, strict=True):
            column.content_width = width
        table._require_update_dimensions = True
        table.cursor_coordinate = table.cursor_coordinate
        if was_empty and table.show_cursor and table.cursor_type != "none":
            table._highlight_cursor()
        table._update_count += 1
        table.check_idle()

    def _remove(self, keys: list[str]) -> None:
        """Remove `keys`' rows; the cursor stays on its row when that row stays."""
        table = self.table
        current = self._cursor_key()
        for key in keys:
            del self.shown[key]
        if len(keys) <= self.BULK:
            for key in keys:
                table.remove_row(key)
        else:
            going = {RowKey(k) for k in keys}
            for row_key in going:
                for column_key in table._data[row_key]:
                    table._updated_cells.discard(CellKey(row_key, column_key))
                del table.rows[row_key]
                del table._data[row_key]
            locations = table._row_locations
            kept = sorted((locations.get(k), k) for k in locations if k not in going)
            table._row_locations = TwoWayDict({row_key: i for i, (_, row_key) in enumerate(kept)})
            table._require_update_dimensions = True
            table.check_idle()
            table.cursor_coordinate = table.cursor_coordinate
            table.hover_coordinate = table.hover_coordinate
            table._update_count += 1
            table.refresh(layout=True)
        self._keep_cursor_on(current)

    def _cursor_key(self) -> RowKey | None:
        table = self.table
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key if table.row_count else None

    def select(self, key: str) -> bool:
        """Put the cursor on `key`'s row, if it is shown."""
        table = self.table
        if key not in table.rows:
            return False
        table.move_cursor(row=table.get_row_index(key))
        return True

    def _keep_cursor_on(self, key: RowKey | None) -> None:
        row = self.table._row_locations.get(key) if key is not None else None
        if row is not None and row != self.table.cursor_row:
            self.table.move_cursor(row=row, animate=False)

    def _reorder(self, keys: list[str]) -> None:
        """The rows in `keys`' order, as `DataTable.sort` orders them (nothing measured again)."""
        table = self.table
        current = self._cursor_key()
        table._row_locations = TwoWayDict({RowKey(k): i for i, k in enumerate(keys)})
        rows = table.rows
        table.rows = {row_key: rows[row_key] for row_key in map(RowKey, keys)}  # readers walk it in order
        table._update_count += 1
        table.refresh()
        self._keep_cursor_on(current)
