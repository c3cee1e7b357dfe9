"""The refreshing-pane base, seen through the RDS pane: the stale marker (age and error, rows kept),
its age growing on its own, no refresh under a modal, the re-armed timer after a failure, and an
unexpected exception arriving in the pane's one failure handler instead of crashing the app. Then
the keyed diff, the log tail's stale marker, and a guard that no pane catches `Exception`."""

from __future__ import annotations

import re
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label
from textual.widgets.data_table import ColumnKey

import opsconsole.tui.widgets.log_pane
from opsconsole.domain.errors import BackendError
from opsconsole.tui.app import OpsConsoleApp
from opsconsole.tui.widgets.keyed_rows import KeyedRows
from opsconsole.tui.widgets.log_pane import LogPane
from opsconsole.tui.widgets.rds_pane import RdsPane
from tests.tui.fakes import NOW, FakeFleet, FakeRds, FrozenConsole

SIZE = (150, 42)


class TickingConsole(FrozenConsole):
    """The frozen world with a clock the test moves, and a count of RDS reads."""

    def __init__(self) -> None:
        super().__init__()
        self.clock = NOW
        self.rds_reads = 0
        self.bug: Exception | None = None

    def now(self) -> datetime:
        return self.clock

    def rds(self, env_name: str) -> FakeRds:
        self.rds_reads += 1
        if self.bug is not None:
            raise self.bug
        return super().rds(env_name)


class Covering(ModalScreen[None]):
    def compose(self) -> Any:
        yield Label("a modal over the panes")


async def settle(pilot: Any, seconds: float = 0.0) -> None:
    if seconds:
        await pilot.pause(seconds)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def state(pane: RdsPane) -> str:
    return str(pane.query_one("#rds-state", Label).render())


def row_keys(pane: RdsPane) -> list[str]:
    return [str(k.value) for k in pane.query_one("#rds-table", DataTable).rows]


async def test_a_failing_backend_marks_the_pane_stale_with_age_and_error_and_keeps_its_rows() -> None:
    services = TickingConsole()
    app = OpsConsoleApp(services)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        pane = app.screen.query_one(RdsPane)
        before = row_keys(pane)
        assert before and not pane.has_class("stale")
        services.down = frozenset({pane.env_name})
        services.clock = NOW + timedelta(seconds=42)
        pane.refresh_rows()
        await settle(pilot)
        assert pane.has_class("stale")
        assert f"stale 42s: {pane.env_name}: could not connect" in state(pane)
        assert row_keys(pane) == before


async def test_the_stale_age_grows_without_a_key_press() -> None:
    services = TickingConsole()
    app = OpsConsoleApp(services)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        pane = app.screen.query_one(RdsPane)
        services.down = frozenset({pane.env_name})
        pane.refresh_rows()
        await settle(pilot)
        assert "stale 0s:" in state(pane)
        services.clock = NOW + timedelta(minutes=3)
        await pilot.pause(1.3)  # the marker's own timer repaints it
        assert "stale 3m:" in state(pane)


async def test_no_refresh_while_a_modal_covers_the_pane_and_it_resumes_after() -> None:
    services = TickingConsole()
    app = OpsConsoleApp(services)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        pane = app.screen.query_one(RdsPane)
        pane.refresh_seconds = 0.1
        pane.refresh_rows()
        await settle(pilot, 0.4)
        assert services.rds_reads >= 3  # refreshing on its own while uncovered
        await app.push_screen(Covering())
        await settle(pilot, 0.2)
        covered_at = services.rds_reads
        await settle(pilot, 0.6)
        assert services.rds_reads == covered_at
        app.pop_screen()
        await settle(pilot, 0.5)
        assert services.rds_reads > covered_at


async def test_the_refresh_re_arms_after_a_failure_and_recovers() -> None:
    services = TickingConsole()
    app = OpsConsoleApp(services)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        pane = app.screen.query_one(RdsPane)
        pane.refresh_seconds = 0.1
        services.down = frozenset({pane.env_name})
        pane.refresh_rows()
        await settle(pilot)
        failed_at = services.rds_reads
        assert pane.has_class("stale")
        await settle(pilot, 0.5)
        assert services.rds_reads > failed_at + 1  # tried again, more than once, on its own
        services.down = frozenset()
        await settle(pilot, 0.3)
        assert not pane.has_class("stale") and "1 instance · updated" in state(pane)


