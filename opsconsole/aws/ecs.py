"""ECS reads and the calls behind ECS actions, for one environment.

Reads page through every list call and describe in the API's batch sizes. Actions are first a
list of planned calls, so `--dry-run` shows exactly what would be sent and sends nothing.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator
from typing import Any

from opsconsole.aws.paging import EnvReader
from opsconsole.domain.ecs import (
    Cluster,
    Container,
    ContainerInstance,
    Deployment,
    EcsService,
    ServiceEvent,
    Task,
    TaskDefinitionDiff,
)
from opsconsole.domain.errors import InvalidInput

ZABBIX_AGENT_SERVICE = "zabbix-agent"


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class EcsReader(EnvReader):
    """One environment's ECS."""

    def clusters(self) -> list[Cluster]:
        arns = self._paginate("list_clusters", "clusterArns")
        found = []
        for chunk in _chunks(arns, 100):
            for raw in self._client().describe_clusters(clusters=chunk)["clusters"]:
                found.append(
                    Cluster(
                        environment=self.env,
                        name=raw["clusterName"],
                        arn=raw["clusterArn"],
                        status=raw["status"],
                        # ECS's counters; an endpoint that drifts below zero is shown as none
                        services=max(0, raw.get("activeServicesCount", 0)),
                        running_tasks=max(0, raw.get("runningTasksCount", 0)),
                        pending_tasks=max(0, raw.get("pendingTasksCount", 0)),
                        container_instances=raw.get("registeredContainerInstancesCount", 0),
                    )
                )
        return sorted(found, key=lambda c: c.name)

    def cluster_names(self) -> list[str]:
        """ListClusters alone: the names, without describing or counting anything."""
        return sorted(arn.rsplit("/", 1)[-1] for arn in self._paginate("list_clusters", "clusterArns"))

    def service_names(self, cluster: str) -> list[str]:
        return sorted(
            arn.rsplit("/", 1)[-1] for arn in self._paginate("list_services", "serviceArns", cluster=cluster)
        )

    def services(self, cluster: str, names: list[str] | None = None) -> list[EcsService]:
        """Services of a cluster, described in batches of ten; only `names` when given."""
        arns = names if names is not None else self._paginate("list_services", "serviceArns", cluster=cluster)
        found = []
        for chunk in _chunks(arns, 10):
            for raw in self._client().describe_services(cluster=cluster, services=chunk)["services"]:
                found.append(_service(self.env, cluster, raw))
        return sorted(found, key=lambda s: s.name)

    def service(self, cluster: str, name: str) -> EcsService:
        answer = self._client().describe_services(cluster=cluster, services=[name])
        services = [s for s in answer.get("services", []) if s.get("status") != "INACTIVE"]
        if not services:
            raise InvalidInput(
                f"no service {name!r} in cluster {cluster} of {self.env}",
                hint=f"list them: opsconsole ecs services --env {self.env} --cluster {cluster}",
            )
        return _service(self.env, cluster, services[0])

    def tasks(self, cluster: str, service: str | None = None, *, stopped: bool = False) -> list[Task]:
        statuses = ["RUNNING", "STOPPED"] if stopped else ["RUNNING"]
        arns: list[str] = []
        for status in statuses:
            kwargs: dict[str, Any] = {"cluster": cluster, "desiredStatus": status}
            if service:
                kwargs["serviceName"] = service
            arns += self._paginate("list_tasks", "taskArns", **kwargs)
        found = []
        for chunk in _chunks(sorted(set(arns)), 100):
            for raw in self._client().describe_tasks(cluster=cluster, tasks=chunk)["tasks"]:
                found.append(_task(self.env, cluster, raw))
        # Some endpoints ignore serviceName; the task's group says which service placed it.
        if service:
            found = [t for t in found if t.service == service]
        return sorted(
            found, key=lambda t: (t.last_status != "RUNNING", t.started_at or t.stopped_at or 0, t.arn)
        )

    def container_instances(self, cluster: str) -> list[ContainerInstance]:
        arns = self._paginate("list_container_instances", "containerInstanceArns", cluster=cluster)
        agents = {
            t.container_instance
            for t in self.tasks(cluster, ZABBIX_AGENT_SERVICE)
            if t.last_status == "RUNNING"
        }
        found = []
        for chunk in _chunks(arns, 100):
            for raw in self._client().describe_container_instances(cluster=cluster, containerInstances=chunk)[
                "containerInstances"
            ]:
                found.append(
                    ContainerInstance(
                        environment=self.env,
                        cluster=cluster,
                        arn=raw["containerInstanceArn"],
                        ec2_instance_id=raw.get("ec2InstanceId"),
                        status=raw.get("status", "?"),
                        agent_connected=bool(raw.get("agentConnected")),
                        running_tasks=raw.get("runningTasksCount", 0),
                        pending_tasks=raw.get("pendingTasksCount", 0),
                        zabbix_agent_running=raw["containerInstanceArn"] in agents,
                    )
                )
        return sorted(found, key=lambda i: i.ec2_instance_id or i.arn)

    def ec2_instance_ids(self, cluster: str) -> dict[str, str]:
        """Container instance ARN -> EC2 instance id, for every container instance of the cluster."""
        arns = self._paginate("list_container_instances", "containerInstanceArns", cluster=cluster)
        found: dict[str, str] = {}
        for chunk in _chunks(arns, 100):
            answer = self._client().describe_container_instances(cluster=cluster, containerInstances=chunk)
            for raw in answer["containerInstances"]:
                if raw.get("ec2InstanceId"):
                    found[raw["containerInstanceArn"]] = raw["ec2InstanceId"]
        return found

    def task_definition(self, name: str) -> dict[str, Any]:
        return dict(self._client().describe_task_definition(taskDefinition=name)["taskDefinition"])

    def revisions(self, family: str) -> list[int]:
        arns = self._paginate(
            "list_task_definitions", "taskDefinitionArns", familyPrefix=family, status="ACTIVE"
        )
        revisions = [
            int(a.rsplit(":", 1)[1]) for a in arns if a.rsplit("/", 1)[-1].rsplit(":", 1)[0] == family
        ]
        return sorted(revisions)

    def previous_revision(self, service: EcsService) -> int:
        """The revision before the one the service runs.

        Raises:
            InvalidInput: there is none to roll back to.
        """
        current = service.revision
        earlier = [r for r in self.revisions(service.family) if current is None or r < current]
        if not earlier:
            raise InvalidInput(
                f"{service.name} runs {service.family}:{current}, the oldest active revision",
                hint="there is no earlier revision to roll back to",
            )
        return earlier[-1]

    def taskdef_diff(self, family: str, old: int, new: int) -> TaskDefinitionDiff:
        before = _comparable(self.task_definition(f"{family}:{old}"))
        after = _comparable(self.task_definition(f"{family}:{new}"))
        lines = difflib.unified_diff(
            json.dumps(before, indent=2, sort_keys=True, default=str).splitlines(),
            json.dumps(after, indent=2, sort_keys=True, default=str).splitlines(),
            fromfile=f"{family}:{old}",
            tofile=f"{family}:{new}",
            lineterm="",
            n=2,
        )
        return TaskDefinitionDiff(family, old, new, tuple(lines))


