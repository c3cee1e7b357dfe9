"""What the Zabbix agents and server of the demo estate would report, sent as a real agent setup
would: hosts, trapper items and triggers through the API, values through the trapper protocol.
The simulator drives it (labelled simulation)."""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass
from typing import Any

from opsconsole.demo.zabbix.server import HEADER

AGENT_KEY = "agent.available"
CPU_KEY = "rds.cpu"
OOM_SERVICES = ("api", "worker")
AVERAGE, HIGH = 3, 4


def oom_key(service: str) -> str:
    return f"ecs.oom[{service}]"


@dataclass(frozen=True)
class _Check:
    key: str
    name: str
    expression: str  # `{host}` is replaced by the host's technical name
    priority: int
    manual_close: bool
    tags: tuple[tuple[str, str], ...] = ()


def _instance_checks() -> list[_Check]:
    checks = [
        _Check(AGENT_KEY, "Zabbix agent is not available", f"last(/{{host}}/{AGENT_KEY})=0", AVERAGE, False)
    ]
    checks += [
        _Check(
            oom_key(s),
            f"OOM kill: {s} task on {{HOST.NAME}}",
            f"last(/{{host}}/{oom_key(s)})>0",
            HIGH,
            True,
            (("service", s),),
        )
        for s in OOM_SERVICES
    ]
    return checks


_DB_CHECKS = [_Check(CPU_KEY, "High CPU on {HOST.NAME}", f"last(/{{host}}/{CPU_KEY})>90", AVERAGE, False)]


class ZabbixFeed:
    """Hosts are made once (`instance_host`, `db_host`); `send` pushes values through the trapper."""

    def __init__(self, url: str, token: str, trapper_port: int) -> None:
        from pyzabbix.api import ZabbixAPI

        self.api = ZabbixAPI(url, timeout=10)
        self.api.login(api_token=token)
        self.trapper_port = trapper_port
        self._groups: dict[str, str] = {}
        self._hosts: set[str] = set()

    def instance_host(self, env: str, instance_id: str, cluster: str) -> str:
        host = f"{env}-{instance_id}"
        tags = {"env": env, "instance_id": instance_id, "cluster": cluster}
        self._ensure(env, host, f"{env} {instance_id}", tags, _instance_checks())
        return host

    def db_host(self, env: str, identifier: str) -> str:
        host = f"{env}-rds-{identifier}"
        self._ensure(env, host, identifier, {"env": env, "rds_instance": identifier}, _DB_CHECKS)
        return host

    def _ensure(self, env: str, host: str, name: str, tags: dict[str, str], checks: list[_Check]) -> None:
        if host in self._hosts:
            return
        if not self.api.host.get(filter={"host": [host]}, output=["hostid"]):
            hostid = self.api.host.create(
                host=host,
                name=name,
                groups=[{"groupid": self._group(env)}],
                tags=[{"tag": k, "value": v} for k, v in tags.items()],
            )["hostids"][0]
            for check in checks:
                self.api.item.create(hostid=hostid, name=check.name, key_=check.key, type=2, value_type=0)
                self.api.trigger.create(
                    description=check.name,
                    expression=check.expression.format(host=host),
                    priority=check.priority,
                    manual_close=int(check.manual_close),
                    tags=[{"tag": k, "value": v} for k, v in check.tags],
                )
        self._hosts.add(host)

    def _group(self, env: str) -> str:
        if env not in self._groups:
            found = self.api.hostgroup.get(filter={"name": [env]}, output=["groupid"])
            self._groups[env] = (
                str(found[0]["groupid"]) if found else str(self.api.hostgroup.create(name=env)["groupids"][0])
            )
        return self._groups[env]

    def send(self, values: list[tuple[str, str, float]]) -> str:
        """One `sender data` request; the trapper's `processed: N; failed: M; ...` line."""
        if not values:
            return ""
        data = json.dumps(
            {"request": "sender data", "data": [{"host": h, "key": k, "value": str(v)} for h, k, v in values]}
        ).encode()
        with socket.create_connection(("127.0.0.1", self.trapper_port), timeout=5) as conn:
            conn.sendall(HEADER.pack(b"ZBXD", 0x01, len(data), 0) + data)
            header = _recv(conn, HEADER.size)
            length = HEADER.unpack(header)[2]
            answer: dict[str, Any] = json.loads(_recv(conn, length))
        return str(answer.get("info", ""))


def _recv(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            break
        data += chunk
    return data
