"""The engine on its own: approvals, second person, failures and retries, dry run, resume rules, audit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from opsconsole.app.runbooks import Runbooks
from opsconsole.runbooks.engine import RunbookEngine, RunInterrupted
from opsconsole.runbooks.events import ApprovalRequest, RunEvent
from opsconsole.runbooks.library import runs_dir
from opsconsole.runbooks.loader import parse_runbook
from opsconsole.runbooks.state import SENDING, RunStore
from tests.runbooks.fakes import FakeProblem, Monitored, monitored_console

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
def world(tmp_path: Path) -> Monitored:
    built = monitored_console(tmp_path)
    built.zabbix.problems += [FakeProblem("42", "dev"), FakeProblem("42", "prod"), FakeProblem("9", "prod")]
    return built


def engine(
    world: Monitored, events: list[RunEvent] | None = None, approve_as: str | None = None
) -> RunbookEngine:
    def approver(request: ApprovalRequest) -> None:
        if approve_as:
            request.approve(approve_as)

    sink = events if events is not None else []
    return Runbooks(world.console).engine(on_event=sink.append, approver=approver)


def audit(world: Monitored) -> list[dict[str, Any]]:
    return [r.to_json_dict() for r in world.console.audit.records()]


def acknowledged(world: Monitored) -> list[tuple[str | None, tuple[str, ...], str | None]]:
    """The event.acknowledge calls Zabbix received, with the environment their audit intent names:
    (environment, event ids, message)."""
    sent = [params for method, params in world.zabbix.changes if method == "event.acknowledge"]
    intents = [
        r.environment
        for r in world.console.audit.records()
        if r.action == "zabbix.acknowledge" and r.phase == "intent"
    ]
    assert len(intents) == len(sent)
    return [(env, tuple(p["eventids"]), p.get("message")) for env, p in zip(intents, sent, strict=True)]


def test_a_run_without_an_approver_pauses_and_resumes_after_approval(world: Monitored) -> None:
    world.graylog.counts["status:>=500"] = 7
    book = parse_runbook(ACK, "ack.yaml")
    paused = engine(world).start(book, {"env": "dev", "eventid": "42"})
    assert (paused.status, paused.cursor) == ("awaiting_approval", "approve")
    assert acknowledged(world) == []
    on_disk = json.loads((runs_dir() / f"{paused.run_id}.json").read_text())
    assert on_disk["status"] == "awaiting_approval" and on_disk["outputs"] == {"errors": 7}
    done = engine(world, approve_as="alice").resume(paused.run_id)
    assert done.status == "succeeded"
    assert acknowledged(world) == [("dev", ("42",), "seen")]
    # The query that ran before the pause did not run again.
    assert [h.step for h in done.history] == ["errors", "approve", "ack"]
    approval = next(r for r in audit(world) if r["action"] == "runbook-approval")
    assert approval["details"]["approver"] == "alice"


def test_protected_environments_need_a_second_person(world: Monitored) -> None:
    book = parse_runbook(ACK, "ack.yaml")
    events: list[RunEvent] = []
    refused = engine(world, events, approve_as="alice").start(book, {"env": "prod", "eventid": "42"})
    assert refused.status == "awaiting_approval"
    assert any(e.kind == "approval-refused" and "second person" in e.message for e in events)
    assert acknowledged(world) == []
    done = engine(world, approve_as="bob").resume(refused.run_id)
    assert done.status == "succeeded" and acknowledged(world) == [("prod", ("42",), "seen")]
    assert done.approvals["approve"]["by"] == "bob"


def test_a_change_in_a_protected_environment_without_an_approve_step_fails(
    world: Monitored,
) -> None:
    text = ACK.replace("  - id: approve\n    kind: approve\n", "  - id: look\n    kind: note\n").replace(
        '    message: "ack', '    text: "ack'
    )
    state = engine(world).start(parse_runbook(text, "x.yaml"), {"env": "prod", "eventid": "42"})
    assert state.status == "failed" and "no approve step was approved by a second person" in (
        state.error or ""
    )
    assert acknowledged(world) == []


def test_on_failure_goto_continue_and_retries(world: Monitored) -> None:
    answers = iter([0, 0, 5])
    world.graylog.on_count = lambda query: next(answers) if "flaky" in query else None
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
    state = engine(world).start(parse_runbook(text, "f.yaml"), {"env": "dev"})
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
    world: Monitored,
) -> None:
    events: list[RunEvent] = []
    state = engine(world, events).start(
        parse_runbook(ACK, "ack.yaml"), {"env": "prod", "eventid": "9"}, dry_run=True
    )
    assert state.status == "succeeded"
    assert world.zabbix.changes == []
    assert not runs_dir().exists() or not list(runs_dir().glob("*.json"))
    assert any(e.kind == "approval-needed" for e in events)


def test_a_closing_note_of_a_dry_run_says_nothing_was_changed(world: Monitored) -> None:
    events: list[RunEvent] = []
    book = ACK + "  - id: done\n    kind: note\n    text: acknowledged {{ inputs.eventid }}\n"
    for dry_run in (True, False):
        engine(world, events, approve_as="bob").start(
            parse_runbook(book, "ack.yaml"), {"env": "dev", "eventid": "42"}, dry_run=dry_run
        )
    notes = [e.message for e in events if e.kind == "note"]
    assert notes == [
        "(dry run: nothing was changed; a real run would end here with) acknowledged 42",
        "acknowledged 42",
    ]


def test_a_change_interrupted_while_sending_is_not_sent_again_unasked(world: Monitored) -> None:
    book = parse_runbook(ACK, "ack.yaml")
    store = RunStore(runs_dir())
    paused = engine(world).start(book, {"env": "dev", "eventid": "42"})
    # As a kill -9 between 'sending' and the end of the step leaves it.
    crashed = store.load(paused.run_id)
    crashed.cursor, crashed.phase, crashed.approvals = (
        "ack",
        SENDING,
        {"approve": {"approved": True, "by": "alice"}},
    )
    store.save(crashed)
    with pytest.raises(RunInterrupted) as caught:
        engine(world).resume(paused.run_id)
    assert "--rerun-step" in str(caught.value)
    assert store.load(paused.run_id).status == "interrupted"
    skipped = engine(world).resume(paused.run_id, skip=True)
    assert skipped.status == "succeeded" and acknowledged(world) == []
    assert [(h.step, h.status) for h in skipped.history][-1] == ("ack", "skipped")


def test_every_step_is_audited_with_inputs_outputs_actor_and_timing(world: Monitored) -> None:
    world.graylog.counts["status:>=500"] = 3
    events: list[RunEvent] = []
    state = engine(world, events, approve_as="alice").start(
        parse_runbook(ACK, "ack.yaml"), {"env": "dev", "eventid": "42"}, reason="INC-7"
    )
    steps = [r for r in audit(world) if r["action"] == "runbook-step"]
    ends = [r["details"] for r in steps if r["details"]["phase"] == "end"]
    assert [e["step"] for e in ends] == ["errors", "approve", "ack"]
    errors = ends[0]
    assert errors["output"] == 3 and errors["actor"] == "alice"
    assert errors["inputs"] == {"logs": {"query": "env:dev AND status:>=500", "window": "5m"}}
    assert errors["duration_ms"] >= 0 and errors["started"] <= errors["finished"]
    assert all(r["reason"] == "INC-7" and r["details"]["run_id"] == state.run_id for r in steps)
    kinds = [e.kind for e in events]
    assert kinds[0] == "run-started" and kinds[-1] == "run-finished"
    assert kinds.count("step-started") == kinds.count("step-finished") == 3


def test_a_problems_query_gives_the_problems_as_alerts_list_json_gives_them(world: Monitored) -> None:
    world.zabbix.problems[0].tags = (("service", "api"), ("service", "web"))
    book = parse_runbook(
        "title: Problems\ninputs:\n  env: environment\nsteps:\n"
        "  - id: problems\n    kind: query\n    problems: {tags: {service: api}}\n",
        "problems.yaml",
    )
    state = engine(world).start(book, {"env": "dev"})
    [output] = state.outputs["problems"]
    assert output == world.console.alerts.problems("dev")[0].to_json_dict()
    assert output["tags"] == [{"tag": "service", "value": "api"}, {"tag": "service", "value": "web"}]


def test_templates_keep_types_when_whole_and_interpolate_otherwise() -> None:
    from opsconsole.runbooks.expressions import render

    context = {"env": {"name": "dev", "account_id": "111"}, "inputs": {"n": 3}}
    assert render("{{ inputs.n }}", context) == 3
    assert render("{{ env.name }}-app-{{ env.account_id }}", context) == "dev-app-111"
    assert render({"list": ["x{{ inputs.n }}"]}, context) == {"list": ["x3"]}
