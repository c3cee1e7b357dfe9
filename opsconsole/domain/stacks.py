"""CloudFormation as the console sees it: stack specs, plans, changes, events and outcomes."""

from __future__ import annotations

import enum
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypedDict


@dataclass(frozen=True)
class OutputRef:
    """A parameter value taken from another stack's output: `{ output = "network.VpcId" }`."""

    stack: str
    output: str

    def __str__(self) -> str:
        return f"{self.stack}.{self.output}"


ParamValue = str | OutputRef


@dataclass(frozen=True)
class StackSpec:
    """One stack of the estate for one environment, as the manifest and params file say."""

    key: str
    stack_name: str
    template_path: str
    template_body: str
    region: str
    capabilities: tuple[str, ...] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
    parameters: Mapping[str, ParamValue] = field(default_factory=dict)
    depends_on: tuple[str, ...] = ()


class StackStatus(enum.Enum):
    """CloudFormation's thirty-odd statuses reduced to what an operator acts on."""

    ABSENT = "absent"
    REVIEW = "review"
    IN_PROGRESS = "in progress"
    COMPLETE = "complete"
    FAILED = "failed"
    ROLLED_BACK = "rolled back"
    DELETED = "deleted"

    @classmethod
    def of(cls, raw: str | None) -> StackStatus:
        if not raw:
            return cls.ABSENT
        if raw == "REVIEW_IN_PROGRESS":
            return cls.REVIEW
        if raw == "DELETE_COMPLETE":
            return cls.DELETED
        if raw.endswith("ROLLBACK_COMPLETE") or raw == "ROLLBACK_FAILED" or raw.endswith("ROLLBACK_FAILED"):
            return cls.ROLLED_BACK
        if raw.endswith("_IN_PROGRESS"):
            return cls.IN_PROGRESS
        if raw.endswith("_FAILED"):
            return cls.FAILED
        return cls.COMPLETE

    @property
    def exists(self) -> bool:
        return self not in (StackStatus.ABSENT, StackStatus.REVIEW, StackStatus.DELETED)


@dataclass(frozen=True)
class DeployedStack:
    stack_name: str
    status: StackStatus
    raw_status: str
    reason: str | None
    updated_at: datetime | None
    parameters: Mapping[str, str]
    outputs: Mapping[str, str]
    stack_id: str | None = None


class ChangeAction(enum.Enum):
    ADD = "Add"
    MODIFY = "Modify"
    REMOVE = "Remove"
    IMPORT = "Import"
    DYNAMIC = "Dynamic"


@dataclass(frozen=True)
class ResourceChange:
    action: ChangeAction
    logical_id: str
    resource_type: str
    physical_id: str | None = None
    replacement: str | None = None
    details: tuple[str, ...] = ()

    @property
    def risky(self) -> bool:
        """Replacements and removals lose the resource's identity or data: flag them."""
        return self.action is ChangeAction.REMOVE or self.replacement in ("True", "Conditional")


class PlanAction(enum.Enum):
    CREATE = "create"
    UPDATE = "update"
    NONE = "no changes"
    DEFERRED = "after upstream"


@dataclass(frozen=True)
class StackPlan:
    """What deploying one stack would do."""

    key: str
    stack_name: str
    region: str
    action: PlanAction
    changes: tuple[ResourceChange, ...] = ()
    parameter_diff: tuple[tuple[str, str | None, str | None], ...] = ()
    template_diff: str = ""
    change_set_arn: str | None = None
    change_set_name: str | None = None
    note: str = ""
    parameters: Mapping[str, str] = field(default_factory=dict)

    @property
    def has_changes(self) -> bool:
        return self.action in (PlanAction.CREATE, PlanAction.UPDATE, PlanAction.DEFERRED)


@dataclass(frozen=True)
class EnvironmentPlan:
    environment: str
    stacks: tuple[StackPlan, ...]

    @property
    def has_changes(self) -> bool:
        return any(plan.has_changes for plan in self.stacks)


@dataclass(frozen=True)
class StackEvent:
    event_id: str
    stack_name: str
    logical_id: str
    resource_type: str
    status: str
    timestamp: datetime
    reason: str | None = None
    physical_id: str | None = None

    @property
    def failed(self) -> bool:
        return self.status.endswith("_FAILED")


@dataclass(frozen=True)
class StackOutcome:
    """How a stack's deploy ended."""

    key: str
    stack_name: str
    status: StackStatus
    outputs: Mapping[str, str] = field(default_factory=dict)
    cause: StackEvent | None = None
    message: str = ""

    @property
    def succeeded(self) -> bool:
        return self.status is StackStatus.COMPLETE


EventHook = Callable[[str, list[StackEvent]], None]
"""Receives a stack's new events (its name, the batch), oldest first."""
OutcomeHook = Callable[[StackOutcome], None]
ApproveHook = Callable[[StackPlan], bool]
"""Reviews a deferred stack's plan once its change set exists; False leaves the stack alone."""


class DeployHooks(TypedDict, total=False):
    """What a front-end hands a reviewed plan's `execute`: event and outcome callbacks, a `stop`
    that ends the watching, the review of deferred stacks. Declared once for the review and its port."""

    on_events: EventHook | None
    on_outcome: OutcomeHook | None
    stop: threading.Event | None
    approve_deferred: ApproveHook | None
