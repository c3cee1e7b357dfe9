"""Plans for stacks that cannot have a change set yet: an upstream they take outputs from, or
name in `depends_on`, is still to be created or is deferred itself."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping

from opsconsole.domain.stacks import DeployedStack, OutputRef, PlanAction, StackPlan, StackSpec
from opsconsole.stacks.diff import parameter_diff
from opsconsole.stacks.manifest import Estate
from opsconsole.stacks.parameters import no_echo, template_resources


def deferred_plan(
    spec: StackSpec,
    outputs: Mapping[str, Mapping[str, str]],
    planned: Mapping[str, StackPlan],
    *,
    exists: bool,
    undeployed: Collection[str] = (),
) -> StackPlan | None:
    """A DEFERRED plan when an upstream output is missing, or an upstream (named by an output
    or by `depends_on`) is still to be created, is itself deferred, or is outside the plan and
    not deployed (`undeployed`). It shows what is known for the review: the parameter values
    (upstream outputs named, NoEcho masked) and, for a stack still to be created, the template's
    resources."""
    missing = [
        v
        for v in spec.parameters.values()
        if isinstance(v, OutputRef) and v.output not in outputs.get(v.stack, {})
    ]
    waiting = [
        up
        for up in spec.depends_on
        if up in undeployed
        or (planned.get(up) and planned[up].action in (PlanAction.CREATE, PlanAction.DEFERRED))
    ]
    if not missing and not waiting:
        return None
    names = sorted({m.stack for m in missing} | set(waiting))
    absent = ", ".join(str(m) for m in missing)
    known = {
        name: f"(output {value})" if isinstance(value, OutputRef) else value
        for name, value in spec.parameters.items()
    }
    return StackPlan(
        spec.key,
        spec.stack_name,
        spec.region,
        PlanAction.DEFERRED,
        changes=() if exists else template_resources(spec),
        parameter_diff=() if exists else parameter_diff({}, known, no_echo(spec)),
        note=f"planned when {', '.join(names)} {'is' if len(names) == 1 else 'are'} deployed"
        + (f" (waiting for {absent})" if absent and not waiting else ""),
    )


def absent_upstreams(
    estate: Estate,
    selected: Collection[str],
    deployed: Mapping[str, DeployedStack | None],
    describe: Callable[[str, str], DeployedStack | None],
) -> set[str]:
    """The stacks that `selected` name in `depends_on` which are neither in the plan (`deployed`
    holds those) nor deployed: a stack waits for them as for an upstream still to be created."""
    absent = set()
    for up in {up for key in selected for up in estate.specs[key].depends_on if up not in deployed}:
        spec = estate.specs[up]
        current = describe(spec.stack_name, spec.region)
        if current is None or not current.status.exists:
            absent.add(up)
    return absent
