"""A deploy plan as an operator reviews it: per stack, its changes, risky ones in the error colour."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from opsconsole.domain.stacks import ChangeAction, EnvironmentPlan, PlanAction, StackPlan
from opsconsole.tui.format import plural

_ACTION_STYLE = {
    PlanAction.CREATE: "bold green",
    PlanAction.UPDATE: "bold yellow",
    PlanAction.NONE: "dim",
    PlanAction.DEFERRED: "bold cyan",
}
_MARK = {ChangeAction.ADD: ("+", "green"), ChangeAction.REMOVE: ("-", "red")}


def plan_summary(plan: EnvironmentPlan) -> str:
    changes = [c for p in plan.stacks for c in p.changes]
    risky = sum(1 for c in changes if c.risky)
    stacks = sum(1 for p in plan.stacks if p.has_changes)
    if not plan.has_changes:
        return f"{plan.environment}: no changes"
    deploys, resources = plural(stacks, "stack"), plural(len(changes), "resource change")
    text = f"{plan.environment}: {deploys} to deploy, {resources}"
    return text + (f", {risky} replacements or removals" if risky else "")


def render_plan(plan: EnvironmentPlan, *, show_template_diff: bool = False) -> RenderableType:
    parts: list[RenderableType] = [Text(plan_summary(plan), style="bold")]
    for stack_plan in plan.stacks:
        if stack_plan.action is not PlanAction.NONE:
            parts.append(_stack(stack_plan, show_template_diff))
    unchanged = [p.key for p in plan.stacks if p.action is PlanAction.NONE]
    if unchanged:
        parts.append(Text(f"\nno changes: {', '.join(unchanged)}", style="dim"))
    return Group(*parts)


def _stack(plan: StackPlan, show_template_diff: bool) -> RenderableType:
    head = Text()
    head.append(f"\n{plan.stack_name}", style="bold")
    head.append(f" ({plan.region})  ", style="dim")
    head.append(plan.action.value, style=_ACTION_STYLE[plan.action])
    if plan.note and plan.action is not PlanAction.NONE:
        head.append(f"  {plan.note}", style="dim")
    parts: list[RenderableType] = [head]
    if plan.changes:
        table = Table.grid(padding=(0, 2))
        table.add_column(width=3)
        for _ in range(3):
            table.add_column()
        for change in plan.changes:
            mark, colour = _MARK.get(change.action, ("~", "yellow"))
            risk = Text()
            if change.replacement in ("True", "Conditional"):
                risk = Text(f"replacement: {change.replacement}", style="bold red")
            elif change.action is ChangeAction.REMOVE:
                risk = Text("removed", style="bold red")
            name_style = "bold red" if change.risky else ""
            table.add_row(
                Text(f"  {mark}", style=colour),
                Text(change.logical_id, style=name_style),
                Text(change.resource_type, style="dim"),
                Text.assemble(risk, (" " + ", ".join(change.details), "dim") if change.details else ""),
            )
        parts.append(table)
    for name, old, new in plan.parameter_diff:
        if plan.action is PlanAction.UPDATE:
            parts.append(
                Text(f"   ~ parameter {name}: {old if old is not None else '—'} → {new}", style="yellow")
            )
        else:  # a create lists every value it will send (NoEcho masked by the plan)
            parts.append(Text(f"   + parameter {name} = {new}", style="green"))
    if plan.template_diff:
        if show_template_diff:
            parts.append(_diff(plan.template_diff))
        else:
            changed = sum(1 for line in plan.template_diff.splitlines() if line[:1] in "+-") - 2
            parts.append(Text(f"   template: {changed} lines differ", style="dim"))
    return Group(*parts)


def _diff(diff: str) -> Text:
    text = Text()
    for line in diff.splitlines():
        style = "green" if line.startswith("+") else "red" if line.startswith("-") else "dim"
        text.append(f"   {line}\n", style=style)
    return text
