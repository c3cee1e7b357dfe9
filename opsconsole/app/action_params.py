"""The parameters each registered action takes, as data with no I/O behind it: the planners in
app/actions.py read them, and so does the runbook validator (which the TUI imports to list runbooks,
so it must not pull the backends in)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from opsconsole.domain.action_kinds import ActionKind
from opsconsole.domain.durations import DurationError, parse_span
from opsconsole.domain.errors import InvalidInput


@dataclass(frozen=True)
class ActionParams:
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return self.required + self.optional


_SERVICE = ActionParams(("service",), ("cluster",))
_PROBLEM = ActionParams(("eventids",), ("message",))

PARAMS: dict[ActionKind, ActionParams] = {
    ActionKind.ECS_SCALE: ActionParams(("service",), ("cluster", "count", "delta")),
    ActionKind.ECS_REDEPLOY: _SERVICE,
    ActionKind.ECS_ROLLBACK: _SERVICE,
    ActionKind.ECS_STOP_TASK: ActionParams(("task",), ("cluster",)),
    ActionKind.RDS_REBOOT: ActionParams(("instance",), ("failover",)),
    ActionKind.RDS_SNAPSHOT: ActionParams(("instance",)),
    ActionKind.ZABBIX_ACKNOWLEDGE: ActionParams(("eventids",), ("message", "close")),
    ActionKind.ZABBIX_UNACKNOWLEDGE: _PROBLEM,
    ActionKind.ZABBIX_SEVERITY: ActionParams(("eventids", "severity"), ("message",)),
    ActionKind.ZABBIX_CLOSE: _PROBLEM,
    ActionKind.ZABBIX_MESSAGE: ActionParams(("eventids", "message")),
    ActionKind.ZABBIX_MAINTENANCE_CREATE: ActionParams(
        ("name", "duration"), ("host_groups", "hostids", "description", "collect_data")
    ),
    ActionKind.ZABBIX_MAINTENANCE_DELETE: ActionParams(("maintenanceid",)),
}


MAX_DESIRED_COUNT = 5000
"""ECS's quota "tasks per service" (the most a service's desiredCount can be)."""
MIN_MAINTENANCE_SECONDS = 300
"""Zabbix's shortest maintenance period (5 minutes)."""
_ECS_LIMIT = "ECS allows at most 5000 tasks per service"
_NAMES = ("service", "cluster", "task", "instance", "name", "maintenanceid", "severity")


def param_problems(kind: ActionKind, params: Mapping[str, Any]) -> list[str]:
    """What is wrong with `params` for `kind`, checked before anything is planned: counts within
    ECS's limits, whole numbers where ids are, durations within Zabbix's, names not blank. A value
    still holding a `{{ template }}` is left for after it is rendered."""
    problems = []
    for key, value in params.items():
        if isinstance(value, str) and "{{" in value:
            continue
        problem = _problem(kind, key, value)
        if problem:
            problems.append(f"{kind}: {key}: {problem}")
    return problems


def check_params(kind: ActionKind, params: Mapping[str, Any]) -> None:
    """Raises:
    InvalidInput: every problem `param_problems` finds."""
    problems = param_problems(kind, params)
    if problems:
        raise InvalidInput("; ".join(problems))


def _problem(kind: ActionKind, key: str, value: Any) -> str | None:
    if value is None:
        return None
    if key == "count":
        return _whole(value, 0, MAX_DESIRED_COUNT, _ECS_LIMIT)
    if key == "delta":
        return _whole(
            value, -MAX_DESIRED_COUNT, MAX_DESIRED_COUNT, "ECS allows at most 5000 tasks per service"
        )
    if key == "eventids":
        values = value if isinstance(value, list | tuple) else [value]
        bad = [v for v in values if _whole(v, 1, 2**63 - 1, "") is not None]
        return f"{bad[0]!r} is not an event id (a whole number)" if bad else None
    if key == "duration":
        if isinstance(value, timedelta):  # already parsed by the CLI
            value = value.total_seconds()
        try:
            parse_span(value, minimum=MIN_MAINTENANCE_SECONDS)
        except DurationError as e:
            return f"{e} (Zabbix maintenance lasts at least 5m)"
        return None
    if key in ("failover", "close", "collect_data"):
        return None if isinstance(value, bool) or str(value).lower() in ("true", "false") else "true or false"
    if key == "service" and isinstance(value, Mapping):
        return None
    if key in _NAMES:
        text = str(value)
        if not text.strip():
            return "empty"
        if len(text) > 255 or any(c in text for c in "\x00\r\n"):
            return f"{text[:40]!r}... is not a name (at most 255 characters on one line)"
    return None


def _whole(value: Any, low: int, high: int, why: str) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | str):
        return f"{value!r} is not a whole number"
    try:
        number = int(str(value).strip())
    except ValueError:
        return f"{value!r} is not a whole number"
    if not low <= number <= high:
        return f"{number} is out of range ({low} to {high}{': ' + why if why else ''})"
    return None
