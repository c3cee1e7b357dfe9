"""Moving the demo world while a runbook runs: the simulator ticking in the background, the Zabbix
problems the estate's agents would raise, and the log lines its services would send to Graylog."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from opsconsole.app.console import Console
from opsconsole.demo.simulator import Simulator
from opsconsole.demo.world import DemoReady
from opsconsole.demo.zabbix.feed import ZabbixFeed
from tests.graylog.gelf_sender import UdpSender
from tests.world_helpers import admin


class Ticker:
    """The simulator moving the world in the background, from `start()` (e.g. once a change was sent)."""

    def __init__(self, simulator: Simulator, interval: float = 0.3) -> None:
        self.stop = threading.Event()
        self.thread = threading.Thread(target=simulator.run, args=(interval, self.stop), daemon=True)

    def start(self) -> None:
        if not self.thread.is_alive():
            self.thread.start()


@contextmanager
def ticking(simulator: Simulator, interval: float = 0.3) -> Iterator[Ticker]:
    ticker = Ticker(simulator, interval)
    try:
        yield ticker
    finally:
        ticker.stop.set()
        if ticker.thread.is_alive():
            ticker.thread.join(10)


def container_instances(world: DemoReady, env: str) -> list[tuple[str, str]]:
    """(container instance id, EC2 instance id) of the environment's ECS instances."""
    ecs = admin(world, env, "ecs")
    cluster = f"{env}-cluster"
    arns = ecs.list_container_instances(cluster=cluster)["containerInstanceArns"]
    described = ecs.describe_container_instances(cluster=cluster, containerInstances=arns)
    return sorted(
        (c["containerInstanceArn"].rsplit("/", 1)[-1], c["ec2InstanceId"])
        for c in described["containerInstances"]
    )


def report(feed: ZabbixFeed, env: str, ec2_instance: str, key: str, value: float) -> str:
    """One value from the agent on an ECS instance, through the trapper (its host made once)."""
    return feed.send([(feed.instance_host(env, ec2_instance, f"{env}-cluster"), key, value)])


def log_line(sender: UdpSender, env: str, text: str, *, ago: float = 0.0, **fields: Any) -> None:
    """A GELF line of the environment (its stream routes by `env`), stamped `ago` seconds back."""
    sender.send(text, timestamp=time.time() - ago, host=f"{env}-host", env=env, **fields)


def wait_logged(
    console: Console, env: str, query: str, at_least: int, window: timedelta = timedelta(minutes=15)
) -> int:
    """The count once Graylog has indexed `at_least` matches (a second after they arrive)."""
    deadline = time.monotonic() + 10
    while True:
        count = console.logs.count(env, query, window)
        if count >= at_least:
            return count
        assert time.monotonic() < deadline, f"only {count} of {at_least} lines for {query!r} in {env}"
        time.sleep(0.2)


class FailingRelease:
    """The tasks of a bad release answer 5xx: each `beat`, every running task of `revision` sends
    `per_task` access lines with a 5xx status to Graylog, as the Docker GELF driver would.

    Lines are stamped LAG seconds back, so that the runbook's one-minute `verify` window has moved
    past them a few seconds after the last bad task stops, instead of a minute: the test waits
    for one of the runbook's polls, not for the window.
    """

    LAG = 55.0

    def __init__(
        self, world: DemoReady, sender: UdpSender, env: str, service: str, revision: str, per_task: int = 30
    ) -> None:
        self.ecs = admin(world, env, "ecs")
        self.sender, self.env, self.service, self.revision = sender, env, service, revision
        self.per_task = per_task
        self.sent = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def running(self) -> list[str]:
        cluster = f"{self.env}-cluster"
        family = self.revision.rsplit("/", 1)[-1].split(":", 1)[0]
        arns = self.ecs.list_tasks(cluster=cluster, family=family, desiredStatus="RUNNING")["taskArns"]
        if not arns:
            return []
        tasks = self.ecs.describe_tasks(cluster=cluster, tasks=arns)["tasks"]
        return [
            t["taskArn"].rsplit("/", 1)[-1]
            for t in tasks
            if t["taskDefinitionArn"] == self.revision and t.get("lastStatus") == "RUNNING"
        ]

    def beat(self) -> int:
        tasks = self.running()
        for task in tasks:
            for n in range(self.per_task):
                status = (500, 502, 503, 504)[n % 4]
                log_line(
                    self.sender,
                    self.env,
                    f'"GET /api/orders HTTP/1.1" {status} 3021ms',
                    ago=self.LAG,
                    service=self.service,
                    task_id=task,
                    status=status,
                    latency_ms=3021,
                )
        self.sent += len(tasks) * self.per_task
        return len(tasks)

    def _run(self) -> None:
        while not self.stop.wait(0.3):
            self.beat()

    def __enter__(self) -> FailingRelease:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self.thread.join(10)
