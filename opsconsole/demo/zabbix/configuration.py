"""Zabbix API methods for the configuration: host groups, hosts, items and triggers (facts)."""

from __future__ import annotations

import time
from typing import Any

from opsconsole.demo.zabbix.expressions import parse_expression
from opsconsole.demo.zabbix.rpc import (
    NO_SUCH_OBJECT,
    _create,
    _filter_ok,
    _finish,
    _in,
    _limited,
    _matching,
    _new_name,
    _object,
    _project,
    _tags_match,
    application,
    invalid,
)
from opsconsole.demo.zabbix.store import TRAPPER, Store, Trigger, User


class ConfigurationMethods:
    store: Store

    def m_hostgroup_create(self, params: Any, user: User | None) -> dict[str, list[str]]:
        return _create(params, "groupids", self._add_group)

    def _add_group(self, p: dict[str, Any]) -> str:
        missing = 'Invalid parameter "/1/name": cannot be empty.'
        name = _new_name(p, "name", self.store.groups.values(), missing, 'Host group "{}" already exists.')
        groupid = self.store.next_id("group")
        self.store.groups[groupid] = {"groupid": groupid, "name": name, "flags": "0", "internal": "0"}
        return groupid

    def m_hostgroup_get(self, params: Any, user: User | None) -> list[dict[str, Any]]:
        p = _object(params)
        rows = _matching(self.store.groups.values(), p, ids=("groupids", "groupid"))
        return _finish(rows, p, lambda row: dict(row))

    def m_host_create(self, params: Any, user: User | None) -> dict[str, list[str]]:
        return _create(params, "hostids", self._add_host)

    def _add_host(self, p: dict[str, Any]) -> str:
        missing = 'Invalid parameter "/1": the parameter "host" is missing.'
        taken = 'Host with the same name "{}" already exists.'
        host = _new_name(p, "host", self.store.hosts.values(), missing, taken)
        groupids = [str(g["groupid"]) for g in p.get("groups", [])]
        if not groupids:
            raise invalid('Invalid parameter "/1": the parameter "groups" is missing.')
        if any(g not in self.store.groups for g in groupids):
            raise application(NO_SUCH_OBJECT)
        hostid = self.store.next_id("host")
        self.store.hosts[hostid] = {
            "hostid": hostid,
            "host": host,
            "name": str(p.get("name") or host),
            "status": str(p.get("status", "0")),
            "description": str(p.get("description", "")),
            "groupids": groupids,
            "tags": [{"tag": str(t["tag"]), "value": str(t.get("value", ""))} for t in p.get("tags", [])],
        }
        return hostid

    def m_host_get(self, params: Any, user: User | None) -> list[dict[str, Any]]:
        p = _object(params)
        rows = [
            h
            for h in _matching(self.store.hosts.values(), p, ids=("hostids", "hostid"))
            if _in(p, "groupids", h["groupids"]) and _tags_match(h["tags"], p)
        ]
        now = int(time.time())

        def shape(h: dict[str, Any]) -> dict[str, Any]:
            maintenance = self._maintenance_of_host(h, now)
            row = {k: v for k, v in h.items() if k not in ("groupids", "tags")}
            row.update(maintenance_status="1" if maintenance else "0", maintenanceid=maintenance or "0")
            row = _project(row, p.get("output", "extend"))
            for select, key in (("selectGroups", "groups"), ("selectHostGroups", "hostgroups")):
                if select in p:
                    row[key] = [_project(self.store.groups[g], p[select]) for g in h["groupids"]]
            if "selectTags" in p:
                row["tags"] = [_project(t, p["selectTags"]) for t in h["tags"]]
            if "selectItems" in p:
                items = [i for i in self.store.items.values() if i["hostid"] == h["hostid"]]
                row["items"] = [_project(i, p["selectItems"]) for i in items]
            return row

        return _finish(rows, p, shape)

    def _maintenance_of_host(self, host: dict[str, Any], now: int) -> str | None:
        for m in self.store.maintenances.values():
            in_force = int(m["active_since"]) <= now < int(m["active_till"])
            if in_force and (host["hostid"] in m["hostids"] or set(host["groupids"]) & set(m["groupids"])):
                return str(m["maintenanceid"])
        return None

    def m_item_create(self, params: Any, user: User | None) -> dict[str, list[str]]:
        return _create(params, "itemids", self._add_item)

    def _add_item(self, p: dict[str, Any]) -> str:
        hostid, key = str(p.get("hostid", "")), str(p.get("key_", ""))
        if hostid not in self.store.hosts:
            raise application(NO_SUCH_OBJECT)
        if any(i["hostid"] == hostid and i["key_"] == key for i in self.store.items.values()):
            raise invalid(f'Item with key "{key}" already exists on "{self.store.hosts[hostid]["host"]}".')
        itemid = self.store.next_id("item")
        self.store.items[itemid] = {
            "itemid": itemid,
            "hostid": hostid,
            "name": str(p.get("name", key)),
            "key_": key,
            "type": str(p.get("type", TRAPPER)),
            "value_type": str(p.get("value_type", "3")),
            "trapper_hosts": str(p.get("trapper_hosts", "")),
            "lastvalue": "0",
            "lastclock": "0",
        }
        return itemid

    def m_trigger_create(self, params: Any, user: User | None) -> dict[str, list[str]]:
        return _create(params, "triggerids", self._add_trigger)

    def _add_trigger(self, p: dict[str, Any]) -> str:
        text = str(p.get("expression", ""))
        expression = parse_expression(text)
        if expression is None:
            raise invalid(f'Invalid parameter "/1/expression": incorrect expression starting from "{text}".')
        host = next((h for h in self.store.hosts.values() if h["host"] == expression.host), None)
        if host is None:
            raise invalid(
                f'Incorrect trigger expression. Host "{expression.host}" does not exist or you have no '
                "access to this host."
            )
        if not any(
            i["hostid"] == host["hostid"] and i["key_"] == expression.key for i in self.store.items.values()
        ):
            raise invalid(
                f'Incorrect item key "{expression.key}" provided for trigger expression on '
                f'"{expression.host}".'
            )
        triggerid = self.store.next_id("trigger")
        row = {
            "triggerid": triggerid,
            "expression": text,
            "description": str(p.get("description", "")),
            "priority": str(p.get("priority", "0")),
            "manual_close": str(p.get("manual_close", "0")),
            "status": str(p.get("status", "0")),
            "value": "0",
            "state": "0",
            "error": "",
            "lastchange": "0",
            "comments": str(p.get("comments", "")),
            "tags": [{"tag": str(t["tag"]), "value": str(t.get("value", ""))} for t in p.get("tags", [])],
        }
        self.store.triggers[triggerid] = Trigger(row, expression, host["hostid"])
        return triggerid

    def m_trigger_get(self, params: Any, user: User | None) -> list[dict[str, Any]]:
        p = _object(params)
        triggers = [
            t
            for t in self.store.triggers.values()
            if _in(p, "triggerids", [t.row["triggerid"]])
            and _in(p, "hostids", [t.hostid])
            and _in(p, "groupids", self.store.hosts[t.hostid]["groupids"])
            and not (p.get("only_true") and t.row["value"] != "1")
            and not (p.get("monitored") and t.row["status"] != "0")
            and _filter_ok(t.row, p.get("filter"))
        ]

        def shape(t: Trigger) -> dict[str, Any]:
            source = {k: v for k, v in t.row.items() if k != "tags"}
            if p.get("expandDescription"):
                source["description"] = str(source["description"]).replace(
                    "{HOST.NAME}", self.store.hosts[t.hostid]["name"]
                )
            row = _project(source, p.get("output", "extend"))
            if "selectHosts" in p:
                row["hosts"] = [_project(self.store.hosts[t.hostid], p["selectHosts"])]
            if "selectTags" in p:
                row["tags"] = [_project(tag, p["selectTags"]) for tag in t.row["tags"]]
            if "selectLastEvent" in p:
                last = [e for e in self.store.events.values() if e["objectid"] == t.row["triggerid"]]
                row["lastEvent"] = _project(last[-1], p["selectLastEvent"]) if last else []
            return row

        return [shape(t) for t in _limited(triggers, p)]
