"""The estate for one environment: stacks/stacks.toml, stacks/params/<env>.toml and the templates,
validated offline with every problem listed before any API call."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opsconsole.domain.environment import Environment
from opsconsole.domain.errors import InvalidInput
from opsconsole.domain.stacks import OutputRef, ParamValue, StackSpec
from opsconsole.stacks import capabilities
from opsconsole.stacks.graph import find_cycle, levels
from opsconsole.stacks.naming import Naming, duplicates, naming_of, stack_name
from opsconsole.stacks.packaging import nested_problems
from opsconsole.stacks.templates import (
    TemplateInfo,
    check_parameters,
    lint_template,
    nested_reader,
    parse_template,
)

MANIFEST = "stacks.toml"
_STACK_KEYS = {"template", "capabilities", "region", "depends_on", "tags", "description", "name"}
_CAPABILITIES = {"CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"}
_REGION_RE = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-\d$")
_KEY_RE = re.compile(r"^[a-z][a-z0-9-]{0,40}$")


class EstateInvalid(InvalidInput):
    """The stacks, parameters or templates cannot be deployed as they are; lists every problem."""

    def __init__(self, environment: str, problems: list[str]) -> None:
        listing = "\n".join(f"  - {p}" for p in problems)
        super().__init__(
            f"{len(problems)} problem{'s' if len(problems) != 1 else ''} "
            f"in the stacks of {environment}:\n{listing}",
            hint="fix them and run `opsconsole stacks validate` again; nothing was sent to AWS",
        )
        self.problems = problems


@dataclass(frozen=True)
class Estate:
    environment: str
    root: Path
    specs: dict[str, StackSpec]
    edges: dict[str, tuple[str, ...]]
    levels: list[list[str]]
    warnings: list[str] = field(default_factory=list)

    @property
    def order(self) -> list[str]:
        return [key for level in self.levels for key in level]

    def select(self, keys: list[str] | tuple[str, ...]) -> list[str]:
        """The named stacks in deploy order; all of them when none is named.

        Raises:
            InvalidInput: a name is not a stack of the manifest.
        """
        unknown = [key for key in keys if key not in self.specs]
        if unknown:
            raise InvalidInput(
                f"unknown stack {', '.join(unknown)}", hint=f"stacks of {MANIFEST}: {', '.join(self.specs)}"
            )
        wanted = set(keys) if keys else set(self.specs)
        return [key for key in self.order if key in wanted]


def load_estate(root: Path, env: Environment, *, lint: bool = True, lint_cache: Path | None = None) -> Estate:
    """Read and check the estate for `env`.

    Raises:
        EstateInvalid: listing every problem found.
        InvalidInput: the manifest itself is missing or not TOML.
    """
    manifest = _read_toml(root / MANIFEST)
    params_path = root / "params" / f"{env.name}.toml"
    problems: list[str] = []
    params = _read_toml(params_path) if params_path.is_file() else {}
    if not params_path.is_file():
        problems.append(f"{params_path}: missing; every environment needs its parameters file")

    raw_stacks = manifest.get("stacks")
    if not isinstance(raw_stacks, dict) or not raw_stacks:
        raise EstateInvalid(env.name, [f"{root / MANIFEST}: no [stacks.NAME] tables"])
    defaults = manifest.get("defaults", {})
    naming = naming_of(defaults, problems)
    defaults = defaults if isinstance(defaults, dict) else {}
    default_tags = _string_map(defaults.get("tags", {}), "defaults.tags", problems)
    texts, infos = _read_templates(root, raw_stacks, problems)
    for section in params:
        if section != "all" and section not in raw_stacks:
            problems.append(f"{params_path}: [{section}] is not a stack of {MANIFEST}")

    warnings: list[str] = []
    source = _Source(env, raw_stacks, params, params_path, texts, infos, default_tags, warnings, root, naming)
    specs = {
        key: _spec(source, key, table, problems)
        for key, table in raw_stacks.items()
        if isinstance(table, dict)
    }
    problems += duplicates((key, spec.stack_name, spec.region) for key, spec in specs.items())
    edges = {key: spec.depends_on for key, spec in specs.items()}
    cycle = find_cycle(edges)
    if cycle:
        problems.append(f"dependency cycle: {' -> '.join(cycle)}")
    if lint:
        # cfn-lint runs whatever else is wrong, so one pass lists every problem; a template that
        # could not be read is listed once, by the parse error above.
        _lint(root, specs, {k: t for k, t in texts.items() if k in infos}, lint_cache, problems, warnings)
    if problems:
        raise EstateInvalid(env.name, problems)
    return Estate(env.name, root, specs, edges, levels(edges, list(specs)), warnings)


@dataclass(frozen=True)
class _Source:
    """What every stack's spec is read from."""

    env: Environment
    raw_stacks: dict[str, Any]
    params: dict[str, Any]
    params_path: Path
    texts: dict[str, str]
    infos: dict[str, TemplateInfo]
    default_tags: dict[str, str]
    warnings: list[str]
    root: Path
    naming: Naming


