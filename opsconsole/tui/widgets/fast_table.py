"""A DataTable that draws one-line cells itself (`FastTable`), the panes' tables.

DataTable draws every cell through Rich's whole layout pipeline (Styled(Padding(cell)) rendered
by the console into lines), and its cell cache empties on any change to the table and on focus.
At full scale (bench/scale_drive.py) that was most of a key's time: a filter keystroke's UI time
p50 58 -> 30-38 ms, Tab's 45 -> 32-35 ms (150-press runs on one world) once one-line Text cells
are cut, justified and padded here with Rich's own Text methods, in the order its wrap does.
Anything else (headers, labels, fixed cells, several lines, wrapping Text, renderables that are
not Text) goes the DataTable way, and a test pins the two ways to the same cells.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, RowKey

SegmentLines = list[list[Segment]]


def one_line(cell: Text, width: int, padding: int, console: Console) -> list[Segment]:
    """`cell` as DataTable shows a one-line row's cell that does not wrap: `padding` blanks each
    side, the text cut (its overflow, else fold), justified and padded to `width` - 2 x `padding`
    (Rich's Text.wrap for one line, in its order)."""
    inner = max(0, width - 2 * padding)
    line = cell.copy()
    line.end = ""
    if "\t" in line.plain:
        line.expand_tabs(console.tab_size if cell.tab_size is None else cell.tab_size)
    overflow = cell.overflow or "fold"
    if cell.justify == "left":
        line.truncate(inner, overflow=overflow, pad=True)
    elif cell.justify in ("center", "right"):
        line.rstrip()
        line.truncate(inner, overflow=overflow)
        excess = inner - line.cell_len
        line.pad_left(excess // 2 if cell.justify == "center" else excess)
        line.pad_right(inner - line.cell_len)
    line.truncate(inner, overflow=overflow)
    # joined as Rich joins its wrapped lines: the line's own style becomes a span (render alone
    # drops the style of a Text without spans)
    joined = Text("\n").join([line])
    segments = Segment.adjust_line_length(list(joined.render(console, end="")), inner)
    if not padding:
        return segments
    blank = Segment(" " * padding)
    padded = [blank, *segments, blank]
    return padded if inner else Segment.adjust_line_length(padded, width)  # narrower than padding


class FastTable(DataTable[Any]):
    """DataTable with one-line Text cells drawn by `one_line`, cached as DataTable caches them."""

    def _render_cell(  # Textual's signature, boolean defaults included
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,  # noqa: FBT002
        hover: bool = False,  # noqa: FBT002
    ) -> SegmentLines:
        keys = self._data_cell_keys(row_index, column_index)
        if keys is None:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        row_key, column_key = keys
        key = (
            row_key,
            column_key,
            base_style,
            cursor,
            hover,
            self._show_hover_cursor,
            self._update_count,
            self._pseudo_class_state,
        )
        cached = self._cell_render_cache.get(key)  # DataTable's key: either way fills the same entry
        if cached is not None:
            return cached
        cell = self._one_line_cell(row_key, row_index, column_index)
        if cell is None:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        component, post = self._get_styles_to_render_cell(
            False,
            False,
            False,
            hover,
            cursor,
            self.show_cursor,
            self._show_hover_cursor,
            self.cursor_foreground_priority == "css",
            self.cursor_background_priority == "css",
        )
        pre = base_style + Style.from_meta({"row": row_index, "column": column_index}) + component
        segments = one_line(cell, width, self.cell_padding, self.app.console)
        lines = [list(Segment.apply_style(segments, pre, post))]
        self._cell_render_cache[key] = lines
        return lines

    def _data_cell_keys(self, row_index: int, column_index: int) -> tuple[RowKey, ColumnKey] | None:
        """The keys of a data cell, None for the header (-1), row labels (-1) and fixed cells,
        which have their own styles."""
        if row_index < max(0, self.fixed_rows) or column_index < max(0, self.fixed_columns):
            return None
        row_key = self._row_locations.get_key(row_index)
        column_key = self._column_locations.get_key(column_index)
        return None if row_key is None or column_key is None else (row_key, column_key)

    def _one_line_cell(self, row_key: RowKey, row_index: int, column_index: int) -> Text | None:
        """The Text of a data cell of a one-line row that does not wrap, else None."""
        row = self.rows.get(row_key)
        if row is None or row.height != 1:
            return None
        cell = self._get_row_renderables(row_index).cells[column_index]
        if not isinstance(cell, Text) or "\n" in cell.plain:
            return None
        if cell.no_wrap is False or cell.overflow == "ignore":
            return None  # a Text asking to wrap wraps (its first line shows); "ignore" is not cut
        return cell
