"""Linked panes on the demo world (moto, the Zabbix and Graylog emulators) after the bad api release."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable

from opsconsole.app.console import Console
from opsconsole.demo.world import DemoReady
from opsconsole.tui.app import OpsConsoleApp
from opsconsole.tui.screens.main import MainScreen
from opsconsole.tui.widgets.ecs_pane import EcsPane
from opsconsole.tui.widgets.log_pane import LogPane
from opsconsole.tui.widgets.problems_pane import ProblemsPane
from tests.conftest import BadRelease, settings_with_own_journal

SIZE = (160, 48)


@pytest.fixture
def world(bad_release_world: BadRelease) -> DemoReady:
    return bad_release_world.ready


@pytest.fixture
def console(world: DemoReady, tmp_path: Path) -> Iterator[Console]:
    built = Console.build(settings_with_own_journal(world, tmp_path))
    yield built
    built.close()


async def until(pilot: Any, condition: Any, what: str, seconds: float = 30.0) -> None:
    for _ in range(int(seconds / 0.1)):
        if condition():
            return
        await pilot.pause(0.1)
    raise AssertionError(f"not within {seconds:.0f} s: {what}")


async def test_service_link_narrows_both_panes_and_a_problem_selects_its_service(console: Console) -> None:
    app = OpsConsoleApp(console, initial_env="prod")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, MainScreen)
        problems = screen.query_one(ProblemsPane)
        logs = screen.query_one(LogPane)
        await until(pilot, lambda: problems.loaded_at is not None and logs.received > 0, "problems and logs")
        all_problems = len(problems.problems)
        services_seen = {m.service for m in logs.buffer}
        assert {"api", "web"} <= services_seen  # the tail follows the whole environment first

        ecs = screen.query_one(EcsPane)
        await until(pilot, lambda: "prod-cluster" in ecs.rows, "prod's cluster in the ECS pane")
        await pilot.press("enter")  # prod-cluster's services; the cursor rests on api
        await until(pilot, lambda: screen.linked is not None and logs.log_query != "*", "the link")
        await until(pilot, lambda: len(logs.buffer) > 0, "api's logs")
        await pilot.pause(1.0)
        assert str(screen.linked) == "prod/service/prod-cluster/api"
        assert logs.buffer and {m.service for m in logs.buffer} == {"api"}
        table = screen.query_one("#problems-table", DataTable)
        shown = [problems.problems[str(k.value)] for k in table.rows]
        assert shown, "the bad release's OOM problem is api's"
        for problem in shown:
            assert problem.tag("service") == "api" or problem.tag("instance_id"), problem.name

        table.focus()
        table.move_cursor(row=0)
        await pilot.press("enter")  # the problem's service is selected in the ECS pane
        await pilot.pause(0.5)
        ecs_table = screen.query_one("#ecs-table", DataTable)
        assert ecs_table.has_focus
        assert str(ecs_table.coordinate_to_cell_key(ecs_table.cursor_coordinate).row_key.value) == "api"

        await pilot.press("l")  # unlink: both panes show the whole environment again
        await until(pilot, lambda: logs.log_query == "*" and len(logs.buffer) > 0, "unlinked logs")
        await pilot.pause(1.0)
        assert len(table.rows) == all_problems
        assert len({m.service for m in logs.buffer}) > 1
