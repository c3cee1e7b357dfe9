"""Templates offline: their parameters and outputs, parameter checks, cfn-lint (cached)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opsconsole.domain.stacks import OutputRef, ParamValue
from opsconsole.stacks.java_regex import UncheckablePattern, java_fullmatch


@dataclass(frozen=True)
class TemplateInfo:
    parameters: Mapping[str, Mapping[str, Any]]
    outputs: tuple[str, ...]
    document: Mapping[str, Any] = field(default_factory=dict)
    """The whole decoded template (resources, transforms) for the checks that read more."""


def parse_template(text: str) -> TemplateInfo:
    """Parameters and output names of a template (YAML or JSON, short-form tags allowed).

    Raises:
        ValueError: the text is not a template.
    """
    from cfnlint.decode import decode_str

    template, matches = decode_str(text)
    if matches or not isinstance(template, dict):
        first = matches[0] if matches else None
        where = f" (line {first.linenumber})" if first is not None else ""
        raise ValueError(f"not a readable template{where}: {first.message if first else 'empty'}")
    parameters = template.get("Parameters") or {}
    outputs = template.get("Outputs") or {}
    return TemplateInfo(parameters=dict(parameters), outputs=tuple(outputs), document=template)


def check_parameters(
    key: str,
    info: TemplateInfo,
    values: Mapping[str, ParamValue],
    outputs_of: Mapping[str, TemplateInfo],
    warnings: list[str] | None = None,
    *,
    unreadable: Collection[str] = (),
) -> list[str]:
    """Every problem with one stack's parameters, against its template and its upstream outputs.

    Outputs of an `unreadable` upstream template are not checked: its parse error says enough.
    A check that cannot be made offline (an AllowedPattern construct with no faithful Python
    translation) is added to `warnings`, naming the parameter."""
    warnings = [] if warnings is None else warnings
    problems: list[str] = []
    declared = info.parameters
    for name in values:
        if name not in declared:
            known = ", ".join(sorted(declared)) or "none"
            problems.append(f"{key}: unknown parameter {name} (the template declares: {known})")
    for name, definition in declared.items():
        value = values.get(name)
        if value is None:
            if "Default" not in definition:
                problems.append(
                    f"{key}: missing parameter {name} ({definition.get('Type', 'String')}, no default)"
                )
            continue
        if isinstance(value, OutputRef):
            if value.stack in unreadable:
                continue
            upstream = outputs_of.get(value.stack)
            if upstream is None:
                problems.append(f"{key}: {name} takes an output of unknown stack {value.stack!r}")
            elif value.output not in upstream.outputs:
                known = ", ".join(upstream.outputs) or "none"
                problems.append(
                    f"{key}: {name} takes {value}, but {value.stack} has no output {value.output} "
                    f"(it has: {known})"
                )
            continue
        found = _value_problems(value, definition, f"{key}: {name}", warnings)
        said = definition.get("ConstraintDescription")
        problems += [f"{key}: {name} {problem}" + (f" ({said})" if said else "") for problem in found]
    return problems


def _value_problems(value: str, definition: Mapping[str, Any], where: str, warnings: list[str]) -> list[str]:
    kind = str(definition.get("Type", "String"))
    problems = []
    allowed = definition.get("AllowedValues")
    if allowed is not None and value not in [str(a) for a in allowed]:
        problems.append(f"= {value!r} is not one of the AllowedValues {[str(a) for a in allowed]}")
    pattern = definition.get("AllowedPattern")
    if pattern is not None and kind in ("String", "CommaDelimitedList"):
        items = value.split(",") if kind == "CommaDelimitedList" else [value]
        try:
            for item in items:
                if not java_fullmatch(str(pattern), item):
                    problems.append(f"= {item!r} does not match the AllowedPattern {pattern}")
        except UncheckablePattern as e:
            warnings.append(
                f"{where}: the AllowedPattern {pattern} cannot be checked offline ({e}); "
                "CloudFormation checks it when the change set is made"
            )
    if kind == "Number":
        try:
            number = float(value)
        except ValueError:
            return [f"= {value!r} is not a number"]
        if "MinValue" in definition and number < float(definition["MinValue"]):
            problems.append(f"= {value} is below MinValue {definition['MinValue']}")
        if "MaxValue" in definition and number > float(definition["MaxValue"]):
            problems.append(f"= {value} is above MaxValue {definition['MaxValue']}")
    if kind == "String":
        if "MinLength" in definition and len(value) < int(definition["MinLength"]):
            problems.append(f"is shorter than MinLength {definition['MinLength']}")
        if "MaxLength" in definition and len(value) > int(definition["MaxLength"]):
            problems.append(f"is longer than MaxLength {definition['MaxLength']}")
    return problems


@dataclass(frozen=True)
class LintFinding:
    rule: str
    message: str
    line: int

    @property
    def is_error(self) -> bool:
        return self.rule.startswith("E")


def lint_template(text: str, region: str, cache_dir: Path | None) -> list[LintFinding]:
    """cfn-lint's findings for a template in a region; cached by content, region and version."""
    from cfnlint.version import __version__ as cfnlint_version

    digest = hashlib.sha256(f"{cfnlint_version}\0{region}\0{text}".encode()).hexdigest()
    cache = cache_dir / f"{digest}.json" if cache_dir else None
    if cache is not None and cache.exists():
        try:
            return [LintFinding(**item) for item in json.loads(cache.read_text(encoding="utf-8"))]
        except (ValueError, TypeError):
            pass
    from cfnlint.api import ManualArgs, lint

    findings = [
        LintFinding(rule=m.rule.id, message=m.message, line=m.linenumber)
        for m in lint(text, config=ManualArgs(regions=[region]))
    ]
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps([f.__dict__ for f in findings]), encoding="utf-8")
    return findings


def is_local_url(url: str) -> bool:
    """A TemplateURL that names a file next to the template (packaging uploads it), not S3."""
    return bool(url) and not url.startswith(("https://", "http://", "s3://"))


def nested_reader(base: Path) -> Callable[[str], Mapping[str, Any] | None]:
    """Reads a nested stack's local TemplateURL relative to `base`; None for a remote or unreadable one."""

    def read(url: str) -> Mapping[str, Any] | None:
        if not isinstance(url, str) or not is_local_url(url):
            return None
        path = base / url
        if not path.is_file():
            return None
        try:
            return dict(parse_template(path.read_text(encoding="utf-8")).document)
        except (ValueError, OSError):
            return None

    return read
