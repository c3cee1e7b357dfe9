"""A long, fast feed keeps the panes' memory bounded: counts of what they retain (lines, rows,
cached renders, workers), not timings. The log pane takes 10,000 lines per batch, as at 10,000
lines a second (bench/scale_feeds.py's synthetic tail, labelled simulated there); the problems
pane takes 15 refreshes of 5,000 problems of which 1% change each time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast

from textual.app import App, ComposeResult
from textual.widgets import DataTable, Label, Log

from bench.scale_feeds import RateTail
from opsconsole.domain.problems import Problem, Severity
from opsconsole.tui.widgets.log_pane import LIVE_WINDOW, MAX_LINES, LogBatch, LogPane
from opsconsole.tui.widgets.problem_rows import RankedProblems
from opsconsole.tui.widgets.problems_pane import MAX_ROWS, ProblemsPane

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
BATCH = 10_000
ROUNDS = 12


class QuietTail:
    """The pane's own tail: nothing new, and its next poll an hour away (the test feeds the pane)."""

    interval = 3600.0

    def poll(self) -> list[Any]:
        return []


class Feeds:
    """The console as the two panes use it."""

    def __init__(self) -> None:
        self.logs = self
        self.alerts = self
        self.correlation = self
        self.open = [self.problem(n) for n in range(5000)]

    @staticmethod
    def problem(n: int) -> Problem:
        started = NOW - timedelta(minutes=n % 600)
        return Problem("dev", str(n), str(n), f"problem {n}", Severity(n % 6), started, n % 5 == 0, False)

    def tail(self, env_name: str, query: str = "*", **_: Any) -> QuietTail:
        return QuietTail()

    def problems(self, env_name: str) -> list[Problem]:
        return list(self.open)

    def churn(self, round_: int) -> None:
        """1% of the problems resolve and as many new ones open."""
        gone = len(self.open) // 100
        first = 5000 + round_ * gone
        self.open = self.open[gone:] + [self.problem(n) for n in range(first, first + gone)]

    def now(self) -> datetime:
        return NOW


class Panes(App[None]):
    def __init__(self, feeds: Feeds) -> None:
        super().__init__()
        self.feeds = feeds

    def compose(self) -> ComposeResult:
        yield ProblemsPane(cast(Any, self.feeds), "dev")
        yield LogPane(cast(Any, self.feeds), "dev")


def messages(start: int, count: int) -> list[Any]:
    tail = RateTail(BATCH, 0, "*")
    now = datetime.now(UTC)
    return [tail.message(n, now) for n in range(start, start + count)]


async def test_a_long_fast_feed_keeps_what_the_log_pane_holds_bounded() -> None:
    app = Panes(Feeds())
    async with app.run_test(size=(160, 48)) as pilot:
        pane = app.query_one(LogPane)
        while pane.loaded_at is None:  # the quiet tail's first answer
            await pilot.pause(0.05)
        log = pane.query_one("#log-view", Log)
        tail = RateTail(BATCH, 0, "*")
        for n in range(ROUNDS):  # 120,000 lines, as 12 seconds at 10,000 a second
            pane.post_message(LogBatch(pane._generation, tail, messages(n * BATCH, BATCH), LIVE_WINDOW))
            await pilot.pause()
        for _ in range(200):  # the Log's width workers end (a loaded machine is slow)
            if len(app.workers) <= 2:
                break
            await pilot.pause(0.05)
        assert pane.received >= ROUNDS * BATCH
        assert len(pane.buffer) == MAX_LINES
        assert len(log.lines) <= MAX_LINES
        assert len(log._render_line_cache) <= 1024
        assert len(app.workers) <= 2  # the tail's, and the Log's width worker: none piles up
        state = str(pane.query_one("#log-state", Label).render())
        assert f"{BATCH - LIVE_WINDOW:,} new lines skipped, showing the newest" in state
        last = ROUNDS * BATCH - 1
        assert log.lines[-1].endswith(f'/v1/orders/{last} HTTP/1.1" 200 {3 + last % 40}ms')


async def test_refreshes_of_thousands_of_changing_problems_keep_the_problems_pane_bounded() -> None:
    feeds = Feeds()
    app = Panes(feeds)
    async with app.run_test(size=(160, 48)) as pilot:
        pane = app.query_one(ProblemsPane)
        pane.unschedule()
        table = pane.query_one("#problems-table", DataTable)
        for round_ in range(15):
            feeds.churn(round_)
            pane.show(RankedProblems(feeds.problems("dev")))
            await pilot.pause()
        assert len(pane.problems) == 5000
        assert len(pane._rows) == MAX_ROWS
        assert table.row_count == MAX_ROWS
        assert pane._table is not None and len(pane._table.shown) == MAX_ROWS
        caches = (
            table._row_render_cache,
            table._cell_render_cache,
            table._line_cache,
            table._ordered_row_cache,
        )
        assert all(len(cache) <= cache.maxsize for cache in caches)
        assert len(table._data) == MAX_ROWS and len(table.rows) == MAX_ROWS


def test_a_poll_after_a_stall_keeps_only_the_buffer_s_worth_alive() -> None:
    """A UI thread busy for six seconds at 10,000 lines a second: the next poll brings 60,000."""
    batch = LogBatch(1, RateTail(BATCH, 0, "*"), messages(0, 6 * BATCH), LIVE_WINDOW)
    assert batch.count == 6 * BATCH
    assert len(batch.messages) == MAX_LINES and batch.messages[-1].id == f"m{6 * BATCH - 1}"
    assert len(batch.lines) == LIVE_WINDOW
