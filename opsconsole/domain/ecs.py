"""ECS as an operator sees it: clusters, services, deployments, tasks, container instances."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

PENDING_STATES = frozenset({"PROVISIONING", "PENDING", "ACTIVATING"})
"""Task states a cluster counts as pending (ECS's own definition of pendingTasksCount)."""


@dataclass(frozen=True)
class Cluster:
    environment: str
    name: str
    arn: str
    status: str
    services: int
    running_tasks: int
    pending_tasks: int
    container_instances: int


def revision_of(task_definition: str) -> int | None:
    """The revision a task definition ARN (or family:revision) names, None when it names none."""
    tail = task_definition.rsplit(":", 1)
    return int(tail[1]) if len(tail) == 2 and tail[1].isdigit() else None


@dataclass(frozen=True)
class Deployment:
    id: str
    status: str
    task_definition: str
    desired: int
    running: int
    pending: int
    rollout_state: str | None
    created_at: datetime | None


@dataclass(frozen=True)
class ServiceEvent:
    at: datetime
    message: str


@dataclass(frozen=True)
class EcsService:
    environment: str
    cluster: str
    name: str
    arn: str
    status: str
    desired: int
    running: int
    pending: int
    task_definition: str
    launch_type: str | None
    scheduling: str
    deployments: tuple[Deployment, ...] = ()
    events: tuple[ServiceEvent, ...] = ()
    target_groups: tuple[str, ...] = ()
    """ARNs of the load balancer target groups the service registers its tasks in."""

    @property
    def revision(self) -> int | None:
        return revision_of(self.task_definition)

    @property
    def family(self) -> str:
        return self.task_definition.rsplit("/", 1)[-1].rsplit(":", 1)[0]

    @property
    def rollout(self) -> str:
        primary = next((d for d in self.deployments if d.status == "PRIMARY"), None)
        return (primary.rollout_state if primary and primary.rollout_state else "—") if primary else "—"


@dataclass(frozen=True)
class Container:
    name: str
    last_status: str
    exit_code: int | None
    reason: str | None
    health: str | None


@dataclass(frozen=True)
class Task:
    environment: str
    cluster: str
    arn: str
    group: str | None
    task_definition: str
    last_status: str
    desired_status: str
    health: str | None
    stopped_reason: str | None
    stop_code: str | None
    container_instance: str | None
    started_at: datetime | None
    stopped_at: datetime | None
    containers: tuple[Container, ...] = ()

    @property
    def id(self) -> str:
        return self.arn.rsplit("/", 1)[-1]

    @property
    def revision(self) -> int | None:
        return revision_of(self.task_definition)

    @property
    def container_instance_id(self) -> str | None:
        """The container instance's id (the tail of its ARN), None for Fargate tasks."""
        return self.container_instance.rsplit("/", 1)[-1] if self.container_instance else None

    @property
    def service(self) -> str | None:
        return self.group.split(":", 1)[1] if self.group and self.group.startswith("service:") else None


@dataclass(frozen=True)
class ContainerInstance:
    environment: str
    cluster: str
    arn: str
    ec2_instance_id: str | None
    status: str
    agent_connected: bool
    running_tasks: int
    pending_tasks: int
    zabbix_agent_running: bool


@dataclass(frozen=True)
class TargetHealth:
    """One target of a service's load balancer target group, as elbv2 reports its health."""

    target_group: str
    target: str
    port: int | None
    state: str
    reason: str | None = None
    description: str | None = None

    @property
    def group_name(self) -> str:
        """The target group's name (the ARN's middle part: targetgroup/NAME/ID)."""
        parts = self.target_group.split(":targetgroup/", 1)
        return parts[1].split("/", 1)[0] if len(parts) == 2 else self.target_group


@dataclass(frozen=True)
class TaskDefinitionDiff:
    family: str
    old_revision: int
    new_revision: int
    lines: tuple[str, ...] = field(default_factory=tuple)
