"""The TOML shape derived from the declarations: which keys each table allows and what each holds."""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from opsconsole.config.settings import ENVIRONMENT_SETTINGS, Settings
from opsconsole.config.spec import CONFIG, Kind, Leaf, MapOf, Spec
from opsconsole.domain.environment import Environment

_DESCRIBED_ELSEWHERE: Mapping[type, Mapping[str, Spec]] = {Environment: ENVIRONMENT_SETTINGS}
_KINDS: Mapping[Any, Kind] = {str: "str", bool: "bool", int: "int", tuple[str, ...]: "strings"}


@dataclass(frozen=True)
class Field:
    """One setting of a table: the dataclass field, where it sits in the file and what it holds."""

    name: str
    key: tuple[str, ...] | None
    """The TOML key path inside the table; None when the loader supplies the value."""
    node: Node | None
    spec: Spec
    required: bool


@dataclass(frozen=True)
class Table:
    """A table with fixed keys; `cls` is built from `fields` (None for a table that only groups keys)."""

    children: Mapping[str, Node]
    cls: type | None = None
    fields: tuple[Field, ...] = ()


Node = Leaf | MapOf | Table


def settings_table() -> Table:
    """The whole file."""
    return table_of(Settings)


def value_node(mapping: MapOf) -> Node:
    """What each entry of a MapOf holds, with a dataclass turned into its table."""
    value = mapping.value
    return table_of(value) if isinstance(value, type) else value


@functools.cache
def table_of(cls: type) -> Table:
    """The table a dataclass of settings is read from."""
    fields = tuple(_field(cls, f) for f in dataclasses.fields(cls))
    children: dict[str, Any] = {}
    for f in fields:
        if f.key is None or f.node is None:
            continue
        level = children
        for part in f.key[:-1]:
            level = level.setdefault(part, {})
        level[f.key[-1]] = f.node
    return Table(_grouped(children), cls, fields)


def _grouped(children: dict[str, Any]) -> Mapping[str, Node]:
    return {k: Table(_grouped(v)) if isinstance(v, dict) else v for k, v in children.items()}


def _field(cls: type, f: dataclasses.Field[Any]) -> Field:
    spec = _spec_of(cls, f)
    required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    if not spec.from_file:
        return Field(f.name, None, None, spec, required)
    if required and spec.missing is None:
        raise TypeError(f"{cls.__name__}.{f.name} has no default, so its Spec needs `missing`")
    key = tuple((spec.key or f.name).split("."))
    return Field(f.name, key, _node(cls, f.name, spec), spec, required)


def _spec_of(cls: type, f: dataclasses.Field[Any]) -> Spec:
    described = _DESCRIBED_ELSEWHERE.get(cls)
    if described is None:
        spec = f.metadata.get(CONFIG, Spec())
        assert isinstance(spec, Spec)
        return spec
    names = {g.name for g in dataclasses.fields(cls)}
    if set(described) != names:
        raise TypeError(f"the settings of {cls.__name__} do not match its fields: {set(described) ^ names}")
    return described[f.name]


def _node(cls: type, name: str, spec: Spec) -> Node:
    if spec.shape is not None:
        return spec.shape
    hint = _without_none(_hints(cls)[name])
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return table_of(hint)
    if hint in _KINDS:
        return Leaf(_KINDS[hint], spec.check)
    raise TypeError(f"{cls.__name__}.{name}: a {hint} setting needs a shape")


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    """A class's resolved annotations, once: resolving them all per field was a tenth of a CLI
    command's start-up."""
    return typing.get_type_hints(cls)


def _without_none(hint: Any) -> Any:
    if isinstance(hint, types.UnionType):
        rest = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        if len(rest) == 1:
            return rest[0]
    return hint
