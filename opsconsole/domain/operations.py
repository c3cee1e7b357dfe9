"""The calls behind each operator action, built from domain objects: pure, so the TUI, the CLI
and runbooks plan the same calls, and a dry run shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from opsconsole.domain.actions import PlannedCall
from opsconsole.domain.ecs import EcsService
from opsconsole.domain.errors import InvalidInput
from opsconsole.domain.rds import DbInstance


def scale_calls(service: EcsService, count: int) -> list[PlannedCall]:
    if count < 0:
        raise InvalidInput("a desired count cannot be negative")
    return [
        PlannedCall(
            "ecs",
            "update_service",
            {"cluster": service.cluster, "service": service.name, "desiredCount": count},
        )
    ]


def redeploy_calls(service: EcsService) -> list[PlannedCall]:
    return [
        PlannedCall(
            "ecs",
            "update_service",
            {"cluster": service.cluster, "service": service.name, "forceNewDeployment": True},
        )
    ]


def rollback_calls(service: EcsService, revision: int) -> list[PlannedCall]:
    return [
        PlannedCall(
            "ecs",
            "update_service",
            {
                "cluster": service.cluster,
                "service": service.name,
                "taskDefinition": f"{service.family}:{revision}",
            },
        )
    ]


def stop_task_calls(cluster: str, task: str, reason: str) -> list[PlannedCall]:
    return [PlannedCall("ecs", "stop_task", {"cluster": cluster, "task": task, "reason": reason[:255]})]


def reboot_calls(db: DbInstance, failover: bool) -> list[PlannedCall]:
    if failover and not db.multi_az:
        raise InvalidInput(
            f"{db.identifier} is not Multi-AZ: there is no standby to fail over to",
            hint="reboot without --failover",
        )
    params: dict[str, Any] = {"DBInstanceIdentifier": db.identifier}
    if failover:
        params["ForceFailover"] = True
    return [PlannedCall("rds", "reboot_db_instance", params)]


def snapshot_calls(db: DbInstance, now: datetime) -> list[PlannedCall]:
    name = f"{db.identifier}-opsconsole-{now:%Y%m%d-%H%M%S}"
    return [
        PlannedCall(
            "rds",
            "create_db_snapshot",
            {
                "DBInstanceIdentifier": db.identifier,
                "DBSnapshotIdentifier": name,
                "Tags": [{"Key": "created-by", "Value": "opsconsole"}],
            },
        )
    ]
