"""Every registered change is reachable from the TUI: keys post the ActionKind, the screen plans it
with `console.plan` (the real registry), confirms it, and sends it with `console.changes.execute`."""

from __future__ import annotations

from typing import Any

from textual.message import Message
from textual.widgets import DataTable, Input, Select

from opsconsole.app.actions import ACTIONS
from opsconsole.domain.action_kinds import ActionKind
from opsconsole.domain.problems import Severity
from opsconsole.tui.app import OpsConsoleApp
from opsconsole.tui.messages import ActionRequested
from opsconsole.tui.screens.confirm import ConfirmChange
from opsconsole.tui.screens.main import MainScreen
from opsconsole.tui.screens.problem_action import ProblemActionScreen
from tests.tui.fakes import FrozenConsole

SIZE = (160, 48)


async def settle(pilot: Any, seconds: float = 0.0) -> None:
    if seconds:
        await pilot.pause(seconds)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def confirm(pilot: Any, env_name: str) -> ConfirmChange:
    """Confirm the change on screen (typing the name where it is protected)."""
    modal = pilot.app.screen
    assert isinstance(modal, ConfirmChange), modal
    if modal.protected:
        modal.query_one("#typed", Input).value = env_name
        await pilot.pause()
    await pilot.click("#go")
    await settle(pilot)
    return modal


async def test_ecs_keys_post_the_action_kind_and_the_registry_plans_it() -> None:
    console = FrozenConsole()
    messages: list[Message] = []
    app = OpsConsoleApp(console)
    async with app.run_test(size=SIZE, message_hook=messages.append) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # dev-cluster -> services; the cursor on api
        await settle(pilot)
        await pilot.press("plus")
        await settle(pilot)
        modal = await confirm(pilot, "dev")
        assert modal.what == "Scale api" and "ecs.scale" in modal.summary
        await pilot.press("R")
        await settle(pilot)
        await confirm(pilot, "dev")
    # The hook sees a bubbling message at every hop: once per message object.
    requested = list({id(m): m for m in messages if isinstance(m, ActionRequested)}.values())
    assert [(m.kind, m.params.get("service")) for m in requested] == [
        (ActionKind.ECS_SCALE, "api"),
        (ActionKind.ECS_REDEPLOY, "api"),
    ]
    assert [(env, kind, target) for env, kind, target, _ in console.actions] == [
        ("dev", "ecs.scale", "api"),
        ("dev", "ecs.redeploy", "api"),
    ]
    assert console.actions[0][3][0].params["delta"] == 1


async def test_rds_reboot_with_failover_and_snapshot_in_protected_prod() -> None:
    console = FrozenConsole()
    app = OpsConsoleApp(console, initial_env="prod")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one("#rds-table", DataTable).focus()
        await pilot.press("F")  # prod-db is Multi-AZ: reboot with failover
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, ConfirmChange) and modal.protected
        await pilot.press("escape")  # not confirmed: nothing is sent
        await settle(pilot)
        assert console.actions == []
        await pilot.press("F")
        await settle(pilot)
        await confirm(pilot, "prod")
        await pilot.press("S")
        await settle(pilot)
        await confirm(pilot, "prod")
    [(env, kind, target, calls), snapshot] = console.actions
    assert (env, kind, target) == ("prod", "rds.reboot", "prod-db") and calls[0].params["failover"] is True
    assert snapshot[:3] == ("prod", "rds.snapshot", "prod-db")


async def test_failover_needs_a_multi_az_instance() -> None:
    console = FrozenConsole()
    app = OpsConsoleApp(console)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one("#rds-table", DataTable).focus()
        await pilot.press("F")  # dev-db is single-AZ
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        await pilot.press("R")
        await settle(pilot)
        await confirm(pilot, "dev")
    [(_, kind, _, calls)] = console.actions
    assert (kind, calls[0].params["failover"]) == ("rds.reboot", False)


async def test_problem_severity_and_message_go_through_the_registry() -> None:
    console = FrozenConsole()
    app = OpsConsoleApp(console)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, 0.2)
        app.screen.query_one("#problems-table", DataTable).focus()
        await pilot.press("S")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, ProblemActionScreen)
        modal.query_one("#severity", Select).value = Severity.DISASTER
        await pilot.pause()
        await pilot.click("#go")
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        await pilot.press(*"paged the db team", "enter")
        await settle(pilot)
    [(_, _, severity), (_, _, message)] = console.problem_calls
    assert severity["severity"] is Severity.DISASTER
    assert message["message"] == "paged the db team" and message["acknowledge"] is False


async def test_maintenance_ends_from_the_palette() -> None:
    console = FrozenConsole()
    app = OpsConsoleApp(console)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        [(_, end, _)] = [c for c in screen.palette_commands() if c[0] == "maintenance: end 'dev patching'"]
        end()
        await settle(pilot)
        await confirm(pilot, "dev")
    assert console.problem_calls == [("dev", ["1"], {"maintenance_delete": "1"})]


def test_every_registered_kind_has_a_way_in_from_the_tui() -> None:
    """Keys of the panes, the maintenance key and the palette: each registered kind is named once."""
    from opsconsole.tui.controllers import maintenance, palette_index
    from opsconsole.tui.widgets.ecs_pane import EcsPane
    from opsconsole.tui.widgets.problems_pane import ProblemsPane
    from opsconsole.tui.widgets.rds_pane import RdsPane

    keys = " ".join(str(getattr(b, "action", "")) for pane in (EcsPane, ProblemsPane) for b in pane.BINDINGS)
    reached = {kind for kind in ACTIONS if kind.value in keys}
    reached |= {ActionKind.ECS_SCALE}  # + and - post it with a delta
    reached |= {ActionKind.RDS_REBOOT, ActionKind.RDS_SNAPSHOT} & _posted_by(RdsPane)
    reached |= {k for k in ActionKind if k.name in _source(maintenance) + _source(palette_index)}
    assert set(ACTIONS) <= reached, set(ACTIONS) - reached


def _source(module: Any) -> str:
    import inspect

    return inspect.getsource(module)


def _posted_by(pane: type) -> set[ActionKind]:
    import inspect

    text = inspect.getsource(pane)
    return {k for k in ActionKind if f"ActionKind.{k.name}" in text}
