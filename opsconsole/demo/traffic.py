"""The simulation's application logs, sent as GELF over UDP to the demo's Graylog emulator, the way
the ECS hosts' Docker GELF driver would: access lines with status and latency, errors with stack
traces, ModSecurity blocks, Zabbix agent lines, each with the estate's fields (DESIGN section 6:
env, service, task_id, instance_id, container_name) taken from the ECS tasks the simulation really runs.

They follow the simulation's incidents: while a service has a spike (after an OOM kill), its
access lines turn 5xx and slow and it logs upstream errors; the OOM kill itself logs an error.
Everything carries `origin = opsconsole-simulation`.
"""

from __future__ import annotations

import json
import os
import random
import socket
import time
import zlib
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

ORIGIN = "opsconsole-simulation"
CHUNK = 8154  # graypy's LAN_CHUNK: payload bytes per chunk
PATHS = {
    "web": ["/", "/products", "/products/42", "/cart", "/checkout", "/static/app.js"],
    "api": ["/api/orders", "/api/orders/42", "/api/payments", "/api/customers/7", "/api/stock"],
    "varnish": ["/static/app.js", "/static/logo.svg", "/products", "/"],
}
LEVEL = {"info": 6, "warning": 4, "error": 3, "critical": 2}
TRACE = """Traceback (most recent call last):
  File "/app/shop/{service}/handlers.py", line 212, in handle
    result = self.backend.call(request, timeout=self.timeout)
  File "/app/shop/{service}/backend.py", line 88, in call
    raise UpstreamError(f"{{self.name}} answered {{status}} after {{elapsed}} ms")
shop.errors.UpstreamError: {upstream} answered 503 after {latency} ms"""
OOM_TRACE = """java.lang.OutOfMemoryError: Java heap space
\tat java.base/java.util.Arrays.copyOf(Arrays.java:3537)
\tat com.shop.worker.export.InvoiceExporter.render(InvoiceExporter.java:141)
\tat com.shop.worker.jobs.JobRunner.run(JobRunner.java:77)
\tat java.base/java.lang.Thread.run(Thread.java:1583)"""


def gelf_datagrams(gelf: Mapping[str, Any]) -> list[bytes]:
    """A GELF message as graypy sends it over UDP: zlib, chunked beyond CHUNK bytes."""
    payload = zlib.compress(json.dumps(gelf, separators=(",", ":")).encode())
    if len(payload) <= CHUNK:
        return [payload]
    parts = [payload[i : i + CHUNK] for i in range(0, len(payload), CHUNK)]
    message_id = os.urandom(8)
    return [b"\x1e\x0f" + message_id + bytes([n, len(parts)]) + part for n, part in enumerate(parts)]


def _where(env: str, task: Mapping[str, Any], instance_id: str) -> dict[str, str]:
    """The estate's log fields (DESIGN section 6) for an ECS task."""
    return {
        "env": env,
        "service": str(task.get("group", "")).split(":", 1)[-1],
        "task_id": str(task.get("taskArn", "")).rsplit("/", 1)[-1],
        "instance_id": instance_id,
        # The container's name in the task definition, as a FireLens or GELF log router adds it.
        "container_name": str(((task.get("containers") or [{}])[0]).get("name", "")),
    }


