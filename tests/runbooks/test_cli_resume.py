"""The runbook CLI on the demo world: a real subprocess killed with SIGKILL mid-wait resumes at that
step with no step run twice; approvals stop a non-interactive run (exit 3) until resumed."""

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
from tests.conftest import BadRelease, config_with_own_journal
from tests.helpers import run_cli
from tests.world_helpers import admin

WAITING = """\
title: Scale, then wait for web
inputs:
  env: environment
  web: {type: int, default: 4}
steps:
  - id: scale
    kind: action
    action: ecs.scale
    with: {cluster: "{{ env.name }}-cluster", service: worker, count: 2}
  - id: web_scaled
    kind: wait
    aws:
      service: ecs
      operation: describe_services
      params: {cluster: "{{ env.name }}-cluster", services: [web]}
    output: "result.services[0].desiredCount"
    until: "output == inputs.web"
    timeout: 2m
    interval: 0.3s
  - id: done
    kind: note
    text: "web runs {{ steps.web_scaled }}"
"""

APPROVAL = """\
title: Approve, then redeploy
inputs:
  env: environment
steps:
  - id: ok
    kind: approve
    message: "redeploy varnish in {{ env.name }}"
  - id: redeploy
    kind: action
    action: ecs.redeploy
    with: {cluster: "{{ env.name }}-cluster", service: varnish}
"""


@pytest.fixture
def world(bad_release_world: BadRelease) -> DemoReady:
    """The shared demo world of the bad release (prod's api): these runs touch dev's web and the
    varnish services only, which the other tests of that world do not read."""
    return bad_release_world.ready


@pytest.fixture
def config(world: DemoReady, tmp_path: Path) -> str:
    return str(config_with_own_journal(world, tmp_path))


