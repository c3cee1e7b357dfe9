"""A run is driven by one process, and no change is sent twice: real `opsconsole` subprocesses on the
demo world (moto over HTTP). Two resumes race for one run; a run is killed with SIGKILL between a
change's intent and its outcome (moto did the call, the answer is withheld by a relay), then
resumed; the relay counts what reached moto."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from opsconsole.demo.world import DemoReady
from opsconsole.runbooks.library import runs_dir
from opsconsole.runbooks.ownership import RunLock, RunOwned, read_owner
from tests.conftest import config_with_own_journal
from tests.helpers import run_cli
from tests.runbooks.withhold import relay
from tests.world_helpers import admin

WAIT_FOR_WEB = """\
title: Wait until web is scaled by hand
inputs:
  env: environment
  want: {type: int, default: 7}
steps:
  - id: web_scaled
    kind: wait
    aws:
      service: ecs
      operation: describe_services
      params: {cluster: "{{ env.name }}-cluster", services: [web]}
    output: "result.services[0].desiredCount"
    until: "output == inputs.want"
    timeout: 2m
    interval: 0.3s
"""

THREE_CHANGES = """\
title: Scale, snapshot, reboot
inputs:
  env: environment
steps:
  - id: scale
    kind: action
    action: ecs.scale
    with: {cluster: "{{ env.name }}-cluster", service: worker, count: 3}
  - id: snap
    kind: action
    action: rds.snapshot
    with: {instance: "{{ env.name }}-db"}
  - id: reboot
    kind: action
    action: rds.reboot
    with: {instance: "{{ env.name }}-db"}
