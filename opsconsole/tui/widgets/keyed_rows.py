"""The keyed table diff of the panes' tables (`KeyedRows`): rows updated, added and removed by key,
never cleared and filled again."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual._two_way_dict import TwoWayDict
from textual.widgets import DataTable
from textual.widgets.data_table import CellKey, ColumnKey, DuplicateKey, RowKey
from textual.widgets.data_table import Row as DataRow

Row = tuple[Any, ...]


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
        """Changed cells; a cell wider than its column widens it (a sparkline that grew, a first
        stage's placeholder replaced), the others are not measured."""
        columns = self.table.columns
        for column, old, new in zip(self.columns, before, values, strict=True):
            if not same_cell(old, new):
                wider = cell_width(new) > columns[ColumnKey(column)].content_width
                self.table.update_cell(key, column, new, update_width=wider)

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
