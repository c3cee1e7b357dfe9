"""What a step's templates and expressions see: the run's inputs, earlier outputs and its environment."""

from __future__ import annotations

from typing import Any

from opsconsole.app.console import Console
from opsconsole.runbooks.expressions import ExpressionError, render
from opsconsole.runbooks.model import Runbook, Step
from opsconsole.runbooks.state import RunState


def run_context(state: RunState) -> dict[str, Any]:
    return {
        "inputs": dict(state.inputs),
        "steps": dict(state.outputs),
        "status": dict(state.statuses),
        "run": {"id": state.run_id, "started_by": state.started_by, "dry_run": state.dry_run},
    }


def step_environment(runbook: Runbook, step: Step, context: dict[str, Any]) -> str | None:
    """The environment the step acts in: its own template, else the runbook's."""
    template = step.environment or runbook.environment
    if not template:
        return None
    value = render(template, context)
    return str(value) if value else None


def environment_facts(console: Console, name: str) -> dict[str, Any]:
    """`env` in expressions."""
    env = console.context.environment(name)
    return {
        "name": env.name,
        "account_id": env.account_id,
        "region": env.region,
        "replica_region": env.replica_region,
        "protected": env.protected,
        "zabbix_host_groups": list(env.zabbix_host_groups),
        "graylog_streams": list(env.graylog_streams),
    }


def shown_inputs(step: Step, context: dict[str, Any]) -> Any:
    """The step's parameters with templates filled in, for the audit trail (best effort)."""
    try:
        if step.kind == "action":
            return render(step.params, context)
        if step.source is not None:
            return {step.source.kind: render(step.source.spec, context)}
    except ExpressionError as e:
        return {"unrendered": str(e)}
    return None
