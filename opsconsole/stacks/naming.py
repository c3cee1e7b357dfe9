"""CloudFormation stack names: `<prefix>-<stack>` where the manifest's prefix defaults to the
environment's name, or a stack's own `name`; `{env}` in either stands for the environment.

Two manifests in one account keep apart by their prefix (`prefix = "payments-{env}"`), and a stack
adopted from elsewhere keeps the name it has (`name = "legacy-vpc-{env}"`)."""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

DEFAULT_PREFIX = "{env}"
_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,127}$")
DEFAULT_KEYS = {"tags", "prefix"}


@dataclass(frozen=True)
class Naming:
    prefix: str = DEFAULT_PREFIX


def naming_of(defaults: Any, problems: list[str]) -> Naming:
    """The manifest's naming from its [defaults] table."""
    if not isinstance(defaults, Mapping):
        problems.append("defaults: must be a table ([defaults] with tags and prefix)")
        return Naming()
    for unknown in sorted(set(defaults) - DEFAULT_KEYS):
        problems.append(f"defaults.{unknown}: unknown key (known: {', '.join(sorted(DEFAULT_KEYS))})")
    prefix = defaults.get("prefix", DEFAULT_PREFIX)
    if not isinstance(prefix, str) or not _placeholders_ok(prefix):
        problems.append('defaults.prefix: a string in which only {env} is replaced, e.g. "payments-{env}"')
        return Naming()
    return Naming(prefix)


def stack_name(naming: Naming, key: str, table: Mapping[str, Any], env: str, problems: list[str]) -> str:
    """The stack's CloudFormation name; a name CloudFormation would refuse is listed as a problem."""
    own = table.get("name")
    if own is not None and (not isinstance(own, str) or not _placeholders_ok(own)):
        problems.append(f'stacks.{key}.name: a string in which only {{env}} is replaced, e.g. "vpc-{{env}}"')
        own = None
    name = own.replace("{env}", env) if own else f"{naming.prefix.replace('{env}', env)}-{key}"
    if not _NAME_RE.match(name):
        where = f"stacks.{key}.name" if own else "defaults.prefix"
        problems.append(
            f"{where}: {name!r} is not a CloudFormation stack name "
            "(a letter, then letters, digits and dashes, at most 128)"
        )
    return name


def duplicates(named: Iterable[tuple[str, str, str]]) -> list[str]:
    """Problems for stacks that would share one name in one region: (key, name, region) triples."""
    seen: dict[tuple[str, str], str] = {}
    problems = []
    for key, name, region in named:
        other = seen.setdefault((name, region), key)
        if other != key:
            problems.append(f"stacks.{key}: its stack name {name} in {region} is also stacks.{other}'s")
    return problems


def _placeholders_ok(text: str) -> bool:
    try:
        fields = [f for _lit, f, _spec, _conv in string.Formatter().parse(text) if f is not None]
    except ValueError:
        return False
    return all(f == "env" for f in fields)
