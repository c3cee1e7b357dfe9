"""The capabilities a template needs, read offline as CloudFormation decides them.

- IAM resources need CAPABILITY_IAM; one with a custom name (RoleName, UserName, ...) needs
  CAPABILITY_NAMED_IAM, which also covers the unnamed ones.
- Macros (a top-level `Transform`, or `Fn::Transform` anywhere) need CAPABILITY_AUTO_EXPAND.
- A nested stack's needs are its parent's: CloudFormation asks the parent to acknowledge what any
  nested template (read from a local TemplateURL) holds.

moto checks none of this (it creates IAM resources without any capability); real AWS refuses the
change set with InsufficientCapabilities, so the check runs before any call.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

IAM = "CAPABILITY_IAM"
NAMED_IAM = "CAPABILITY_NAMED_IAM"
AUTO_EXPAND = "CAPABILITY_AUTO_EXPAND"

# The IAM types CloudFormation asks an acknowledgement for, with the property that names them.
IAM_TYPES: dict[str, str | None] = {
    "AWS::IAM::AccessKey": None,
    "AWS::IAM::Group": "GroupName",
    "AWS::IAM::InstanceProfile": "InstanceProfileName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::IAM::Policy": None,
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::User": "UserName",
    "AWS::IAM::UserToGroupAddition": None,
    "AWS::IAM::RolePolicy": None,
    "AWS::IAM::UserPolicy": None,
    "AWS::IAM::GroupPolicy": None,
}
NESTED = "AWS::CloudFormation::Stack"

NestedReader = Callable[[str], Mapping[str, Any] | None]
"""Returns the decoded template a nested stack's TemplateURL names, or None when it is remote."""


def required(
    document: Mapping[str, Any], nested: NestedReader | None = None, depth: int = 0
) -> dict[str, list[str]]:
    """Each capability the template needs, with the resources (or macros) that need it."""
    needs: dict[str, list[str]] = {}
    transform = document.get("Transform")
    if transform:
        names = transform if isinstance(transform, list) else [transform]
        needs.setdefault(AUTO_EXPAND, []).extend(f"Transform {_name(n)}" for n in names)
    if _has_fn_transform({k: v for k, v in document.items() if k != "Transform"}):
        needs.setdefault(AUTO_EXPAND, []).append("Fn::Transform")
    resources = document.get("Resources") or {}
    if not isinstance(resources, Mapping):
        return needs
    for logical_id, resource in resources.items():
        if not isinstance(resource, Mapping):
            continue
        kind = str(resource.get("Type", ""))
        properties = resource.get("Properties") or {}
        if kind in IAM_TYPES:
            name_key = IAM_TYPES[kind]
            named = name_key is not None and isinstance(properties, Mapping) and name_key in properties
            needs.setdefault(NAMED_IAM if named else IAM, []).append(str(logical_id))
        elif kind == NESTED and nested is not None and depth < 5 and isinstance(properties, Mapping):
            child = nested(str(properties.get("TemplateURL", "")))
            for capability, why in required(child or {}, nested, depth + 1).items():
                needs.setdefault(capability, []).extend(f"{logical_id}/{item}" for item in why)
    return needs


def missing(needs: Mapping[str, list[str]], granted: tuple[str, ...]) -> dict[str, list[str]]:
    """What `needs` asks that `granted` does not give (NAMED_IAM gives IAM too)."""
    have = set(granted) | ({IAM} if NAMED_IAM in granted else set())
    lacking = {capability: list(why) for capability, why in needs.items() if capability not in have}
    if NAMED_IAM in lacking and IAM in lacking:
        # One fix covers both: CAPABILITY_NAMED_IAM acknowledges the unnamed IAM resources too.
        lacking[NAMED_IAM] += lacking.pop(IAM)
    return lacking


def _name(transform: Any) -> str:
    if isinstance(transform, Mapping):
        return str(transform.get("Name", "?"))
    return str(transform)


def _has_fn_transform(node: Any) -> bool:
    if isinstance(node, Mapping):
        return "Fn::Transform" in node or any(_has_fn_transform(v) for v in node.values())
    if isinstance(node, list):
        return any(_has_fn_transform(v) for v in node)
    return False
