"""The engine on its own: approvals, second person, failures and retries, dry run, resume rules, audit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from opsconsole.config import load_settings
from opsconsole.runbooks.engine import RunbookEngine, RunInterrupted
from opsconsole.runbooks.events import ApprovalRequest, RunEvent
from opsconsole.runbooks.library import runs_dir
from opsconsole.runbooks.loader import parse_runbook
from opsconsole.runbooks.state import SENDING, RunStore
from tests.runbooks.fakes import MonitoredServices

CONFIG = """\
[identity]
operator = "alice"
[environments.dev]
account_id = "111111111111"
region = "eu-west-1"
zabbix = { host_groups = ["dev"] }
[environments.dev.roles]
read = "arn:aws:iam::111111111111:role/OpsConsoleReadOnly"
[environments.prod]
account_id = "333333333333"
region = "eu-west-1"
protected = true
zabbix = { host_groups = ["prod"] }
[environments.prod.roles]
read = "arn:aws:iam::333333333333:role/OpsConsoleReadOnly"
"""

ACK = """\
title: Acknowledge after approval
inputs:
  env: environment
  eventid: problem
steps:
  - id: errors
    kind: query
    logs: {query: "env:{{ env.name }} AND status:>=500", window: 5m}
  - id: approve
    kind: approve
    message: "ack {{ inputs.eventid }} ({{ steps.errors }} errors)"
  - id: ack
    kind: action
    action: zabbix.acknowledge
    with: {eventids: "{{ inputs.eventid }}", message: "seen"}
"""


@pytest.fixture
def services(tmp_path: Path) -> MonitoredServices:
    path = tmp_path / "opsconsole.toml"
    path.write_text(CONFIG + f'[audit]\njournal = "{tmp_path / "audit.jsonl"}"\n', encoding="utf-8")
    built = MonitoredServices.build(load_settings(path, environ={}))
    assert isinstance(built, MonitoredServices)
    return built


def engine(
    services: MonitoredServices, events: list[RunEvent] | None = None, approve_as: str | None = None
) -> RunbookEngine:
    def approver(request: ApprovalRequest) -> None:
        if approve_as:
            request.approve(approve_as)

    sink = events if events is not None else []
    return RunbookEngine(services, RunStore(runs_dir()), on_event=sink.append, approver=approver)


def audit(services: MonitoredServices) -> list[dict[str, object]]:
    return [r.to_json_dict() for r in services.audit_records()]


def test_a_run_without_an_approver_pauses_and_resumes_after_approval(services: MonitoredServices) -> None:
    services.monitoring.log_counts["status:>=500"] = 7
    book = parse_runbook(ACK, "ack.yaml")
    paused = engine(services).start(book, {"env": "dev", "eventid": "42"})
    assert (paused.status, paused.cursor) == ("awaiting_approval", "approve")
    assert services.monitoring.acknowledged == []
    on_disk = json.loads((runs_dir() / f"{paused.run_id}.json").read_text())
    assert on_disk["status"] == "awaiting_approval" and on_disk["outputs"] == {"errors": 7}
    done = engine(services, approve_as="alice").resume(paused.run_id)
    assert done.status == "succeeded"
    assert services.monitoring.acknowledged == [("dev", ("42",), "seen")]
    # The query that ran before the pause did not run again.
    assert [h.step for h in done.history] == ["errors", "approve", "ack"]
    approval = next(r for r in audit(services) if r["action"] == "runbook-approval")
    assert approval["details"]["approver"] == "alice"  # type: ignore[index]


def test_protected_environments_need_a_second_person(services: MonitoredServices) -> None:
    book = parse_runbook(ACK, "ack.yaml")
    events: list[RunEvent] = []
    refused = engine(services, events, approve_as="alice").start(book, {"env": "prod", "eventid": "42"})
    assert refused.status == "awaiting_approval"
    assert any(e.kind == "approval-refused" and "second person" in e.message for e in events)
    assert services.monitoring.acknowledged == []
    done = engine(services, approve_as="bob").resume(refused.run_id)
    assert done.status == "succeeded" and services.monitoring.acknowledged == [("prod", ("42",), "seen")]
    assert done.approvals["approve"]["by"] == "bob"


def test_a_change_in_a_protected_environment_without_an_approve_step_fails(
    services: MonitoredServices,
) -> None:
    text = ACK.replace("  - id: approve\n    kind: approve\n", "  - id: look\n    kind: note\n").replace(
        '    message: "ack', '    text: "ack'
    )
    state = engine(services).start(parse_runbook(text, "x.yaml"), {"env": "prod", "eventid": "42"})
    assert state.status == "failed" and "no approve step was approved by a second person" in (
        state.error or ""
    )
    assert services.monitoring.acknowledged == []


def test_on_failure_goto_continue_and_retries(services: MonitoredServices) -> None:
    answers = iter([0, 0, 5])
    services.monitoring.on_count = lambda query: next(answers) if "flaky" in query else None
    text = """\