async def test_an_unexpected_exception_reaches_the_stale_marker_not_the_app() -> None:
    services = TickingConsole()
    app = OpsConsoleApp(services)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        pane = app.screen.query_one(RdsPane)
        pane.refresh_seconds = 0.1
        services.bug = KeyError("DBInstanceStatus")
        pane.refresh_rows()
        await pilot.pause(0.2)  # not settle: waiting on a failed worker raises its error
        assert app.is_running and pane.has_class("stale")
        assert "KeyError: 'DBInstanceStatus'" in state(pane)
        assert row_keys(pane)
        failed_at = services.rds_reads
        await pilot.pause(0.4)
        assert services.rds_reads > failed_at  # the failure re-armed the loop


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield DataTable()


class SlowMetrics(FakeFleet):
    """CloudWatch held until the test lets it answer: the pane's second stage."""

    def __init__(self, world: FrozenConsole) -> None:
        super().__init__(world)
        self.release = threading.Event()

    def db_metrics(self, env_name: str, identifiers: list[str], span: timedelta) -> dict[str, Any]:
        assert self.release.wait(10), "the test never released the metrics"
        return super().db_metrics(env_name, identifiers, span)


async def first_stage(pilot: Any) -> tuple[RdsPane, DataTable[Any]]:
    """The RDS pane once its instances are shown (its metrics held back by the fleet)."""
    pane = pilot.app.screen.query_one(RdsPane)
    for _ in range(100):
        await pilot.pause(0.02)
        if row_keys(pane):
            break
    return pane, pane.query_one("#rds-table", DataTable)


def first_row(table: DataTable[Any]) -> list[str]:
    return [str(cell) for cell in table.get_row_at(0)]


async def test_the_instances_show_before_their_metrics_and_a_refresh_keeps_the_sparklines() -> None:
    console = TickingConsole()
    fleet = console.fleet = SlowMetrics(console)
    app = OpsConsoleApp(console)
    async with app.run_test(size=SIZE) as pilot:
        pane, table = await first_stage(pilot)
        first = first_row(table)
        assert "…" in first, first  # metrics pending, not shown as missing
        assert pane.loaded_at is not None and not pane.has_class("stale")
        fleet.release.set()
        await settle(pilot)
        done = first_row(table)
        assert "…" not in done and any(cell.endswith("%") for cell in done), done
        fleet.release.clear()  # a refresh while shown: one answer, the old sparklines until then
        pane.refresh_rows()
        await pilot.pause(0.1)
        assert first_row(table) == done
        fleet.release.set()
        await settle(pilot)


class FailingMetrics(SlowMetrics):
    def db_metrics(self, env_name: str, identifiers: list[str], span: timedelta) -> dict[str, Any]:
        assert self.release.wait(10), "the test never released the metrics"
        raise BackendError(f"{env_name}: CloudWatch is down")


async def test_metrics_that_fail_after_the_instances_came_are_missing_not_pending() -> None:
    console = TickingConsole()
    fleet = console.fleet = FailingMetrics(console)
    app = OpsConsoleApp(console)
    async with app.run_test(size=SIZE) as pilot:
        pane, table = await first_stage(pilot)
        assert "…" in first_row(table)
        fleet.release.set()
        await settle(pilot)
        cells = first_row(table)
        assert "…" not in cells and "—" in cells, cells
        assert pane.has_class("stale") and "CloudWatch is down" in state(pane)


async def test_keyed_rows_diff_by_key_and_an_ordered_layout_keeps_the_cursor() -> None:
    app = TableApp()
    async with app.run_test() as pilot:
        table = app.query_one(DataTable)
        rows = KeyedRows(table, ("name", "count"))
        rows.reset(("name", "count"))
        rows.update({"a": ("a", 1), "b": ("b", 2)})
        rows.update({"b": ("b", 3), "c": ("c", 4)})
        await pilot.pause()
        assert [str(k.value) for k in table.rows] == ["b", "c"]
        assert table.get_row("b") == ["b", 3]
        table.move_cursor(row=table.get_row_index("c"))
        rows.update({"c": ("c", 4), "b": ("b", 3)}, ordered=True)
        await pilot.pause()
        assert [str(k.value) for k in table.rows] == ["c", "b"]
        assert table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value == "c"


