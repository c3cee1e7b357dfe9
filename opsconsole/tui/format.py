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
