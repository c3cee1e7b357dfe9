"""A row table whose Enter belongs to its pane."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from opsconsole.tui.widgets.fast_table import FastTable


class RowTable(FastTable, inherit_bindings=False):
    """DataTable without its own (hidden) Enter binding: Textual's footer and f1 show the focused
    widget's binding for a key, so the table's hidden `select_cursor` hid the pane's "enter Open".
    Enter now reaches the pane's binding; a mouse click still selects the row (RowSelected)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        b for b in DataTable.BINDINGS if not (isinstance(b, Binding) and b.key == "enter")
    ]
