"""The engine's unit tests run without servers: a Console whose backends are in memory, at the
client boundary the application layer calls (`ZabbixClient.call`, `GraylogClient.search`), so every
step goes through the real use cases, the action registry and the change runner.

Only these tests use it; the shipped runbooks run on the demo world's real emulators (test_shipped).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from opsconsole.app.backends import Backends
from opsconsole.app.console import Console
from opsconsole.config import load_settings
from opsconsole.domain.errors import OpsError
from opsconsole.domain.logs import SearchResult
from opsconsole.graylog.client import GraylogClient
from opsconsole.zabbix.client import ZabbixClient

CONFIG = """\
[identity]
operator = "alice"
[environments.dev]
account_id = "111111111111"
region = "eu-west-1"
zabbix = { host_groups = ["dev"] }
[environments.dev.roles]
read = "arn:aws:iam::111111111111:role/OpsConsoleReadOnly"
[environments.prod]
account_id = "333333333333"
region = "eu-west-1"
protected = true
zabbix = { host_groups = ["prod"] }
[environments.prod.roles]
read = "arn:aws:iam::333333333333:role/OpsConsoleReadOnly"
"""

GROUPS = {"1": "dev", "2": "prod"}


@dataclass
class FakeProblem:
    eventid: str
    group: str
    name: str = "High error rate"
    acknowledged: bool = False
    tags: tuple[tuple[str, str], ...] = ()


class FakeZabbix(ZabbixClient):
    """Zabbix's API in memory: host groups, open problems (every trigger allows a manual close),
    and every change sent; `failing` makes a method answer with an error."""

    def __init__(self) -> None:  # no connection: the client's transport is what this replaces
        self.url = "memory://zabbix"
        self.problems: list[FakeProblem] = []
        self.maintenances: dict[str, dict[str, Any]] = {}
        self.calls: list[tuple[str, Any]] = []
        self.failing: dict[str, OpsError] = {}

    @property
    def changes(self) -> list[tuple[str, Any]]:
        """The calls that change something (every one but the reads)."""
        return [(method, params) for method, params in self.calls if not method.endswith(".get")]

    def host_group_select(self) -> tuple[str, str]:
        return ("selectHostGroups", "hostgroups")

    def call(self, method: str, params: dict[str, Any] | list[Any] | None = None) -> Any:
        self.calls.append((method, params))
        if method in self.failing:
            raise self.failing[method]
        p: dict[str, Any] = params if isinstance(params, dict) else {}
        if method == "hostgroup.get":
            names = p.get("filter", {}).get("name", [])
            return [{"groupid": gid, "name": name} for gid, name in GROUPS.items() if name in names]
        if method == "problem.get":
            groups = {GROUPS[g] for g in p.get("groupids", GROUPS)}
            return [self._row(x) for x in self.problems if x.group in groups]
        if method == "event.get":
            return [{"eventid": e, "hosts": [], "acknowledges": []} for e in p.get("eventids", [])]
        if method == "trigger.get":
            return [{"triggerid": t, "manual_close": "1"} for t in p.get("triggerids", [])]
        if method == "host.get":
            return []
        if method.startswith("maintenance."):
            return self._maintenance(method, params)
        if method == "event.acknowledge":
            for problem in self.problems:
                if problem.eventid in p["eventids"] and p["action"] & 2:
                    problem.acknowledged = True
            return {"eventids": p["eventids"]}
        raise AssertionError(f"the fake Zabbix does not answer {method}")

    def logout(self) -> None:
        pass

    def _maintenance(self, method: str, params: Any) -> Any:
        if method == "maintenance.get":
            return list(self.maintenances.values())
        if method == "maintenance.create":
            maintenanceid = str(100 + len(self.maintenances))
            # Sent as 6.0 takes them, read back under 6.2's name.
            groups = [{**g, "name": GROUPS[g["groupid"]]} for g in params.get("groups", [])]
            self.maintenances[maintenanceid] = {
                "maintenanceid": maintenanceid,
                "hostgroups": groups,
                **params,
            }
            return {"maintenanceids": [maintenanceid]}
        assert method == "maintenance.delete"
        for maintenanceid in params:
            del self.maintenances[maintenanceid]
        return {"maintenanceids": params}

    @staticmethod
    def _row(problem: FakeProblem) -> dict[str, Any]:
        return {
            "eventid": problem.eventid,
            "objectid": f"t{problem.eventid}",
            "name": problem.name,
            "severity": "3",
            "clock": "1764500000",
            "acknowledged": "1" if problem.acknowledged else "0",
            "tags": [{"tag": tag, "value": value} for tag, value in problem.tags],
        }


@dataclass
class FakeGraylog(GraylogClient):
    """Graylog's search, answering only with a count."""

    counts: dict[str, int] = field(default_factory=dict)
    """Count per query substring; the first key found in a query answers it (0 otherwise)."""
    on_count: Callable[[str], int | None] | None = None

    def __post_init__(self) -> None:
        # GraylogClient's per-request deadline, which a fake that answers at once never meets.
        self._budget = threading.local()
        self.deadline = 30.0

    def search(
        self,
        query: str = "*",
        *,
        since: timedelta | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        streams: Sequence[str] = (),
        limit: int = 150,
        offset: int = 0,
        fields: Sequence[str] = (),
        sort: str = "timestamp:desc",
    ) -> SearchResult:
        answer = self.on_count(query) if self.on_count is not None else None
        if answer is None:
            answer = next((n for key, n in self.counts.items() if key in query), 0)
        return SearchResult(query, (), answer)

    def close(self) -> None:
        pass


class FakeBackends(Backends):
    def __init__(self, zabbix: FakeZabbix, graylog: FakeGraylog) -> None:
        self._zabbix_fake = zabbix
        self._graylog_fake = graylog

    def zabbix(self) -> ZabbixClient:
        return self._zabbix_fake

    def graylog(self) -> GraylogClient:
        return self._graylog_fake

    def close(self) -> None:
        pass


@dataclass
class Monitored:
    """A console on in-memory monitoring backends, and those backends to look at."""

    console: Console
    zabbix: FakeZabbix
    graylog: FakeGraylog


def monitored_console(tmp_path: Path) -> Monitored:
    """A console of CONFIG (dev, and prod protected) with its own journal under `tmp_path`."""
    path = tmp_path / "opsconsole.toml"
    path.write_text(CONFIG + f'[audit]\njournal = "{tmp_path / "audit.jsonl"}"\n', encoding="utf-8")
    console = Console.build(load_settings(path, environ={}))
    zabbix, graylog = FakeZabbix(), FakeGraylog()
    console.context.backends = FakeBackends(zabbix, graylog)
    return Monitored(console, zabbix, graylog)
