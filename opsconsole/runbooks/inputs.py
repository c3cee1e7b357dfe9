"""Typed runbook inputs: from `--input key=value`, the caller's selection, or the default."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from opsconsole.domain.errors import InvalidInput
from opsconsole.runbooks.model import Runbook

_TRUE = {"true", "yes", "y", "1", "on"}
_FALSE = {"false", "no", "n", "0", "off"}


class InputTypeError(ValueError):
    pass


_LARGEST = 2**53


def coerce(kind: str, value: Any, choices: tuple[str, ...] = ()) -> Any:
    """`value` as the input type wants it.

    ecs_service becomes {"cluster": ..., "service": ...} from "cluster/service".

    Raises:
        InputTypeError: the value does not fit the type.
    """
    if kind == "int":
        if isinstance(value, bool):
            raise InputTypeError(f"{value!r} is not a whole number")
        try:
            number = int(str(value).strip())
        except ValueError:
            raise InputTypeError(f"{str(value)[:40]!r} is not a whole number") from None
        if abs(number) > _LARGEST:  # beyond it, JSON readers and JMESPath's comparisons lose digits
            raise InputTypeError(f"{str(value)[:40]!r} is out of range (at most 2**53 either way)")
        return number
    if kind == "bool":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE | _FALSE:
            return text in _TRUE
        raise InputTypeError(f"{value!r} is not true or false")
    if kind == "choice":
        if str(value) not in choices:
            raise InputTypeError(f"{value!r} is not one of: {', '.join(choices)}")
        return str(value)
    if kind == "ecs_service":
        if isinstance(value, Mapping) and {"cluster", "service"} <= set(value):
            return {"cluster": str(value["cluster"]), "service": str(value["service"])}
        cluster, _, service = str(value).partition("/")
        if not cluster or not service or "/" in service:
            raise InputTypeError(f"{value!r} is not CLUSTER/SERVICE")
        return {"cluster": cluster, "service": service}
    if isinstance(value, Mapping | list):
        raise InputTypeError(f"{value!r} is not a {kind}")
    if kind == "string":
        return str(value)
    text = str(value).strip()
    if not text:
        raise InputTypeError(f"an empty {kind}")
    if kind == "problem" and not text.isdigit():
        raise InputTypeError(f"{value!r} is not a Zabbix event id (digits)")
    return text


def resolve_inputs(
    runbook: Runbook,
    given: Mapping[str, Any],
    selection: Mapping[str, Any] | None = None,
    environments: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Every input's typed value: given, else from the selection, else the default.

    Raises:
        InvalidInput: listing every unknown, missing or mistyped input.
    """
    problems: list[str] = []
    for name in given:
        if runbook.input(name) is None:
            known = ", ".join(i.name for i in runbook.inputs) or "(none)"
            problems.append(f"unknown input {name!r} (this runbook takes: {known})")
    values: dict[str, Any] = {}
    for spec in runbook.inputs:
        raw: Any = given.get(spec.name)
        if raw is None and selection and spec.from_selection:
            raw = selection.get(spec.from_selection)
        if raw is None:
            raw = spec.default
        if raw is None:
            if spec.required:
                problems.append(f"missing input {spec.name} ({spec.type}, no default)")
            values[spec.name] = None
            continue
        try:
            values[spec.name] = coerce(spec.type, raw, spec.choices)
        except InputTypeError as e:
            problems.append(f"input {spec.name}: {e}")
            continue
        if spec.type == "environment" and environments and values[spec.name] not in environments:
            problems.append(
                f"input {spec.name}: unknown environment {raw!r} (one of: {', '.join(environments)})"
            )
    if problems:
        raise InvalidInput(
            "; ".join(problems),
            # the hint is for the CLI (the TUI shows the message beside the runbook's input fields)
            hint=f"give each as --input NAME=VALUE; `opsconsole runbook show {runbook.name}` lists them",
        )
    return values
