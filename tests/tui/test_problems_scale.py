"""The problems pane at incident scale: a bounded table, the state line saying how many more match,
and rows built again only when their problem changed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast

from textual.app import App, ComposeResult
from textual.widgets import DataTable, Label

from opsconsole.domain.problems import Problem, Severity
from opsconsole.tui.widgets import problems_pane
from opsconsole.tui.widgets.problem_rows import RankedProblems
from opsconsole.tui.widgets.problems_pane import MAX_ROWS, ProblemsPane

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def problem(n: int, severity: Severity = Severity.AVERAGE) -> Problem:
    return Problem("dev", str(n), str(n), f"problem {n}", severity, NOW - timedelta(minutes=n), False, False)


class ManyProblems:
    """The console as the pane uses it: `alerts.problems` and `correlation.now`."""

    def __init__(self, problems: list[Problem]) -> None:
        self.list = problems
        self.alerts = self
        self.correlation = self

    def problems(self, env_name: str) -> list[Problem]:
        return list(self.list)

    def now(self) -> datetime:
        return NOW


class PaneApp(App[None]):
    def __init__(self, console: ManyProblems) -> None:
        super().__init__()
        self.stub = console

    def compose(self) -> ComposeResult:
        yield ProblemsPane(cast(Any, self.stub), "dev")


async def test_thousands_of_problems_fill_a_bounded_table_most_severe_first() -> None:
    many = [problem(n) for n in range(1, MAX_ROWS * 2 + 1)] + [problem(9999, Severity.DISASTER)]
    app = PaneApp(ManyProblems(many))
    async with app.run_test(size=(160, 40)) as pilot:
        pane = app.query_one(ProblemsPane)
        while pane.loaded_at is None:
            await pilot.pause(0.05)
        table = pane.query_one("#problems-table", DataTable)
        assert table.row_count == MAX_ROWS
        assert str(table.ordered_rows[0].key.value) == "9999"  # the disaster first, then newest
        assert str(table.ordered_rows[1].key.value) == "1"
        state = str(pane.query_one("#problems-state", Label).render())
        assert f"{MAX_ROWS} of {len(many)} problems" in state
        assert f"{len(many)} match, the {MAX_ROWS} most severe shown" in state
        rows_before = dict(pane._rows)
        pane.show(RankedProblems(many))  # the same problems read again: no row is built again
        assert all(pane._rows[k][3] is rows_before[k][3] for k in rows_before)
        pane.link(lambda p: p.eventid in ("3", "4"), "svc-0003")
        assert [str(r.key.value) for r in table.ordered_rows] == ["3", "4"]
        assert pane.shown_filters is pane.filters
        assert "match, the" not in str(pane.query_one("#problems-state", Label).render())


def test_the_bound_is_a_few_hundred_rows() -> None:
    assert 100 <= problems_pane.MAX_ROWS <= 1000
