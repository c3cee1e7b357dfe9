"""The incident timeline after a simulated bad deploy, read from every backend of a demo world."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from opsconsole.app.console import Console
from opsconsole.demo.world import DemoReady
from opsconsole.domain.resources import ResourceRef
from opsconsole.domain.timeline import Timeline
from tests.conftest import BadRelease, config_with_own_journal, settings_with_own_journal
from tests.helpers import run_cli


@pytest.fixture
def world(bad_release_world: BadRelease) -> DemoReady:
    return bad_release_world.ready


@pytest.fixture
def bad_deploy(bad_release_world: BadRelease) -> str:
    return bad_release_world.release


def services_of(world: DemoReady, tmp_path: Path) -> Console:
    return Console.build(settings_with_own_journal(world, tmp_path))


def test_timeline_after_a_bad_deploy_shows_deploy_then_stops_then_problem_then_5xx(
    world: DemoReady, bad_deploy: str, tmp_path: Path
) -> None:
    services = services_of(world, tmp_path)
    timeline: Timeline = services.correlation.timeline(
        ResourceRef.parse("prod/service/api"), timedelta(minutes=30)
    )
    assert timeline.unavailable == ()
    oldest_first = list(reversed(timeline.entries))
    assert [e.at for e in timeline.entries] == sorted((e.at for e in timeline.entries), reverse=True)

    def first(predicate: object) -> int:
        return next(i for i, e in enumerate(oldest_first) if predicate(e))  # type: ignore[operator]

    revision = bad_deploy.rsplit("/", 1)[-1]
    deployed = first(lambda e: e.source == "ecs" and e.kind == "deployment" and revision in e.text)
    stopped = first(lambda e: e.source == "task" and "OutOfMemory" in e.text)
    problem = first(lambda e: e.source == "zabbix" and e.text.startswith("OOM kill: api task"))
    errors = first(lambda e: e.source == "graylog" and e.kind.startswith("5xx"))
    assert deployed < stopped <= problem < errors
    stops = [e for e in oldest_first if e.source == "task" and "OutOfMemory" in e.text]
    assert len(stops) >= 3  # one per tick of the bad release
    spike = oldest_first[errors]
    assert "5xx responses" in spike.text and int(spike.kind.split("×")[1]) > 1  # grouped, with its count
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
