"""Advertised keys do what they say: r renews the session (the countdown starts over), f and the
palette's maximize keep the pane live, a wrong typed confirmation says why, and the confirmation
shows every planned call in full, wrapped, at 80 columns."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from textual.widgets import DataTable, Input, Label, TextArea

from opsconsole.domain.problems import Problem, ProblemFilter
from opsconsole.tui.app import OpsConsoleApp
from opsconsole.tui.screens.confirm import ConfirmChange
from opsconsole.tui.screens.describe import DescribeScreen
from opsconsole.tui.screens.main import MainScreen
from opsconsole.tui.widgets.log_pane import LogPane
from opsconsole.tui.widgets.problems_pane import ProblemsPane
from tests.tui.fake_backends import FakeAlerts
from tests.tui.fakes import NOW, FrozenConsole

SIZE = (120, 40)


class MovingClock(FrozenConsole):
    """The frozen world with a clock a test moves on."""

    def __init__(self) -> None:
        super().__init__()
        self.at = NOW

    def now(self) -> Any:
        return self.at


async def settle(pilot: Any, seconds: float = 0.0) -> None:
    if seconds:
        await pilot.pause(seconds)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def label(screen: Any, selector: str) -> str:
    return str(screen.query_one(selector, Label).render())


async def test_r_renews_the_session_and_the_countdown_starts_over() -> None:
    console = MovingClock()
    app = OpsConsoleApp(console)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert label(app.screen, "#countdown") == "expires in 47:12"
        console.at = NOW + timedelta(minutes=30)
        await settle(pilot, 1.1)  # the countdown ticks every second
        assert label(app.screen, "#countdown") == "expires in 17:12"
        await pilot.press("r")
        await settle(pilot)
        assert console.access.renewed == ["dev"]
        assert label(app.screen, "#countdown") == "expires in 1:00:00"


async def test_f_maximizes_the_log_pane_and_it_stays_live() -> None:
    console = FrozenConsole()
    app = OpsConsoleApp(console)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        pane = screen.query_one(LogPane)
        await pilot.press("f5", "f")
        await pilot.pause()
        assert screen.maximized is pane
        before = pane._generation
        screen.link_to(None)  # a new tail while maximized: the pane still follows it
        pane.follow_tail()
        await settle(pilot, 0.2)
        assert pane._generation > before and pane.received > 0 and pane.is_on_screen
        await pilot.press("f")
        assert screen.maximized is None


class CountingAlerts(FakeAlerts):
    def __init__(self, world: FrozenConsole) -> None:
        super().__init__(world)
        self.reads = 0

    def problems(self, env_name: str, flt: ProblemFilter | None = None) -> list[Problem]:
        self.reads += 1
        return super().problems(env_name, flt)


async def test_maximizing_a_table_maximizes_its_pane_which_keeps_refreshing() -> None:
    console = FrozenConsole()
    alerts = console.alerts = CountingAlerts(console)
    app = OpsConsoleApp(console)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        pane = screen.query_one(ProblemsPane)
        screen.query_one("#problems-table", DataTable).focus()
        await pilot.pause()
        screen.action_maximize()  # what the palette's "Maximize" runs
        await pilot.pause()
        assert screen.maximized is pane
        assert not pane.covered()  # so its timer refreshes instead of only re-arming
        reads = alerts.reads
        pane.refresh_seconds = 0.1
        pane.retry_later()
        await settle(pilot, 0.5)
        assert alerts.reads > reads  # the timer read again: not skipped as covered


async def test_a_wrong_name_is_refused_with_the_reason_and_calls_are_shown_whole() -> None:
    console = FrozenConsole()
    app = OpsConsoleApp(console, initial_env="prod")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # prod-cluster's services, api
        await settle(pilot)
        await pilot.press("R")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, ConfirmChange) and modal.protected
        calls = modal.query_one("#why", Label)
        assert calls.region.width <= 80 and calls.region.height >= 2  # wrapped, not cut
        assert "prod-cluster" in modal.summary
        modal.query_one("#typed", Input).value = "prd"
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is modal  # refused
        assert label(modal, "#refused").startswith("“prd” is not “prod”")
        modal.query_one("#typed", Input).value = "prod"
        await pilot.press("enter")
        await settle(pilot)
        assert [a[:3] for a in console.actions] == [("prod", "ecs.redeploy", "api")]


async def test_d_describes_the_selected_service_database_and_problem_as_yaml_or_json() -> None:
    app = OpsConsoleApp(FrozenConsole())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # dev-cluster's services, the cursor on api
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, DescribeScreen)
        text = modal.query_one(TextArea).text
        assert "name: api" in text and "desired: 4" in text and "task_definition:" in text
        await pilot.press("j")
        described = json.loads(modal.query_one(TextArea).text)
        assert described["service"]["running"] == 3
        # the load balancer's targets, as the fake elbv2 answers: one unhealthy, one healthy
        assert [t["state"] for t in described["target health"]] == ["unhealthy", "healthy"]
        await pilot.press("escape", "f4")
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, DescribeScreen)
        db_text = app.screen.query_one(TextArea).text
        assert "identifier: dev-db" in db_text
        assert "DB instance restarted" in db_text and "system-update (OS patch)" in db_text
        await pilot.press("escape", "f3")
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, DescribeScreen)
        described = app.screen.query_one(TextArea).text
        assert "eventid: '901'" in described  # the linked api's one problem
        assert "severity: HIGH" in described


async def test_a_log_filter_says_how_many_lines_match() -> None:
    app = OpsConsoleApp(FrozenConsole())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, 0.3)
        pane = app.screen.query_one(LogPane)
        everything = len(pane.buffer)
        await pilot.press("f5", "plus", *"timed out", "enter")
        await settle(pilot)
        matching = sum(1 for m in pane.buffer if "timed out" in m.message)
        assert 0 < matching < everything
        assert f"{matching} of {everything} lines match" in label(app.screen, "#log-state")


async def test_tab_cycles_the_four_panes_and_nothing_else() -> None:
    """f1 says tab focuses the next pane: four presses come back to the ECS table (the header's
    environment tabs are not a stop: 1-3, [ and ] switch environment)."""
    app = OpsConsoleApp(FrozenConsole())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        seen = []
        for _ in range(4):
            await pilot.press("tab")
            await pilot.pause()
            focused = app.focused
            assert focused is not None
            seen.append(next(w.id for w in focused.ancestors_with_self if str(w.id or "").endswith("-pane")))
        assert seen == ["problems-pane", "rds-pane", "log-pane", "ecs-pane"]
