"""Corrections to moto's ECS where it departs from AWS in ways the console depends on: host ports,
service counts and events that follow the tasks, tasks that keep running, and services made by
templates that keep their settings. Applied by moto_fixes.apply_all inside the demo's moto process.
"""

from __future__ import annotations

from typing import Any


def dynamic_host_ports_do_not_conflict() -> None:
    """AWS: hostPort 0 asks Docker for an ephemeral port, so any number of such tasks fit on an
    instance. moto 5.2 reserves port "0" and places one such task per instance."""
    from moto.ecs.models import EC2ContainerServiceBackend

    original = EC2ContainerServiceBackend._calculate_task_resource_requirements
    if getattr(original, "_opsconsole_fixed", False):
        return

    def requirements(task_definition: Any) -> dict[str, Any]:
        needed: dict[str, Any] = original(task_definition)
        needed["PORTS"] = [port for port in needed.get("PORTS", []) if str(port) != "0"]
        return needed

    requirements._opsconsole_fixed = True  # type: ignore[attr-defined]
    EC2ContainerServiceBackend._calculate_task_resource_requirements = staticmethod(  # type: ignore[method-assign]
        requirements
    )


def service_counts_and_events_follow_tasks() -> None:
    """AWS: a service's running count is its running tasks, and its events say when tasks start
    and stop and when it reaches a steady state; stopped tasks carry start and stop times and a
    stop code. moto 5.2 fakes the count from the desired count, keeps no events and no times.
    Here they follow the tasks placed in the service's group (`service:<name>`)."""
    import uuid

    from moto.core.utils import utcnow
    from moto.ecs.models import EC2ContainerServiceBackend

    if getattr(EC2ContainerServiceBackend, "_opsconsole_fixed", False):
        return
    EC2ContainerServiceBackend._opsconsole_fixed = True  # type: ignore[attr-defined]

    def service_of(backend: Any, cluster: str, group: str | None) -> Any:
        if not group or not group.startswith("service:"):
            return None
        name, cluster_name = group.split(":", 1)[1], cluster.split("/")[-1]
        return next(
            (s for s in backend.services.values() if s.name == name and s.cluster_name == cluster_name), None
        )

    def add_event(service: Any, message: str) -> None:
        service.events.insert(0, {"id": str(uuid.uuid4()), "createdAt": utcnow(), "message": message})
        del service.events[100:]

    def recount(backend: Any, service: Any) -> int:
        group = f"service:{service.name}"
        tasks = [t for t in backend.tasks.get(service.cluster_name, {}).values() if t.group == group]
        if not tasks:
            return -1
        if service.scheduling_strategy == "DAEMON":
            # A daemon wants one task on every active container instance.
            instances = backend.container_instances.get(service.cluster_name, {}).values()
            service.desired_count = sum(1 for i in instances if i.status == "ACTIVE")
        running = sum(1 for t in tasks if t.last_status == "RUNNING")
        service.running_count, service.pending_count = running, 0
        for deployment in service.deployments:
            if deployment.get("status") == "PRIMARY":
                deployment.update(
                    runningCount=running,
                    pendingCount=0,
                    desiredCount=service.desired_count,
                    rolloutState="COMPLETED" if running == service.desired_count else "IN_PROGRESS",
                )
        if running == service.desired_count:
            # A completed rollout leaves only its own deployment, as ECS drains the older ones.
            service.deployments = [d for d in service.deployments if d.get("status") == "PRIMARY"]
        return running

    def crashing(service: Any) -> bool:
        """A task of the service's current deployment was killed (OOM) in the last minute: ECS
        reports no steady state while its tasks keep dying (a new deployment starts afresh)."""
        killed_at = getattr(service, "_opsconsole_killed_at", None)
        if killed_at is None or (utcnow() - killed_at).total_seconds() > 60:
            return False
        primary: dict[str, Any] = next((d for d in service.deployments if d.get("status") == "PRIMARY"), {})
        since = primary.get("createdAt")
        return since is None or killed_at >= since

    def started(backend: Any, cluster: str, tasks: list[Any]) -> None:
        for task in tasks:
            task.started_at = utcnow()
            for container in task.containers:
                container.last_status, container.exitCode = "RUNNING", None
                # AWS: a container with no healthCheck in its definition (none in stacks/) is UNKNOWN;
                # moto says HEALTHY, even once the container was OOM-killed.
                container.health_status = "UNKNOWN"
            service = service_of(backend, cluster, task.group)
            if service is None:
                continue
            add_event(
                service,
                f"(service {service.name}) has started 1 tasks: (task {task.task_arn.rsplit('/', 1)[-1]}).",
            )
            if recount(backend, service) == service.desired_count and not crashing(service):
                add_event(service, f"(service {service.name}) has reached a steady state.")

    original_run = EC2ContainerServiceBackend.run_task
    original_start = EC2ContainerServiceBackend.start_task
    original_stop = EC2ContainerServiceBackend.stop_task
    original_update = EC2ContainerServiceBackend.update_service

    def run_task(self: Any, cluster_str: str, *args: Any, **kwargs: Any) -> Any:
        tasks = original_run(self, cluster_str, *args, **kwargs)
        started(self, cluster_str, tasks)
        return tasks

    def start_task(self: Any, cluster_str: str, *args: Any, **kwargs: Any) -> Any:
        tasks = original_start(self, cluster_str, *args, **kwargs)
        started(self, cluster_str, tasks)
        return tasks

    def stop_task(self: Any, cluster_str: str, task_str: str, reason: str) -> Any:
        task: Any = original_stop(self, cluster_str, task_str, reason)
        task.stopped_at = utcnow()
        killed = "OutOfMemoryError" in (reason or "")
        task.stop_code = "EssentialContainerExited" if killed else "UserInitiated"
        for container in task.containers:
            # AWS: the kernel's OOM killer sends SIGKILL (exit 137); ECS stops with SIGTERM (143).
            container.last_status, container.exitCode = "STOPPED", 137 if killed else 143
            container.health_status = "UNKNOWN"
            if killed:
                container.reason = "OutOfMemoryError: Container killed due to memory usage"
        service = service_of(self, cluster_str, task.group)
        if service is not None and killed:
            service._opsconsole_killed_at = task.stopped_at
        if service is not None:
            add_event(
                service,
                f"(service {service.name}) has stopped 1 running tasks: "
                f"(task {task.task_arn.rsplit('/', 1)[-1]}).",
            )
            recount(self, service)
        return task

    def update_service(self: Any, service_properties: dict[str, Any]) -> Any:
        # AWS: a new task definition or a forced deployment starts a new PRIMARY deployment (the
        # previous one goes on as ACTIVE until the rollout completes), and the service's
        # taskDefinition is always the full ARN. moto edits its one deployment in place.
        wanted = service_properties.get("task_definition")
        forced = bool(service_properties.get("force_new_deployment"))
        before = service_of(
            self,
            str(service_properties.get("cluster", "default")),
            f"service:{service_properties['service']}",
        )
        previous = [dict(d) for d in before.deployments] if before is not None else []
        old_definition = before.task_definition if before is not None else None
        service = original_update(self, service_properties)
        if wanted:
            service.task_definition = self.describe_task_definition(wanted).arn
        if previous and (forced or service.task_definition != old_definition):
            now = utcnow()
            primary = {
                **previous[0],
                "id": f"ecs-svc/{uuid.uuid4().int % 10**19}",
                "status": "PRIMARY",
                "taskDefinition": service.task_definition,
                "runningCount": 0,
                "pendingCount": 0,
                "rolloutState": "IN_PROGRESS",
                "createdAt": now,
                "updatedAt": now,
            }
            older = [{**d, "status": "ACTIVE"} for d in previous if d.get("status") in ("PRIMARY", "ACTIVE")]
            service.deployments = [primary, *older[:1]]
        recount(self, service)  # the desired count changed; the running count is still the tasks'
        return service

    EC2ContainerServiceBackend.run_task = run_task  # type: ignore[method-assign]
    EC2ContainerServiceBackend.start_task = start_task  # type: ignore[method-assign]
    EC2ContainerServiceBackend.stop_task = stop_task  # type: ignore[method-assign]
    EC2ContainerServiceBackend.update_service = update_service  # type: ignore[method-assign]