# -- mapping ------------------------------------------------------------------------------------


def _service(env: str, cluster: str, raw: dict[str, Any]) -> EcsService:
    return EcsService(
        environment=env,
        cluster=cluster,
        name=raw["serviceName"],
        arn=raw["serviceArn"],
        status=raw.get("status", "?"),
        desired=raw.get("desiredCount", 0),
        running=raw.get("runningCount", 0),
        pending=raw.get("pendingCount", 0),
        task_definition=raw.get("taskDefinition", ""),
        launch_type=raw.get("launchType"),
        scheduling=raw.get("schedulingStrategy", "REPLICA"),
        deployments=tuple(
            Deployment(
                id=d.get("id", "?"),
                status=d.get("status", "?"),
                task_definition=d.get("taskDefinition", ""),
                desired=d.get("desiredCount", 0),
                running=d.get("runningCount", 0),
                pending=d.get("pendingCount", 0),
                rollout_state=d.get("rolloutState"),
                created_at=d.get("createdAt"),
            )
            for d in raw.get("deployments") or []
        ),
        events=tuple(
            ServiceEvent(e["createdAt"], e.get("message", ""))
            for e in (raw.get("events") or [])[:20]
            if e.get("createdAt")
        ),
        target_groups=tuple(
            lb["targetGroupArn"] for lb in raw.get("loadBalancers") or [] if lb.get("targetGroupArn")
        ),
    )


def _task(env: str, cluster: str, raw: dict[str, Any]) -> Task:
    return Task(
        environment=env,
        cluster=cluster,
        arn=raw["taskArn"],
        group=raw.get("group"),
        task_definition=raw.get("taskDefinitionArn", ""),
        last_status=raw.get("lastStatus", "?"),
        desired_status=raw.get("desiredStatus", "?"),
        health=raw.get("healthStatus"),
        stopped_reason=raw.get("stoppedReason"),
        stop_code=raw.get("stopCode"),
        container_instance=raw.get("containerInstanceArn"),
        started_at=raw.get("startedAt"),
        stopped_at=raw.get("stoppedAt"),
        containers=tuple(
            Container(
                c.get("name", "?"),
                c.get("lastStatus", "?"),
                c.get("exitCode"),
                c.get("reason"),
                c.get("healthStatus"),
            )
            for c in raw.get("containers") or []
        ),
    )


_NOISE = {
    "taskDefinitionArn",
    "revision",
    "status",
    "registeredAt",
    "registeredBy",
    "deregisteredAt",
    "requiresAttributes",
    "compatibilities",
}


def _comparable(definition: dict[str, Any]) -> dict[str, Any]:
    """The parts of a task definition an operator changes; registration bookkeeping dropped."""
    return {k: v for k, v in definition.items() if k not in _NOISE}
