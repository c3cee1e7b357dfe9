"""Small formatting helpers shared by the screens and panes."""

from __future__ import annotations


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
