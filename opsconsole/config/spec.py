"""The vocabulary a setting is declared in: its TOML key, its check, its secrecy, its place in the view."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

CONFIG = "opsconsole.config"
"""The key of a dataclass field's metadata that holds its Spec."""

SECRET_KEYS = frozenset({"token", "password", "secret", "api_token", "aws_secret_access_key"})
"""Keys that would hold a secret: refused with a pointer to token_env and token_command."""

Kind = Literal["str", "bool", "int", "strings"]


@dataclass
class Invalid(Exception):
    """A problem with one value; the loader adds the file, line (or variable) and key."""

    problem: str
    hint: str | None = None
    at: tuple[str, ...] = ()
    """Where below the checked key the problem is, e.g. ("deploy",) under roles."""


class Check(Protocol):
    def __call__(self, value: Any) -> Invalid | None: ...


@dataclass(frozen=True)
class Pattern:
    """A string that must match `regex`; the problem names what it should have been."""

    regex: re.Pattern[str]
    what: str
    problem: str = "{value!r} is not a valid {what}"
    hint: str | None = None

    def __call__(self, value: Any) -> Invalid | None:
        if self.regex.match(value):
            return None
        return Invalid(self.problem.format(value=value, what=self.what), self.hint)


@dataclass(frozen=True)
class Bounds:
    low: int
    high: int

    def __call__(self, value: Any) -> Invalid | None:
        if self.low <= value <= self.high:
            return None
        return Invalid(f"must be between {self.low} and {self.high}, not {value}")


@dataclass(frozen=True)
class Problem:
    """A check written as a function that returns the problem, or None when the value is fine."""

    find: Callable[[Any], str | None]

    def __call__(self, value: Any) -> Invalid | None:
        problem = self.find(value)
        return Invalid(problem) if problem else None


@dataclass(frozen=True)
class Leaf:
    """A single value: a string, a boolean, an integer or a list of strings (a tuple once loaded)."""

    kind: Kind
    check: Check | None = None


@dataclass(frozen=True)
class MapOf:
    """A table whose keys the user chooses (or picks from `keys`), each holding a `value`."""

    value: type | Leaf | MapOf
    """A Leaf, a nested MapOf, or a dataclass whose fields are declared settings."""
    keys: frozenset[str] | None = None
    names: Pattern | None = None
    """The pattern a user-chosen key must match."""
    key_field: str | None = None
    """The field of `value` that receives the key (an environment's name)."""


Record = Mapping[str, Any]
"""The fields of one table converted so far, in declaration order: what cross-checks read."""


@dataclass(frozen=True)
class Spec:
    """How one dataclass field is read from the file, checked and shown."""

    from_file: bool = True
    key: str | None = None
    """The dotted TOML key relative to the field's table; the field's name when unset."""
    check: Check | None = None
    shape: MapOf | None = None
    """For a mapping field: the table it is read from."""
    missing: Invalid | Callable[[Record], Invalid] | None = None
    """The problem when a field without a default is absent."""
    finish: Callable[[Any, Record], Any] | None = None
    """Cross-checks against earlier fields and the final conversion; raises Invalid."""
    secret: bool = False
    """Shown only as "set" in the resolved view."""
    shown: bool = True
    """Part of the resolved view (`opsconsole config check`)."""


def spec(**fields: Any) -> dict[str, Spec]:
    """Dataclass field metadata declaring how a setting is read: `field(default=..., metadata=spec(...))`.

    A field without it is read under its own name, checked only for its type, and shown.
    """
    return {CONFIG: Spec(**fields)}


def unknown_key(key: str, allowed: Collection[str]) -> Invalid:
    """The problem for a key that no setting declares; a secret gets its own advice."""
    if key in SECRET_KEYS:
        return Invalid(
            "secrets do not belong in the config file",
            "name an environment variable with token_env, or a command with token_command",
        )
    return Invalid("unknown key", f"known keys here: {', '.join(sorted(allowed))}")


def type_name(value: Any) -> str:
    names: dict[type, str] = {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a table",
    }
    return names.get(type(value), type(value).__name__)
