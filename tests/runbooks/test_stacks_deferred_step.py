"""A runbook's stacks.deploy step shows each deferred stack in the run's record once its change
set exists (the run's approval covers it, as --confirm does for the CLI). On a moto server over
HTTP (the open demo world)."""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path
from typing import Any

from opsconsole.app.console import Console
from opsconsole.config import load_settings
from opsconsole.demo.world import DemoReady
from opsconsole.runbooks.model import Step
from opsconsole.runbooks.steps import StepRun, act
from tests.stacks.test_realworld_moto import available, estate_config


def test_a_deferred_stack_is_shown_in_the_runs_record_before_it_runs(
    open_world: DemoReady, tmp_path: Path
) -> None:
    root, config = estate_config(open_world, tmp_path, "rbk")
    console = Console.build(dataclasses.replace(load_settings(config, environ={}), stacks_root=str(root)))
    emitted: list[tuple[str, str, dict[str, Any]]] = []
    run = StepRun(
        console=console,
        environment="staging",
        context={},
        dry_run=False,
        reason="runbook test",
        emit=lambda kind, message, data: emitted.append((kind, message, data)),
        stop=threading.Event(),
        mark_sending=lambda: None,
    )
    step = Step("deploy", "action", 1, action="stacks.deploy", params={"stacks": ["vpc", "cluster"]})
    summary = act(run, step)
    assert [(s["stack"], s["action"]) for s in summary["stacks"]] == [
        ("rbk-staging-vpc", "create"),
        ("rbk-staging-cluster", "after upstream"),
    ]
    [(_kind, message, data)] = [e for e in emitted if e[0] == "deferred"]
    assert message.startswith("rbk-staging-cluster was deferred; now create: ")
    assert "Add ECSCluster (AWS::ECS::Cluster)" in data["changes"]
    assert {o["stack"]: o["status"] for o in summary["outcomes"]} == {
        "rbk-staging-vpc": "complete",
        "rbk-staging-cluster": "complete",
    }
    assert available(open_world, "staging", "rbk-") == []
