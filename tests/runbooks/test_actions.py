"""Action steps on the application layer: every registered kind is a runbook action with the
registry's parameters, planned and sent the way the TUI and the CLI send it, and audited as an
intent and its outcome (failed, with the error, when the backend refuses)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from opsconsole.app.actions import ACTIONS as REGISTRY
from opsconsole.app.runbooks import Runbooks
from opsconsole.domain.action_kinds import ActionKind
from opsconsole.domain.errors import BackendError
from opsconsole.runbooks.catalogue import ACTIONS
from opsconsole.runbooks.events import RunEvent
from opsconsole.runbooks.library import runs_dir
from opsconsole.runbooks.loader import RunbookInvalid, parse_runbook
from opsconsole.runbooks.state import RunState, RunStore
from tests.runbooks.fakes import FakeProblem, Monitored, monitored_console

HEAD = """\
title: One action
inputs:
  env: environment
steps:
"""


@pytest.fixture
def world(tmp_path: Path) -> Monitored:
    built = monitored_console(tmp_path)
    built.zabbix.problems += [FakeProblem("42", "dev"), FakeProblem("43", "dev")]
    return built


def action_step(action: str, params: dict[str, str], step_id: str = "act") -> str:
    given = ", ".join(f"{k}: {v!r}" for k, v in params.items())
    return f"  - id: {step_id}\n    kind: action\n    action: {action}\n    with: {{{given}}}\n"


def run(world: Monitored, text: str, *, dry_run: bool = False) -> tuple[RunState, list[RunEvent]]:
    events: list[RunEvent] = []
    engine = Runbooks(world.console, RunStore(runs_dir())).engine(on_event=events.append)
    return engine.start(parse_runbook(text, "act.yaml"), {"env": "dev"}, dry_run=dry_run), events


def changes(world: Monitored) -> list[dict[str, Any]]:
    """The audit records of changes (intents and outcomes), leaving out the run's own events."""
    return [r.to_json_dict() for r in world.console.audit.records() if r.phase in ("intent", "outcome")]


def test_runbook_actions_are_the_registrys_kinds_with_its_parameters() -> None:
    stacks = {ActionKind.STACKS_PLAN.value, ActionKind.STACKS_DEPLOY.value}
    assert set(ACTIONS) == {kind.value for kind in REGISTRY} | stacks
    for kind, entry in REGISTRY.items():
        assert (ACTIONS[kind.value].required, ACTIONS[kind.value].optional) == (
            entry.required,
            entry.optional,
        )


def test_the_validator_checks_parameters_against_the_registry_with_lines() -> None:
    text = HEAD + action_step("zabbix.severity", {"eventids": "42", "colour": "red"})
    with pytest.raises(RunbookInvalid) as caught:
        parse_runbook(text, "x.yaml")
    found = [(p.line, p.message) for p in caught.value.problems]
    assert (
        8,
        "step act: action zabbix.severity: unknown parameter 'colour'; known: eventids, severity, message",
    ) in found
    assert (5, "step act: action zabbix.severity: missing parameter 'severity'") in found


def test_older_action_names_still_validate_as_the_registrys_kinds() -> None:
    text = HEAD + action_step("zabbix.maintenance", {"name": "m", "duration": "1h"})
    text += action_step("zabbix.end_maintenance", {"maintenanceid": "7"}, "close")
    book = parse_runbook(text, "old.yaml")
    assert [s.action for s in book.steps] == ["zabbix.maintenance_create", "zabbix.maintenance_delete"]


PROBLEM_ACTIONS = [
    ("zabbix.acknowledge", {"eventids": "42", "message": "seen"}, 2 | 4),
    ("zabbix.unacknowledge", {"eventids": "42"}, 16),
    ("zabbix.severity", {"eventids": "42", "severity": "high"}, 8),
    ("zabbix.close", {"eventids": "42", "message": "fixed"}, 1 | 4),
    ("zabbix.message", {"eventids": "42", "message": "looking"}, 4),
]


