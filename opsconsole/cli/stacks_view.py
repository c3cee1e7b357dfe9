"""How stacks, plans, events and outcomes look on a terminal and in JSON."""

from __future__ import annotations

from typing import Any

from opsconsole.cli.output import console as stdout_console
from opsconsole.domain.stacks import (
    DeployedStack,
    EnvironmentPlan,
    PlanAction,
    StackEvent,
    StackOutcome,
    StackPlan,
    StackSpec,
    StackStatus,
)

_ACTION_STYLE = {
    PlanAction.CREATE: "green",
    PlanAction.UPDATE: "yellow",
    PlanAction.NONE: "dim",
    PlanAction.DEFERRED: "cyan",
}


def plan_json(plan: EnvironmentPlan) -> dict[str, Any]:
    return {
        "environment": plan.environment,
        "has_changes": plan.has_changes,
        "stacks": [stack_plan_json(p) for p in plan.stacks],
    }


def stack_plan_json(plan: StackPlan) -> dict[str, Any]:
    return {
        "stack": plan.key,
        "stack_name": plan.stack_name,
        "region": plan.region,
        "action": plan.action.value,
        "note": plan.note,
        "change_set": plan.change_set_arn,
        "changes": [
            {
                "action": c.action.value,
                "logical_id": c.logical_id,
                "type": c.resource_type,
                "physical_id": c.physical_id,
                "replacement": c.replacement,
                "risky": c.risky,
                "details": list(c.details),
            }
            for c in plan.changes
        ],
        "parameters": [{"name": n, "old": o, "new": v} for n, o, v in plan.parameter_diff],
        "template_diff": plan.template_diff,
    }


def render_plan(plan: EnvironmentPlan, *, show_diff: bool) -> None:
    from rich.syntax import Syntax
    from rich.table import Table

    console = stdout_console()
    for stack_plan in plan.stacks:
        style = _ACTION_STYLE[stack_plan.action]
        risky = sum(1 for c in stack_plan.changes if c.risky)
        counts = f"{len(stack_plan.changes)} change{'s' if len(stack_plan.changes) != 1 else ''}"
        risk = f", [bold red]{risky} replacement or removal[/]" if risky else ""
        note = (
            f"  [dim]{stack_plan.note}[/]"
            if stack_plan.note and stack_plan.action is not PlanAction.NONE
            else ""
        )
        action = f"[{style}]{stack_plan.action.value}[/]"
        head = f"[bold]{stack_plan.stack_name}[/] [dim]({stack_plan.region})[/]  {action}"
        console.print(head + (f"  {counts}{risk}" if stack_plan.changes else "") + note)
        if stack_plan.changes:
            table = Table(box=None, show_header=False, pad_edge=False, padding=(0, 2, 0, 4))
            for change in stack_plan.changes:
                mark = {"Add": "[green]+[/]", "Remove": "[red]-[/]"}.get(change.action.value, "[yellow]~[/]")
                replacement = ""
                if change.replacement in ("True", "Conditional"):
                    replacement = f"[bold red]replacement: {change.replacement}[/]"
                elif change.action.value == "Remove":
                    replacement = "[bold red]removed[/]"
                table.add_row(
                    mark,
                    change.logical_id,
                    f"[dim]{change.resource_type}[/]",
                    replacement,
                    ", ".join(change.details),
                )
            console.print(table)
        for name, old, new in stack_plan.parameter_diff:
            if stack_plan.action is PlanAction.UPDATE:
                console.print(f"    [yellow]~[/] parameter {name}: {old if old is not None else '—'} → {new}")
            else:
                console.print(f"    [green]+[/] parameter {name} = {new}")
        if show_diff and stack_plan.template_diff:
            console.print(
                Syntax(stack_plan.template_diff, "diff", theme="ansi_dark", background_color="default")
            )
        elif stack_plan.template_diff:
            changed = sum(1 for line in stack_plan.template_diff.splitlines() if line[:1] in "+-") - 2
            console.print(f"    [dim]template: {changed} lines differ (--diff shows them)[/]")


def event_line(event: StackEvent) -> str:
    reason = f"  {event.reason}" if event.reason else ""
    return f"{event.timestamp:%H:%M:%S}  {event.stack_name}  {event.logical_id}  {event.status}{reason}"


def outcome_json(outcome: StackOutcome) -> dict[str, Any]:
    return {
        "stack": outcome.key,
        "stack_name": outcome.stack_name,
        "status": outcome.status.value,
        "succeeded": outcome.succeeded,
        "message": outcome.message,
        "cause": None
        if outcome.cause is None
        else {
            "stack_name": outcome.cause.stack_name,
            "logical_id": outcome.cause.logical_id,
            "type": outcome.cause.resource_type,
            "status": outcome.cause.status,
            "reason": outcome.cause.reason,
        },
        "outputs": dict(outcome.outputs),
    }


def status_row(spec: StackSpec, deployed: DeployedStack | None) -> dict[str, Any]:
    return {
        "stack": spec.key,
        "stack_name": spec.stack_name,
        "region": spec.region,
        "depends_on": list(spec.depends_on),
        "status": deployed.raw_status if deployed else "NOT DEPLOYED",
        "simple_status": deployed.status.value if deployed else "absent",
        "updated_at": deployed.updated_at.isoformat(timespec="seconds")
        if deployed and deployed.updated_at
        else None,
        "reason": deployed.reason if deployed else None,
    }


def spec_row(spec: StackSpec) -> dict[str, Any]:
    return {
        "stack": spec.key,
        "stack_name": spec.stack_name,
        "template": spec.template_path,
        "region": spec.region,
        "depends_on": list(spec.depends_on),
        "capabilities": list(spec.capabilities),
    }


def event_json(event: StackEvent) -> dict[str, Any]:
    return {
        "time": event.timestamp.isoformat(),
        "stack": event.stack_name,
        "resource": event.logical_id,
        "type": event.resource_type,
        "status": event.status,
        "reason": event.reason,
    }


# How a stack's deploy ended, in words an operator reads without knowing CloudFormation's states.
OUTCOME_WORDS = {
    StackStatus.COMPLETE: "deployed",
    StackStatus.FAILED: "failed",
    StackStatus.ROLLED_BACK: "rolled back",
    StackStatus.REVIEW: "not created",
    StackStatus.ABSENT: "not started",
    StackStatus.IN_PROGRESS: "still running",
    StackStatus.DELETED: "deleted",
}


def outcome_word(outcome: StackOutcome) -> str:
    if outcome.succeeded and outcome.message == "no changes":
        return "no changes"
    return OUTCOME_WORDS[outcome.status]


def _why(outcome: StackOutcome) -> str:
    """The message unless it only repeats the outcome (no "review — review")."""
    if outcome.succeeded or outcome.message.strip().lower() in (outcome.status.value, outcome_word(outcome)):
        return ""
    return outcome.message


def outcome_line(outcome: StackOutcome) -> str:
    why = _why(outcome)
    return f"{outcome.stack_name}: {outcome_word(outcome)}" + (f" — {why}" if why else "")


def outcome_row(outcome: StackOutcome) -> dict[str, Any]:
    return {
        "stack": outcome.stack_name,
        "status": outcome_word(outcome),
        "message": _why(outcome),
        "outputs": len(outcome.outputs),
    }


def order_line(levels: list[list[str]]) -> str:
    """`network → {data, compute} → edge`: stacks in one pair of braces deploy in parallel."""
    return " → ".join("{" + ", ".join(level) + "}" if len(level) > 1 else level[0] for level in levels)
