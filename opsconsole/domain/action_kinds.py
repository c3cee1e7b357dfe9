"""The one registry of the changes the console makes: key bindings, plans, audit records and runbook
steps all name an action by its ActionKind."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from opsconsole.domain.environment import RoleTier


class Backend(enum.Enum):
    """Where an action's calls go; Zabbix has no AWS role, so its tier is the console's own."""

    AWS = "aws"
    ZABBIX = "zabbix"
    CLOUDFORMATION = "cloudformation"
    CONSOLE = "console"


class ActionKind(enum.StrEnum):
    """Every change the console can make, spelled once: `family.verb`."""

    ECS_SCALE = "ecs.scale"
    ECS_REDEPLOY = "ecs.redeploy"
    ECS_ROLLBACK = "ecs.rollback"
    ECS_STOP_TASK = "ecs.stop_task"
    RDS_REBOOT = "rds.reboot"
    RDS_SNAPSHOT = "rds.snapshot"
    ZABBIX_ACKNOWLEDGE = "zabbix.acknowledge"
    ZABBIX_UNACKNOWLEDGE = "zabbix.unacknowledge"
    ZABBIX_SEVERITY = "zabbix.severity"
    ZABBIX_CLOSE = "zabbix.close"
    ZABBIX_MESSAGE = "zabbix.message"
    ZABBIX_MAINTENANCE_CREATE = "zabbix.maintenance_create"
    ZABBIX_MAINTENANCE_DELETE = "zabbix.maintenance_delete"
    STACKS_PLAN = "stacks.plan"
    STACKS_DEPLOY = "stacks.deploy"
    STACKS_DELETE = "stacks.delete"
    STACKS_BASELINE = "stacks.baseline"
    STACKS_DISCARD = "stacks.discard"
    ELEVATE = "access.elevate"
    EXPORT_CREDENTIALS = "access.export_credentials"
    CONSOLE_SIGNIN = "access.console_signin"

    @property
    def family(self) -> str:
        return self.value.partition(".")[0]

    @property
    def verb(self) -> str:
        return self.value.partition(".")[2]

    @property
    def spec(self) -> ActionSpec:
        return ACTION_SPECS[self]

    @classmethod
    def parse(cls, text: str) -> ActionKind:
        """The kind named by `text` (also its `family-verb` form, or an older runbook alias).

        Raises:
            ValueError: naming the known kinds.
        """
        name = text.strip().lower()
        name = _squash(_ALIASES.get(name, name))
        for kind in cls:
            if name == _squash(kind.value):
                return kind
        raise ValueError(f"unknown action {text!r}; expected one of: {', '.join(k.value for k in cls)}")


def _squash(name: str) -> str:
    """`ecs.stop_task`, `ecs-stop-task` and `ecs.stop-task` are one spelling."""
    return name.replace("-", "").replace("_", "").replace(".", "")


@dataclass(frozen=True)
class ActionSpec:
    """What an action needs: where it goes, the tier it runs at, and whether it changes anything."""

    backend: Backend
    tier: RoleTier
    label: str
    mutating: bool = True


ACTION_SPECS: dict[ActionKind, ActionSpec] = {
    ActionKind.ECS_SCALE: ActionSpec(Backend.AWS, RoleTier.OPERATE, "scale"),
    ActionKind.ECS_REDEPLOY: ActionSpec(Backend.AWS, RoleTier.OPERATE, "redeploy"),
    ActionKind.ECS_ROLLBACK: ActionSpec(Backend.AWS, RoleTier.OPERATE, "roll back"),
    ActionKind.ECS_STOP_TASK: ActionSpec(Backend.AWS, RoleTier.OPERATE, "stop task"),
    ActionKind.RDS_REBOOT: ActionSpec(Backend.AWS, RoleTier.OPERATE, "reboot"),
    ActionKind.RDS_SNAPSHOT: ActionSpec(Backend.AWS, RoleTier.OPERATE, "snapshot"),
    ActionKind.ZABBIX_ACKNOWLEDGE: ActionSpec(Backend.ZABBIX, RoleTier.OPERATE, "acknowledge"),
    ActionKind.ZABBIX_UNACKNOWLEDGE: ActionSpec(Backend.ZABBIX, RoleTier.OPERATE, "unacknowledge"),
    ActionKind.ZABBIX_SEVERITY: ActionSpec(Backend.ZABBIX, RoleTier.OPERATE, "change severity"),
    ActionKind.ZABBIX_CLOSE: ActionSpec(Backend.ZABBIX, RoleTier.OPERATE, "close"),
    ActionKind.ZABBIX_MESSAGE: ActionSpec(Backend.ZABBIX, RoleTier.OPERATE, "message"),
    ActionKind.ZABBIX_MAINTENANCE_CREATE: ActionSpec(Backend.ZABBIX, RoleTier.OPERATE, "create maintenance"),
    ActionKind.ZABBIX_MAINTENANCE_DELETE: ActionSpec(Backend.ZABBIX, RoleTier.OPERATE, "end maintenance"),
    ActionKind.STACKS_PLAN: ActionSpec(Backend.CLOUDFORMATION, RoleTier.DEPLOY, "plan"),
    ActionKind.STACKS_DEPLOY: ActionSpec(Backend.CLOUDFORMATION, RoleTier.DEPLOY, "deploy"),
    ActionKind.STACKS_DELETE: ActionSpec(Backend.CLOUDFORMATION, RoleTier.DEPLOY, "delete"),
    ActionKind.STACKS_BASELINE: ActionSpec(Backend.CLOUDFORMATION, RoleTier.DEPLOY, "deploy the baseline"),
    ActionKind.STACKS_DISCARD: ActionSpec(Backend.CLOUDFORMATION, RoleTier.DEPLOY, "discard change sets"),
    ActionKind.ELEVATE: ActionSpec(Backend.CONSOLE, RoleTier.READ, "elevate", mutating=False),
    ActionKind.EXPORT_CREDENTIALS: ActionSpec(Backend.CONSOLE, RoleTier.READ, "export credentials", False),
    ActionKind.CONSOLE_SIGNIN: ActionSpec(Backend.CONSOLE, RoleTier.READ, "console sign-in", False),
}

# Names shipped runbooks used before the registry; still accepted.
_ALIASES = {
    "zabbix.maintenance": ActionKind.ZABBIX_MAINTENANCE_CREATE.value,
    "zabbix.end_maintenance": ActionKind.ZABBIX_MAINTENANCE_DELETE.value,
    "stop-task": ActionKind.ECS_STOP_TASK.value,
}
