"""Corrections to moto where it departs from AWS in ways the console depends on.

Applied only inside the demo's moto process. Each fix names the AWS behaviour it restores.
"""

from __future__ import annotations

from typing import Any

from opsconsole.demo import moto_ecs_fixes as ecs_fixes


def apply_all() -> None:
    _change_sets_refresh_outputs_and_parameters()
    _load_balancer_full_name()
    _role_policies_from_templates_are_documents()
    ecs_fixes.dynamic_host_ports_do_not_conflict()
    ecs_fixes.service_counts_and_events_follow_tasks()
    ecs_fixes.running_tasks_keep_running()
    ecs_fixes.services_from_templates_keep_their_settings()
    ecs_fixes.cluster_counters_follow_services_and_tasks()
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
