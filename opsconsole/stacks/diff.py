"""Template and parameter differences between what is deployed and what would be."""

from __future__ import annotations

import ast
import difflib
import re
from collections.abc import Mapping
from typing import Any


def template_diff(deployed: str, proposed: str, stack_name: str) -> str:
    if deployed.strip() == proposed.strip():
        return ""
    lines = difflib.unified_diff(
        deployed.splitlines(),
        proposed.splitlines(),
        fromfile=f"{stack_name} (deployed)",
        tofile=f"{stack_name} (proposed)",
        lineterm="",
        n=2,
    )
    return "\n".join(lines)


def parameter_diff(
    deployed: Mapping[str, str], proposed: Mapping[str, str], secret: frozenset[str] = frozenset()
) -> tuple[tuple[str, str | None, str | None], ...]:
    """(name, old, new) for every parameter given that changes; NoEcho values are masked.

    Parameters left to their template default are not compared: CloudFormation resolves them.
    """
    rows = []
    for name in sorted(proposed):
        old, new = _normal(deployed.get(name)), proposed.get(name)
        if old == new or (name in secret and old == "****"):
            continue
        if name in secret:
            old = "****" if old is not None else None
            new = "****" if new is not None else None
        rows.append((name, old, new))
    return tuple(rows)


def _normal(value: str | None) -> str | None:
    """List parameters as CloudFormation takes them (a,b), also when an endpoint shows ['a', 'b']."""
    if value and value.startswith("[") and value.endswith("]"):
        try:
            items = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            return value
        if isinstance(items, list):
            return ",".join(str(item) for item in items)
    return value


def inferred_changes(template: Mapping[str, Any], changed: set[str]) -> list[tuple[str, str, list[str]]]:
    """(logical id, type, parameters) of resources whose properties use a changed parameter.

    Used when a change set lists no resource-level change although parameters changed.
    """
    found = []
    for logical_id, resource in (template.get("Resources") or {}).items():
        used = sorted(_references(resource.get("Properties") or {}) & changed)
        if used:
            found.append((logical_id, str(resource.get("Type", "?")), used))
    return found


def _references(node: Any) -> set[str]:
    names: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                names.add(value)
            elif key == "Fn::Sub":
                text = value[0] if isinstance(value, list) and value else value
                if isinstance(text, str):
                    names |= set(re.findall(r"\$\{([A-Za-z0-9]+)\}", text))
                names |= _references(value)
            else:
                names |= _references(value)
    elif isinstance(node, list):
        for item in node:
            names |= _references(item)
    return names
