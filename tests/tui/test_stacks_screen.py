"""The Stacks screen: plan, review, confirm and progress on the demo world; the review's look
pinned by an SVG snapshot of a fixed plan."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path
from typing import Any

import boto3
from textual.message import Message
from textual.widgets import Button, DataTable, Input

from opsconsole.app.console import Console
from opsconsole.config import Settings
from opsconsole.demo.world import DemoReady
from opsconsole.tui.app import OpsConsoleApp
from opsconsole.tui.messages import DeployFinished, PlanReady, StacksLoaded
from opsconsole.tui.screens.confirm import ConfirmChange
from opsconsole.tui.screens.stacks import StacksScreen
from tests.stacks.change_sets import available_change_sets
from tests.tui.fakes import FrozenConsole

SIZE = (140, 40)
STACKS = Path(__file__).resolve().parents[2] / "stacks"


async def settle(pilot: Any) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def services_with_change(settings: Settings, tmp_path: Path, env: str, old: str, new: str) -> Console:
    root = tmp_path / "stacks"
    shutil.copytree(STACKS, root)
    params = root / "params" / f"{env}.toml"
    text = params.read_text(encoding="utf-8")
    assert old in text
    params.write_text(text.replace(old, new), encoding="utf-8")
    return Console.build(dataclasses.replace(settings, stacks_root=str(root)))


def desired(world: DemoReady, env: str, service: str) -> int:
    key = world.accounts.admin_keys[env]
    ecs = boto3.client(
        "ecs",
        endpoint_url=world.endpoint,
        region_name="eu-west-1",
        aws_access_key_id=key.access_key_id,
        aws_secret_access_key=key.secret_access_key,
    )
    return int(
        ecs.describe_services(cluster=f"{env}-cluster", services=[service])["services"][0]["desiredCount"]
    )


async def test_plan_review_confirm_and_progress_in_dev(
    demo_world: DemoReady, demo_settings: Settings, tmp_path: Path
) -> None:
    services = services_with_change(demo_settings, tmp_path, "dev", "ApiCount = 1", "ApiCount = 2")
    messages: list[Message] = []
    app = OpsConsoleApp(services)
    async with app.run_test(size=SIZE, message_hook=messages.append) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, StacksScreen)
        assert screen.query_one("#stacks", DataTable).row_count == 7
        await pilot.press("p")
        await settle(pilot)
        [ready] = [m for m in messages if isinstance(m, PlanReady)]
        changed = [p for p in ready.plan.stacks if p.changes]
        assert [(p.key, [c.logical_id for c in p.changes]) for p in changed] == [("compute", ["ApiService"])]
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmChange)
        await pilot.press("enter")
        await settle(pilot)
        await settle(pilot)
        [finished] = [m for m in messages if isinstance(m, DeployFinished)]
        assert all(o.succeeded for o in finished.outcomes) and not finished.stopped
        table = screen.query_one("#stacks", DataTable)
        assert table.get_cell("compute", "result") == "complete"
        assert table.get_cell("network", "result") == "no changes"
    assert desired(demo_world, "dev", "api") == 2


async def test_protected_deploy_needs_the_name_typed_and_cancel_changes_nothing(
    demo_world: DemoReady, demo_settings: Settings, tmp_path: Path
) -> None:
    services = services_with_change(demo_settings, tmp_path, "prod", "WebCount = 3", "WebCount = 4")
    messages: list[Message] = []
    app = OpsConsoleApp(services, initial_env="prod")
    async with app.run_test(size=SIZE, message_hook=messages.append) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        await pilot.press("d")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, ConfirmChange) and modal.protected
        go = modal.query_one("#go", Button)
        await pilot.press(*"staging")
        await pilot.pause()
        assert go.disabled
        await pilot.press("escape")
        await settle(pilot)
        assert not [m for m in messages if isinstance(m, DeployFinished)]
        assert desired(demo_world, "prod", "web") == 3
        # Declining ends the review: its change sets are deleted and a deploy needs a new plan.
        assert available_change_sets(demo_world, "prod") == []
        await pilot.press("p")
        await settle(pilot)
        await pilot.press("d")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, ConfirmChange)
        modal.query_one("#typed", Input).value = "prod"
        await pilot.pause()
        assert not modal.query_one("#go", Button).disabled
        await pilot.press("enter")
        await settle(pilot)
        await settle(pilot)
        assert [m for m in messages if isinstance(m, DeployFinished)]
    assert desired(demo_world, "prod", "web") == 4
    assert available_change_sets(demo_world, "prod") == []


async def test_closing_the_screen_after_a_plan_deletes_its_change_sets(
    demo_world: DemoReady, demo_settings: Settings, tmp_path: Path
) -> None:
    services = services_with_change(demo_settings, tmp_path, "staging", "WebCount = 2", "WebCount = 3")
    messages: list[Message] = []
    app = OpsConsoleApp(services, initial_env="staging")
    async with app.run_test(size=SIZE, message_hook=messages.append) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        [ready] = [m for m in messages if isinstance(m, PlanReady)]
        assert [p.key for p in ready.plan.stacks if p.changes] == ["compute"]
        assert [cs[0] for cs in available_change_sets(demo_world, "staging")] == ["staging-compute"]
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, StacksScreen)
    assert available_change_sets(demo_world, "staging") == []
    assert desired(demo_world, "staging", "web") == 2


async def test_a_frozen_review_is_closed_when_declined_and_when_the_screen_closes() -> None:
    services = FrozenConsole()
    app = OpsConsoleApp(services)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s", "p")
        await settle(pilot)
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmChange)
        await pilot.press("escape")
        await settle(pilot)
        declined = services.stacks.reviews[-1]
        assert declined.closed
        await pilot.press("p")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
    assert [review.closed for review in services.stacks.reviews] == [True, True]


def test_review_snapshot(snap_compare: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)

    app = OpsConsoleApp(FrozenConsole())
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


async def test_stacks_loaded_message_carries_every_stack() -> None:
    messages: list[Message] = []
    app = OpsConsoleApp(FrozenConsole())
    async with app.run_test(size=SIZE, message_hook=messages.append) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
    [loaded] = [m for m in messages if isinstance(m, StacksLoaded)]
    assert [spec.key for spec, _ in loaded.rows] == ["network", "data", "compute"]
