"""Turning the parsed TOML into Settings by walking the declared schema; one ConfigError per problem."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from opsconsole.config.locator import Locator
from opsconsole.config.overrides import Origins
from opsconsole.config.schema import Field, Node, Table, settings_table, value_node
from opsconsole.config.settings import Settings
from opsconsole.config.spec import Invalid, Leaf, MapOf, type_name, unknown_key
from opsconsole.domain.errors import ConfigError

_ABSENT = object()


class SettingsBuilder:
    """Checks and converts each declared setting; a problem names the file and line, or the variable."""

    def __init__(self, locator: Locator, origins: Origins, profiles: Origins | None = None) -> None:
        self.loc = locator
        self.origins = origins
        self.profiles = profiles or {}

    def build(self, data: dict[str, Any], source: Path | None) -> Settings:
        where = {".".join(k): f"${v}" for k, v in self.origins.items()}
        where.update({".".join(k): v for k, v in self.profiles.items()})
        settings = self.record(settings_table(), data, (), {"source": source, "origins": where})
        assert isinstance(settings, Settings)
        return settings

    def error(self, path: tuple[str, ...], invalid: Invalid) -> ConfigError:
        """The problem at `path`, blamed on the override that set or created it, else on the file."""
        path = (*path, *invalid.at)
        key = ".".join(path)
        for depth in range(len(path), 0, -1):
            variable = self.origins.get(path[:depth])
            if variable is not None:
                hint = invalid.hint or f"fix or unset the environment variable {variable}"
                return ConfigError(invalid.problem, source=f"${variable}", key=key, hint=hint)
            profile = self.profiles.get(path[:depth])
            if profile is not None:
                hint = invalid.hint or "fix it in that AWS profile, or set the key in the TOML to override it"
                return ConfigError(invalid.problem, source=profile, key=key, hint=hint)
        return ConfigError(
            invalid.problem, source=self.loc.source, line=self.loc.line_of(path), key=key, hint=invalid.hint
        )

    def convert(self, node: Node, raw: Any, path: tuple[str, ...], extra: Mapping[str, Any]) -> Any:
        if isinstance(node, Leaf):
            return self.leaf(node, raw, path)
        if isinstance(node, MapOf):
            return self.mapping(node, raw, path)
        return self.record(node, raw, path, extra)

    def record(self, table: Table, raw: Any, path: tuple[str, ...], extra: Mapping[str, Any]) -> Any:
        """The dataclass `table` describes, built from its declared fields in declaration order."""
        data = self.table(raw, path, table.children)
        values = dict(extra)
        for field in table.fields:
            if field.key is None or field.node is None:
                continue
            where = (*path, *field.key)
            found = self.lookup(table, data, path, field.key)
            if found is _ABSENT:
                if field.required:
                    raise self.error(where, self.missing(field, values))
                continue
            value = self.convert(field.node, found, where, {})
            if field.spec.finish is not None:
                try:
                    value = field.spec.finish(value, values)
                except Invalid as invalid:
                    raise self.error(where, invalid) from None
            values[field.name] = value
        assert table.cls is not None
        return table.cls(**values)

    @staticmethod
    def missing(field: Field, values: Mapping[str, Any]) -> Invalid:
        missing = field.spec.missing
        assert missing is not None
        return missing if isinstance(missing, Invalid) else missing(values)

    def lookup(self, table: Table, data: dict[str, Any], path: tuple[str, ...], key: tuple[str, ...]) -> Any:
        """The raw value at a dotted key, checking each table it passes through."""
        node: Node = table
        for depth, part in enumerate(key[:-1]):
            if part not in data:
                return _ABSENT
            assert isinstance(node, Table)
            node = node.children[part]
            assert isinstance(node, Table)
            data = self.table(data[part], (*path, *key[: depth + 1]), node.children)
        return data.get(key[-1], _ABSENT)

    def table(self, raw: Any, path: tuple[str, ...], allowed: Collection[str] | None) -> dict[str, Any]:
        """`raw` as a table whose keys are all in `allowed` (any key when None)."""
        if not isinstance(raw, dict):
            raise self.error(path, Invalid(f"must be a table, not {type_name(raw)}"))
        if allowed is not None:
            for key in raw:
                if key not in allowed:
                    raise self.error((*path, key), unknown_key(key, allowed))
        return raw

    def mapping(self, mapping: MapOf, raw: Any, path: tuple[str, ...]) -> dict[str, Any]:
        data = self.table(raw, path, mapping.keys)
        node = value_node(mapping)
        result: dict[str, Any] = {}
        for key, item in data.items():
            where = (*path, key)
            if mapping.names is not None and (invalid := mapping.names(key)):
                raise self.error(where, invalid)
            extra = {mapping.key_field: key} if mapping.key_field else {}
            result[key] = self.convert(node, item, where, extra)
        return result

    def leaf(self, leaf: Leaf, raw: Any, path: tuple[str, ...]) -> Any:
        invalid = _wrong_type(leaf, raw)
        if invalid is None and leaf.check is not None:
            invalid = leaf.check(raw)
        if invalid is not None:
            raise self.error(path, invalid)
        return tuple(raw) if leaf.kind == "strings" else raw


def _wrong_type(leaf: Leaf, value: Any) -> Invalid | None:
    if leaf.kind == "bool" and not isinstance(value, bool):
        return Invalid(f"must be true or false, not {type_name(value)}")
    if leaf.kind == "int" and (not isinstance(value, int) or isinstance(value, bool)):
        return Invalid(f"must be an integer, not {type_name(value)}")
    if leaf.kind == "str" and not isinstance(value, str):
        hint = "write it in quotes" if isinstance(value, int | float) else None
        return Invalid(f"must be a string, not {type_name(value)}", hint)
    if leaf.kind == "strings" and (not isinstance(value, list) or not all(isinstance(v, str) for v in value)):
        return Invalid('must be a list of strings, e.g. ["prod"]')
    return None
