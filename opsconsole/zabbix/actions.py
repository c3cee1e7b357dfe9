"""Zabbix changes as planned calls: checked against the server first (the problems exist in the
environment, their triggers allow a close, the hosts and groups are the environment's), so a dry
run shows exactly what would be sent and a refusal comes before anything is."""

from __future__ import annotations

from datetime import datetime, timedelta

from opsconsole.domain.actions import PlannedCall
from opsconsole.domain.environment import Environment
from opsconsole.domain.errors import InvalidInput, OpsError
from opsconsole.domain.problems import ProblemFilter, Severity
from opsconsole.zabbix.client import ZabbixClient
from opsconsole.zabbix.maintenance import create_params, read_maintenances
from opsconsole.zabbix.problems import (
    ACKNOWLEDGE,
    CLOSE,
    MESSAGE,
    SEVERITY,
    UNACKNOWLEDGE,
    group_ids,
    read_hosts,
    read_problems,
)


def action_name(*, acknowledge: bool, close: bool, severity: Severity | None, unacknowledge: bool) -> str:
    parts = [
        name
        for name, wanted in (
            ("ack", acknowledge),
            ("unack", unacknowledge),
            ("severity", severity is not None),
            ("close", close),
        )
        if wanted
    ]
    return "zabbix-" + ("+".join(parts) or "message")


def plan_problem_action(
    client: ZabbixClient,
    env: Environment,
    eventids: list[str],
    *,
    acknowledge: bool,
    message: str | None,
    close: bool,
    severity: Severity | None,
    unacknowledge: bool,
) -> PlannedCall:
    """event.acknowledge for several problems at once.

    Raises:
        InvalidInput: nothing to do, contradictory flags, or an event that is not an open problem of
            the environment.
        OpsError: a close on a problem whose trigger does not allow manual closing (named).
    """
    if not eventids:
        raise InvalidInput("no problem given", hint="pass the event ids shown by `opsconsole alerts list`")
    if acknowledge and unacknowledge:
        raise InvalidInput("acknowledge and unacknowledge at once make no sense; pick one")
    if message is not None and not message.strip():
        raise InvalidInput("the message is empty", hint="write what you did or saw, or leave --message out")
    action = (
        (ACKNOWLEDGE if acknowledge else 0)
        | (UNACKNOWLEDGE if unacknowledge else 0)
        | (CLOSE if close else 0)
        | (SEVERITY if severity is not None else 0)
        | (MESSAGE if message else 0)
    )
    if not action:
        raise InvalidInput(
            "nothing to do", hint="acknowledge, close, change the severity, unacknowledge or add a message"
        )
    _check_problems(client, env, eventids, close=close)
    params: dict[str, object] = {"eventids": list(eventids), "action": action}
    if message:
        params["message"] = message
    if severity is not None:
        params["severity"] = int(severity)
    return PlannedCall("zabbix", "event.acknowledge", params)


def _check_problems(client: ZabbixClient, env: Environment, eventids: list[str], *, close: bool) -> None:
    """Every event is an open problem of the environment, and closable when a close is asked for."""
    problems = {
        p.eventid: p
        for p in read_problems(client, env.name, ProblemFilter(host_groups=env.zabbix_host_groups))
        if p.eventid in eventids
    }
    missing = [e for e in eventids if e not in problems]
    if missing:
        raise InvalidInput(
            f"no open problem with event id {', '.join(missing)} in {env.name}: resolved since it was "
            "listed, or not one of this environment's; nothing was sent",
            hint=f"see what is open now: the problems pane, or `opsconsole alerts list --env {env.name}`",
        )
    for eventid in eventids if close else []:
        problem = problems[eventid]
        if not problem.manual_close:
            raise OpsError(
                f"cannot close problem {problem.name!r} (event {eventid}): its trigger does not allow "
                "manual closing",
                hint="acknowledge it instead, or allow manual close on the trigger in Zabbix",
            )


def plan_maintenance_create(
    client: ZabbixClient,
    env: Environment,
    name: str,
    *,
    hostids: tuple[str, ...] | list[str],
    host_groups: tuple[str, ...] | list[str],
    start: datetime,
    duration: timedelta,
    collect_data: bool,
    description: str,
) -> PlannedCall:
    """maintenance.create for hosts and host groups of the environment only."""
    if not name.strip():
        raise InvalidInput("the maintenance needs a name")
    if duration <= timedelta(0):
        raise InvalidInput(f"the duration must be positive, not {duration}")
    if not hostids and not host_groups:
        raise InvalidInput("a maintenance needs hosts or host groups", hint="pass --host or --group")
    foreign = [g for g in host_groups if g not in env.zabbix_host_groups]
    if foreign:
        raise InvalidInput(
            f"host group {', '.join(foreign)} is not one of {env.name}'s Zabbix host groups",
            hint=f"use one of: {', '.join(env.zabbix_host_groups) or '(none configured)'}",
        )
    groups = {name: gid for gid, name in group_ids(client, list(host_groups)).items()}
    unknown = [g for g in host_groups if g not in groups]
    if unknown:
        raise InvalidInput(f"Zabbix has no host group {', '.join(unknown)}")
    known = {h.hostid for h in read_hosts(client, env.zabbix_host_groups)}
    strangers = [h for h in hostids if h not in known]
    if strangers:
        raise InvalidInput(
            f"host {', '.join(strangers)} is not a Zabbix host of {env.name}",
            hint=f"list them with `opsconsole alerts hosts --env {env.name}`",
        )
    params = create_params(
        name,
        hostids=list(hostids),
        groupids=[groups[g] for g in host_groups],
        start=start,
        duration=duration,
        collect_data=collect_data,
        description=description,
    )
    return PlannedCall("zabbix", "maintenance.create", params)


def plan_maintenance_delete(client: ZabbixClient, env: Environment, maintenanceid: str) -> PlannedCall:
    windows = {m.maintenanceid for m in read_maintenances(client, env.zabbix_host_groups)}
    if maintenanceid not in windows:
        raise InvalidInput(
            f"no maintenance {maintenanceid} in {env.name}",
            hint=f"list them with `opsconsole alerts maintenance list --env {env.name}`",
        )
    return PlannedCall("zabbix", "maintenance.delete", {"maintenanceids": [maintenanceid]})