class LogTraffic:
    """Call `emit` once per simulation tick and environment; `oom` when a task is killed."""

    def __init__(self, gelf_url: str, *, seed: int = 0, lines_per_task: int = 2) -> None:
        target = urlsplit(gelf_url)
        if target.scheme != "udp" or not target.hostname or not target.port:
            raise ValueError(f"expected udp://host:port, got {gelf_url!r}")
        self.address = (target.hostname, target.port)
        self.random = random.Random(seed)  # its own: the rest of the simulation's story is unchanged
        self.lines_per_task = lines_per_task
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sent = 0

    def close(self) -> None:
        self.socket.close()

    def emit(
        self,
        env: str,
        tasks: list[dict[str, Any]],
        instances: list[dict[str, Any]],
        spikes: Mapping[tuple[str, str], int],
    ) -> None:
        """A tick's worth of lines from every running task of the environment."""
        by_arn = {ci.get("containerInstanceArn"): ci.get("ec2InstanceId", "") for ci in instances}
        for task in tasks:
            where = _where(env, task, by_arn.get(task.get("containerInstanceArn"), ""))
            service = where["service"]
            spiking = (env, service) in spikes
            if service in PATHS:
                for _ in range(self.lines_per_task):
                    self._access(where, spiking)
            elif service == "modsecurity":
                if self.random.random() < 0.3:
                    self._modsecurity(where)
            elif service == "zabbix-agent":
                if self.random.random() < 0.2:
                    self._zabbix(where)
            elif service == "worker":
                self._worker(where, spiking)

    def oom(self, env: str, task: dict[str, Any], instance_id: str = "") -> None:
        where = _where(env, task, instance_id)
        self._send(where, "critical", "java.lang.OutOfMemoryError: Java heap space", full=OOM_TRACE)
        self._send(where, "error", "Container killed due to memory usage (exit code 137)")

    def _access(self, where: dict[str, str], spiking: bool) -> None:
        service = where["service"]
        path = self.random.choice(PATHS[service])
        method = "POST" if path in ("/checkout", "/api/payments") else "GET"
        if spiking and self.random.random() < 0.6:
            status = self.random.choice([500, 502, 503, 503, 504])
            latency = self.random.randint(900, 5000)
        else:
            status = self.random.choices([200, 201, 204, 301, 304, 404], [80, 4, 3, 3, 6, 4])[0]
            latency = max(1, int(self.random.lognormvariate(3.0, 0.6)))
        request_id = f"{self.random.getrandbits(64):016x}"
        level = "error" if status >= 500 else "warning" if status >= 400 else "info"
        line = f'"{method} {path} HTTP/1.1" {status} {latency}ms'
        fields: dict[str, Any] = {
            "status": status,
            "latency_ms": latency,
            "method": method,
            "path": path,
            "request_id": request_id,
        }
        self._send(where, level, line, **fields)
        if status >= 500 and service == "api":
            upstream = "payments-gateway" if path == "/api/payments" else f"{where['env']}-db"
            trace = TRACE.format(service=service, upstream=upstream, latency=latency)
            # A database error names its instance, so a linked RDS row finds it (DESIGN section 6).
            database = {"rds_instance": upstream} if upstream.endswith("-db") else {}
            self._send(
                where,
                "error",
                f"UpstreamError: {upstream} answered 503",
                full=trace,
                request_id=request_id,
                **database,
            )

    def _modsecurity(self, where: dict[str, str]) -> None:
        rule, attack = self.random.choice(
            [
                ("942100", "SQL Injection Attack Detected via libinjection"),
                ("941100", "XSS Attack Detected"),
                ("930120", "OS File Access Attempt"),
                ("913100", "Found User-Agent associated with security scanner"),
            ]
        )
        client = f"203.0.113.{self.random.randint(2, 254)}"
        line = (
            f'ModSecurity: Access denied with code 403 (phase 2). [id "{rule}"] [msg "{attack}"] '
            f"[client {client}] [uri /products]"
        )
        self._send(where, "warning", line, status=403, rule_id=rule, client_ip=client)

    def _zabbix(self, where: dict[str, str]) -> None:
        line = self.random.choice(
            [
                "active check configuration update from [zabbix-server:10051] started",
                "agent #1 started [listener #1]",
                "Zabbix Agent 2 [6.0.25] sending 12 values to zabbix-server:10051",
            ]
        )
        self._send(where, "info", line, facility_name="zabbix_agent2")

    def _worker(self, where: dict[str, str], spiking: bool) -> None:
        job = self.random.choice(["invoice-export", "stock-sync", "email-digest"])
        if spiking:
            self._send(
                where, "warning", f"job {job} retried: GC overhead limit approaching (heap 94%)", job=job
            )
        else:
            seconds = round(self.random.uniform(0.2, 6.0), 1)
            self._send(where, "info", f"job {job} finished in {seconds}s", job=job, duration_s=seconds)

    def _send(self, where: dict[str, str], level: str, text: str, *, full: str = "", **fields: Any) -> None:
        gelf: dict[str, Any] = {
            "version": "1.1",
            "host": where["instance_id"] or "ecs-host",
            "short_message": text,
            "timestamp": round(time.time(), 3),
            "level": LEVEL[level],
            "_origin": ORIGIN,
            **{f"_{k}": v for k, v in {**where, **fields}.items()},
        }
        if full:
            gelf["full_message"] = full
        for datagram in gelf_datagrams(gelf):
            try:
                self.socket.sendto(datagram, self.address)
            except OSError:
                return  # the emulator is gone (the world is stopping): logs are best effort
        self.sent += 1
