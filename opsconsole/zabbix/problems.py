"""Problems and hosts of an environment, read from Zabbix into domain models.

problem.get ignores selectHosts and its acknowledgements carry no user name, so the hosts and the
history come from event.get and manual_close from trigger.get (reference/zabbix-facts.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from opsconsole.domain.problems import Acknowledgement, Problem, ProblemFilter, ProblemHost, Severity
from opsconsole.zabbix.client import ZabbixClient
from opsconsole.zabbix.errors import UnknownHostGroups

# event.acknowledge's bitmask in 6.0 (facts): the same bits describe a history entry.
CLOSE, ACKNOWLEDGE, MESSAGE, SEVERITY, UNACKNOWLEDGE = 1, 2, 4, 8, 16
TAG_EQUALS = 1


def group_ids(client: ZabbixClient, names: tuple[str, ...] | list[str]) -> dict[str, str]:
    """{groupid: name} of the host groups called `names` (missing ones are left out)."""
    if not names:
        return {}
    rows = client.call("hostgroup.get", {"output": ["groupid", "name"], "filter": {"name": list(names)}})
    return {str(r["groupid"]): str(r["name"]) for r in rows}


def checked_group_ids(client: ZabbixClient, names: tuple[str, ...] | list[str]) -> dict[str, str]:
    """`group_ids`, when every name exists.

    Raises:
        UnknownHostGroups: the names the server does not have, and the names it has.
    """
    groups = group_ids(client, names)
    missing = [n for n in dict.fromkeys(names) if n not in groups.values()]
    if missing:
        rows = client.call("hostgroup.get", {"output": ["name"]})
        raise UnknownHostGroups(missing, sorted(str(r["name"]) for r in rows))
    return groups


def read_problems(client: ZabbixClient, environment: str, flt: ProblemFilter) -> list[Problem]:
    """Open problems matching `flt`, newest first, each with hosts, tags and history."""
    params: dict[str, Any] = {
        "output": "extend",
        "selectTags": "extend",
        "selectSuppressionData": "extend",
        "sortfield": ["eventid"],
        "sortorder": "DESC",
    }
    if flt.host_groups:
        params["groupids"] = list(checked_group_ids(client, flt.host_groups))
    if flt.hostids:
        params["hostids"] = list(flt.hostids)
    if flt.tags:
        params["tags"] = [{"tag": t, "value": v, "operator": TAG_EQUALS} for t, v in flt.tags]
    if flt.min_severity > Severity.NOT_CLASSIFIED:
        params["severities"] = [int(s) for s in Severity if s >= flt.min_severity]
    if flt.unacknowledged_only:
        params["acknowledged"] = False
    if flt.text:
        params["search"] = {"name": flt.text}
    if not flt.include_suppressed:
        params["suppressed"] = False  # 6.0 returns suppressed problems unless told (facts, gotcha 4)
    rows = client.call("problem.get", params)
    if not rows:
        return []
    events = client.call(
        "event.get",
        {
            "eventids": [r["eventid"] for r in rows],
            "output": ["eventid"],
            "selectHosts": ["hostid", "host", "name"],
            "select_acknowledges": [
                "clock",
                "message",
                "action",
                "old_severity",
                "new_severity",
                "userid",
                "username",
            ],
        },
    )
    by_event = {str(e["eventid"]): e for e in events}
    triggers = client.call(
        "trigger.get",
        {"triggerids": sorted({str(r["objectid"]) for r in rows}), "output": ["triggerid", "manual_close"]},
    )
    manual_close = {str(t["triggerid"]): t.get("manual_close") == "1" for t in triggers}
    return [_problem(environment, r, by_event.get(str(r["eventid"]), {}), manual_close) for r in rows]


def _problem(
    environment: str, row: dict[str, Any], event: dict[str, Any], manual_close: dict[str, bool]
) -> Problem:
    resolved = str(row.get("r_eventid", "0")) != "0"
    return Problem(
        environment=environment,
        eventid=str(row["eventid"]),
        triggerid=str(row["objectid"]),
        name=str(row["name"]),
        severity=Severity(int(row["severity"])),
        started=_time(row["clock"], row.get("ns")),
        acknowledged=str(row["acknowledged"]) == "1",
        suppressed=str(row.get("suppressed", "0")) == "1",
        hosts=tuple(
            ProblemHost(str(h["hostid"]), str(h["host"]), str(h["name"])) for h in event.get("hosts", [])
        ),
        tags=tuple((str(t["tag"]), str(t.get("value", ""))) for t in row.get("tags", [])),
        history=tuple(_acknowledgement(a) for a in sorted(event.get("acknowledges", []), key=_clock)),
        manual_close=manual_close.get(str(row["objectid"]), False),
        resolved=_time(row["r_clock"]) if resolved else None,
    )


def _acknowledgement(entry: dict[str, Any]) -> Acknowledgement:
    action = int(entry.get("action", 0))
    changed = bool(action & SEVERITY)
    return Acknowledgement(
        at=_time(entry["clock"]),
        user=str(entry.get("username") or f"userid {entry.get('userid', '?')}"),
        message=str(entry.get("message", "")),
        acknowledged=bool(action & ACKNOWLEDGE),
        unacknowledged=bool(action & UNACKNOWLEDGE),
        closed=bool(action & CLOSE),
        old_severity=Severity(int(entry["old_severity"])) if changed else None,
        new_severity=Severity(int(entry["new_severity"])) if changed else None,
    )


def read_hosts(
    client: ZabbixClient,
    group_names: tuple[str, ...],
    tags: Mapping[str, str] | Sequence[tuple[str, str]] | None = None,
) -> list[ProblemHost]:
    """Hosts of the host groups (and with the tags), by name."""
    groups = checked_group_ids(client, group_names)
    params: dict[str, Any] = {
        "output": ["hostid", "host", "name"],
        "groupids": list(groups),
        "selectTags": ["tag", "value"],
        "sortfield": "name",
    }
    if tags:
        pairs = tags.items() if isinstance(tags, Mapping) else tags
        params["tags"] = [{"tag": t, "value": v, "operator": TAG_EQUALS} for t, v in pairs]
    rows = client.call("host.get", params)
    return sorted(
        (
            ProblemHost(
                str(h["hostid"]),
                str(h["host"]),
                str(h["name"]),
                tags=tuple((str(t["tag"]), str(t.get("value", ""))) for t in h.get("tags", [])),
            )
            for h in rows
        ),
        key=lambda h: h.name,
    )


def _clock(entry: dict[str, Any]) -> int:
    return int(entry.get("clock", 0))


def _time(clock: Any, ns: Any = None) -> datetime:
    """Zabbix's `clock` (seconds) with its `ns`, when given: events within a second keep their order."""
    return datetime.fromtimestamp(int(clock) + int(ns or 0) / 1e9, UTC)
