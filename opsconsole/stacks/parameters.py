"""A stack's parameter values as deployed: upstream outputs filled in, NoEcho ones known, and the
resources a parameter change touches when CloudFormation does not say."""

from __future__ import annotations

from collections.abc import Mapping

from opsconsole.domain.stacks import ChangeAction, OutputRef, ResourceChange, StackSpec
from opsconsole.stacks.diff import inferred_changes


def resolve_parameters(spec: StackSpec, outputs: Mapping[str, Mapping[str, str]]) -> dict[str, str]:
    """Parameter values with upstream outputs filled in."""
    resolved: dict[str, str] = {}
    for name, value in spec.parameters.items():
        resolved[name] = outputs[value.stack][value.output] if isinstance(value, OutputRef) else value
    return resolved


def inferred(spec: StackSpec, changed: set[str]) -> tuple[ResourceChange, ...]:
    """Resource changes read off the template when the change set gives none for a parameter change."""
    from cfnlint.decode import decode_str

    template, _matches = decode_str(spec.template_body)
    return tuple(
        ResourceChange(
            action=ChangeAction.MODIFY,
            logical_id=logical_id,
            resource_type=resource_type,
            details=tuple(f"inferred: uses parameter {name}" for name in names),
        )
        for logical_id, resource_type, names in inferred_changes(template or {}, changed)
    )


def no_echo(spec: StackSpec) -> frozenset[str]:
    from opsconsole.stacks.templates import parse_template

    info = parse_template(spec.template_body)
    return frozenset(
        name for name, d in info.parameters.items() if str(d.get("NoEcho", "")).lower() == "true"
    )


def template_resources(spec: StackSpec) -> tuple[ResourceChange, ...]:
    """The template's resources as additions, for a stack whose change set cannot be made yet."""
    from opsconsole.stacks.templates import parse_template

    resources = parse_template(spec.template_body).document.get("Resources") or {}
    return tuple(
        ResourceChange(
            action=ChangeAction.ADD,
            logical_id=str(logical_id),
            resource_type=str(resource.get("Type", "?")) if isinstance(resource, dict) else "?",
            details=("from the template",),
        )
        for logical_id, resource in resources.items()
    )
