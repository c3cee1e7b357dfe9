"""Corrections to moto where it departs from AWS in ways the console depends on.

Applied only inside the demo's moto process. Each fix names the AWS behaviour it restores.
"""

from __future__ import annotations

from typing import Any


def apply_all() -> None:
    _change_sets_refresh_outputs_and_parameters()
    _load_balancer_full_name()
    _role_policies_from_templates_are_documents()
    _dynamic_host_ports_do_not_conflict()
    _service_counts_and_events_follow_tasks()
    _running_tasks_keep_running()
    _services_from_templates_keep_their_settings()
    _reboots_are_events()
    _iam_actions_use_service_prefixes()
    _key_policies_from_templates_are_documents()
    _dynamodb_conditional_writes_are_atomic()
    _pending_maintenance_is_answered()


def _change_sets_refresh_outputs_and_parameters() -> None:
    """AWS: a stack made or updated by an executed change set reports the template's Outputs
    and the change set's Parameters. moto 5.2 keeps the outputs (none, for a new stack) and the
    parameters from before, which would starve every stack that takes an upstream output."""
    from moto.cloudformation.models import ChangeSet

    original = ChangeSet.apply
    if getattr(original, "_opsconsole_fixed", False):
        return

    def apply(self: Any) -> None:
        original(self)
        stack = self.stack
        stack.template = self.template
        stack._parse_template()
        stack.parameters = self.parameters
        stack.output_map = stack._create_output_map()

    apply._opsconsole_fixed = True  # type: ignore[attr-defined]
    ChangeSet.apply = apply  # type: ignore[method-assign]


def _load_balancer_full_name() -> None:
    """AWS: GetAtt LoadBalancerFullName of an ALB is `app/<name>/<id>`, the CloudWatch dimension
    its alarms use. moto 5.2 leaves the GetAtt unresolved, so the template text leaks into outputs."""
    from moto.elbv2.models import FakeLoadBalancer

    original = FakeLoadBalancer.get_cfn_attribute
    if getattr(original, "_opsconsole_fixed", False):
        return

    def get_cfn_attribute(self: Any, attribute_name: str) -> Any:
        if attribute_name == "LoadBalancerFullName":
            return str(self.arn).split(":loadbalancer/", 1)[1]
        return original(self, attribute_name)

    get_cfn_attribute._opsconsole_fixed = True  # type: ignore[attr-defined]
    FakeLoadBalancer.get_cfn_attribute = get_cfn_attribute  # type: ignore[method-assign]


def _role_policies_from_templates_are_documents() -> None:
    """AWS: a role's inline policy is a JSON document whoever wrote it. moto 5.2 keeps those of
    roles made by CloudFormation as dicts, and its IAM enforcement then fails (HTTP 500) on every
    request signed by such a role, e.g. the role trio the baseline StackSet creates."""
    import json

    from moto.iam.models import IAMBackend

    original = IAMBackend.get_role_policy
    if getattr(original, "_opsconsole_fixed", False):
        return

    def get_role_policy(self: Any, role_name: str, policy_name: str) -> tuple[str, str]:
        name, document = original(self, role_name, policy_name)
        return name, document if isinstance(document, str) else json.dumps(document)

    get_role_policy._opsconsole_fixed = True  # type: ignore[attr-defined]
    IAMBackend.get_role_policy = get_role_policy  # type: ignore[method-assign]


def _dynamic_host_ports_do_not_conflict() -> None:
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


def _service_counts_and_events_follow_tasks() -> None:
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


def _running_tasks_keep_running() -> None:
    """AWS: a running task stays RUNNING until something stops it. moto's default lifecycle moves
    every task on towards STOPPED as it is read; its own state manager turns that off."""
    import sys

    from moto.moto_api import state_manager

    state_manager.set_transition(
        model_name="ecs::task", transition={"progression": "manual", "times": sys.maxsize}
    )


def _services_from_templates_keep_their_settings() -> None:
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


