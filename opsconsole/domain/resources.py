"""A reference to one thing the console shows: the unit that links panes, timelines and runbooks."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from opsconsole.domain.errors import InvalidInput


class ResourceKind(enum.StrEnum):
    CLUSTER = "cluster"
    SERVICE = "service"
    TASK = "task"
    INSTANCE = "instance"
    """An ECS container instance, named by its EC2 instance id."""
    DB = "db"
    STACK = "stack"
    HOST = "host"
    """A Zabbix host, by its technical name."""
    PROBLEM = "problem"
    """A Zabbix problem, by its event id."""


# Kinds that live inside an ECS cluster; their refs may name the cluster ("prod/service/prod-cluster/api").
IN_CLUSTER = frozenset({ResourceKind.SERVICE, ResourceKind.TASK, ResourceKind.INSTANCE})

REF_SYNTAX = "ENV/KIND/NAME or ENV/KIND/CLUSTER/NAME, e.g. prod/service/api or prod/db/prod-db"


@dataclass(frozen=True)
class ResourceRef:
    environment: str
    kind: ResourceKind
    name: str
    cluster: str | None = None

    def __str__(self) -> str:
        middle = f"{self.cluster}/" if self.cluster and self.kind in IN_CLUSTER else ""
        return f"{self.environment}/{self.kind.value}/{middle}{self.name}"

    @property
    def label(self) -> str:
        """Short form for the "linked to" indicator: "prod / api"."""
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
        if len(rest) == 2 and kind in IN_CLUSTER:
            return cls(env, kind, rest[1], cluster=rest[0])
        if len(rest) != 1:
            raise InvalidInput(f"too many parts in {text!r}", hint=f"write it as {REF_SYNTAX}")
        return cls(env, kind, rest[0])
