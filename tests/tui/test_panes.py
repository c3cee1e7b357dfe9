"""The ECS and RDS panes: drill-down and an action with confirmation on the demo world, stale
marking on a failing backend, and snapshots of both panes."""

from __future__ import annotations

from typing import Any

import boto3
from textual.message import Message
from textual.widgets import DataTable

from opsconsole.app.console import Console
from opsconsole.demo.world import DemoReady
from opsconsole.domain.errors import BackendError
from opsconsole.tui.app import OpsConsoleApp
from opsconsole.tui.messages import ActionDone
from opsconsole.tui.screens.confirm import ConfirmChange
from opsconsole.tui.widgets.ecs_pane import EcsPane
from tests.tui.fakes import FakeEcs, FrozenConsole

SIZE = (150, 42)


async def settle(pilot: Any) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def rows(app: OpsConsoleApp) -> list[str]:
    table = app.screen.query_one("#ecs-table", DataTable)
    return [str(key.value) for key in table.rows]


async def move_to(pilot: Any, key: str) -> None:
    table = pilot.app.screen.query_one("#ecs-table", DataTable)
    table.move_cursor(row=table.get_row_index(key))
    await pilot.pause()


async def test_drill_down_from_clusters_to_tasks_and_back(demo_console: Console) -> None:
    app = OpsConsoleApp(demo_console)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        pane = app.screen.query_one(EcsPane)
        assert rows(app) == ["dev-cluster"]
        await pilot.press("enter")
        await settle(pilot)
        assert pane.level.kind == "services"
        assert set(rows(app)) == {"api", "modsecurity", "varnish", "web", "worker", "zabbix-agent"}
        await move_to(pilot, "api")
        await pilot.press("enter")
        await settle(pilot)
        assert pane.level.kind == "tasks" and pane.level.service == "api"
        await pilot.press("escape")
        await settle(pilot)
        assert pane.level.kind == "services"
        await pilot.press("escape")
        await settle(pilot)
        assert pane.level.kind == "clusters"


async def test_scale_with_confirmation_changes_the_desired_count(
    demo_world: DemoReady, demo_console: Console
) -> None:
    key = demo_world.accounts.admin_keys["staging"]
    ecs = boto3.client(
        "ecs",
        endpoint_url=demo_world.endpoint,
        region_name="eu-west-1",
        aws_access_key_id=key.access_key_id,
        aws_secret_access_key=key.secret_access_key,
    )

    def desired() -> int:
        return int(
            ecs.describe_services(cluster="staging-cluster", services=["varnish"])["services"][0][
                "desiredCount"
            ]
        )

    before = desired()
    messages: list[Message] = []
    app = OpsConsoleApp(demo_console, initial_env="staging")
    async with app.run_test(size=SIZE, message_hook=messages.append) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await move_to(pilot, "varnish")
        await pilot.press("plus")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, ConfirmChange) and not modal.protected
        assert "desiredCount=" in modal.summary
        await pilot.press("enter")
        await settle(pilot)
        assert [m for m in messages if isinstance(m, ActionDone)]
    assert desired() == before + 1
    audit = [r for r in demo_console.audit.records() if r.action == "ecs.scale"]
    assert audit and audit[-1].environment == "staging" and audit[-1].tier == "operate"


class BrokenEcs(FakeEcs):
    def clusters(self) -> list[Any]:
        raise BackendError("ecs: Could not connect to the endpoint URL")


class BrokenConsole(FrozenConsole):
    def ecs(self, env_name: str) -> BrokenEcs:
        return BrokenEcs(env_name)


async def test_a_failed_refresh_marks_the_pane_stale() -> None:
    app = OpsConsoleApp(BrokenConsole())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        pane = app.screen.query_one(EcsPane)
        assert pane.has_class("stale")
        state = str(pane.query_one("#ecs-state").render())
        assert "stale (no data): ecs: Could not connect" in state and "retrying" in state


def test_services_pane_snapshot(snap_compare: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.pause(0.5)  # the cursor rests on api: the panes link to it after 0.3 s
        await settle(pilot)

    assert snap_compare(OpsConsoleApp(FrozenConsole()), terminal_size=SIZE, run_before=run_before)
