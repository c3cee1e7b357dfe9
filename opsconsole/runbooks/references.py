"""Checks across a runbook's steps: templates and expressions name declared inputs and existing
steps, jumps land on steps, and every loop waits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from opsconsole.runbooks.expressions import (
    ExpressionError,
    compile_expression,
    references,
    templates_in,
    unclosed_templates,
)
from opsconsole.runbooks.graph import cycles_without_wait, successors
from opsconsole.runbooks.model import END, InputSpec, Runbook, Step

Add = Callable[[int, str], None]
"""Where a problem goes: its line and its message."""


def check_step_references(add: Add, step: Step, inputs: list[InputSpec], steps: list[Step]) -> None:
    expressions = [e for e in (step.output, step.check, step.condition) if e]
    templated: list[Any] = [step.params, step.text, step.environment]
    if step.source:
        templated.append(step.source.spec)
    for value in templated:
        check_templates(add, value, step.line, inputs, steps, step.id)
    for expression in expressions:
        _check_names(add, expression, step.line, inputs, steps, step.id)


def check_templates(
    add: Add, value: Any, line: int, inputs: list[InputSpec], steps: list[Step], step_id: str | None = None
) -> None:
    where = f"step {step_id}: " if step_id else ""
    for text in unclosed_templates(value):
        add(line, f"{where}{text[:60]!r}: a {{{{ without its }}}} (or the other way round)")
    for expression in templates_in(value):
        try:
            compile_expression(expression)
        except ExpressionError as e:
            add(line, f"{where}template {{{{{expression}}}}}: {e}")
            continue
        _check_names(add, expression, line, inputs, steps, step_id)


def _check_names(
    add: Add, expression: str, line: int, inputs: list[InputSpec], steps: list[Step], step_id: str | None
) -> None:
    where = f"step {step_id}: " if step_id else ""
    input_names = {i.name for i in inputs}
    step_ids = {s.id for s in steps}
    for root, name in references(expression):
        if root == "inputs" and name not in input_names:
            add(line, f"{where}unknown input {name!r} (declare it under inputs)")
        if root in ("steps", "status") and name not in step_ids:
            add(line, f"{where}unknown step {name!r} in {expression.strip()!r}")


def check_flow(add: Add, runbook: Runbook) -> None:
    """Every jump names a step (or end), and no cycle runs without a wait step."""
    ids = {s.id for s in runbook.steps}
    for step in runbook.steps:
        targets = [("next", step.next), ("then", step.then), ("else", step.otherwise)]
        if step.on_failure.mode == "goto":
            targets.append(("on_failure goto", step.on_failure.target))
        for what, target in targets:
            if target is not None and target not in ids and target != END:
                add(step.line, f"step {step.id}: {what} names a missing step {target!r}")
    for cycle in cycles_without_wait(runbook, successors(runbook)):
        first = min(cycle, key=runbook.index)
        path = " -> ".join(cycle)
        add(
            runbook.step(first).line,
            f"a cycle without a wait step: {path} -> {cycle[0]} (add a wait step so it cannot spin)",
        )