def _read_templates(
    root: Path, raw_stacks: dict[str, Any], problems: list[str]
) -> tuple[dict[str, str], dict[str, TemplateInfo]]:
    """Each stack's template text and what it declares; a stack whose table is wrong is listed."""
    infos: dict[str, TemplateInfo] = {}
    texts: dict[str, str] = {}
    for key, table in raw_stacks.items():
        if not _KEY_RE.match(key):
            problems.append(
                f"stacks.{key}: a stack key is lower-case letters, digits and dashes, starting with a "
                f"letter, at most 41 characters (the stack's name can be longer: set stacks.{key}.name)"
            )
        if not isinstance(table, dict):
            problems.append(f"stacks.{key}: must be a table")
            continue
        for unknown in set(table) - _STACK_KEYS:
            problems.append(f"stacks.{key}.{unknown}: unknown key (known: {', '.join(sorted(_STACK_KEYS))})")
        template_path = root / str(table.get("template", ""))
        if "template" not in table:
            problems.append(f"stacks.{key}: no template")
        elif not template_path.is_file():
            problems.append(f"stacks.{key}.template: {template_path} does not exist")
        else:
            texts[key] = template_path.read_text(encoding="utf-8")
            try:
                infos[key] = parse_template(texts[key])
            except ValueError as e:
                problems.append(f"{template_path}: {e}")
    return texts, infos


def _spec(source: _Source, key: str, table: dict[str, Any], problems: list[str]) -> StackSpec:
    env = source.env
    region = _region(key, table.get("region", "primary"), env, problems)
    capabilities = _strings(table.get("capabilities", ()), f"stacks.{key}.capabilities", problems)
    for capability in capabilities:
        if capability not in _CAPABILITIES:
            problems.append(
                f"stacks.{key}.capabilities: {capability!r} is not one of {sorted(_CAPABILITIES)}"
            )
    if key in source.infos:
        _check_capabilities(source, key, table, capabilities, problems)
    depends = _strings(table.get("depends_on", ()), f"stacks.{key}.depends_on", problems)
    for upstream in depends:
        if upstream not in source.raw_stacks:
            problems.append(f"stacks.{key}.depends_on: unknown stack {upstream!r}")
    values = _parameters(key, source.params, source.infos.get(key), source.params_path, problems)
    refs = tuple(sorted({v.stack for v in values.values() if isinstance(v, OutputRef)}))
    if key in source.infos:
        unreadable = set(source.texts) - set(source.infos)
        problems += check_parameters(
            key, source.infos[key], values, source.infos, source.warnings, unreadable=unreadable
        )
    tags = {
        **source.default_tags,
        **_string_map(table.get("tags", {}), f"stacks.{key}.tags", problems),
        "env": env.name,
    }
    if len(tags) > 50:
        problems.append(
            f"stacks.{key}: {len(tags)} tags with the manifest's defaults; CloudFormation takes 50"
        )
    return StackSpec(
        key=key,
        stack_name=stack_name(source.naming, key, table, env.name, problems),
        template_path=str(table.get("template", "")),
        template_body=source.texts.get(key, ""),
        region=region,
        capabilities=capabilities,
        tags=tags,
        parameters=values,
        depends_on=tuple(dict.fromkeys(depends + refs)),
    )


LINT_MESSAGE_LIMIT = 240
"""cfn-lint messages longer than this are cut: some list hundreds of allowed values."""


