"""A reference to one thing the console shows: the unit that links panes, timelines and runbooks."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from opsconsole.domain.errors import InvalidInput


class ResourceKind(enum.StrEnum):
    CLUSTER = "cluster"
    SERVICE = "service"
    TASK = "task"
    CONTAINER = "container"
    """A container of a task, by its name in the task definition; the ref names the task too."""
    INSTANCE = "instance"
    """An ECS container instance, named by its EC2 instance id."""
    DB = "db"
    STACK = "stack"
    HOST = "host"
    """A Zabbix host, by its technical name."""
    PROBLEM = "problem"
    """A Zabbix problem, by its event id."""


# Kinds that live inside an ECS cluster; their refs may name the cluster ("prod/service/prod-cluster/api").
IN_CLUSTER = frozenset(
    {ResourceKind.SERVICE, ResourceKind.TASK, ResourceKind.INSTANCE, ResourceKind.CONTAINER}
)

REF_SYNTAX = (
    "ENV/KIND/NAME or ENV/KIND/CLUSTER/NAME, e.g. prod/service/api or prod/db/prod-db"
    " (a container: ENV/container/CLUSTER/TASK/NAME)"
)


@dataclass(frozen=True)
class ResourceRef:
    environment: str
    kind: ResourceKind
    name: str
    cluster: str | None = None
    task: str | None = None
    """The task id a container belongs to (containers only)."""

    def __str__(self) -> str:
        middle = f"{self.cluster}/" if self.cluster and self.kind in IN_CLUSTER else ""
        if self.kind is ResourceKind.CONTAINER:
            middle += f"{self.task}/"
        return f"{self.environment}/{self.kind.value}/{middle}{self.name}"

    @property
    def label(self) -> str:
        """Short form for the "linked to" indicator: "prod / api", "prod / task 1a2b3c4d" (a container:
        "prod / task 1a2b3c4d › api")."""
        if self.kind is ResourceKind.CONTAINER and self.task:
            return f"{self.environment} / task {self.task[:8]} › {self.name}"
        if self.kind is ResourceKind.TASK:  # 8 of a task id's 32 or 36 characters tell it apart on screen
            return f"{self.environment} / task {self.name[:8]}"
        return f"{self.environment} / {self.name}"

    @classmethod
    def parse(cls, text: str) -> ResourceRef:
        """A ref from its string form; InvalidInput names the part that is wrong."""
        parts = text.strip().split("/")
        if len(parts) < 3 or not all(parts):
            raise InvalidInput(f"cannot read the resource {text!r}", hint=f"write it as {REF_SYNTAX}")
        env, kind_text, *rest = parts
        try:
            kind = ResourceKind(kind_text)
        except ValueError:
            kinds = ", ".join(k.value for k in ResourceKind)
            raise InvalidInput(
                f"unknown resource kind {kind_text!r} in {text!r}", hint=f"kinds: {kinds}"
            ) from None
        if kind is ResourceKind.CONTAINER:
            if len(rest) not in (2, 3):
                raise InvalidInput(f"cannot read the container {text!r}", hint=f"write it as {REF_SYNTAX}")
            cluster = rest[0] if len(rest) == 3 else None
            return cls(env, kind, rest[-1], cluster=cluster, task=rest[-2])
        if len(rest) == 2 and kind in IN_CLUSTER:
            return cls(env, kind, rest[1], cluster=rest[0])
        if len(rest) != 1:
            raise InvalidInput(f"too many parts in {text!r}", hint=f"write it as {REF_SYNTAX}")
        return cls(env, kind, rest[0])