def running_tasks_keep_running() -> None:
    """AWS: a running task stays RUNNING until something stops it. moto's default lifecycle moves
    every task on towards STOPPED as it is read; its own state manager turns that off."""
    import sys

    from moto.moto_api import state_manager

    state_manager.set_transition(
        model_name="ecs::task", transition={"progression": "manual", "times": sys.maxsize}
    )


def services_from_templates_keep_their_settings() -> None:
    """AWS: an ECS::Service in a template keeps its SchedulingStrategy (DAEMON), LaunchType and
    LoadBalancers. moto 5.2 drops them and makes every such service a REPLICA of desired 0."""
    from moto.ecs.models import Cluster, EC2ContainerServiceBackend, Service, TaskDefinition, ecs_backends

    original = Service.create_from_cloudformation_json
    if getattr(original, "_opsconsole_fixed", False):
        return

    def create(
        resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any
    ) -> Any:
        properties = cloudformation_json["Properties"]
        cluster = properties["Cluster"]
        definition = properties["TaskDefinition"]
        backend: EC2ContainerServiceBackend = ecs_backends[account_id][region_name]
        return backend.create_service(
            cluster.name if isinstance(cluster, Cluster) else cluster,
            properties.get("ServiceName") or resource_name,
            int(properties.get("DesiredCount", 0) or 0),
            task_definition_str=definition.arn if isinstance(definition, TaskDefinition) else definition,
            load_balancers=[
                {
                    "targetGroupArn": lb.get("TargetGroupArn"),
                    "containerName": lb.get("ContainerName"),
                    "containerPort": lb.get("ContainerPort"),
                }
                for lb in properties.get("LoadBalancers") or []
            ],
            scheduling_strategy=properties.get("SchedulingStrategy", "REPLICA"),
            launch_type=properties.get("LaunchType"),
        )

    create._opsconsole_fixed = True  # type: ignore[attr-defined]
    Service.create_from_cloudformation_json = staticmethod(create)  # type: ignore[method-assign]