def _reboots_are_events() -> None:
    """AWS: rebooting a DB instance is an event ("DB instance restarted") in describe_events.
    moto 5.2 records no event for it."""
    from moto.rds.models import Event, RDSBackend

    original = RDSBackend.reboot_db_instance
    if getattr(original, "_opsconsole_fixed", False):
        return
    Event.EVENT_MAP.setdefault(
        "DB_INSTANCE_REBOOT", {"Categories": ["availability"], "Message": "DB instance restarted"}
    )

    def reboot_db_instance(self: Any, db_instance_identifier: str) -> Any:
        instance = original(self, db_instance_identifier)
        instance.add_event("DB_INSTANCE_REBOOT")
        return instance

    reboot_db_instance._opsconsole_fixed = True  # type: ignore[attr-defined]
    RDSBackend.reboot_db_instance = reboot_db_instance  # type: ignore[method-assign]


def _iam_actions_use_service_prefixes() -> None:
    """AWS: CloudWatch's IAM actions are `cloudwatch:*`, though requests are signed for
    `monitoring`. moto 5.2 checks `monitoring:GetMetricData`, so no real policy allows it."""
    from moto.iam.access_control import IAMRequestBase

    original = IAMRequestBase.__init__
    if getattr(original, "_opsconsole_fixed", False):
        return
    prefixes = {"monitoring": "cloudwatch"}

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        service, _, action = self._action.partition(":")
        if service in prefixes:
            self._action = f"{prefixes[service]}:{action}"

    init._opsconsole_fixed = True  # type: ignore[attr-defined]
    IAMRequestBase.__init__ = init  # type: ignore[method-assign]


def _key_policies_from_templates_are_documents() -> None:
    """AWS: a KMS key made by a template has its KeyPolicy as a JSON document, and DescribeKey
    answers. moto 5.2 keeps the template's mapping, and DescribeKey fails with a 500 parsing it."""
    import json

    from moto.kms.models import KmsBackend

    original = KmsBackend.create_key
    if getattr(original, "_opsconsole_fixed", False):
        return

    def create_key(self: Any, policy: Any, *args: Any, **kwargs: Any) -> Any:
        return original(self, json.dumps(policy) if isinstance(policy, dict) else policy, *args, **kwargs)

    create_key._opsconsole_fixed = True  # type: ignore[attr-defined]
    KmsBackend.create_key = create_key  # type: ignore[method-assign]


def _dynamodb_conditional_writes_are_atomic() -> None:
    """AWS: DynamoDB serialises writes to an item, so of two conditional writes racing for it one
    fails. moto 5.2 checks the condition and writes without a lock: both can win (seen in the
    team lock race). One lock around the writes restores it (the demo's load is small)."""
    import functools
    import threading

    from moto.dynamodb.models import DynamoDBBackend

    if getattr(DynamoDBBackend.put_item, "_opsconsole_fixed", False):
        return
    lock = threading.Lock()
    for name in ("put_item", "update_item", "delete_item", "transact_write_items"):
        original = getattr(DynamoDBBackend, name)

        def serialised(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
            with lock:
                return _original(*args, **kwargs)

        functools.update_wrapper(serialised, original)
        serialised._opsconsole_fixed = True  # type: ignore[attr-defined]
        setattr(DynamoDBBackend, name, serialised)


def _pending_maintenance_is_answered() -> None:
    """AWS: DescribePendingMaintenanceActions lists what each instance has pending. moto 5.2 has no
    such action and answers a page botocore cannot parse ("invalid XML"). Here it answers: a
    protected (Multi-AZ) instance has the OS update AWS announces regularly; the others nothing."""
    from moto.core.responses import ActionResult
    from moto.rds.responses import RDSResponse

    if hasattr(RDSResponse, "describe_pending_maintenance_actions"):
        return

    def describe_pending_maintenance_actions(self: Any) -> ActionResult:
        pending = [
            {
                "ResourceIdentifier": db.arn,
                "PendingMaintenanceActionDetails": [
                    {
                        "Action": "system-update",
                        "Description": "New Operating System update is available",
                        "OptInStatus": "next-maintenance",
                    }
                ],
            }
            for db in self.backend.databases.values()
            if str(getattr(db, "multi_az", False)).lower() == "true"
        ]
        return ActionResult({"PendingMaintenanceActions": pending})

    RDSResponse.describe_pending_maintenance_actions = describe_pending_maintenance_actions  # type: ignore[attr-defined]
