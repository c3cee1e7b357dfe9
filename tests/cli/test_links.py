"""`opsconsole links show` on the demo world: a service's instances come from its real ECS tasks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from opsconsole.demo.sim_accounts import accounts_of
from opsconsole.demo.simulator import Simulator
from opsconsole.demo.world import DemoReady
from tests.helpers import run_cli


def test_service_links_name_the_instances_its_tasks_run_on(
    capsys: pytest.CaptureFixture[str], demo_world: DemoReady, demo_config: Path
) -> None:
    Simulator(demo_world.endpoint, accounts_of(demo_world.accounts.admin_keys), seed=1, oom_chance=0.0).tick()
    result = run_cli(capsys, "--config", str(demo_config), "links", "show", "dev/service/api", "-o", "json")
    assert result.code == 0, result.stderr
    links = json.loads(result.stdout)
    assert links["log_query"] == "env:dev AND service:api"
    assert links["stack"] == "dev-compute"
    instances = [value for tag, value in links["problems"]["any_tag"] if tag == "instance_id"]
    assert instances and all(i.startswith("i-") for i in instances)


def test_unknown_environment_and_bad_ref_exit_2(
    capsys: pytest.CaptureFixture[str], demo_config: Path
) -> None:
    bad_env = run_cli(capsys, "--config", str(demo_config), "links", "show", "qa/service/api")
    assert bad_env.code == 2
    assert "qa" in bad_env.stderr
    bad_ref = run_cli(capsys, "--config", str(demo_config), "links", "show", "dev/api")
    assert bad_ref.code == 2
    assert "ENV/KIND/NAME" in bad_ref.stderr
