"""What an operator action would do: the target read, and the calls built from it.

One place for the CLI, the TUI (and runbooks to come), so the same action plans the same calls
everywhere; sending them is `Services.run_action`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from opsconsole.domain.actions import PlannedCall
from opsconsole.domain.errors import InvalidInput
from opsconsole.domain.operations import (
    reboot_calls,
    redeploy_calls,
    rollback_calls,
    scale_calls,
    snapshot_calls,
    stop_task_calls,
)

if TYPE_CHECKING:
    from opsconsole.ports import EcsReads, RdsReads

ECS_ACTIONS = ("scale", "redeploy", "rollback", "stop-task")
RDS_ACTIONS = ("reboot", "snapshot")


@dataclass(frozen=True)
class PlannedAction:
    environment: str
    action: str
    target: str
    calls: list[PlannedCall]
    what: str


def plan_ecs_action(
    reader: EcsReads,
    env_name: str,
    action: str,
    cluster: str,
    target: str,
    *,
    count: int | None = None,
    delta: int = 0,
) -> PlannedAction:
    """Plan `action` on a service (or, for stop-task, a task) of `cluster`.

    Scale sets `count`, or the current desired count plus `delta`.

    Raises:
        InvalidInput: an unknown action, service, or no earlier revision to roll back to.
    """
    if action == "stop-task":
        calls = stop_task_calls(cluster, target, "Stopped by opsconsole: operator request")
        return PlannedAction(
            env_name, "ecs-stop-task", target, calls, f"stop task {target.rsplit('/', 1)[-1][:12]}"
        )
    if action not in ECS_ACTIONS:
        raise InvalidInput(f"unknown ECS action {action!r}", hint=f"one of: {', '.join(ECS_ACTIONS)}")
    service = reader.service(cluster, target)
    if action == "scale":
        wanted = count if count is not None else max(0, service.desired + delta)
        return PlannedAction(
            env_name,
            "ecs-scale",
            service.name,
            scale_calls(service, wanted),
            f"scale {service.name} to {wanted}",
        )
    if action == "redeploy":
        return PlannedAction(
            env_name, "ecs-redeploy", service.name, redeploy_calls(service), f"redeploy {service.name}"
        )
    revision = reader.previous_revision(service)
    return PlannedAction(
        env_name,
        "ecs-rollback",
        service.name,
        rollback_calls(service, revision),
        f"roll back {service.name} to :{revision}",
    )


def plan_rds_action(
    reader: RdsReads, env_name: str, action: str, identifier: str, now: datetime, *, failover: bool = False
) -> PlannedAction:
    """Plan a reboot (with failover when asked) or a snapshot of a DB instance."""
    if action not in RDS_ACTIONS:
        raise InvalidInput(f"unknown RDS action {action!r}", hint=f"one of: {', '.join(RDS_ACTIONS)}")
    db = reader.instance(identifier)
    if action == "reboot":
        return PlannedAction(
            env_name,
            "rds-reboot",
            db.identifier,
            reboot_calls(db, failover),
            f"reboot {db.identifier}" + (" with failover" if failover else ""),
        )
    return PlannedAction(
        env_name, "rds-snapshot", db.identifier, snapshot_calls(db, now), f"snapshot {db.identifier}"
    )
