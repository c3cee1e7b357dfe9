"""Template and parameter differences between what is deployed and what would be."""

from __future__ import annotations

import difflib
from collections.abc import Mapping


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
    """(name, old, new) for every parameter that changes; NoEcho values are masked."""
    rows = []
    for name in sorted(set(deployed) | set(proposed)):
        old, new = deployed.get(name), proposed.get(name)
        if old == new or (name in secret and old == "****"):
            continue
        if name in secret:
            old = "****" if old is not None else None
            new = "****" if new is not None else None
        rows.append((name, old, new))
    return tuple(rows)
