"""OPSCONSOLE_* variables: each one sets one declared key, and every problem names the variable."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from opsconsole.config.schema import Node, Table, settings_table, value_node
from opsconsole.config.spec import Invalid, Leaf, unknown_key
from opsconsole.domain.errors import ConfigError

ENV_PREFIX = "OPSCONSOLE_"
# OPSCONSOLE_* variables that are not config overrides.
# OPSCONSOLE_ENV and OPSCONSOLE_ROLE are set in a shell by `accounts assume --export`;
# OPSCONSOLE_CACHE_PASSPHRASE keys the encrypted session file (aws/credential_cache.py);
# OPSCONSOLE_RUNBOOKS is read by runbooks.library, OPSCONSOLE_DEMO_ZABBIX_TOKEN by the demo simulator;
# OPSCONSOLE_DEBUG=1 lets an unexpected exception out with its traceback (cli/crash.py).
RESERVED_ENV = frozenset(
    {
        "OPSCONSOLE_CONFIG",
        "OPSCONSOLE_STATE_DIR",
        "OPSCONSOLE_MFA_CODE",
        "OPSCONSOLE_ENV",
        "OPSCONSOLE_ROLE",
        "OPSCONSOLE_RUNBOOKS",
        "OPSCONSOLE_DEMO_ZABBIX_TOKEN",
        "OPSCONSOLE_CACHE_PASSPHRASE",
        "OPSCONSOLE_DEBUG",
    }
)

Origins = dict[tuple[str, ...], str]
"""The variable behind each key (or table) an override set or created."""


def apply_overrides(data: dict[str, Any], environ: Mapping[str, str]) -> Origins:
    """OPSCONSOLE_A__B__C=value sets data[a][b][c]; `__` separates levels as in pydantic.

    Returns:
        Which variable set or created each key path, so later problems can name it.

    Raises:
        ConfigError: naming the variable, for a key no setting declares or a value of the wrong type.
    """
    origins: Origins = {}
    for variable in sorted(environ):
        if not variable.startswith(ENV_PREFIX) or variable in RESERVED_ENV:
            continue
        path = _key_path(variable)
        leaf = _leaf_at(path, variable)
        _place(data, path, _parse(leaf, environ[variable], path, variable), variable, origins)
    return origins


def _error(variable: str, path: tuple[str, ...], invalid: Invalid) -> ConfigError:
    hint = invalid.hint or f"fix or unset the environment variable {variable}"
    return ConfigError(invalid.problem, source=f"${variable}", key=".".join(path) or None, hint=hint)


def _key_path(variable: str) -> tuple[str, ...]:
    parts = variable[len(ENV_PREFIX) :].split("__")
    if all(parts):
        return tuple(part.lower() for part in parts)
    named = [part for part in parts if part]
    hint = (
        f"did you mean {ENV_PREFIX}{'__'.join(named)}? `__` separates levels, e.g. "
        "OPSCONSOLE_ENVIRONMENTS__PROD__REGION"
        if named
        else "OPSCONSOLE_* variables override config keys, e.g. OPSCONSOLE_READ_ONLY=true"
    )
    raise _error(variable, (), Invalid("names an empty key: only `__` separates levels", hint))


def _leaf_at(path: tuple[str, ...], variable: str) -> Leaf:
    """The declared value the path names; unknown keys and tables are refused."""
    node: Node = settings_table()
    for depth, part in enumerate(path):
        here = path[: depth + 1]
        if isinstance(node, Leaf):
            parent = path[depth - 1]
            raise _error(variable, path, Invalid(f"cannot override inside {parent!r}, which is not a table"))
        if isinstance(node, Table):
            if part not in node.children:
                raise _error(variable, here, unknown_key(part, node.children))
            node = node.children[part]
        else:
            if node.keys is not None and part not in node.keys:
                raise _error(variable, here, unknown_key(part, node.keys))
            node = value_node(node)
    if not isinstance(node, Leaf):
        raise _error(variable, path, Invalid("is a table and cannot be set from one variable"))
    return node


def _parse(leaf: Leaf, raw: str, path: tuple[str, ...], variable: str) -> Any:
    """The variable's text as the value the key holds: booleans, integers, comma-separated lists."""
    text = raw.strip()
    if leaf.kind == "bool":
        if text.lower() not in {"1", "0", "true", "false", "yes", "no"}:
            raise _error(variable, path, Invalid(f"must be true or false, not {text!r}"))
        return text.lower() in {"1", "true", "yes"}
    if leaf.kind == "int":
        if not re.fullmatch(r"-?\d+", text):
            raise _error(variable, path, Invalid(f"must be an integer, not {text!r}"))
        return int(text)
    if leaf.kind == "strings":
        return [part.strip() for part in text.split(",") if part.strip()]
    return text


def _place(data: dict[str, Any], path: tuple[str, ...], value: Any, variable: str, origins: Origins) -> None:
    node = data
    for depth, part in enumerate(path[:-1]):
        if part not in node:
            node[part] = {}
            origins[path[: depth + 1]] = variable
        child = node[part]
        if not isinstance(child, dict):
            raise _error(variable, path, Invalid(f"cannot override inside {part!r}, which is not a table"))
        node = child
    node[path[-1]] = value
    origins[path] = variable
