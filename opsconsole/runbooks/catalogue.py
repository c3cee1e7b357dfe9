"""The console actions a runbook step may call, and the parameters each takes."""

from __future__ import annotations

from dataclasses import dataclass

from opsconsole.domain.environment import RoleTier


@dataclass(frozen=True)
class ActionSpec:
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    tier: RoleTier | None = RoleTier.OPERATE
    """The AWS tier the action elevates to; None for Zabbix, which has no AWS role."""

    @property
    def params(self) -> tuple[str, ...]:
        return self.required + self.optional


ACTIONS: dict[str, ActionSpec] = {
    "ecs.scale": ActionSpec(("service",), ("cluster", "count", "delta")),
    "ecs.redeploy": ActionSpec(("service",), ("cluster",)),
    "ecs.rollback": ActionSpec(("service",), ("cluster",)),
    "ecs.stop_task": ActionSpec(("cluster", "task")),
    "rds.reboot": ActionSpec(("instance",), ("failover",)),
    "rds.snapshot": ActionSpec(("instance",)),
    "zabbix.acknowledge": ActionSpec(("eventids",), ("message", "close"), tier=None),
    "zabbix.maintenance": ActionSpec(
        ("name", "duration"), ("host_groups", "hostids", "description"), tier=None
    ),
    "zabbix.end_maintenance": ActionSpec(("maintenanceid",), tier=None),
    "stacks.plan": ActionSpec((), ("stacks",), tier=RoleTier.DEPLOY),
    "stacks.deploy": ActionSpec((), ("stacks",), tier=RoleTier.DEPLOY),
}

SOURCES: dict[str, ActionSpec] = {
    "aws": ActionSpec(("service", "operation"), ("params", "region"), tier=RoleTier.READ),
    "logs": ActionSpec(("query",), ("window",), tier=None),
    "problems": ActionSpec((), ("tags", "min_severity", "unacknowledged", "text"), tier=None),
}
"""What a query or wait step may read; AWS reads always run at the read tier."""


def iam_action(service: str, operation: str) -> str:
    """`ecs`, `describe_services` -> `ecs:DescribeServices`."""
    return f"{service}:{''.join(part.capitalize() for part in operation.split('_'))}"