def cluster_counters_follow_services_and_tasks() -> None:
    """AWS: DescribeClusters counts a cluster's active services and its running and pending tasks
    (PROVISIONING, PENDING, ACTIVATING). moto 5.2 never counts services and drifts its task
    counters (below zero after stops). Here they are counted when the clusters are described."""
    from moto.ecs.models import EC2ContainerServiceBackend

    from opsconsole.domain.ecs import PENDING_STATES

    original = EC2ContainerServiceBackend.describe_clusters
    if getattr(original, "_opsconsole_fixed", False):
        return

    def describe_clusters(self: Any, cluster_names: list[str]) -> Any:
        clusters, failures = original(self, cluster_names)
        for cluster in clusters:
            services = [s for s in self.services.values() if s.cluster_name == cluster.name]
            tasks = [t.last_status for t in self.tasks.get(cluster.name, {}).values()]
            cluster.active_services_count = sum(1 for s in services if s.status == "ACTIVE")
            cluster.running_tasks_count = tasks.count("RUNNING")
            cluster.pending_tasks_count = sum(1 for t in tasks if t in PENDING_STATES)
        return clusters, failures

    describe_clusters._opsconsole_fixed = True  # type: ignore[attr-defined]
    EC2ContainerServiceBackend.describe_clusters = describe_clusters  # type: ignore[method-assign]
