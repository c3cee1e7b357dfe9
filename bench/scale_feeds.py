"""The scale benchmark's feeds, app side (simulated, and labelled so in the results):

- Zabbix: 5,000 open problems in dev's host group, answered by a fake Zabbix client behind the
  app layer (`Backends._zabbix`), so the console's own adapter (read_problems: problem.get,
  event.get, trigger.get) and use case run as against a server. Each answer is JSON text decoded
  by the client as the real one decodes the HTTP body. Each problem.get moves the world: 1% of
  the problems resolve, as many new ones open, and some are acknowledged.
  Why not the emulator: its event.get and trigger.get match ids by a scan per event (5,000 x
  5,000 set builds), seconds of CPU per refresh on the same two cores as the app.
- Graylog: 10,000 lines a second from a synthetic follower in place of `console.logs.tail`
  (as bench/log_pane_10k.py): each poll hands out `rate x elapsed` new messages, at the real
  tail's one-second interval, after a first poll with the pane's worth of backlog.
"""

from __future__ import annotations

import json
import random
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from opsconsole.domain.logs import LogMessage

PROBLEMS = 5000
HOSTS = 500
RATE = 10_000
GROUP = {"groupid": "42", "name": "dev"}
NAMES = (
    "High CPU utilisation on {host}",
    "Free disk space is less than 10% on {host}",
    "{host}: container restarted",
    "Response time above 2 s on {host}",
    "Memory pressure on {host}",
    "{host} is unreachable for 5 minutes",
)
LOG_SERVICES = ("api", "web", "worker", "modsecurity", "zabbix-agent")


def _encode(row: Any) -> str:
    return json.dumps(row, separators=(",", ":"))


class FakeZabbix:
    """The calls the console's adapter makes, answered from an in-memory world of problems."""

    def __init__(self, problems: int = PROBLEMS, services: list[str] | None = None, seed: int = 18) -> None:
        self.random = random.Random(seed)
        self.services = services or [f"svc-{i:04d}" for i in range(2000)]
        self.lock = threading.Lock()
        self.next_event = 1_000_000
        self.now = int(time.time())
        self.open: dict[str, tuple[str, str, str]] = {}
        """eventid -> (problem.get row, event.get row, trigger.get row), encoded once."""
        self.calls = 0
        for _ in range(problems):
            self._open_one(self.now - self.random.randrange(60, 86_400 * 3))

    def _open_one(self, clock: int) -> None:
        self.next_event += 1
        eventid, triggerid = str(self.next_event), str(100_000 + self.next_event)
        n = self.next_event
        host = f"dev-i-{n % HOSTS:04x}"
        service = self.services[n % len(self.services)]
        problem = {
            "eventid": eventid,
            "source": "0",
            "object": "0",
            "objectid": triggerid,
            "clock": str(clock),
            "ns": str(self.random.randrange(1_000_000_000)),
            "r_eventid": "0",
            "r_clock": "0",
            "r_ns": "0",
            "correlationid": "0",
            "userid": "0",
            "name": NAMES[n % len(NAMES)].format(host=host),
            "acknowledged": "1" if n % 5 == 0 else "0",
            "severity": str(n % 6),
            "opdata": "",
            "suppressed": "0",
            "suppression_data": [],
            "urls": [],
            "tags": [
                {"tag": "env", "value": "dev"},
                {"tag": "service", "value": service},
                {"tag": "cluster", "value": "dev-cluster"},
            ],
        }
        event = {
            "eventid": eventid,
            "hosts": [{"hostid": str(10_000 + n % HOSTS), "host": host, "name": host}],
            "acknowledges": [],
        }
        trigger = {"triggerid": triggerid, "manual_close": "1" if n % 3 == 0 else "0"}
        self.open[eventid] = (_encode(problem), _encode(event), _encode(trigger))

    def _churn(self) -> None:
        """About 1% of the problems resolve and as many open (the busiest incident keeps moving)."""
        moved = max(1, len(self.open) // 100)
        for eventid in self.random.sample(sorted(self.open), moved):
            del self.open[eventid]
        for _ in range(moved):
            self._open_one(int(time.time()))

    def call(self, method: str, params: dict[str, Any] | list[Any] | None = None) -> Any:
        """One JSON-RPC answer's `result`, decoded from its text as the real client does."""
        p = params if isinstance(params, dict) else {}
        with self.lock:
            self.calls += 1
            if method == "problem.get":
                self._churn()
                text = "[" + ",".join(rows[0] for rows in self.open.values()) + "]"
            elif method == "event.get":
                wanted = {str(e) for e in p.get("eventids", [])}
                text = "[" + ",".join(r[1] for e, r in self.open.items() if e in wanted) + "]"
            elif method == "trigger.get":
                text = "[" + ",".join(rows[2] for rows in self.open.values()) + "]"
            elif method == "hostgroup.get":
                names = (p.get("filter") or {}).get("name")
                text = _encode([GROUP] if names is None or GROUP["name"] in names else [])
            else:
                text = "[]"  # host.get, maintenance.get, ...: nothing in this world
        return json.loads(text)

    def logout(self) -> None:
        """The client's own; nothing to end here."""


class RateTail:
    """New messages at a fixed rate; the first poll brings `backlog` lines, as a new tail's history."""

    interval = 1.0

    def __init__(self, rate: int, backlog: int, query: str) -> None:
        self.rate = rate
        self.started = time.perf_counter()
        self.sent = -backlog
        self.query = query

    def poll(self) -> list[LogMessage]:
        due = int((time.perf_counter() - self.started) * self.rate)
        now = datetime.now(UTC)
        batch = [self.message(n, now) for n in range(self.sent, due)]
        self.sent = due
        return batch

    def message(self, n: int, now: datetime) -> LogMessage:
        service = LOG_SERVICES[n % len(LOG_SERVICES)]
        status = 503 if n % 97 == 0 else 200
        return LogMessage(
            id=f"m{n}",
            timestamp=now - timedelta(microseconds=(n % 1000) * 10),
            source=f"ip-10-0-1-{n % 7}",
            message=f'10.0.3.{n % 250} "GET /v1/orders/{n} HTTP/1.1" {status} {3 + n % 40}ms',
            level=3 if status >= 500 else 6,
            fields={"env": "dev", "service": service},
        )


class SyntheticLogs:
    """`console.logs` with its tail replaced by the synthetic feed; everything else delegated."""

    def __init__(self, logs: Any, rate: int = RATE, backlog: int = 5000) -> None:
        self._logs = logs
        self.rate = rate
        self.backlog = backlog
        self.tails = 0

    def tail(self, env_name: str, query: str = "*", *, backlog: Any = None, **_: Any) -> RateTail:
        self.tails += 1
        return RateTail(self.rate, self.backlog, query)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._logs, name)


def install(console: Any, *, problems: int = PROBLEMS, rate: int = RATE) -> tuple[FakeZabbix, SyntheticLogs]:
    """Put the simulated feeds behind `console`'s app layer."""
    zabbix = FakeZabbix(problems)
    console.context.backends._zabbix = zabbix
    logs = SyntheticLogs(console.logs, rate)
    console.logs = logs
    return zabbix, logs
