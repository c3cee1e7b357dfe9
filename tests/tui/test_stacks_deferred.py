"""The Stacks screen reviews deferred stacks as the CLI does: in a protected environment each one
shows its plan once its change set exists and runs only once the environment's name is typed
again; one declined is not started and leaves no change set. On a moto server over HTTP (the open
demo world), through the one stacks use case."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.message import Message
from textual.widgets import Input, Log

from opsconsole.app.console import Console
from opsconsole.config import load_settings
from opsconsole.demo.world import DemoReady
from opsconsole.domain.stacks import PlanAction, StackStatus
from opsconsole.tui.app import OpsConsoleApp
from opsconsole.tui.messages import DeployFinished, PlanReady
from opsconsole.tui.screens.confirm import ConfirmChange
from opsconsole.tui.screens.stacks import StacksScreen
from opsconsole.tui.screens.stacks_deferred import DeferredReviewRequested
from tests.stacks.test_realworld_moto import available, estate_config
from tests.world_helpers import admin

SIZE = (140, 40)


async def until(pilot: Any, holds: Callable[[], bool], seconds: float = 300.0) -> None:
    """Wait for the UI to reach a state (a deploy worker waits on the review, so it never completes)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not holds():
        assert loop.time() < deadline, "the screen did not get there in time"
        await pilot.pause(0.05)


def _new_review(screen: object, asked: list[str]) -> bool:
    return isinstance(screen, ConfirmChange) and "deferred" in screen.what and screen.what not in asked


def _finished(messages: list[Message]) -> bool:
    return any(isinstance(m, DeployFinished) for m in messages)


async def type_name(pilot: Any, modal: ConfirmChange, name: str) -> None:
    await until(pilot, lambda: bool(modal.query("#typed")))  # pushed is not yet composed
    modal.query_one("#typed", Input).value = name
    await pilot.pause()
    await pilot.press("enter")


async def test_protected_deferred_stacks_are_shown_and_confirmed_again(
    open_world: DemoReady, tmp_path: Path
) -> None:
    root, config = estate_config(open_world, tmp_path, "tui")
    settings = dataclasses.replace(load_settings(config, environ={}), stacks_root=str(root))
    console = Console.build(settings)
    messages: list[Message] = []
    app = OpsConsoleApp(console, initial_env="prod")
    async with app.run_test(size=SIZE, message_hook=messages.append) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, StacksScreen))
        screen = app.screen
        assert isinstance(screen, StacksScreen)
        await pilot.app.workers.wait_for_complete()
        await pilot.press("p")
        await until(pilot, lambda: any(isinstance(m, PlanReady) for m in messages))
        [ready] = [m for m in messages if isinstance(m, PlanReady)]
        actions = {p.key: p.action for p in ready.plan.stacks}
        # names depends explicitly on cluster (estate_config): deferred too, never planned early.
        assert actions["vpc"] is PlanAction.CREATE
        assert {k for k, a in actions.items() if a is PlanAction.DEFERRED} == {"cluster", "db", "names"}
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, ConfirmChange))
        await type_name(pilot, app.screen, "prod")  # type: ignore[arg-type]

        # Each deferred stack (cluster and db wait for vpc; names for cluster) shows its plan once
        # its change set exists, then asks for the name again; names is declined (Escape).
        asked: list[str] = []
        while not any(isinstance(m, DeployFinished) for m in messages):
            await until(pilot, lambda: _new_review(app.screen, asked) or _finished(messages))
            modal = app.screen
            if not isinstance(modal, ConfirmChange):
                continue
            asked.append(modal.what)
            progress = "\n".join(screen.query_one("#progress", Log).lines)
            name = modal.what.split()[1]
            assert modal.protected and f"{name} was deferred; its plan now that" in progress
            if name == "tui-prod-names":
                assert "tui-prod-cluster: complete" in progress  # names waited for cluster
                await pilot.press("escape")
            else:
                assert "+ parameter" in modal.summary  # a create lists its parameter values
                await type_name(pilot, modal, "prod")
        await pilot.app.workers.wait_for_complete()
        [finished] = [m for m in messages if isinstance(m, DeployFinished)]
        outcomes = {o.key: o for o in finished.outcomes}
        progress = "\n".join(screen.query_one("#progress", Log).lines)
    assert sorted(what.split()[1] for what in asked) == [
        "tui-legacy-db-prod",
        "tui-prod-cluster",
        "tui-prod-names",
    ]
    reviewed = [m.stack_plan.stack_name for m in messages if isinstance(m, DeferredReviewRequested)]
    assert sorted(reviewed) == ["tui-legacy-db-prod", "tui-prod-cluster", "tui-prod-names"]
    assert outcomes["vpc"].status is StackStatus.COMPLETE
    assert outcomes["cluster"].status is StackStatus.COMPLETE
    assert outcomes["db"].status is StackStatus.COMPLETE
    assert outcomes["names"].status is StackStatus.ABSENT
    assert outcomes["names"].message == "not started: declined at review"
    assert "tui-prod-names: not started; its change set is deleted" in progress
    cfn = admin(open_world, "prod", "cloudformation")
    live = {
        s["StackName"] for s in cfn.list_stacks()["StackSummaries"] if s["StackStatus"] != "DELETE_COMPLETE"
    }
    assert {"tui-prod-vpc", "tui-prod-cluster"} <= live and "tui-prod-names" not in live
    assert available(open_world, "prod", "tui-") == []
