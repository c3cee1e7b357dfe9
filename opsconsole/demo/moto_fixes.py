"""Corrections to moto where it departs from AWS in ways the console depends on.

Applied only inside the demo's moto process. Each fix names the AWS behaviour it restores.
"""

from __future__ import annotations

from typing import Any


def apply_all() -> None:
    _change_sets_refresh_outputs_and_parameters()
    _load_balancer_full_name()
    _role_policies_from_templates_are_documents()


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