def _lint(
    root: Path,
    specs: dict[str, StackSpec],
    texts: dict[str, str],
    lint_cache: Path | None,
    problems: list[str],
    warnings: list[str],
) -> None:
    """cfn-lint's errors join the problems, its warnings the warnings."""
    for key, text in texts.items():
        for finding in lint_template(text, specs[key].region, lint_cache):
            path = root / specs[key].template_path
            message = finding.message
            if len(message) > LINT_MESSAGE_LIMIT:  # W3037 lists every IAM action of a service
                message = f"{message[:LINT_MESSAGE_LIMIT]}… (cut; `cfn-lint {path}` shows it whole)"
            line = f"{path}:{finding.line}: {finding.rule} {message}"
            (problems if finding.is_error else warnings).append(line)


def _read_toml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise InvalidInput(
            f"{path} does not exist", hint="point [stacks] root in the config at the stacks/ folder"
        )
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise InvalidInput(f"{path}: invalid TOML: {e}") from None


def _region(key: str, value: Any, env: Environment, problems: list[str]) -> str:
    if value == "primary":
        return env.region
    if value == "replica":
        if env.replica_region:
            return env.replica_region
        problems.append(f"stacks.{key}: deploys to the replica region, but {env.name} has no replica_region")
        return env.region
    if isinstance(value, str) and _REGION_RE.match(value):
        return value
    problems.append(f"stacks.{key}.region: {value!r} is not primary, replica or a region name")
    return env.region


def _parameters(
    key: str, params: dict[str, Any], info: TemplateInfo | None, params_path: Path, problems: list[str]
) -> dict[str, ParamValue]:
    values: dict[str, ParamValue] = {}
    shared = params.get("all", {})
    declared = info.parameters if info else {}
    for name, raw in shared.items():
        if name in declared:
            values[name] = _value(raw, f"{params_path} [all] {name}", problems)
    for name, raw in params.get(key, {}).items():
        values[name] = _value(raw, f"{params_path} [{key}] {name}", problems)
    return values


def _value(raw: Any, where: str, problems: list[str]) -> ParamValue:
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, int | float | str):
        return str(raw)
    if isinstance(raw, list) and all(isinstance(item, str | int) for item in raw):
        return ",".join(str(item) for item in raw)
    if isinstance(raw, dict) and set(raw) == {"output"} and isinstance(raw["output"], str):
        stack, _, output = raw["output"].partition(".")
        if stack and output:
            return OutputRef(stack, output)
    problems.append(f'{where}: use a string, number, boolean, list, or {{ output = "stack.Output" }}')
    return ""


def _string_map(raw: Any, where: str, problems: list[str]) -> dict[str, str]:
    """Tags as CloudFormation takes them: keys of 1-128 characters not starting with aws:, values
    of at most 256."""
    if not isinstance(raw, dict):
        problems.append(f"{where}: must be a table of strings")
        return {}
    tags = {str(k): str(v) for k, v in raw.items()}
    for name, value in tags.items():
        if name.lower().startswith("aws:") or not 1 <= len(name) <= 128:
            problems.append(f"{where}.{name}: a tag key is 1-128 characters and does not start with aws:")
        if len(value) > 256:
            problems.append(f"{where}.{name}: a tag value is at most 256 characters")
    return tags


def _check_capabilities(
    source: _Source, key: str, table: dict[str, Any], granted: tuple[str, ...], problems: list[str]
) -> None:
    """A capability the template (or a local nested template) needs and the manifest does not grant."""
    base = (source.root / str(table.get("template", ""))).parent
    problems += nested_problems(source.infos[key].document, base, f"stacks.{key}")
    needs = capabilities.required(source.infos[key].document, nested_reader(base))
    for capability, why in capabilities.missing(needs, granted).items():
        shown = ", ".join(why[:4]) + (f" and {len(why) - 4} more" if len(why) > 4 else "")
        problems.append(
            f"stacks.{key}: the template needs {capability} ({shown}); "
            f"add it to stacks.{key}.capabilities in {MANIFEST}"
        )


def _strings(raw: Any, where: str, problems: list[str]) -> tuple[str, ...]:
    if isinstance(raw, list | tuple) and all(isinstance(item, str) for item in raw):
        return tuple(raw)
    problems.append(f'{where}: must be a list of strings, e.g. ["a", "b"]')
    return ()
