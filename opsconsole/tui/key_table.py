"""A pane's or screen's keys written as a table, one row a key: a Binding spelled out whole takes
seven lines, and the ids share the owner's prefix."""

from __future__ import annotations

from collections.abc import Collection

from textual.binding import Binding, BindingType

from opsconsole.domain.action_kinds import ActionKind

KeyRow = tuple[str, str | ActionKind, str, str, str]
"""(key, action, description, id after the prefix, tooltip); an ActionKind's action is `act`
on it, the registered change the pane plans and confirms."""


def key_table(prefix: str, *rows: KeyRow, hidden: Collection[str] = ()) -> list[BindingType]:
    """The rows' bindings in order, each id `prefix-<id>`; the ids in `hidden` stay out of the
    footer (f1 lists them)."""
    return [
        Binding(
            key,
            f"act('{action}')" if isinstance(action, ActionKind) else action,
            description,
            id=f"{prefix}-{name}",
            show=name not in hidden,
            tooltip=tooltip,
        )
        for key, action, description, name, tooltip in rows
    ]
