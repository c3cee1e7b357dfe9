"""Small formatting helpers shared by the screens and panes."""

from __future__ import annotations

from datetime import datetime


def age(moment: datetime | None, now: datetime) -> str:
    """How long ago, in the largest whole unit: 3d, 5h, 12m, 40s."""
    if moment is None:
        return "—"
    seconds = max(0, int((now - moment).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def first_line(error: Exception) -> str:
    """An unexpected error in one line for a pane's state: its first line, or its type."""
    text = str(error)
    return text.splitlines()[0] if text.strip() else type(error).__name__


IRREGULAR = {"entry": "entries", "database": "databases", "child": "children"}


def plural(count: int, noun: str) -> str:
    """`1 cluster`, `3 clusters`, `0 problems`: the noun given in the singular."""
    if count == 1:
        return f"{count} {noun}"
    return f"{count} {IRREGULAR.get(noun, noun + 's')}"
