"""The parameters each registered action takes, as data with no I/O behind it: the planners in
app/actions.py read them, and so does the runbook validator (which the TUI imports to list runbooks,
so it must not pull the backends in)."""

from __future__ import annotations

from dataclasses import dataclass

from opsconsole.domain.action_kinds import ActionKind


@dataclass(frozen=True)
class ActionParams:
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return self.required + self.optional


_SERVICE = ActionParams(("service",), ("cluster",))
_PROBLEM = ActionParams(("eventids",), ("message",))

PARAMS: dict[ActionKind, ActionParams] = {
    ActionKind.ECS_SCALE: ActionParams(("service",), ("cluster", "count", "delta")),
    ActionKind.ECS_REDEPLOY: _SERVICE,
    ActionKind.ECS_ROLLBACK: _SERVICE,
    ActionKind.ECS_STOP_TASK: ActionParams(("task",), ("cluster",)),
    ActionKind.RDS_REBOOT: ActionParams(("instance",), ("failover",)),
    ActionKind.RDS_SNAPSHOT: ActionParams(("instance",)),
    ActionKind.ZABBIX_ACKNOWLEDGE: ActionParams(("eventids",), ("message", "close")),
    ActionKind.ZABBIX_UNACKNOWLEDGE: _PROBLEM,
    ActionKind.ZABBIX_SEVERITY: ActionParams(("eventids", "severity"), ("message",)),
    ActionKind.ZABBIX_CLOSE: _PROBLEM,
    ActionKind.ZABBIX_MESSAGE: ActionParams(("eventids", "message")),
    ActionKind.ZABBIX_MAINTENANCE_CREATE: ActionParams(
        ("name", "duration"), ("host_groups", "hostids", "description", "collect_data")
    ),
    ActionKind.ZABBIX_MAINTENANCE_DELETE: ActionParams(("maintenanceid",)),
}
