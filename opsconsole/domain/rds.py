"""RDS as an operator sees it: instances, clusters, events, maintenance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class DbInstance:
    environment: str
    identifier: str
    arn: str
    status: str
    instance_class: str
    engine: str
    engine_version: str
    multi_az: bool
    storage_gb: int
    storage_type: str | None
    endpoint: str | None
    port: int | None
    cluster: str | None
    deletion_protection: bool


@dataclass(frozen=True)
class DbCluster:
    environment: str
    identifier: str
    status: str
    engine: str
    engine_version: str
    members: tuple[str, ...]
    endpoint: str | None


@dataclass(frozen=True)
class DbEvent:
    environment: str
    source: str
    at: datetime
    message: str
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class PendingMaintenance:
    """Pending maintenance actions, or why they are not known."""

    environment: str
    identifier: str
    actions: tuple[str, ...]
    available: bool
    note: str = ""