title: Failures
inputs: {env: environment}
steps:
  - id: flaky
    kind: query
    logs: {query: flaky}
    assert: "output > `0`"
    retries: 2
    retry_delay: 0s
  - id: strict
    kind: query
    logs: {query: strict}
    assert: "output > `0`"
    on_failure: continue
  - id: checked
    kind: query
    logs: {query: strict}
    assert: "output > `0`"
    on_failure: {goto: fallback}
  - id: skipped
    kind: note
    text: never
  - id: fallback
    kind: note
    text: "flaky said {{ steps.flaky }}"
"""
    state = engine(services).start(parse_runbook(text, "f.yaml"), {"env": "dev"})
    assert state.status == "succeeded"
    assert [(h.step, h.status, h.attempt) for h in state.history] == [
        ("flaky", "failed", 1),
        ("flaky", "failed", 2),
        ("flaky", "succeeded", 3),
        ("strict", "failed", 1),
        ("checked", "failed", 1),
        ("fallback", "succeeded", 1),
    ]
    assert state.outputs["fallback"] == "flaky said 5"


def test_a_dry_run_sends_no_change_asks_no_approval_and_keeps_no_run_file(
    services: MonitoredServices,
) -> None:
    events: list[RunEvent] = []
    state = engine(services, events).start(
        parse_runbook(ACK, "ack.yaml"), {"env": "prod", "eventid": "9"}, dry_run=True
    )
    assert state.status == "succeeded"
    assert services.monitoring.calls == []
    assert not runs_dir().exists() or not list(runs_dir().glob("*.json"))
    assert any(e.kind == "approval-needed" for e in events)


def test_a_change_interrupted_while_sending_is_not_sent_again_unasked(services: MonitoredServices) -> None:
    book = parse_runbook(ACK, "ack.yaml")
    store = RunStore(runs_dir())
    paused = engine(services).start(book, {"env": "dev", "eventid": "42"})
    # As a kill -9 between 'sending' and the end of the step leaves it.
    crashed = store.load(paused.run_id)
    crashed.cursor, crashed.phase, crashed.approvals = (
        "ack",
        SENDING,
        {"approve": {"approved": True, "by": "alice"}},
    )
    store.save(crashed)
    with pytest.raises(RunInterrupted) as caught:
        engine(services).resume(paused.run_id)
    assert "--rerun-step" in str(caught.value)
    assert store.load(paused.run_id).status == "interrupted"
    skipped = engine(services).resume(paused.run_id, skip=True)
    assert skipped.status == "succeeded" and services.monitoring.acknowledged == []
    assert [(h.step, h.status) for h in skipped.history][-1] == ("ack", "skipped")


def test_every_step_is_audited_with_inputs_outputs_actor_and_timing(services: MonitoredServices) -> None:
    services.monitoring.log_counts["status:>=500"] = 3
    events: list[RunEvent] = []
    state = engine(services, events, approve_as="alice").start(
        parse_runbook(ACK, "ack.yaml"), {"env": "dev", "eventid": "42"}, reason="INC-7"
    )
    steps = [r for r in audit(services) if r["action"] == "runbook-step"]
    ends = [r["details"] for r in steps if r["details"]["phase"] == "end"]  # type: ignore[index]
    assert [e["step"] for e in ends] == ["errors", "approve", "ack"]  # type: ignore[index]
    errors = ends[0]
    assert errors["output"] == 3 and errors["actor"] == "alice"  # type: ignore[index]
    assert errors["inputs"] == {"logs": {"query": "env:dev AND status:>=500", "window": "5m"}}  # type: ignore[index]
    assert errors["duration_ms"] >= 0 and errors["started"] <= errors["finished"]  # type: ignore[index]
    assert all(r["reason"] == "INC-7" and r["details"]["run_id"] == state.run_id for r in steps)  # type: ignore[index]
    kinds = [e.kind for e in events]
    assert kinds[0] == "run-started" and kinds[-1] == "run-finished"
    assert kinds.count("step-started") == kinds.count("step-finished") == 3


def test_templates_keep_types_when_whole_and_interpolate_otherwise() -> None:
    from opsconsole.runbooks.expressions import render

    context = {"env": {"name": "dev", "account_id": "111"}, "inputs": {"n": 3}}
    assert render("{{ inputs.n }}", context) == 3
    assert render("{{ env.name }}-app-{{ env.account_id }}", context) == "dev-app-111"
    assert render({"list": ["x{{ inputs.n }}"]}, context) == {"list": ["x3"]}
