"""Deleting stacks: checked against what is deployed (not the manifest), downstream first, each
stack audited as intent then outcome."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from opsconsole.app.audit import AuditScope, AuditTrail
from opsconsole.aws.cloudformation import CloudFormation
from opsconsole.domain.action_kinds import ActionKind
from opsconsole.domain.errors import InvalidInput
from opsconsole.domain.identity import RoleSession
from opsconsole.domain.stacks import DeployedStack, StackSpec
from opsconsole.stacks.manifest import Estate


@dataclass(frozen=True)
class StackDeletion:
    """What a delete would do: the deployed stacks to delete (downstream first) and the named
    ones that are not deployed."""

    environment: str
    stacks: tuple[StackSpec, ...]
    absent: tuple[str, ...]

    @property
    def names(self) -> list[str]:
        return [spec.stack_name for spec in self.stacks]


def plan_deletion(
    estate: Estate, deployed: Sequence[tuple[StackSpec, DeployedStack | None]], keys: Sequence[str]
) -> StackDeletion:
    """The named stacks that exist, downstream first.

    Raises:
        InvalidInput: a deployed stack outside `keys` depends (by the manifest's edges) on one of them.
    """
    order = list(reversed(estate.select(list(keys))))
    present = {spec.key for spec, stack in deployed if stack is not None and stack.status.exists}
    targets = [key for key in order if key in present]
    dependents = {
        dependent
        for key in targets
        for dependent, upstreams in estate.edges.items()
        if key in upstreams and dependent not in order and dependent in present
    }
    if dependents:
        raise InvalidInput(
            f"{', '.join(sorted(dependents))} depend on what you would delete",
            hint="delete those first, or name them too",
        )
    return StackDeletion(
        estate.environment,
        tuple(estate.specs[key] for key in targets),
        tuple(estate.specs[key].stack_name for key in order if key not in present),
    )


def delete_stacks(
    trail: AuditTrail,
    cfn: CloudFormation,
    deletion: StackDeletion,
    session: RoleSession,
    reason: str | None,
    on_progress: Callable[[str], None] | None = None,
) -> list[str]:
    """Ask CloudFormation to delete each stack in order; stop at the first refusal.

    Returns:
        The names of the stacks whose deletion started.
    """
    say = on_progress or (lambda text: None)
    scope = AuditScope.of_session(session)
    started: list[str] = []
    for spec in deletion.stacks:
        details = {"stack": spec.stack_name, "region": spec.region}
        with trail.change(ActionKind.STACKS_DELETE, scope, reason=reason, details=details):
            cfn.delete(spec.stack_name, spec.region)
        started.append(spec.stack_name)
        say(f"deleting {spec.stack_name}")
    return started
