"""Maintenance windows of an environment: read them, and the parameters that create one.

A window belongs to an environment when it names one of the environment's host groups or one of
their hosts. In 6.0 a maintenance suppresses its hosts' problems from the next full minute
(reference/zabbix-facts.md, gotcha 4).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from opsconsole.domain.problems import MaintenanceWindow
from opsconsole.zabbix.client import ZabbixClient
from opsconsole.zabbix.problems import checked_group_ids

WITH_DATA, WITHOUT_DATA = 0, 1
ONE_TIME = 0


def read_maintenances(client: ZabbixClient, group_names: tuple[str, ...]) -> list[MaintenanceWindow]:
    groups = checked_group_ids(client, group_names)
    if not groups:
        return []
    env_hosts = {
        str(h["hostid"]) for h in client.call("host.get", {"output": ["hostid"], "groupids": list(groups)})
    }
    select, key = client.host_group_select()
    rows = client.call(
        "maintenance.get",
        {"output": "extend", "selectHosts": ["hostid", "host", "name"], select: ["groupid", "name"]},
    )
    windows = []
    for row in rows:
        hostids = {str(h["hostid"]) for h in row.get("hosts", [])}
        groupids = {str(g["groupid"]) for g in row.get(key, [])}
        if hostids & env_hosts or groupids & set(groups):
            windows.append(_window(row, key))
    return sorted(windows, key=lambda w: w.active_since)


def _window(row: dict[str, Any], key: str) -> MaintenanceWindow:
    return MaintenanceWindow(
        maintenanceid=str(row["maintenanceid"]),
        name=str(row["name"]),
        active_since=datetime.fromtimestamp(int(row["active_since"]), UTC),
        active_till=datetime.fromtimestamp(int(row["active_till"]), UTC),
        collect_data=str(row.get("maintenance_type", "0")) == str(WITH_DATA),
        hosts=tuple(str(h["name"]) for h in row.get("hosts", [])),
        host_groups=tuple(str(g["name"]) for g in row.get(key, [])),
        description=str(row.get("description", "")),
    )


def create_params(
    name: str,
    *,
    hostids: list[str],
    groupids: list[str],
    start: datetime,
    duration: timedelta,
    collect_data: bool,
    description: str,
) -> dict[str, Any]:
    """maintenance.create's parameters for a one-time window from `start` lasting `duration`."""
    since = int(start.timestamp())
    period = int(duration.total_seconds())
    params: dict[str, Any] = {
        "name": name,
        "active_since": since,
        "active_till": since + period,
        "maintenance_type": WITH_DATA if collect_data else WITHOUT_DATA,
        "description": description,
        "timeperiods": [{"timeperiod_type": ONE_TIME, "start_date": since, "period": period}],
    }
    if hostids:
        params["hosts"] = [{"hostid": h} for h in hostids]
    if groupids:
        params["groups"] = [{"groupid": g} for g in groupids]
    return params
