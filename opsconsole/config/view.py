"""The resolved configuration as plain data for `config check`, derived from the declarations."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from opsconsole.config.schema import table_of
from opsconsole.config.settings import Settings


def resolved_view(settings: Settings) -> dict[str, Any]:
    """Every shown setting by field name; secret ones only as "set", so the view holds no secret."""
    view = _record(settings)
    view["default_environment"] = settings.first_environment.name
    return view


def _record(obj: Any) -> dict[str, Any]:
    view: dict[str, Any] = {}
    cls: type = type(obj)
    for field in table_of(cls).fields:
        if not field.spec.shown:
            continue
        value = getattr(obj, field.name)
        view[field.name] = ("set" if value else None) if field.spec.secret else _plain(value)
    return view


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {_plain(k): _plain(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "__dataclass_fields__"):
        return _record(value)
    return value
