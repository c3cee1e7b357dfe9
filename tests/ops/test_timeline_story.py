"""The incident timeline after a simulated bad deploy, read from every backend of a demo world."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from opsconsole.config import load_settings
from opsconsole.demo.simulator import Simulator, accounts_of
from opsconsole.demo.traffic import LogTraffic
from opsconsole.demo.world import DemoReady, DemoWorld
from opsconsole.domain.resources import ResourceRef
from opsconsole.domain.timeline import Timeline
from opsconsole.services import Services
from tests.conftest import config_with_own_journal
from tests.helpers import run_cli
from tests.world_helpers import zabbix_feed


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoReady]:
    demo = DemoWorld(root=tmp_path_factory.mktemp("story"), operator="alice")
    yield demo.start()
    demo.stop()


@pytest.fixture(scope="module")
def bad_deploy(world: DemoReady) -> str:
    """prod's api gets a release that runs out of memory; three ticks of the simulation follow."""
    simulator = Simulator(
        world.endpoint,
        accounts_of(world.accounts.admin_keys),
        seed=7,
        oom_chance=0.0,
        agent_outage_chance=0.0,
        db_spike_chance=0.0,
        zabbix=zabbix_feed(world),
        traffic=LogTraffic(f"udp://127.0.0.1:{world.gelf_udp_port}", seed=7),
    )
    simulator.tick()  # instances, tasks, hosts
    time.sleep(1.1)  # timestamps are seconds apart in every backend
    prod = next(a for a in simulator.accounts if a.name == "prod")
    release = simulator.bad_deploy(prod, "api")
    for _ in range(3):
        time.sleep(1.1)
        simulator.tick()  # each tick OOM-kills a task of the bad release
    time.sleep(1.5)  # Graylog makes a message searchable a second after it arrives
    return release


def services_of(world: DemoReady, tmp_path: Path) -> Services:
    settings = load_settings(world.config_path, environ={})
    journal = dataclasses.replace(settings.audit, journal=str(tmp_path / "audit.jsonl"))
    return Services.build(dataclasses.replace(settings, audit=journal))


def test_timeline_after_a_bad_deploy_shows_deploy_then_stops_then_problem_then_5xx(
    world: DemoReady, bad_deploy: str, tmp_path: Path
) -> None:
    services = services_of(world, tmp_path)
    timeline: Timeline = services.timeline(ResourceRef.parse("prod/service/api"), timedelta(minutes=30))
    assert timeline.unavailable == ()
    oldest_first = list(reversed(timeline.entries))
    assert [e.at for e in timeline.entries] == sorted((e.at for e in timeline.entries), reverse=True)

    def first(predicate: object) -> int:
        return next(i for i, e in enumerate(oldest_first) if predicate(e))  # type: ignore[operator]

    revision = bad_deploy.rsplit("/", 1)[-1]
    deployed = first(lambda e: e.source == "ecs" and e.kind == "deployment" and revision in e.text)
    stopped = first(lambda e: e.source == "task" and "OutOfMemory" in e.text)
    problem = first(lambda e: e.source == "zabbix" and e.text.startswith("OOM kill: api task"))
    errors = first(lambda e: e.source == "graylog" and (" 50" in e.text or "UpstreamError" in e.text))
    assert deployed < stopped <= problem < errors
    stops = [e for e in oldest_first if e.source == "task" and "OutOfMemory" in e.text]
    assert len(stops) >= 3  # one per tick of the bad release
    services.close()


def test_timeline_cli_prints_the_same_as_json(
    capsys: pytest.CaptureFixture[str], world: DemoReady, bad_deploy: str, tmp_path: Path
) -> None:
    config = config_with_own_journal(world, tmp_path)
    result = run_cli(
        capsys, "--config", str(config), "timeline", "prod/service/api", "--since", "30m", "-o", "json"
    )
    assert result.code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["ref"] == "prod/service/api"
    assert {"ecs", "task", "zabbix", "graylog"} <= {e["source"] for e in data["entries"]}
    bad = run_cli(capsys, "--config", str(config), "timeline", "prod/service/api", "--since", "soon")
    assert bad.code == 2 and "--since" in bad.stderr
