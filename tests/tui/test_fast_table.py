"""FastTable draws every cell as DataTable draws it: the same characters in the same styles, for
plain, marked-up, styled, justified, cut (fold, ellipsis, crop, ignore), wrapping, wide, tabbed,
empty and non-text cells, with and without the cursor and the mouse, focused or not, at widths
narrower and wider than the text and cell paddings of 0 to 2."""

from __future__ import annotations

from typing import Any

import pytest
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from opsconsole.tui.widgets.fast_table import FastTable

CELLS: list[Any] = [
    "web-api",
    "[bold red]HIGH[/] disk",
    Text("running", style="green"),
    Text.assemble(("svc", "bold"), "-", ("01", "italic cyan")),
    Text("42", justify="right"),
    Text("mid", justify="center"),
    Text("left side", justify="left"),
    Text("a long cell that is cut", overflow="ellipsis"),
    Text("a long cell that folds", overflow="fold"),
    "wide: 日本語の名前",
    "tab\there",
    Text("tab\there", tab_size=4),
    Text("api   ", overflow="ellipsis"),
    Text("trailing   ", justify="right"),
    Text("ab", justify="right", overflow="ignore"),
    Text("cropped here", overflow="crop"),
    Text("alpha beta-gamma", no_wrap=False),
    Text("full justify", justify="full"),
    "",
    "  padded  ",
    3.14159,
    12,
    None,
]
WIDTHS = (1, 4, 9, 30)


class Tables(App[None]):
    def compose(self) -> ComposeResult:
        tables: tuple[DataTable[Any], ...] = (
            DataTable(id="plain", cursor_type="row"),
            FastTable(id="fast", cursor_type="row"),
        )
        for table in tables:
            table.add_columns(*(f"c{i}" for i in range(len(CELLS))))
            table.add_row(*CELLS)
            table.add_row(*reversed(CELLS))
            yield table


def cells_of(lines: list[list[Segment]]) -> list[tuple[str, Style | None]]:
    """Each character with its style: what the terminal shows, whatever the segments' cuts."""
    return [(char, segment.style) for line in lines for segment in line for char in segment.text]


async def rendered(
    pilot: Any, table: DataTable[Any], focused: bool, cursor: bool, padding: int = 1
) -> list[Any]:
    """Every cell of both rows at every width, the table focused or not (its cursor's style),
    under the cursor or the mouse, with `padding` blanks each side of a cell."""
    pilot.app.set_focus(table if focused else None)
    table.cell_padding = padding
    await pilot.pause()  # the table restyles for its focus
    base = Style(bgcolor="grey11")
    cells = []
    for width in WIDTHS:
        table._clear_caches()  # a cell's cache key has no width: a column has one
        cells += [
            cells_of(table._render_cell(row, column, base, width, cursor=cursor, hover=cursor))
            for row in (0, 1)
            for column in range(len(CELLS))
        ]
    return cells


@pytest.mark.parametrize("padding", [0, 1, 2])
@pytest.mark.parametrize("focused", [False, True])
@pytest.mark.parametrize("cursor", [False, True])
async def test_fast_cells_are_datatables_cells(cursor: bool, focused: bool, padding: int) -> None:
    app = Tables()
    async with app.run_test(size=(200, 10)) as pilot:
        await pilot.pause()
        want = await rendered(pilot, app.query_one("#plain", DataTable), focused, cursor, padding)
        got = await rendered(pilot, app.query_one("#fast", FastTable), focused, cursor, padding)
        assert len(got) == len(want) == 2 * len(CELLS) * len(WIDTHS)
        for index, (mine, theirs) in enumerate(zip(got, want, strict=True)):
            assert mine == theirs, (WIDTHS[index // (2 * len(CELLS))], index % (2 * len(CELLS)))


async def test_the_header_and_several_lines_go_the_datatable_way() -> None:
    app = Tables()
    async with app.run_test(size=(200, 10)):
        plain, fast = app.query_one("#plain", DataTable), app.query_one("#fast", FastTable)
        for table in (plain, fast):
            table.add_row("two\nlines", *[""] * (len(CELLS) - 1), height=2)
        await app.workers.wait_for_complete()
        for row, column in ((-1, 0), (2, 0)):
            want = plain._render_cell(row, column, Style(), 12)
            got = fast._render_cell(row, column, Style(), 12)
            assert cells_of(got) == cells_of(want)
