"""JSON-RPC methods of the Zabbix 6.0 API, as the real one answers them: string ids, integer event
ids from event.acknowledge, `auth` in the body only, and the error codes and texts of
reference/zabbix-facts.md (cited per rule below as "facts").
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterable
from typing import Any

from opsconsole.demo.zabbix.expressions import parse_expression
from opsconsole.demo.zabbix.store import RECENT_SECONDS, TRAPPER, Store, Trigger, User

VERSION = "6.0.14"
INVALID_PARAMS = -32602
APPLICATION_ERROR = -32500
NO_SUCH_OBJECT = "No permissions to referred object or it does not exist!"
ANONYMOUS = {"apiinfo.version", "user.login", "user.checkAuthentication"}


class ApiError(Exception):
    def __init__(self, code: int, message: str, data: str = "") -> None:
        super().__init__(data or message)
        self.code, self.message, self.data = code, message, data

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "data": self.data}


def invalid(data: str) -> ApiError:
    return ApiError(INVALID_PARAMS, "Invalid params.", data)


def application(data: str) -> ApiError:
    return ApiError(APPLICATION_ERROR, "Application error.", data)


class ZabbixApi:
    """Dispatches one request object to the method that answers it."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def handle(self, request: Any) -> dict[str, Any]:
        if not isinstance(request, dict) or request.get("jsonrpc") != "2.0" or "method" not in request:
            error = ApiError(-32600, "Invalid request.", "JSON-rpc version is not specified or is incorrect.")
            return {"jsonrpc": "2.0", "error": error.to_json(), "id": None}
        rid = request.get("id")
        try:
            result = self.call(str(request["method"]), request.get("params", {}), request.get("auth"))
        except ApiError as e:
            return {"jsonrpc": "2.0", "error": e.to_json(), "id": rid}
        except Exception as e:  # an emulator bug answers like a failing server, not with a dropped socket
            error = ApiError(-32603, "Internal error.", f"{type(e).__name__}: {e}")
            return {"jsonrpc": "2.0", "error": error.to_json(), "id": rid}
        return {"jsonrpc": "2.0", "result": result, "id": rid}

    def call(self, method: str, params: Any, auth: Any) -> Any:
        handler = getattr(self, "m_" + method.replace(".", "_"), None)
        if method == "user.logout":
            with self.store.lock:
                self._authenticate(auth)
                return self.logout(str(auth))
        if handler is None:
            raise invalid(f'Incorrect method "{method}".')
        with self.store.lock:
            if method == "apiinfo.version":
                if auth is not None:  # facts: "apiinfo.version with an auth field"
                    raise invalid('The "apiinfo.version" method must be called without the "auth" parameter.')
                return handler(params, None)
            user = None if method in ANONYMOUS else self._authenticate(auth)
            return handler(params, user)

    def _authenticate(self, auth: Any) -> User:
        """The body's `auth` only: 6.0 ignores the Bearer header (facts, "Authentication")."""
        if not auth:
            raise invalid("Not authorized.")
        token = str(auth)
        if len(token) == 64:
            user = self.store.user_of_token(token)
            if user is None:
                raise invalid("Not authorized.")
            return user
        userid = self.store.sessions.get(token)
        if userid is None:
            raise invalid("Session terminated, re-login, please.")
        return self.store.users[userid]

    # -- api info, users, tokens ---------------------------------------------------------------

    def m_apiinfo_version(self, params: Any, user: User | None) -> str:
        return VERSION

    def m_user_login(self, params: Any, user: User | None) -> str:
        p = _object(params)
        if "user" in p and "username" in p:
            raise invalid('Parameter "user" is deprecated.')
        name = str(p.get("username", p.get("user", "")))
        found = next((u for u in self.store.users.values() if u.username == name), None)
        if found is None or not secrets.compare_digest(found.password, str(p.get("password", ""))):
            raise application("Incorrect user name or password or account is temporarily blocked.")
        session = secrets.token_hex(16)
        self.store.sessions[session] = found.userid
        return session

    def m_user_checkAuthentication(self, params: Any, user: User | None) -> dict[str, Any]:
        p = _object(params)
        if "token" in p:
            found = self.store.user_of_token(str(p["token"]))
            if found is None:
                raise invalid("Not authorized.")
        else:
            userid = self.store.sessions.get(str(p.get("sessionid", "")))
            if userid is None:
                raise invalid("Session terminated, re-login, please.")
            found = self.store.users[userid]
        return {"userid": found.userid, "username": found.username, "name": found.name}

    def logout(self, auth: str) -> bool:
        """user.logout ends a session; with an API token 6.0 fails on its sessions table (facts)."""
        if auth not in self.store.sessions:
            raise application(
                'Incorrect field "sessionid" name or value in where statement for table "sessions".'
            )
        del self.store.sessions[auth]
        return True

    def m_token_create(self, params: Any, user: User | None) -> dict[str, list[str]]:
        ids = []
        for p in _objects(params):
            if not p.get("name"):
                raise invalid('Invalid parameter "/1/name": cannot be empty.')
            tokenid, _secret = self.store.add_token(
                str(p.get("userid", user.userid if user else "1")), p["name"]
            )
            self.store.tokens[tokenid]["secret"] = ""  # generated on token.generate, as in 6.0
            ids.append(tokenid)
        return {"tokenids": ids}

    def m_token_generate(self, params: Any, user: User | None) -> list[dict[str, str]]:
        result = []
        for tokenid in _ids(params):
            row = self.store.tokens.get(tokenid)
            if row is None:
                raise application(NO_SUCH_OBJECT)
            row["secret"] = secrets.token_hex(32)
            result.append({"tokenid": tokenid, "token": row["secret"]})
        return result

    # -- host groups, hosts, items, triggers -------------------------------------------------------

    def m_hostgroup_create(self, params: Any, user: User | None) -> dict[str, list[str]]:
        ids = []
        for p in _objects(params):
            name = str(p.get("name", ""))
            if not name:
                raise invalid('Invalid parameter "/1/name": cannot be empty.')
            if any(g["name"] == name for g in self.store.groups.values()):
                raise invalid(f'Host group "{name}" already exists.')
            groupid = self.store.next_id("group")
            self.store.groups[groupid] = {"groupid": groupid, "name": name, "flags": "0", "internal": "0"}
            ids.append(groupid)
        return {"groupids": ids}

    def m_hostgroup_get(self, params: Any, user: User | None) -> list[dict[str, Any]]:
        p = _object(params)
        rows = _matching(self.store.groups.values(), p, ids=("groupids", "groupid"))
        return _finish(rows, p, lambda row: dict(row))

    def m_host_create(self, params: Any, user: User | None) -> dict[str, list[str]]:
        ids = []
        for p in _objects(params):
            host = str(p.get("host", ""))
            if not host:
                raise invalid('Invalid parameter "/1": the parameter "host" is missing.')
            if any(h["host"] == host for h in self.store.hosts.values()):
                raise invalid(f'Host with the same name "{host}" already exists.')
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
            ids.append(hostid)
        return {"hostids": ids}

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
        ids = []
        for p in _objects(params):
            hostid, key = str(p.get("hostid", "")), str(p.get("key_", ""))
            if hostid not in self.store.hosts:
                raise application(NO_SUCH_OBJECT)
            if any(i["hostid"] == hostid and i["key_"] == key for i in self.store.items.values()):
                raise invalid(
                    f'Item with key "{key}" already exists on "{self.store.hosts[hostid]["host"]}".'
                )
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
            ids.append(itemid)
        return {"itemids": ids}

    def m_trigger_create(self, params: Any, user: User | None) -> dict[str, list[str]]:
        ids = []
        for p in _objects(params):
            text = str(p.get("expression", ""))
            expression = parse_expression(text)
            if expression is None:
                raise invalid(
                    f'Invalid parameter "/1/expression": incorrect expression starting from "{text}".'
                )
            host = next((h for h in self.store.hosts.values() if h["host"] == expression.host), None)
            if host is None:
                raise invalid(
                    f'Incorrect trigger expression. Host "{expression.host}" does not exist or you have no '
                    "access to this host."
                )
            if not any(
                i["hostid"] == host["hostid"] and i["key_"] == expression.key
                for i in self.store.items.values()
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
            ids.append(triggerid)
        return {"triggerids": ids}

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

    # -- problems and events ---------------------------------------------------------------------

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

    # -- maintenance -----------------------------------------------------------------------------

    def m_maintenance_create(self, params: Any, user: User | None) -> dict[str, list[str]]:
        ids = []
        for p in _objects(params):
            name = str(p.get("name", ""))
            if not name:
                raise invalid('Invalid parameter "/1/name": cannot be empty.')
            if any(m["name"] == name for m in self.store.maintenances.values()):
                raise invalid(f'Maintenance "{name}" already exists.')
            # `hostids`/`groupids` are the deprecated spellings 6.0 still accepts (facts).
            hostids = [str(h["hostid"]) for h in p.get("hosts", [])] + [str(h) for h in p.get("hostids", [])]
            groupids = [str(g["groupid"]) for g in p.get("groups", [])] + [
                str(g) for g in p.get("groupids", [])
            ]
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
                "timeperiods": [
                    {k: str(v) for k, v in period.items()} for period in p.get("timeperiods", [])
                ],
            }
            ids.append(maintenanceid)
        return {"maintenanceids": ids}

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