@pytest.mark.parametrize(("action", "params", "bits"), PROBLEM_ACTIONS, ids=[a[0] for a in PROBLEM_ACTIONS])
def test_each_zabbix_problem_kind_is_a_runbook_step_that_a_dry_run_only_shows(
    world: Monitored, action: str, params: dict[str, str], bits: int
) -> None:
    state, events = run(world, HEAD + action_step(action, params), dry_run=True)
    assert state.status == "succeeded", state.error
    [call] = [e for e in events if e.kind == "call"]
    assert call.message.startswith("would call: zabbix.event.acknowledge(")
    assert call.data["params"]["eventids"] == ["42"] and call.data["params"]["action"] == bits
    assert state.outputs["act"]["action"] == action and state.outputs["act"]["dry_run"] is True
    assert world.zabbix.changes == [] and changes(world) == []


def test_a_maintenance_made_by_one_step_is_ended_by_the_next(world: Monitored) -> None:
    text = HEAD + action_step(
        "zabbix.maintenance_create", {"name": "deploy", "duration": "30m", "host_groups": "dev"}, "open"
    )
    text += action_step(
        "zabbix.maintenance_delete", {"maintenanceid": "{{ steps.open.details.result.maintenanceids[0] }}"}
    )
    state, _ = run(world, text)
    assert state.status == "succeeded", state.error
    assert [m for m, _ in world.zabbix.changes] == ["maintenance.create", "maintenance.delete"]
    assert world.zabbix.maintenances == {}
    records = changes(world)
    assert [(r["action"], r["phase"], r["outcome"]) for r in records] == [
        ("zabbix.maintenance_create", "intent", "pending"),
        ("zabbix.maintenance_create", "outcome", "ok"),
        ("zabbix.maintenance_delete", "intent", "pending"),
        ("zabbix.maintenance_delete", "outcome", "ok"),
    ]
    assert records[1]["intent_id"] == records[0]["id"] and records[0]["environment"] == "dev"
    assert state.run_id in str(records[0]["reason"])


def test_a_backend_refusing_the_change_is_audited_as_failed_with_its_error(world: Monitored) -> None:
    world.zabbix.failing["event.acknowledge"] = BackendError("Zabbix at memory://zabbix answered 502")
    state, events = run(world, HEAD + action_step("zabbix.acknowledge", {"eventids": "42"}))
    assert state.status == "failed" and "answered 502" in (state.error or "")
    assert [(h.step, h.status) for h in state.history] == [("act", "failed")]
    intent, outcome = changes(world)
    assert (intent["action"], intent["phase"], intent["outcome"]) == (
        "zabbix.acknowledge",
        "intent",
        "pending",
    )
    assert intent["details"]["calls"] == ["zabbix.event.acknowledge(eventids=['42'], action=2)"]
    assert (outcome["phase"], outcome["outcome"], outcome["intent_id"]) == ("outcome", "failed", intent["id"])
    assert outcome["error"] == "Zabbix at memory://zabbix answered 502"
    # The run marked the step as sending before the call: a resume would not send it again unasked.
    steps = [r.details for r in world.console.audit.records() if r.action == "runbook-step"]
    assert {"step": "act", "phase": "sending"}.items() <= steps[1].items()
    assert any(e.kind == "step-failed" and "answered 502" in e.message for e in events)


def test_a_parameter_of_the_wrong_shape_fails_the_step_not_the_run(world: Monitored) -> None:
    with pytest.raises(RunbookInvalid, match=r"ecs\.scale: count: 'many' is not a whole number"):
        parse_runbook(HEAD + action_step("ecs.scale", {"service": "api", "count": "many"}), "act.yaml")
    # A template is only known once rendered: the step checks it before planning.
    text = HEAD + action_step("ecs.scale", {"service": "api", "count": "{{ inputs.env }}"})
    text += "    on_failure: continue\n  - id: after\n    kind: note\n    text: went on\n"
    state, _ = run(world, text)
    assert state.status == "succeeded", state.error
    assert [(h.step, h.status) for h in state.history] == [("act", "failed"), ("after", "succeeded")]
    assert "ecs.scale: count: 'dev' is not a whole number" in (state.history[0].error or "")
    assert changes(world) == []
