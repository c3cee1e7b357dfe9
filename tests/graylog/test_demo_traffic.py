"""The simulation's application logs in the demo's Graylog: per service and environment, with the
estate's fields taken from the real ECS tasks, and tied to incidents (an OOM kill, the 5xx spike)."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from opsconsole.app.console import Console
from opsconsole.demo.graylog.emulator import DEMO_TOKEN, GraylogEmulator
from opsconsole.demo.sim_accounts import accounts_of
from opsconsole.demo.simulator import Simulator
from opsconsole.demo.story import gelf_address
from opsconsole.demo.traffic import LogTraffic, gelf_datagrams
from opsconsole.demo.world import DemoReady
from opsconsole.domain.logs import SearchResult
from tests.conftest import settings_with_own_journal
from tests.graylog.gelf_sender import wait_stored
from tests.support.forked_moto import deployed_world, run_root

FIVE_XX = "status:>=500"  # a Lucene range, as the shipped deploy-5xx-spike runbook counts them


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoReady]:
    demo = deployed_world(run_root(tmp_path_factory), tmp_path_factory.mktemp("traffic"))
    yield demo.start()
    demo.stop()


@pytest.fixture
def services(world: DemoReady, tmp_path: Path) -> Iterator[Console]:
    built = Console.build(settings_with_own_journal(world, tmp_path))
    yield built
    built.close()


def wait_for(search: Callable[[], SearchResult], at_least: int = 1, seconds: float = 10.0) -> SearchResult:
    """The search's result once it finds `at_least` messages (they are searchable a second late)."""
    deadline = time.monotonic() + seconds
    while True:
        result = search()
        if result.total >= at_least or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


def test_demo_config_points_at_the_emulator_without_a_secret(world: DemoReady) -> None:
    text = world.config_path.read_text(encoding="utf-8")
    assert f'url = "{world.graylog.url}"' in text
    assert f'gelf = "udp://127.0.0.1:{world.graylog.port}"' in text
    assert "graylog-token" in text  # read by token_command from the world's 0600 file
    assert DEMO_TOKEN not in text
    token_file = world.config_path.parent / "graylog-token"
    assert token_file.stat().st_mode & 0o777 == 0o600


def test_simulated_logs_carry_the_real_tasks_and_follow_incidents(
    world: DemoReady, services: Console
) -> None:
    traffic = LogTraffic(gelf_address(world), seed=1)
    simulator = Simulator(
        world.endpoint, accounts_of(world.accounts.admin_keys), seed=3, oom_chance=0.0, traffic=traffic
    )
    simulator.tick()
    simulator.tick()
    assert traffic.sent > 0
    since = timedelta(minutes=5)
    access = wait_for(lambda: services.logs.search("prod", "service:api AND _exists_:status", since=since))
    assert access.total > 0
    tasks = {t.id for t in services.fleet.tasks("prod", "prod-cluster", "api")}
    for message in access.messages:
        assert message.environment == "prod" and message.service == "api"
        assert message.field("task_id") in tasks  # a task the simulation really runs
        assert str(message.field("instance_id")).startswith("i-")
        assert message.field("origin") == "opsconsole-simulation"
        assert message.field("latency_ms") is not None
    assert services.logs.search("dev", "env:prod", since=since).total == 0  # streams keep envs apart
    baseline = services.logs.count("prod", f"service:api AND ({FIVE_XX})", since)

    prod = next(a for a in simulator.accounts if a.name == "prod")
    killed = simulator.kill_one(prod, "api")
    assert killed is not None
    simulator.tick()
    simulator.tick()
    oom = wait_for(lambda: services.logs.search("prod", '"java heap space"', since=since))
    assert oom.total >= 1
    assert "java.lang.OutOfMemoryError" in str(oom.messages[0].fields.get("full_message"))
    assert oom.messages[0].field("task_id") == killed.rsplit("/", 1)[1]
    spike = wait_for(
        lambda: services.logs.search("prod", f"service:api AND ({FIVE_XX})", since=since, limit=1),
        baseline + 3,
    )
    assert spike.total >= baseline + 3  # the 5xx spike shows in the logs
    traces = services.logs.search("prod", "UpstreamError AND _exists_:full_message", since=since)
    assert traces.total >= 1 and "Traceback" in str(traces.messages[0].fields["full_message"])
    traffic.close()


def test_big_messages_are_chunked_like_graypy() -> None:
    small = gelf_datagrams({"short_message": "x"})
    trace = os.urandom(20_000).hex()
    big = gelf_datagrams({"version": "1.1", "host": "h", "short_message": "x", "full_message": trace})
    assert len(small) == 1 and small[0][:1] == b"\x78"  # zlib
    assert len(big) > 1
    assert all(part[:2] == b"\x1e\x0f" and part[11] == len(big) for part in big)
    with GraylogEmulator() as emulator, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        for part in big:
            sender.sendto(part, ("127.0.0.1", emulator.udp_port))
        wait_stored(emulator.store, 1)
        assert emulator.store.searchable()[0]["full_message"] == trace  # reassembled by Graylog's rules