def journal(tmp_path: Path) -> list[dict[str, Any]]:
    lines = (tmp_path / "audit.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines if line.strip()]
    return [r for r in records if r.get("phase") != "outcome"]


def run_file(state: Path) -> dict[str, Any] | None:
    found = list(state.glob("*.json")) if state.is_dir() else []
    return json.loads(found[0].read_text()) if found else None


def test_kill_9_during_a_wait_resumes_at_that_step_and_runs_no_step_twice(
    world: DemoReady, config: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    admin(world, "dev", "ecs").update_service(cluster="dev-cluster", service="web", desiredCount=2)
    book = tmp_path / "waiting.yaml"
    book.write_text(WAITING, encoding="utf-8")
    child = subprocess.Popen(
        [sys.executable, "-m", "opsconsole", "-c", config, "runbook", "run", str(book), "--input", "env=dev"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=dict(os.environ),
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            state = run_file(runs_dir())
            if state and state["cursor"] == "web_scaled" and state["phase"] == "running":
                break
            assert child.poll() is None, child.communicate()
            assert time.monotonic() < deadline, "the run never reached its wait step"
            time.sleep(0.1)
        time.sleep(1.0)  # a few polls of the wait
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL
    killed = run_file(runs_dir())
    assert killed is not None and killed["status"] == "running" and killed["cursor"] == "web_scaled"
    admin(world, "dev", "ecs").update_service(cluster="dev-cluster", service="web", desiredCount=4)

    resumed = run_cli(capsys, "-c", config, "runbook", "resume", killed["run_id"], "-o", "json")
    assert resumed.code == 0, resumed.stderr
    result = json.loads(resumed.stdout)
    assert result["status"] == "succeeded" and result["outputs"]["web_scaled"] == 4
    assert result["steps"] == ["scale", "web_scaled", "done"]

    records = journal(tmp_path)
    steps = [(r["details"]["step"], r["details"]["phase"]) for r in records if r["action"] == "runbook-step"]
    # Both halves: the wait started before the kill and again after the resume; it ended once.
    assert steps.count(("web_scaled", "start")) == 2 and steps.count(("web_scaled", "end")) == 1
    assert steps.count(("scale", "end")) == 1 and steps.count(("scale", "start")) == 1
    assert [r["action"] for r in records].count("ecs.scale") == 1
    resume_at = next(i for i, r in enumerate(records) if r["action"] == "runbook-resume")
    assert records[resume_at]["details"]["step"] == "web_scaled"
    assert steps.index(("web_scaled", "start")) < resume_at
    history = run_cli(capsys, "-c", config, "runbook", "history", killed["run_id"], "-o", "json")
    assert [s["step"] for s in json.loads(history.stdout)["steps"]] == ["scale", "web_scaled", "done"]


def alone(config: str) -> str:
    """The config without its [team] table: a console that works alone."""
    path = Path(config)
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("\n[team]\n")] + "\n", encoding="utf-8")
    return config


def test_a_non_interactive_run_stops_at_an_approval_and_resumes_with_a_second_person(
    config: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = alone(config)  # alone, an approval is a name; with a team it is a signed proof (below)
    book = tmp_path / "approve.yaml"
    book.write_text(APPROVAL, encoding="utf-8")
    stopped = run_cli(capsys, "-c", config, "runbook", "run", str(book), "--input", "env=prod", "-o", "json")
    assert stopped.code == 3, stopped.stderr
    run_id = json.loads(stopped.stdout)["run_id"]
    assert f"opsconsole runbook resume {run_id} --approve-as NAME" in stopped.stderr
    # prod is protected: alice started the run, so alice may not approve it.
    same = run_cli(capsys, "-c", config, "runbook", "resume", run_id, "--approve-as", "alice")
    assert same.code == 3 and "a second person must approve" in same.stderr
    assert "ecs.redeploy" not in [r["action"] for r in journal(tmp_path)]
    done = run_cli(capsys, "-c", config, "runbook", "resume", run_id, "--approve-as", "bob", "-o", "json")
    assert done.code == 0, done.stderr
    assert json.loads(done.stdout)["status"] == "succeeded"
    records = journal(tmp_path)
    approval = next(r for r in records if r["action"] == "runbook-approval")
    assert approval["details"]["approver"] == "bob" and approval["details"]["started_by"] == "alice"
    redeploy = next(r for r in records if r["action"] == "ecs.redeploy")
    assert redeploy["environment"] == "prod" and redeploy["tier"] == "operate"


def test_dry_run_from_the_cli_lists_every_call_and_sends_none(
    config: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = tmp_path / "approve.yaml"
    book.write_text(APPROVAL, encoding="utf-8")
    result = run_cli(
        capsys, "-c", config, "runbook", "run", str(book), "-i", "env=dev", "--dry-run", "-o", "json"
    )
    assert result.code == 0, result.stderr
    calls = json.loads(result.stdout)["calls"]
    assert [c["call"] for c in calls] == [
        "would call: ecs.update_service(cluster='dev-cluster', service='varnish', forceNewDeployment=True)"
    ]
    assert "ecs.redeploy" not in [r["action"] for r in journal(tmp_path)]


def test_bad_inputs_exit_2_naming_them(
    config: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = tmp_path / "waiting.yaml"
    book.write_text(WAITING, encoding="utf-8")
    result = run_cli(capsys, "-c", config, "runbook", "run", str(book), "-i", "web=many", "-i", "colour=red")
    assert result.code == 2
    assert "unknown input 'colour'" in result.stderr and "missing input env" in result.stderr
    assert "input web: 'many' is not a whole number" in result.stderr
    assert "Traceback" not in result.stderr


def test_list_and_show_the_shipped_runbooks(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPSCONSOLE_RUNBOOKS", str(Path(__file__).resolve().parents[2] / "runbooks"))
    listed = run_cli(capsys, "runbook", "list", "-o", "json")
    shown = run_cli(capsys, "runbook", "show", "deploy-5xx-spike", "-o", "json")
    names = {r["name"] for r in json.loads(listed.stdout)}
    assert names == {
        "zabbix-agent-missing",
        "rds-cpu-high",
        "deploy-5xx-spike",
        "s3-replication-kms",
        "deploy-with-maintenance",
    }
    assert all(r["valid"] for r in json.loads(listed.stdout))
    inputs = {i["name"]: i["type"] for i in json.loads(shown.stdout)["inputs"]}
    assert inputs == {"env": "environment", "service": "ecs_service", "threshold": "int"}


def test_with_a_team_an_approval_is_a_signed_proof_from_the_approvers_own_console(
    world: DemoReady, config: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bob = str(world.config_path.with_name("opsconsole-bob.toml"))
    book = tmp_path / "approve.yaml"
    book.write_text(APPROVAL, encoding="utf-8")
    stopped = run_cli(capsys, "-c", config, "runbook", "run", str(book), "--input", "env=prod", "-o", "json")
    assert stopped.code == 3, stopped.stderr
    run_id = json.loads(stopped.stdout)["run_id"]
    assert f"opsconsole runbook approve {run_id} ok" in stopped.stderr
    team = json.loads(run_cli(capsys, "-c", bob, "team", "-o", "json").stdout)
    assert any(r["run_id"] == run_id and r["waiting_step"] == "ok" for r in team["runs"]), team["runs"]
    typed = run_cli(capsys, "-c", config, "runbook", "resume", run_id, "--approve-as", "bob")
    assert typed.code == 3, "a typed name is no approval: the run still waits for a signed one"
    own = run_cli(capsys, "-c", config, "runbook", "approve", run_id, "ok")
    assert own.code == 3 and "four eyes" in own.stderr
    assert "ecs.redeploy" not in [r["action"] for r in journal(tmp_path)]
    signed = run_cli(capsys, "-c", bob, "runbook", "approve", run_id, "ok")
    assert signed.code == 0, signed.stderr
    done = run_cli(capsys, "-c", config, "runbook", "resume", run_id, "-o", "json")
    assert done.code == 0, done.stderr
    assert json.loads(done.stdout)["status"] == "succeeded"
    approval = next(r for r in journal(tmp_path) if r["action"] == "runbook-approval")
    assert approval["details"]["approver"].endswith(":user/bob")
    assert "ecs.redeploy" in [r["action"] for r in journal(tmp_path)]