async def test_keyed_rows_widen_a_column_for_a_cell_that_grew() -> None:
    app = TableApp()
    async with app.run_test() as pilot:
        table = app.query_one(DataTable)
        rows = KeyedRows(table, ("db", "cpu (1h)"))
        rows.reset(("db", "cpu (1h)"))
        rows.update({"db1": ("db1", "…")})  # a first stage: the sparkline still to come
        await pilot.pause()
        rows.update({"db1": ("db1", "▁▂▃▄▅▆▇█▇▆▅▄")})
        await pilot.pause()
        assert table.columns[ColumnKey("cpu (1h)")].content_width == 12  # not cut to the header's 8


async def test_keyed_rows_removes_many_rows_in_one_pass_and_reorders_without_adding_again() -> None:
    app = TableApp()
    async with app.run_test() as pilot:
        table = app.query_one(DataTable)
        rows = KeyedRows(table, ("name", "count"))
        rows.reset(("name", "count"))
        rows.update({f"r{i:03d}": (f"r{i:03d}", i) for i in range(300)})
        await pilot.pause()
        table.move_cursor(row=table.get_row_index("r150"))
        kept = {f"r{i:03d}": (f"r{i:03d}", i) for i in range(0, 300, 3)}  # 200 rows go at once
        rows.update(kept)
        await pilot.pause()
        assert [str(r.key.value) for r in table.ordered_rows] == list(kept)
        assert [table.get_row_index(k) for k in kept] == list(range(len(kept)))
        assert table.get_row("r297") == ["r297", 297]
        assert table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value == "r150"
        added = table.add_row

        def no_add(*_: object, **__: object) -> object:
            raise AssertionError("a reorder adds no row")

        table.add_row = no_add  # type: ignore[method-assign,assignment]
        backwards = dict(reversed(list(kept.items())))
        rows.update(backwards, ordered=True)
        table.add_row = added  # type: ignore[method-assign]
        await pilot.pause()
        assert [str(r.key.value) for r in table.ordered_rows] == list(backwards)
        assert [str(k.value) for k in table.rows] == list(backwards)  # as readers of `rows` expect
        assert table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value == "r150"
        rows.update({"r000": ("r000", 0), "new": ("new", 1)}, ordered=True)
        await pilot.pause()
        assert [str(r.key.value) for r in table.ordered_rows] == ["r000", "new"]
        assert table.row_count == 2


async def test_a_failing_log_tail_is_marked_stale_and_retries_on_its_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(opsconsole.tui.widgets.log_pane, "RETRY_SECONDS", 0.1)
    services = TickingConsole()
    services.down = frozenset({"dev"})
    app = OpsConsoleApp(services, initial_env="dev")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        pane = app.screen.query_one(LogPane)
        assert pane.has_class("stale")
        assert "stale (no data): dev: could not connect" in str(pane.query_one("#log-state", Label).render())
        services.down = frozenset()
        await settle(pilot, 0.4)
        assert not pane.has_class("stale") and pane.received > 0


def test_no_pane_catches_exception() -> None:
    tui = Path(opsconsole.tui.widgets.log_pane.__file__).parent.parent
    sources = [*tui.joinpath("widgets").glob("*.py"), tui / "screens" / "all_envs.py"]
    catching = [p.name for p in sources if re.search(r"except\s+(\(.*)?Exception\b", p.read_text())]
    assert catching == []


class HangingConsole(TickingConsole):
    """RDS reads that block until the test lets them go: a backend that accepts and never answers."""

    def __init__(self) -> None:
        super().__init__()
        import threading

        self.hanging = threading.Event()
        self.released = threading.Event()

    def rds(self, env_name: str) -> FakeRds:
        if self.hanging.is_set():
            self.released.wait(30)
        return super().rds(env_name)


async def test_a_backend_that_never_answers_marks_the_pane_stale_within_one_interval_and_recovers() -> None:
    console = HangingConsole()
    app = OpsConsoleApp(console)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        pane = app.screen.query_one(RdsPane)
        pane.refresh_seconds = 0.3
        console.hanging.set()
        pane.refresh_rows()
        await pilot.pause(0.6)  # two intervals: the answer is late by more than one
        assert pane.has_class("stale")
        assert "no answer for 0.3s, still waiting" in state(pane)
        await pilot.press("tab")  # the app still takes keys while the worker waits
        console.hanging.clear()
        console.released.set()
        await settle(pilot, 0.5)
        assert not pane.has_class("stale"), state(pane)
