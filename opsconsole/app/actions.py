"""The registry of changes by kind: the parameters each takes and how it is planned.

Key bindings, CLI commands and runbook steps name an ActionKind and hand over parameters; this is
the one place that turns them into a Change (sent by ChangeRunner). Stacks have a flow of their own
(change sets, events) in app/stacks.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from opsconsole.app.action_params import PARAMS, ActionParams
from opsconsole.app.alerts import Alerts
from opsconsole.app.changes import Change
from opsconsole.app.operations import Operations
from opsconsole.domain.action_kinds import ActionKind
from opsconsole.domain.durations import parse_duration
from opsconsole.domain.environment import RoleTier
from opsconsole.domain.errors import InvalidInput
from opsconsole.domain.problems import Severity

Params = Mapping[str, Any]


class Planners(Protocol):
    """The use cases a change is planned with (the Console has them)."""

    @property
    def operations(self) -> Operations: ...

    @property
    def alerts(self) -> Alerts: ...


Planner = Callable[[Planners, str, Params, RoleTier | None], Change]


@dataclass(frozen=True)
class ActionEntry:
    """A registered action: its parameters (app/action_params.py) and its planner."""

    spec: ActionParams
    plan: Planner

    @property
    def required(self) -> tuple[str, ...]:
        return self.spec.required

    @property
    def optional(self) -> tuple[str, ...]:
        return self.spec.optional

    @property
    def params(self) -> tuple[str, ...]:
        return self.spec.names


def _cluster(env: str, params: Params) -> str:
    return str(params.get("cluster") or f"{env}-cluster")


def _service(env: str, params: Params) -> tuple[str, str]:
    """A service by name, or an `ecs_service` runbook input ({cluster, service})."""
    service = params["service"]
    if isinstance(service, Mapping):
        return str(params.get("cluster") or service["cluster"]), str(service["service"])
    return _cluster(env, params), str(service)


def _ecs(kind: ActionKind) -> Planner:
    def plan(console: Planners, env: str, params: Params, tier: RoleTier | None) -> Change:
        if kind is ActionKind.ECS_STOP_TASK:
            return console.operations.plan_ecs(
                env, kind, _cluster(env, params), str(params["task"]), tier=tier
            )
        cluster, service = _service(env, params)
        count = None if params.get("count") is None else int(params["count"])
        delta = int(params.get("delta") or 0)
        return console.operations.plan_ecs(env, kind, cluster, service, count=count, delta=delta, tier=tier)

    return plan


def _rds(kind: ActionKind) -> Planner:
    def plan(console: Planners, env: str, params: Params, tier: RoleTier | None) -> Change:
        failover = bool(params.get("failover", False))
        return console.operations.plan_rds(env, kind, str(params["instance"]), failover=failover, tier=tier)

    return plan


def _eventids(params: Params) -> list[str]:
    ids = params["eventids"]
    found = [str(i) for i in (ids if isinstance(ids, list | tuple) else [ids]) if i is not None]
    if not found:
        raise InvalidInput("no Zabbix problem to act on", hint="pass one or more event ids")
    return found


def _severity(params: Params) -> Severity:
    try:
        return Severity.parse(str(params["severity"]))
    except ValueError as e:
        raise InvalidInput(str(e)) from None


def _problem(kind: ActionKind) -> Planner:
    def plan(console: Planners, env: str, params: Params, _tier: RoleTier | None) -> Change:
        severity = _severity(params) if kind is ActionKind.ZABBIX_SEVERITY else None
        return console.alerts.plan_problem_action(
            env,
            _eventids(params),
            message=params.get("message"),
            acknowledge=kind is ActionKind.ZABBIX_ACKNOWLEDGE,
            close=kind is ActionKind.ZABBIX_CLOSE or bool(params.get("close", False)),
            severity=severity,
            unacknowledge=kind is ActionKind.ZABBIX_UNACKNOWLEDGE,
        )

    return plan


def _duration(value: object) -> timedelta:
    if isinstance(value, timedelta):
        return value
    try:
        return timedelta(seconds=parse_duration(value))
    except ValueError as e:
        raise InvalidInput(str(e), hint="use e.g. 30m, 2h or 1d") from None


def _maintenance(console: Planners, env: str, params: Params, _tier: RoleTier | None) -> Change:
    groups = params.get("host_groups") or []
    return console.alerts.plan_maintenance(
        env,
        str(params["name"]),
        hostids=[str(h) for h in params.get("hostids") or []],
        host_groups=[groups] if isinstance(groups, str) else [str(g) for g in groups],
        duration=_duration(params["duration"]),
        collect_data=bool(params.get("collect_data", True)),
        description=str(params.get("description") or ""),
    )


def _end_maintenance(console: Planners, env: str, params: Params, _tier: RoleTier | None) -> Change:
    return console.alerts.plan_end_maintenance(env, str(params["maintenanceid"]))


_PLANNERS: dict[ActionKind, Planner] = {
    **{kind: _ecs(kind) for kind in ActionKind if kind.family == "ecs"},
    **{kind: _rds(kind) for kind in ActionKind if kind.family == "rds"},
    **{
        kind: _problem(kind)
        for kind in (
            ActionKind.ZABBIX_ACKNOWLEDGE,
            ActionKind.ZABBIX_UNACKNOWLEDGE,
            ActionKind.ZABBIX_SEVERITY,
            ActionKind.ZABBIX_CLOSE,
            ActionKind.ZABBIX_MESSAGE,
        )
    },
    ActionKind.ZABBIX_MAINTENANCE_CREATE: _maintenance,
    ActionKind.ZABBIX_MAINTENANCE_DELETE: _end_maintenance,
}
ACTIONS: dict[ActionKind, ActionEntry] = {
    kind: ActionEntry(PARAMS[kind], plan) for kind, plan in _PLANNERS.items()
}


def plan_action(
    console: Planners, kind: ActionKind, env: str, params: Params, tier: RoleTier | None = None
) -> Change:
    """The Change `kind` makes with `params` in `env`.

    Raises:
        InvalidInput: a kind with no registered planner, or a missing parameter.
    """
    entry = ACTIONS.get(kind)
    if entry is None:
        raise InvalidInput(f"{kind} is not a single change", hint="stacks deploy through `stacks` commands")
    missing = [name for name in entry.required if params.get(name) in (None, "", [])]
    if missing:
        raise InvalidInput(f"{kind} needs {', '.join(missing)}")
    return entry.plan(console, env, params, tier)
