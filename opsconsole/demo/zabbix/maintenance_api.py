"""Zabbix API methods for maintenance windows: create, get, delete (facts)."""

from __future__ import annotations

import time
from typing import Any

from opsconsole.demo.zabbix.rpc import (
    NO_SUCH_OBJECT,
    _create,
    _finish,
    _ids,
    _in,
    _int,
    _matching,
    _new_name,
    _object,
    _project,
    application,
    invalid,
)
from opsconsole.demo.zabbix.store import Store, User


class MaintenanceMethods:
    store: Store

    def m_maintenance_create(self, params: Any, user: User | None) -> dict[str, list[str]]:
        return _create(params, "maintenanceids", self._add_maintenance)

    def _add_maintenance(self, p: dict[str, Any]) -> str:
        missing = 'Invalid parameter "/1/name": cannot be empty.'
        taken = 'Maintenance "{}" already exists.'
        name = _new_name(p, "name", self.store.maintenances.values(), missing, taken)
        # `hostids`/`groupids` are the deprecated spellings 6.0 still accepts (facts).
        hostids = [str(h["hostid"]) for h in p.get("hosts", [])] + [str(h) for h in p.get("hostids", [])]
        groupids = [str(g["groupid"]) for g in p.get("groups", [])] + [str(g) for g in p.get("groupids", [])]
        if not hostids and not groupids:
            raise invalid("At least one host group or host must be selected.")
        if any(h not in self.store.hosts for h in hostids) or any(
            g not in self.store.groups for g in groupids
        ):
            raise application(NO_SUCH_OBJECT)
        since = _int(p.get("active_since", int(time.time())), "active_since")
        till = _int(p.get("active_till", since + 86400), "active_till")
        if till <= since:
            raise invalid('Maintenance "active_since" value cannot be bigger than "active_till".')
        maintenanceid = self.store.next_id("maintenance")
        self.store.maintenances[maintenanceid] = {
            "maintenanceid": maintenanceid,
            "name": name,
            "maintenance_type": str(p.get("maintenance_type", "0")),
            "description": str(p.get("description", "")),
            "active_since": str(since - since % 60),  # rounded down to the minute (facts)
            "active_till": str(till),
            "tags_evaltype": str(p.get("tags_evaltype", "0")),
            "hostids": hostids,
            "groupids": groupids,
            "timeperiods": [{k: str(v) for k, v in period.items()} for period in p.get("timeperiods", [])],
        }
        return maintenanceid

    def m_maintenance_get(self, params: Any, user: User | None) -> list[dict[str, Any]]:
        p = _object(params)
        rows = [
            m
            for m in _matching(self.store.maintenances.values(), p, ids=("maintenanceids", "maintenanceid"))
            if _in(p, "hostids", m["hostids"]) and _in(p, "groupids", m["groupids"])
        ]

        def shape(m: dict[str, Any]) -> dict[str, Any]:
            row = _project(
                {k: v for k, v in m.items() if k not in ("hostids", "groupids", "timeperiods")},
                p.get("output", "extend"),
            )
            if "selectHosts" in p:
                row["hosts"] = [_project(self.store.hosts[h], p["selectHosts"]) for h in m["hostids"]]
            for select, key in (("selectGroups", "groups"), ("selectHostGroups", "hostgroups")):
                if select in p:
                    row[key] = [_project(self.store.groups[g], p[select]) for g in m["groupids"]]
            if "selectTimeperiods" in p:
                row["timeperiods"] = [_project(t, p["selectTimeperiods"]) for t in m["timeperiods"]]
            return row

        return _finish(rows, p, shape)

    def m_maintenance_delete(self, params: Any, user: User | None) -> dict[str, list[str]]:
        ids = _ids(params)
        if not ids or any(i not in self.store.maintenances for i in ids):
            raise application(NO_SUCH_OBJECT)
        for maintenanceid in ids:
            del self.store.maintenances[maintenanceid]
        return {"maintenanceids": ids}
