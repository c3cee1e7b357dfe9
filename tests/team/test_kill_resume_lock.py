"""kill -9 of a runbook run that holds prod's team lock (its scale sent, its wait polling): the
lease stays with the dead process, so `runbook resume` refuses (naming it) until the lease
expires or someone breaks it (audited); after the break the resume takes the lock again, ends the
run and lets go; the scale was sent once. Demo world: moto with IAM enforcement, bob's signed
approval checked by STS, the run in a real subprocess killed with SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from opsconsole.demo.world import DemoReady
from opsconsole.runbooks.library import runs_dir
from tests.conftest import config_with_own_journal
from tests.helpers import run_cli
from tests.world_helpers import admin

BOOK = """\
title: Scale worker, then wait for web
inputs:
  env: environment
  worker: {type: int}
  web: {type: int}
steps:
  - id: ok
    kind: approve
    message: "worker to {{ inputs.worker }} in {{ env.name }}"
  - id: scale
    kind: action
    action: ecs.scale
    with: {cluster: "{{ env.name }}-cluster", service: worker, count: "{{ inputs.worker }}"}
  - id: web_scaled
    kind: wait
    aws:
      service: ecs
      operation: describe_services
      params: {cluster: "{{ env.name }}-cluster", services: [web]}
    output: "result.services[0].desiredCount"
    until: "output == inputs.web"
    timeout: 3m
    interval: 0.3s
"""


def _desired(world: DemoReady, service: str) -> int:
    ecs = admin(world, "prod", "ecs")
    return int(
        ecs.describe_services(cluster="prod-cluster", services=[service])["services"][0]["desiredCount"]
    )


def _set(world: DemoReady, service: str, count: int) -> None:
    admin(world, "prod", "ecs").update_service(cluster="prod-cluster", service=service, desiredCount=count)


def _run_file(run_id: str) -> dict[str, Any]:
    return dict(json.loads((runs_dir() / f"{run_id}.json").read_text(encoding="utf-8")))


def _records(journal: Path, action: str) -> list[dict[str, Any]]:
    lines = journal.read_text(encoding="utf-8").splitlines()
    return [r for r in (json.loads(line) for line in lines if line) if r["action"] == action]


def _prod_lock(capsys: pytest.CaptureFixture[str], config: str) -> dict[str, Any] | None:
    view = json.loads(run_cli(capsys, "-c", config, "team", "-o", "json").stdout)
    return next((lock for lock in view["locks"] if lock["environment"] == "prod"), None)


def _wait_until_polling(child: subprocess.Popen[bytes], run_id: str) -> None:
    deadline = time.monotonic() + 120
    while True:
        state = _run_file(run_id)
        if state["cursor"] == "web_scaled" and state["phase"] == "running":
            return
        assert child.poll() is None, child.communicate()
        assert time.monotonic() < deadline, "the resumed run never reached its wait step"
        time.sleep(0.1)


def test_a_run_killed_holding_the_lock_resumes_only_after_an_audited_break(
    demo_world: DemoReady, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    alice = str(config_with_own_journal(demo_world, tmp_path))
    bob = str(demo_world.config_path.with_name("opsconsole-bob.toml"))
    journal = tmp_path / "audit.jsonl"
    book = tmp_path / "book.yaml"
    book.write_text(BOOK, encoding="utf-8")
    worker, web = _desired(demo_world, "worker"), _desired(demo_world, "web")
    inputs = ["-i", "env=prod", "-i", f"worker={worker + 1}", "-i", f"web={web + 5}"]
    child: subprocess.Popen[bytes] | None = None
    try:
        stopped = run_cli(capsys, "-c", alice, "runbook", "run", str(book), *inputs, "-o", "json")
        assert stopped.code == 3, stopped.stderr
        run_id = json.loads(stopped.stdout)["run_id"]
        assert run_cli(capsys, "-c", bob, "runbook", "approve", run_id, "ok").code == 0
        command = [sys.executable, "-m", "opsconsole", "-c", alice, "runbook", "resume", run_id]
        child = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(os.environ)
        )
        _wait_until_polling(child, run_id)
        held = _prod_lock(capsys, bob)
        assert held is not None and held["purpose"] == f"runbook book run {run_id}", held
        assert _run_file(run_id)["holds"] == ["prod"]
        child.send_signal(signal.SIGKILL)
        child.wait(10)
        scaled = [r["phase"] for r in _records(journal, "ecs.scale")]
        assert _desired(demo_world, "worker") == worker + 1 and scaled == ["intent", "outcome"]

        refused = run_cli(capsys, "-c", alice, "runbook", "resume", run_id)
        assert refused.code == 3, refused.stderr
        assert (
            "still locked by this run's previous process" in refused.stderr
            and "Traceback" not in refused.stderr
        )
        assert _prod_lock(capsys, bob) is not None, "the dead process's lease is live until it expires"

        reason = f"run {run_id} was killed holding prod"
        assert run_cli(capsys, "-c", alice, "team", "break", "prod", "--reason", reason).code == 0
        broke = _records(journal, "team.break")
        assert [r["phase"] for r in broke] == ["intent", "outcome"] and broke[0]["reason"] == reason
        _set(demo_world, "web", web + 5)  # what the wait waits for
        done = run_cli(capsys, "-c", alice, "runbook", "resume", run_id, "-o", "json")
        assert done.code == 0, done.stderr
        assert json.loads(done.stdout)["status"] == "succeeded"
        assert len([r for r in _records(journal, "ecs.scale") if r["phase"] == "intent"]) == 1, "sent once"
        assert _run_file(run_id)["holds"] == [] and _prod_lock(capsys, bob) is None
    finally:
        if child is not None and child.poll() is None:
            child.kill()
        _set(demo_world, "worker", worker)  # the world is shared by the session's tests
        _set(demo_world, "web", web)
        if _prod_lock(capsys, bob) is not None:
            run_cli(capsys, "-c", bob, "team", "break", "prod", "--reason", "test cleanup")
