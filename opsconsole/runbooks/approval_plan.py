"""What an approval binds: the planned calls of the changes it lets through, as data.

An approve step covers the action steps that follow it, up to the first step of another kind.
Each is planned now (reads only, nothing sent): its calls, with their parameters, go into the
approval's digest, so a proof signed for these calls is refused for any others (the service
changed meanwhile, the runbook's inputs differ). A step that cannot be planned yet (its parameters
come from an earlier step's output) is bound by its parameter template; stacks steps by their
stacks (their change sets are made when they run).
"""

from __future__ import annotations

import json
from typing import Any

from opsconsole.app.action_params import check_params
from opsconsole.app.actions import plan_action
from opsconsole.app.console import Console
from opsconsole.domain.action_kinds import ActionKind
from opsconsole.domain.errors import OpsError
from opsconsole.domain.team import digest_of
from opsconsole.runbooks.expressions import ExpressionError, render
from opsconsole.runbooks.graph import sequential_next
from opsconsole.runbooks.model import END, Runbook, Step
from opsconsole.runbooks.scope import step_environment

_SHOWN = 400
"""Characters of the planned calls shown to the approver beside the step's message."""


def covered_steps(runbook: Runbook, approve: Step) -> list[Step]:
    """The action steps right after `approve`, in the order they run when nothing fails."""
    covered: list[Step] = []
    cursor = sequential_next(runbook, approve)
    seen = {approve.id}
    while cursor != END and cursor not in seen:
        step = runbook.step(cursor)
        if step.kind != "action":
            break
        covered.append(step)
        seen.add(cursor)
        cursor = sequential_next(runbook, step)
    return covered


def planned_work(
    console: Console, runbook: Runbook, approve: Step, context: dict[str, Any]
) -> list[dict[str, Any]]:
    """Each covered step's planned calls (or, not plannable yet, its parameter template)."""
    return [_planned(console, runbook, step, context) for step in covered_steps(runbook, approve)]


def work_digest(environment: str, message: str, work: list[dict[str, Any]]) -> str:
    """The digest an approval signs: the environment, the step's message and the planned work."""
    canonical = json.dumps(
        {"environment": environment, "message": message, "work": work}, sort_keys=True, default=str
    )
    return digest_of(canonical)


def describe_work(message: str, work: list[dict[str, Any]]) -> str:
    """The approver's view: the message, then every planned call (shortened past a few hundred chars)."""
    parts = []
    for item in work:
        if "calls" in item:
            parts += [_call_text(c) for c in item["calls"]] or [f"{item['step']}: no call needed"]
        else:
            parts.append(f"{item['step']}: {item['action']} {json.dumps(item['params'], default=str)}")
    text = "; ".join(parts)
    if len(text) > _SHOWN:
        text = text[: _SHOWN - 1] + "…"
    return f"{message} [{text}]" if text else message


def _planned(console: Console, runbook: Runbook, step: Step, context: dict[str, Any]) -> dict[str, Any]:
    assert step.action is not None
    entry: dict[str, Any] = {"step": step.id, "action": step.action}
    try:
        entry["environment"] = step_environment(runbook, step, context)
        params = render(step.params, context)
        kind = ActionKind.parse(step.action)
        if kind.family == "stacks":
            return {**entry, "params": params}
        check_params(kind, params)
        env = entry["environment"] or ""
        change = plan_action(console, kind, env, params)
    except (ExpressionError, OpsError, KeyError, TypeError, ValueError):
        return {**entry, "params": step.params, "planned": False}
    calls = [{"service": c.service, "operation": c.operation, "params": c.params} for c in change.calls]
    return {**entry, "calls": calls}


def _call_text(call: dict[str, Any]) -> str:
    args = ", ".join(f"{k}={v!r}" for k, v in call["params"].items())
    return f"{call['service']}.{call['operation']}({args})"
