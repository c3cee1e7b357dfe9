"""Zabbix API methods for problems and events: problem.get, event.get, event.acknowledge (facts)."""

from __future__ import annotations

import time
from typing import Any

from opsconsole.demo.zabbix.rpc import (
    NO_SUCH_OBJECT,
    _filter_ok,
    _ids,
    _in,
    _int,
    _limited,
    _listed,
    _object,
    _project,
    _search_ok,
    _tags_match,
    application,
    invalid,
)
from opsconsole.demo.zabbix.store import RECENT_SECONDS, Store, User


class EventMethods:
    store: Store

    def m_problem_get(self, params: Any, user: User | None) -> list[dict[str, Any]]:
        p = _object(params)
        now = int(time.time())
        recent = bool(p.get("recent"))
        rows = []
        for e in self._events_matching(p):
            if e["value"] != "1":
                continue
            if e["r_eventid"] != "0" and not (recent and now - int(e["r_clock"]) <= RECENT_SECONDS):
                continue
            suppression = self.store.suppression(e, now) if e["r_eventid"] == "0" else []
            # Suppressed problems come back unless suppressed=false is asked for (facts, gotcha 4).
            if "suppressed" in p and bool(p["suppressed"]) != bool(suppression):
                continue
            rows.append((e, suppression))

        def shape(item: tuple[dict[str, Any], list[dict[str, str]]]) -> dict[str, Any]:
            e, suppression = item
            fields = {k: v for k, v in e.items() if k not in ("value", "c_eventid", "acknowledges", "tags")}
            fields["suppressed"] = "1" if suppression else "0"
            row = _project(fields, p.get("output", "extend"))
            if "selectAcknowledges" in p:  # without the user names: those come from event.get (facts)
                row["acknowledges"] = [_project(a, p["selectAcknowledges"]) for a in e["acknowledges"]]
            if "selectSuppressionData" in p:
                row["suppression_data"] = [_project(s, p["selectSuppressionData"]) for s in suppression]
            if "selectTags" in p:
                row["tags"] = [_project(t, p["selectTags"]) for t in e["tags"]]
            return row

        # problem.get has no selectHosts: it is silently ignored (facts).
        return [shape(r) for r in _limited(rows, p, key=lambda r: int(r[0]["eventid"]))]

    def _events_matching(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        found = []
        for e in self.store.events.values():
            hostids = self.store.hostids_of(e)
            groupids = [g for h in hostids for g in self.store.hosts[h]["groupids"]]
            if not (
                _in(p, "eventids", [e["eventid"]])
                and _in(p, "objectids", [e["objectid"]])
                and _in(p, "hostids", hostids)
                and _in(p, "groupids", groupids)
                and _tags_match(e["tags"], p)
            ):
                continue
            if "severities" in p and int(e["severity"]) not in {int(s) for s in _listed(p["severities"])}:
                continue
            if "acknowledged" in p and bool(p["acknowledged"]) != (e["acknowledged"] == "1"):
                continue
            if "value" in p and e["value"] not in {str(v) for v in _listed(p["value"])}:
                continue
            if not _search_ok(e, p.get("search")) or not _filter_ok(e, p.get("filter")):
                continue
            found.append(e)
        return found

    def m_event_get(self, params: Any, user: User | None) -> list[dict[str, Any]]:
        p = _object(params)

        def shape(e: dict[str, Any]) -> dict[str, Any]:
            row = _project(
                {k: v for k, v in e.items() if k not in ("acknowledges", "tags")},
                p.get("output", "extend"),
            )
            if "selectHosts" in p:
                row["hosts"] = [
                    _project(self.store.hosts[h], p["selectHosts"]) for h in self.store.hostids_of(e)
                ]
            if "select_acknowledges" in p:
                row["acknowledges"] = [
                    _project(self._with_user(a), p["select_acknowledges"]) for a in e["acknowledges"]
                ]
            if "selectTags" in p:
                row["tags"] = [_project(t, p["selectTags"]) for t in e["tags"]]
            if "selectRelatedObject" in p:
                trigger = self.store.triggers.get(str(e["objectid"]))
                # The description is not expanded here (facts).
                source = {k: v for k, v in trigger.row.items() if k != "tags"} if trigger else {}
                row["relatedObject"] = _project(source, p["selectRelatedObject"])
            return row

        return [shape(e) for e in _limited(self._events_matching(p), p, key=lambda e: int(e["eventid"]))]

    def _with_user(self, ack: dict[str, Any]) -> dict[str, Any]:
        user = self.store.users.get(str(ack["userid"]))
        names = {"username": user.username, "name": user.name, "surname": user.surname} if user else {}
        return {**ack, **names}

    def m_event_acknowledge(self, params: Any, user: User | None) -> dict[str, list[int]]:
        assert user is not None
        p = _object(params)
        action = _int(p.get("action"), "action")
        # 6.0 knows 1 close, 2 ack, 4 message, 8 severity, 16 unack; 32 (suppress) came in 6.2 (facts).
        if action < 0 or action > 31:
            raise invalid(f'Incorrect value for field "action": unexpected value "{action}".')
        message = str(p.get("message", ""))
        if action & 4 and not message:
            raise invalid('Incorrect value for field "message": cannot be empty.')
        severity = None
        if action & 8:
            severity = _int(p.get("severity"), "severity")
            if not 0 <= severity <= 5:
                raise invalid(f'Incorrect value for field "severity": unexpected value "{severity}".')
        eventids = _ids(p.get("eventids", []))
        events = [self.store.open_problem(e) or self.store.events.get(e) for e in eventids]
        if not eventids or any(e is None or e["value"] != "1" for e in events):
            raise application(NO_SUCH_OBJECT)
        if action & 1:
            for event in events:
                assert event is not None
                trigger = self.store.triggers[str(event["objectid"])]
                if trigger.row["manual_close"] != "1":
                    raise application("Cannot close problem: trigger does not allow manual closing.")
        now = int(time.time())
        if action:  # action 0 is accepted and records nothing (facts)
            for event in events:
                assert event is not None
                self.store.acknowledge(event, user.userid, action, message, severity, now)
        # The only ids the API returns as JSON integers (facts).
        return {"eventids": [int(e) for e in eventids]}
