"""The runbook screen: a run with an approval on the demo world, and a snapshot of the screen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, Input

from opsconsole.app.console import Console
from opsconsole.app.runbooks import Runbooks
from opsconsole.demo.world import DemoReady
from opsconsole.runbooks.library import runs_dir
from opsconsole.runbooks.state import AWAITING_APPROVAL, SUCCEEDED, RunState, RunStore
from opsconsole.tui.app import OpsConsoleApp
from opsconsole.tui.screens.approval import ApprovalScreen
from opsconsole.tui.screens.runbooks import RunbookScreen
from tests.tui.fakes import FrozenConsole
from tests.world_helpers import admin

SIZE = (160, 48)
RUNBOOK = """\
title: Scale a service, with an approval
description: Say what will happen, ask a human, then add one task.
inputs:
  env:
    type: environment
    from_selection: environment
  service:
    type: ecs_service
    from_selection: ecs_service
steps:
  - id: hello
    kind: note
    text: "about to scale {{ inputs.service.service }} in {{ env.name }}"
  - id: ok
    kind: approve
    message: "scale {{ inputs.service.service }} in {{ env.name }} by one"
  - id: scale
    kind: action
    action: ecs.scale
    with:
      service: "{{ inputs.service }}"
      delta: 1
"""


async def settle(pilot: Any, seconds: float = 0.0) -> None:
    if seconds:
        await pilot.pause(seconds)
    await pilot.pause()


@pytest.fixture
def runbooks_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "runbooks"
    root.mkdir()
    (root / "scale-with-approval.yaml").write_text(RUNBOOK, encoding="utf-8")
    monkeypatch.setenv("OPSCONSOLE_RUNBOOKS", str(root))
    return root


def desired(world: DemoReady, env: str, service: str) -> int:
    ecs = admin(world, env, "ecs")
    return int(
        ecs.describe_services(cluster=f"{env}-cluster", services=[service])["services"][0]["desiredCount"]
    )


async def test_a_run_waits_for_the_approval_then_acts(
    runbooks_dir: Path, demo_world: DemoReady, demo_console: Console
) -> None:
    before = desired(demo_world, "dev", "worker")
    app = OpsConsoleApp(demo_console, runbooks=Runbooks(demo_console))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, 0.5)
        app.push_screen(RunbookScreen(app.ops, app.runbooks, "dev", {"ecs_service": "dev-cluster/worker"}))
        await settle(pilot, 0.3)
        screen = app.screen
        assert isinstance(screen, RunbookScreen)
        assert screen.query_one("#in-env", Input).value == "dev"  # prefilled from the selection
        assert screen.query_one("#in-service", Input).value == "dev-cluster/worker"
        await pilot.press("ctrl+g")
        for _ in range(50):
            await settle(pilot, 0.1)
            if isinstance(app.screen, ApprovalScreen):
                break
        assert isinstance(app.screen, ApprovalScreen), "the approve step asks a human"
        assert desired(demo_world, "dev", "worker") == before  # nothing changed before the approval
        await pilot.press(*"carol", "enter", *"looks right", "enter")
        for _ in range(100):
            await settle(pilot, 0.1)
            if not screen.running:
                break
        assert screen.last_state is not None and screen.last_state.status == SUCCEEDED
        steps = screen.query_one("#rb-steps", DataTable)
        assert [str(steps.get_row(k)[2]) for k in ("hello", "ok", "scale")] == ["done", "done", "done"]
        outputs = [str(steps.get_cell(k, "output")) for k in ("hello", "ok", "scale")]
        assert steps.columns["output"].content_width >= max(len(o) for o in outputs) > len("output")  # type: ignore[index]
        assert desired(demo_world, "dev", "worker") == before + 1
        run = RunStore(runs_dir()).load(screen.last_state.run_id)
        assert run.approvals["ok"]["by"] == "carol"


def test_runbook_screen_snapshot(runbooks_dir: Path, snap_compare: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot, 0.3)
        pilot.app.push_screen(
            RunbookScreen(
                pilot.app.ops,
                pilot.app.runbooks,
                "prod",
                {"ecs_service": "prod-cluster/api"},
                "scale-with-approval",
            )
        )
        await settle(pilot, 0.3)

    assert snap_compare(OpsConsoleApp(FrozenConsole()), terminal_size=SIZE, run_before=run_before)


async def test_a_resumed_run_shows_the_step_states_its_file_holds(runbooks_dir: Path) -> None:
    path = runbooks_dir / "scale-with-approval.yaml"
    state = RunState(
        run_id="20261126T093000-abc123",
        runbook="scale-with-approval",
        path=str(path),
        title="Scale a service, with an approval",
        source_text=RUNBOOK,
        inputs={"env": "prod"},
        started_by="alice",
        started_at="2026-11-26T09:30:00+00:00",
        status=AWAITING_APPROVAL,
        cursor="ok",
        statuses={"hello": SUCCEEDED},
    )
    RunStore(runs_dir()).save(state)
    app = OpsConsoleApp(FrozenConsole())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, 0.3)
        app.push_screen(RunbookScreen(app.ops, app.runbooks, "prod", {}))
        await settle(pilot, 0.3)
        screen = app.screen
        assert isinstance(screen, RunbookScreen)
        runs = screen.query_one("#rb-runs", DataTable)
        runs.focus()
        runs.move_cursor(row=runs.get_row_index(state.run_id))
        await pilot.press("enter")  # resume: the frozen world's engine refuses, the file's states stay
        await settle(pilot, 0.3)
        steps = screen.query_one("#rb-steps", DataTable)
        assert [str(steps.get_row(k)[2]) for k in ("hello", "ok", "scale")] == ["done", "approval", "pending"]