# -- request helpers ---------------------------------------------------------------------------------


def _object(params: Any) -> dict[str, Any]:
    if isinstance(params, dict):
        return params
    if params in ([], None):
        return {}
    raise invalid('Invalid parameter "/": an array is not expected.')


def _objects(params: Any) -> list[dict[str, Any]]:
    items = params if isinstance(params, list) else [params]
    if not all(isinstance(i, dict) for i in items):
        raise invalid('Invalid parameter "/1": an array is expected.')
    return items


def _listed(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _ids(params: Any) -> list[str]:
    """A single id or a list of them; a nested list is refused as 6.0 does (facts, gotcha 9)."""
    ids = _listed(params)
    if any(isinstance(i, list | dict) for i in ids):
        raise invalid('Invalid parameter "/1": a number is expected.')
    return [str(i) for i in ids]


def _int(value: Any, field: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise invalid(f'Invalid parameter "/{field}": an integer is expected.') from None


def _in(p: dict[str, Any], name: str, values: Iterable[str]) -> bool:
    """A get method's id filter: absent means any; present means one of `values` is listed."""
    if name not in p or p[name] is None:
        return True
    wanted = {str(v) for v in _listed(p[name])}
    return bool(wanted & set(values))


def _tags_match(tags: list[dict[str, str]], p: dict[str, Any]) -> bool:
    """6.0 tag filters: operator 0 contains, 1 equals, 2 not contains, 3 not equals, 4 exists,
    5 not exists; evaltype 0 and/or (and between tag names), 2 or."""
    wanted = p.get("tags") or []
    if not wanted:
        return True

    def one(f: dict[str, Any]) -> bool:
        name, value, op = str(f.get("tag", "")), str(f.get("value", "")), int(f.get("operator", 0))
        values = [t["value"] for t in tags if t["tag"] == name]
        checks: dict[int, Callable[[], bool]] = {
            0: lambda: any(value.lower() in v.lower() for v in values),
            1: lambda: value in values,
            2: lambda: not any(value.lower() in v.lower() for v in values),
            3: lambda: value not in values,
            4: lambda: bool(values),
            5: lambda: not values,
        }
        return checks.get(op, checks[0])()

    if int(p.get("evaltype", 0)) == 2:
        return any(one(f) for f in wanted)
    by_name: dict[str, list[dict[str, Any]]] = {}
    for f in wanted:
        by_name.setdefault(str(f.get("tag", "")), []).append(f)
    return all(any(one(f) for f in group) for group in by_name.values())


def _search_ok(row: dict[str, Any], search: Any) -> bool:
    if not isinstance(search, dict):
        return True
    return all(
        any(str(v).lower() in str(row.get(k, "")).lower() for v in _listed(value))
        for k, value in search.items()
    )


def _filter_ok(row: dict[str, Any], flt: Any) -> bool:
    if not isinstance(flt, dict):
        return True
    return all(str(row.get(k)) in {str(v) for v in _listed(value)} for k, value in flt.items() if k in row)


def _matching(
    rows: Iterable[dict[str, Any]], p: dict[str, Any], *, ids: tuple[str, str]
) -> list[dict[str, Any]]:
    name, key = ids
    return [
        r
        for r in rows
        if _in(p, name, [r[key]]) and _filter_ok(r, p.get("filter")) and _search_ok(r, p.get("search"))
    ]


def _limited(rows: list[Any], p: dict[str, Any], key: Callable[[Any], Any] | None = None) -> list[Any]:
    if key is not None and p.get("sortfield"):
        rows = sorted(rows, key=key, reverse=str(p.get("sortorder", "ASC")).upper() == "DESC")
    if p.get("limit"):
        rows = rows[: int(p["limit"])]
    return rows


def _finish(
    rows: list[dict[str, Any]], p: dict[str, Any], shape: Callable[[dict[str, Any]], dict[str, Any]]
) -> list[dict[str, Any]]:
    return [shape(r) for r in _limited(rows, p)]


def _project(row: dict[str, Any], output: Any) -> dict[str, Any]:
    """`output`/`select*`: "extend" for every field, a list for some; unknown names are ignored (facts,
    gotcha 11)."""
    if output == "extend" or output is None:
        return dict(row)
    if isinstance(output, list):
        return {k: row[k] for k in output if k in row}
    return {}
