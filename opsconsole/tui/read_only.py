"""Whether changes are hidden in an environment, asked of whatever app hosts a widget."""

from __future__ import annotations

from typing import Any

from textual.app import App


def changes_hidden(app: App[Any], env_name: str) -> bool:
    """The console's read-only mode (flag, config or palette) or the environment's own setting.

    Widgets ask through this rather than importing the app class, which imports them.
    """
    check = getattr(app, "read_only_in", None)
    return bool(check(env_name)) if check is not None else False
