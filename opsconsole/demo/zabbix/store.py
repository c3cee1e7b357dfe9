"""The emulator's world: host groups, hosts, trapper items, triggers, events and maintenances, and
what Zabbix 6.0's server does with them (trigger evaluation, problem and recovery events,
acknowledgements, suppression by maintenance). Rows are dicts in the API's own shapes: every id and
number a string (reference/zabbix-facts.md, "JSON shapes seen").
"""

from __future__ import annotations

import itertools
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from opsconsole.demo.zabbix.expressions import LastValueExpression

TRAPPER = "2"
RECENT_SECONDS = 300  # the ok period during which problem.get(recent=True) still lists a resolved problem


@dataclass
class User:
    userid: str
    username: str
    password: str
    name: str = ""
    surname: str = ""


@dataclass
class Trigger:
    row: dict[str, Any]
    expression: LastValueExpression
    hostid: str


@dataclass
class Store:
    """Everything the emulator knows; callers hold `lock` around reads and changes."""

    lock: threading.RLock = field(default_factory=threading.RLock)
    users: dict[str, User] = field(default_factory=dict)
    sessions: dict[str, str] = field(default_factory=dict)  # sessionid -> userid
    tokens: dict[str, dict[str, Any]] = field(default_factory=dict)  # tokenid -> row (+ "secret")
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    hosts: dict[str, dict[str, Any]] = field(default_factory=dict)
    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    triggers: dict[str, Trigger] = field(default_factory=dict)
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    maintenances: dict[str, dict[str, Any]] = field(default_factory=dict)
    _ids: dict[str, itertools.count[int]] = field(default_factory=dict)

    # Ids start where a fresh 6.0 database would hand them out, so they look like real ones.
    _FIRST_IDS = {
        "group": 20,
        "host": 10500,
        "item": 44500,
        "trigger": 23100,
        "event": 1,
        "maintenance": 1,
        "token": 1,
        "acknowledge": 1,
    }

    def next_id(self, kind: str) -> str:
        counter = self._ids.setdefault(kind, itertools.count(self._FIRST_IDS[kind]))
        return str(next(counter))

    def add_user(self, username: str, password: str, *, name: str = "", surname: str = "") -> User:
        user = User(str(len(self.users) + 1), username, password, name, surname)
        self.users[user.userid] = user
        return user

    def add_token(self, userid: str, name: str, secret: str | None = None) -> tuple[str, str]:
        """A token as token.create + token.generate would leave it; returns (tokenid, secret)."""
        tokenid = self.next_id("token")
        self.tokens[tokenid] = {
            "tokenid": tokenid,
            "name": name,
            "userid": userid,
            "status": "0",
            "secret": secret or secrets.token_hex(32),
        }
        return tokenid, str(self.tokens[tokenid]["secret"])

    def user_of_token(self, token: str) -> User | None:
        for row in self.tokens.values():
            if row["secret"] and secrets.compare_digest(str(row["secret"]), token):
                return self.users.get(str(row["userid"]))
        return None

    # -- trapper ---------------------------------------------------------------------------

    def accept_value(self, host: str, key: str, value: str, peer: str, clock: int | None = None) -> bool:
        """One sender value: False where Zabbix would count it as failed (unknown host or item, not a
        trapper item, sender not in trapper_hosts; reference/zabbix-facts.md, gotcha 2)."""
        with self.lock:
            hostrow = next((h for h in self.hosts.values() if h["host"] == host), None)
            if hostrow is None or hostrow["status"] != "0":
                return False
            item = next(
                (i for i in self.items.values() if i["hostid"] == hostrow["hostid"] and i["key_"] == key),
                None,
            )
            if item is None or item["type"] != TRAPPER:
                return False
            allowed = [a.strip() for a in str(item.get("trapper_hosts", "")).split(",") if a.strip()]
            if allowed and peer not in allowed:
                return False
            now = clock or int(time.time())
            item["lastvalue"], item["lastclock"] = value, str(now)
            for trigger in self.triggers.values():
                if trigger.hostid == hostrow["hostid"] and trigger.expression.key == key:
                    self._evaluate(trigger, value, now)
            return True

    def _evaluate(self, trigger: Trigger, value: str, now: int) -> None:
        problem = trigger.expression.is_problem(value)
        if problem is None or trigger.row["status"] != "0":
            return  # a text value on a numeric item makes the item unsupported, not the trigger
        was_problem = trigger.row["value"] == "1"
        if problem and not was_problem:
            trigger.row.update(value="1", lastchange=str(now))
            self._raise(trigger, now)
        elif not problem and was_problem:
            trigger.row.update(value="0", lastchange=str(now))
            self._resolve(trigger.row["triggerid"], now, userid="0")

    def _raise(self, trigger: Trigger, now: int) -> None:
        host = self.hosts[trigger.hostid]
        name = str(trigger.row["description"]).replace("{HOST.NAME}", host["name"])
        name = name.replace("{HOST.HOST}", host["host"])
        eventid = self.next_id("event")
        tags = [dict(t) for t in trigger.row["tags"]] + [dict(t) for t in host["tags"]]
        self.events[eventid] = {
            "eventid": eventid,
            "source": "0",
            "object": "0",
            "objectid": trigger.row["triggerid"],
            "clock": str(now),
            "ns": str(time.time_ns() % 1_000_000_000),
            "value": "1",
            "r_eventid": "0",
            "r_clock": "0",
            "r_ns": "0",
            "c_eventid": "0",
            "correlationid": "0",
            "userid": "0",
            "name": name,
            "acknowledged": "0",
            "severity": trigger.row["priority"],
            "opdata": "",
            "acknowledges": [],
            "tags": tags,
            "urls": [],
        }

    def _resolve(self, triggerid: str, now: int, *, userid: str) -> None:
        for event in list(self.events.values()):
            if event["objectid"] == triggerid and event["value"] == "1" and event["r_eventid"] == "0":
                recovery = self.next_id("event")
                self.events[recovery] = {
                    **{k: v for k, v in event.items() if k not in ("acknowledges", "tags")},
                    "eventid": recovery,
                    "value": "0",
                    "clock": str(now),
                    "userid": userid,
                    "acknowledges": [],
                    "tags": list(event["tags"]),
                    "acknowledged": "0",
                }
                event.update(r_eventid=recovery, r_clock=str(now), r_ns=self.events[recovery]["ns"])

    # -- problems ----------------------------------------------------------------------------

    def open_problem(self, eventid: str) -> dict[str, Any] | None:
        event = self.events.get(eventid)
        if event is None or event["value"] != "1" or event["r_eventid"] != "0":
            return None
        return event

    def hostids_of(self, event: dict[str, Any]) -> list[str]:
        trigger = self.triggers.get(str(event["objectid"]))
        return [trigger.hostid] if trigger else []

    def suppression(self, event: dict[str, Any], now: int) -> list[dict[str, str]]:
        """Maintenances in force on the event's hosts. The real server applies them on the next full
        minute (reference/zabbix-facts.md, gotcha 4); the emulator at once."""
        hostids = set(self.hostids_of(event))
        found = []
        for m in self.maintenances.values():
            if not int(m["active_since"]) <= now < int(m["active_till"]):
                continue
            covered = set(m["hostids"]) | {
                h["hostid"] for h in self.hosts.values() if set(h["groupids"]) & set(m["groupids"])
            }
            if hostids & covered:
                found.append({"maintenanceid": m["maintenanceid"], "suppress_until": m["active_till"]})
        return found

    def acknowledge(
        self, event: dict[str, Any], userid: str, action: int, message: str, severity: int | None, now: int
    ) -> None:
        """One event.acknowledge entry, in 6.0's bitmask: 1 close, 2 ack, 4 message, 8 severity, 16 unack."""
        old = new = "0"
        if action & 8 and severity is not None:
            old, new = event["severity"], str(severity)
            event["severity"] = new
        if action & 2:
            event["acknowledged"] = "1"
        if action & 16:
            event["acknowledged"] = "0"
        event["acknowledges"].append(
            {
                "acknowledgeid": self.next_id("acknowledge"),
                "userid": userid,
                "eventid": event["eventid"],
                "clock": str(now),
                "message": message if action & 4 else "",
                "action": str(action),
                "old_severity": old,
                "new_severity": new,
            }
        )
        if action & 1:
            # The real task manager closes ~5 s later (gotcha 5); the emulator at once.
            self.triggers[str(event["objectid"])].row.update(value="0", lastchange=str(now))
            self._resolve(str(event["objectid"]), now, userid=userid)