"""
OPERATION = {"scale": "UpdateService", "snap": "CreateDBSnapshot", "reboot": "RebootDBInstance"}


def opsconsole(config: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "opsconsole", "-c", str(config), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )


def run_state(run_id: str | None = None) -> dict[str, Any] | None:
    found = sorted(runs_dir().glob("*.json")) if runs_dir().is_dir() else []
    found = [p for p in found if run_id is None or p.stem == run_id]
    return json.loads(found[0].read_text()) if found else None


def wait_for(what: str, check: Any, child: subprocess.Popen[str] | None = None, limit: float = 60) -> Any:
    deadline = time.monotonic() + limit
    while not (value := check()):
        if child is not None and child.poll() is not None:
            pytest.fail(f"{what}: the process ended first: {child.communicate()}")
        assert time.monotonic() < deadline, f"{what}: not within {limit} s"
        time.sleep(0.05)
    return value


def kill_9(child: subprocess.Popen[str]) -> None:
    child.send_signal(signal.SIGKILL)
    child.wait(10)
    assert child.returncode == -signal.SIGKILL


def journal(tmp_path: Path) -> list[dict[str, Any]]:
    lines = (tmp_path / "audit.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def history_row(capsys: pytest.CaptureFixture[str], config: Path, run_id: str) -> dict[str, Any]:
    listed = run_cli(capsys, "-c", str(config), "runbook", "history", "-o", "json")
    assert listed.code == 0, listed.stderr
    return next(r for r in json.loads(listed.stdout) if r["run_id"] == run_id)


def test_a_second_lock_on_a_run_is_refused_naming_the_owner(tmp_path: Path) -> None:
    with RunLock(tmp_path, "r1").acquire():
        owner = read_owner(tmp_path, "r1")
        assert owner is not None and owner.pid == os.getpid() and owner.host == socket.gethostname()
        with pytest.raises(RunOwned) as refused:
            RunLock(tmp_path, "r1").acquire()
        assert f"pid {os.getpid()} on {socket.gethostname()}" in refused.value.message
    assert read_owner(tmp_path, "r1") is None  # released: the next owner may take it
    RunLock(tmp_path, "r1").acquire().release()


def test_two_resumes_race_one_owns_the_run_the_other_is_refused(
    demo_world: DemoReady, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = config_with_own_journal(demo_world, tmp_path)
    ecs = admin(demo_world, "staging", "ecs")
    # The world is shared by the session's tests: web goes back to its count at the end.
    before = ecs.describe_services(cluster="staging-cluster", services=["web"])["services"][0]["desiredCount"]
    try:
        _race_two_resumes(demo_world, config, tmp_path, capsys)
    finally:
        ecs.update_service(cluster="staging-cluster", service="web", desiredCount=before)


def _race_two_resumes(
    demo_world: DemoReady, config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ecs = admin(demo_world, "staging", "ecs")
    ecs.update_service(cluster="staging-cluster", service="web", desiredCount=2)
    book = tmp_path / "wait.yaml"
    book.write_text(WAIT_FOR_WEB, encoding="utf-8")
    first = opsconsole(config, "runbook", "run", str(book), "-i", "env=staging")
    try:
        state = wait_for("the run waits", lambda: (s := run_state()) and s["phase"] == "running" and s, first)
        kill_9(first)
    finally:
        first.kill()
    run_id = state["run_id"]
    dead = history_row(capsys, config, run_id)
    assert dead["status"] == "interrupted" and dead["owner"] is None, dead

    racers = [opsconsole(config, "runbook", "resume", run_id, "-o", "json") for _ in range(2)]
    try:
        loser = wait_for(
            "one resume is refused", lambda: next((r for r in racers if r.poll() is not None), None)
        )
        winner = next(r for r in racers if r is not loser)
        _, refusal = loser.communicate()
        assert loser.returncode == 3, refusal
        assert f"run {run_id} is being run by pid {winner.pid} on {socket.gethostname()}" in refusal
        assert "Traceback" not in refusal
        live = history_row(capsys, config, run_id)
        assert live["status"] == "running" and f"pid {winner.pid}" in live["owner"]
        ecs.update_service(cluster="staging-cluster", service="web", desiredCount=7)
        out, err = winner.communicate(timeout=60)
    finally:
        for racer in racers:
            racer.kill()
    assert winner.returncode == 0, err
    assert json.loads(out)["status"] == "succeeded"
    resumes = [r for r in journal(tmp_path) if r["action"] == "runbook-resume"]
    assert len(resumes) == 1 and resumes[0]["details"]["run_id"] == run_id
    assert history_row(capsys, config, run_id)["status"] == "succeeded"


@pytest.mark.parametrize("step", ["scale", "snap", "reboot"])
def test_kill_9_between_intent_and_outcome_then_resume_sends_nothing_twice(
    demo_world: DemoReady, tmp_path: Path, capsys: pytest.CaptureFixture[str], step: str
) -> None:
    rds = admin(demo_world, "dev", "rds")
    snapshots_before = len(rds.describe_db_snapshots(DBInstanceIdentifier="dev-db")["DBSnapshots"])
    book = tmp_path / "three.yaml"
    book.write_text(THREE_CHANGES, encoding="utf-8")
    with relay(demo_world.endpoint, hold={OPERATION[step]}) as wire:
        config = config_with_own_journal(demo_world, tmp_path)
        config.write_text(config.read_text().replace(demo_world.endpoint, wire.url), encoding="utf-8")
        child = opsconsole(config, "runbook", "run", str(book), "-i", "env=dev")
        try:
            wait_for("the held call reached moto", wire.held.is_set, child)
            killed = run_state()
            assert killed is not None and killed["cursor"] == step and killed["phase"] == "sending"
            kill_9(child)
        finally:
            child.kill()
        run_id = killed["run_id"]
        wire.hold.clear()
        assert wire.sent[OPERATION[step]] == 1

        # The audit trail: the change's intent, no outcome.
        unknown = run_cli(capsys, "-c", str(config), "audit", "list", "--outcome", "unknown", "-o", "json")
        [intent] = json.loads(unknown.stdout)
        assert intent["phase"] == "intent" and f"run {run_id} step {step}" in intent["reason"]
        assert f"`opsconsole runbook resume {run_id} --rerun-step` or `--skip-step`" in unknown.stderr
        row = history_row(capsys, config, run_id)
        assert row["status"] == "interrupted" and row["half_done_step"] == step

        # A plain resume stops and names the step and its unanswered intent; nothing is sent.
        asked = run_cli(capsys, "-c", str(config), "runbook", "resume", run_id)
        assert asked.code == 3, asked.stderr
        assert f"step {step} was sending its change" in asked.stderr and intent["id"] in asked.stderr
        assert wire.sent[OPERATION[step]] == 1

        done = run_cli(capsys, "-c", str(config), "runbook", "resume", run_id, "--skip-step", "-o", "json")
        assert done.code == 0, done.stderr
        assert json.loads(done.stdout)["status"] == "succeeded"
        for operation in OPERATION.values():
            assert wire.sent[operation] == 1, (operation, wire.sent)
    snapshots = rds.describe_db_snapshots(DBInstanceIdentifier="dev-db")["DBSnapshots"]
    assert len(snapshots) == snapshots_before + 1
    records = journal(tmp_path)
    intents = [r["action"] for r in records if r.get("phase") == "intent"]
    assert intents == ["ecs.scale", "rds.snapshot", "rds.reboot"]
    outcomes = {r["intent_id"] for r in records if r.get("phase") == "outcome"}
    assert [r["action"] for r in records if r.get("phase") == "intent" and r["id"] not in outcomes] == [
        {"scale": "ecs.scale", "snap": "rds.snapshot", "reboot": "rds.reboot"}[step]
    ]


def test_history_reads_a_silent_owner_on_another_host_as_dead(tmp_path: Path) -> None:
    from opsconsole.runbooks.ownership import STALE_AFTER_SECONDS, lock_path
    from opsconsole.runbooks.state import RunState, RunStore

    store = RunStore(tmp_path)
    state = RunState("r2", "book", "b.yaml", "Book", "", {}, "alice", "2026-11-30T00:00:00+00:00")
    state.cursor, state.phase = "snap", "sending"
    store.save(state)
    beat = time.time()
    owner = {"pid": 1, "host": "elsewhere", "started_at": "t", "heartbeat_at": "t", "heartbeat": beat}
    lock_path(tmp_path, "r2").write_text(json.dumps(owner))
    live = store.summary(state)
    assert live["status"] == "running" and live["owner"].startswith("pid 1 on elsewhere")
    owner["heartbeat"] = beat - STALE_AFTER_SECONDS - 1
    lock_path(tmp_path, "r2").write_text(json.dumps(owner))
    dead = store.summary(state)
    assert dead["status"] == "interrupted" and dead["half_done_step"] == "snap"
    assert "--rerun-step or --skip-step" in dead["error"]
