"""An approval binds the planned calls of the change it lets through, not only the environment and
a message: bob approves "worker +1" while it means desiredCount N+1; someone scales worker
meanwhile, so the resumed run plans N+3; bob's proof is refused for those calls, a new request
for them is published, and only bob's second approval lets the change through. Demo world, moto
with IAM enforcement, signed proofs checked by STS."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from opsconsole.demo.world import DemoReady
from tests.conftest import config_with_own_journal
from tests.helpers import run_cli
from tests.world_helpers import admin

SCALE = """\
title: Approve, then one more worker
inputs:
  env: environment
steps:
  - id: ok
    kind: approve
    message: "one more worker in {{ env.name }}"
  - id: scale
    kind: action
    action: ecs.scale
    with: {cluster: "{{ env.name }}-cluster", service: worker, delta: 1}
"""


def _desired(world: DemoReady) -> int:
    ecs = admin(world, "prod", "ecs")
    return int(
        ecs.describe_services(cluster="prod-cluster", services=["worker"])["services"][0]["desiredCount"]
    )


def _set_desired(world: DemoReady, count: int) -> None:
    admin(world, "prod", "ecs").update_service(cluster="prod-cluster", service="worker", desiredCount=count)


def _pending(capsys: pytest.CaptureFixture[str], bob: str, run_id: str) -> dict[str, Any]:
    view = json.loads(run_cli(capsys, "-c", bob, "team", "-o", "json").stdout)
    return next(a for a in view["approvals"] if a["run"] == run_id)


def _scales(journal: Path) -> list[dict[str, Any]]:
    records = [json.loads(line) for line in journal.read_text(encoding="utf-8").splitlines() if line]
    return [r for r in records if r["action"] == "ecs.scale" and r.get("phase") == "intent"]


def test_a_proof_for_other_calls_is_refused_and_the_new_calls_need_a_new_approval(
    demo_world: DemoReady, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    alice = str(config_with_own_journal(demo_world, tmp_path))
    bob = str(demo_world.config_path.with_name("opsconsole-bob.toml"))
    book = tmp_path / "scale.yaml"
    book.write_text(SCALE, encoding="utf-8")
    before = _desired(demo_world)
    try:
        stopped = run_cli(capsys, "-c", alice, "runbook", "run", str(book), "-i", "env=prod", "-o", "json")
        assert stopped.code == 3, stopped.stderr
        run_id = json.loads(stopped.stdout)["run_id"]
        first = _pending(capsys, bob, run_id)
        assert f"desiredCount={before + 1}" in first["summary"], "the approver sees the planned call"
        assert run_cli(capsys, "-c", bob, "runbook", "approve", run_id, "ok").code == 0
        _set_desired(demo_world, before + 2)  # another operator's change: +1 now means before + 3
        refused = run_cli(capsys, "-c", alice, "runbook", "resume", run_id, "-o", "json")
        assert refused.code == 3 and "not for" in refused.stderr, refused.stderr
        assert _desired(demo_world) == before + 2 and _scales(tmp_path / "audit.jsonl") == []
        second = _pending(capsys, bob, run_id)
        assert second["digest"] != first["digest"] and not second["signed"]
        assert f"desiredCount={before + 3}" in second["summary"]
        assert run_cli(capsys, "-c", bob, "runbook", "approve", run_id, "ok").code == 0
        done = run_cli(capsys, "-c", alice, "runbook", "resume", run_id, "-o", "json")
        assert done.code == 0, done.stderr
        assert _desired(demo_world) == before + 3
        sent = _scales(tmp_path / "audit.jsonl")
        assert len(sent) == 1 and f"desiredCount={before + 3}" in json.dumps(sent[0])
    finally:  # the world is shared by the session's tests
        _set_desired(demo_world, before)
