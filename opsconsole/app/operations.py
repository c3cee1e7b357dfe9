"""ECS and RDS actions: the target read, and the change built from it (sent by ChangeRunner)."""

from __future__ import annotations

from opsconsole.app.changes import Change, change
from opsconsole.app.context import AppContext
from opsconsole.app.fleet import Fleet
from opsconsole.domain.action_kinds import ActionKind
from opsconsole.domain.environment import RoleTier
from opsconsole.domain.errors import InvalidInput
from opsconsole.domain.operations import (
    reboot_calls,
    redeploy_calls,
    rollback_calls,
    scale_calls,
    snapshot_calls,
    stop_task_calls,
)

ECS_KINDS = (ActionKind.ECS_SCALE, ActionKind.ECS_REDEPLOY, ActionKind.ECS_ROLLBACK, ActionKind.ECS_STOP_TASK)
RDS_KINDS = (ActionKind.RDS_REBOOT, ActionKind.RDS_SNAPSHOT)


class Operations:
    """Plans ECS and RDS changes from what is deployed now."""

    def __init__(self, context: AppContext, fleet: Fleet) -> None:
        self._context = context
        self._fleet = fleet

    def plan_ecs(
        self,
        env_name: str,
        kind: ActionKind,
        cluster: str,
        target: str,
        *,
        count: int | None = None,
        delta: int = 0,
        tier: RoleTier | None = None,
    ) -> Change:
        """Plan `kind` on a service (or, for stop_task, a task) of `cluster`.

        Scale sets `count`, or the current desired count plus `delta`.

        Raises:
            InvalidInput: not an ECS action, an unknown service, or no earlier revision to roll back to.
        """
        env = self._context.environment(env_name)
        if kind not in ECS_KINDS:
            raise InvalidInput(f"{kind} is not an ECS action", hint=f"one of: {', '.join(ECS_KINDS)}")
        if kind is ActionKind.ECS_STOP_TASK:
            calls = stop_task_calls(cluster, target, "Stopped by opsconsole: operator request")
            return change(kind, env, target, calls, f"stop task {target.rsplit('/', 1)[-1][:12]}", tier=tier)
        service = self._fleet.service(env_name, cluster, target)
        if kind is ActionKind.ECS_SCALE:
            wanted = count if count is not None else max(0, service.desired + delta)
            summary = f"scale {service.name} from {service.desired} to {wanted}"
            return change(kind, env, service.name, scale_calls(service, wanted), summary, tier=tier)
        if kind is ActionKind.ECS_REDEPLOY:
            return change(
                kind, env, service.name, redeploy_calls(service), f"redeploy {service.name}", tier=tier
            )
        revision = self._fleet.previous_revision(env_name, service)
        summary = f"roll back {service.name} to :{revision}"
        return change(kind, env, service.name, rollback_calls(service, revision), summary, tier=tier)

    def plan_rds(
        self,
        env_name: str,
        kind: ActionKind,
        identifier: str,
        *,
        failover: bool = False,
        tier: RoleTier | None = None,
    ) -> Change:
        """Plan a reboot (with failover when asked) or a snapshot of a DB instance.

        Raises:
            InvalidInput: not an RDS action, or an unknown instance.
        """
        env = self._context.environment(env_name)
        if kind not in RDS_KINDS:
            raise InvalidInput(f"{kind} is not an RDS action", hint=f"one of: {', '.join(RDS_KINDS)}")
        db = self._fleet.database(env_name, identifier)
        if kind is ActionKind.RDS_REBOOT:
            summary = f"reboot {db.identifier}" + (" with failover" if failover else "")
            return change(kind, env, db.identifier, reboot_calls(db, failover), summary, tier=tier)
        calls = snapshot_calls(db, self._context.now())
        return change(kind, env, db.identifier, calls, f"snapshot {db.identifier}", tier=tier)
