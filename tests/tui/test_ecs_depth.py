"""The e1s depth of the ECS pane over fake backends: a task's revision (flagged when older than its
service's), its container instance and EC2 instance, its containers with exit code and reason;
a container links the log pane to its own stream; `w` shows the selection's web links."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import DataTable, OptionList

from opsconsole.domain.resources import ResourceKind
from opsconsole.tui.app import OpsConsoleApp
from opsconsole.tui.screens.main import MainScreen
from opsconsole.tui.screens.web_links import WebLinksScreen
from opsconsole.tui.widgets.ecs_pane import EcsPane
from opsconsole.tui.widgets.ecs_rows import COLUMNS
from tests.tui.fakes import FakeEcs, FakeFleet, FrozenConsole

SIZE = (160, 40)


async def settle(pilot: Any, seconds: float = 0.0) -> None:
    if seconds:
        await pilot.pause(seconds)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def cells(app: OpsConsoleApp, key: str, kind: str) -> dict[str, str]:
    table = app.screen.query_one("#ecs-table", DataTable)
    row = table.get_row(key)
    return {
        name: (v.plain if isinstance(v, Text) else str(v)) for name, v in zip(COLUMNS[kind], row, strict=True)
    }


async def open_api_tasks(pilot: Any) -> EcsPane:
    pane: EcsPane = pilot.app.screen.query_one(EcsPane)
    await settle(pilot)
    await pilot.press("enter")  # dev-cluster's services, the cursor on api
    await settle(pilot)
    await pilot.press("enter")  # api's tasks
    await settle(pilot)
    assert pane.level.kind == "tasks" and pane.level.service == "api"
    return pane


async def test_tasks_show_revision_ec2_instance_and_the_container_that_died() -> None:
    console = FrozenConsole()
    app = OpsConsoleApp(console)
    async with app.run_test(size=SIZE) as pilot:
        await open_api_tasks(pilot)
        fleet = FakeFleet(console)
        tasks = {t.arn: t for t in FakeEcs("dev").tasks("dev-cluster", "api", stopped=True)}
        ec2 = fleet.ec2_instance_ids("dev", "dev-cluster")
        current = FakeEcs("dev").service("dev-cluster", "api").revision
        for arn, task in tasks.items():
            shown = cells(app, arn, "tasks")
            old = task.revision != current
            assert shown["rev"] == f":{task.revision}" + (" old" if old else "")
            assert shown["ec2 instance"] == ec2[task.container_instance or ""]
            assert shown["container inst"] == (task.container_instance_id or "")[:12]
        killed = next(arn for arn, t in tasks.items() if t.stopped_reason)
        assert cells(app, killed, "tasks")["containers"] == "api 137"
        assert cells(app, killed, "tasks")["rev"].endswith(" old")  # it ran the revision before


async def test_a_container_row_links_the_log_pane_to_that_container() -> None:
    app = OpsConsoleApp(FrozenConsole())
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_api_tasks(pilot)
        table = app.screen.query_one("#ecs-table", DataTable)
        killed = next(
            str(k.value) for k in table.rows if cells(app, str(k.value), "tasks")["containers"] != "1/1 up"
        )
        table.move_cursor(row=table.get_row_index(killed))
        await pilot.press("enter")
        await settle(pilot)
        assert pane.level.kind == "containers" and pane.level.task == killed
        assert cells(app, "api", "containers") == {
            "container": "api",
            "status": "STOPPED",
            "exit": "137",
            "health": "—",
            "reason": "OutOfMemoryError",
        }
        table.move_cursor(row=0)
        await pilot.press("down", "up")  # the operator's own move: the selection links
        screen = app.screen
        assert isinstance(screen, MainScreen)
        for _ in range(100):  # the link settles 0.3 s after the cursor rests, then resolves in a worker
            await settle(pilot, 0.1)
            if screen.links is not None and screen.links.ref.kind is ResourceKind.CONTAINER:
                break
        ref = screen.linked
        assert ref is not None and ref.kind is ResourceKind.CONTAINER
        assert ref.task == killed.rsplit("/", 1)[-1] and ref.name == "api"
        assert screen.links is not None
        assert screen.links.log_query == f"env:dev AND task_id:{ref.task} AND container_name:api"
        await pilot.press("escape")
        await settle(pilot)
        assert pane.level.kind == "tasks"


async def test_w_shows_the_console_and_switch_role_links_and_enter_copies() -> None:
    console = FrozenConsole()
    app = OpsConsoleApp(console)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # services; cursor on api
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, WebLinksScreen)
        urls = [link.url for link in modal.links]
        env = console.settings.environment("dev")
        assert any("/ecs/v2/clusters/dev-cluster/services/api/health" in u for u in urls)
        switch = next(u for u in urls if "switchrole" in u)
        assert f"account={env.account_id}" in switch and "roleName=" in switch
        assert "SigninToken" not in " ".join(urls)  # no federation token: it is a credential
        modal.query_one(OptionList).highlighted = 0
        await pilot.press("enter")
        await pilot.pause()
        assert app.clipboard == modal.links[0].url
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)


async def test_the_palette_finds_prod_api_with_the_words_in_any_order() -> None:
    app = OpsConsoleApp(FrozenConsole())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, 0.5)  # the background index of every environment
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"prod api")
        await settle(pilot, 0.5)
        await pilot.press("enter")
        await settle(pilot, 0.5)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        assert screen.current_env == "prod"
        assert screen.linked is not None and (screen.linked.environment, screen.linked.name) == (
            "prod",
            "api",
        )
