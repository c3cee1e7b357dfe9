"""What `opsconsole alerts` says must be true on both backends (the emulator and a real Zabbix 6.0):
a misspelled host group is a config error, not an all-clear; a tag name given twice keeps both
values; problems of hosts in maintenance are marked and can be filtered."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.contract.conftest import Scenario, write_config
from tests.helpers import run_cli


def test_a_misspelled_host_group_is_a_config_error_listing_the_servers_groups(
    scenario: Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario.trigger("Disk full", 5, priority=4, manual_close=False, tags={"service": "api"})
    scenario.raise_all(9)
    typo = scenario.group + "x"
    config = str(write_config(tmp_path, monkeypatch, scenario.backend, typo))
    for command in (["alerts", "list"], ["alerts", "hosts"], ["alerts", "maintenance", "list"]):
        result = run_cli(capsys, "-c", config, *command, "--env", "ops")
        assert result.code == 2, (command, result.stdout, result.stderr)
        assert f"Zabbix has no host group '{typo}'" in result.stderr
        assert "environments.ops.zabbix.host_groups" in result.stderr
        assert f"did you mean '{scenario.group}'?" in result.stderr  # the server's own group, first
        assert result.stdout.strip() in ("", "[]") and "no problems" not in result.stdout.lower()


def test_two_values_of_one_tag_name_are_both_kept_and_filterable(
    scenario: Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario.trigger(
        "Queue stuck", 5, priority=3, manual_close=False, tags=[("service", "api"), ("service", "worker")]
    )
    raised = scenario.raise_all(9)
    config = str(write_config(tmp_path, monkeypatch, scenario.backend, scenario.group))
    listed = run_cli(capsys, "-c", config, "alerts", "list", "--env", "ops", "--output", "json")
    assert listed.code == 0, listed.stderr
    [row] = json.loads(listed.stdout)
    services = sorted(t["value"] for t in row["tags"] if t["tag"] == "service")
    assert services == ["api", "worker"]
    table = run_cli(
        capsys, "-c", config, "alerts", "hosts", "--env", "ops", "--tag", "env=ops", "--tag", "env=x"
    )
    assert table.code == 0 and "env=ops" in table.stdout  # a tag cell reads name=value
    for value in ("api", "worker"):
        only = run_cli(
            capsys, "-c", config, "alerts", "list", "--env", "ops", "--tag", f"service={value}", "-o", "json"
        )
        assert [r["eventid"] for r in json.loads(only.stdout)] == [raised["Queue stuck"]]


@pytest.mark.slow
def test_problems_in_maintenance_are_marked_and_filterable(
    scenario: Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario.trigger("Value high", 5, priority=2, manual_close=False, tags={"service": "probe"})
    raised = scenario.raise_all(9)
    config = str(write_config(tmp_path, monkeypatch, scenario.backend, scenario.group))
    now = int(time.time())
    scenario.api.maintenance.create(
        name=f"m {scenario.host}",
        active_since=now - 60,
        active_till=now + 3600,
        maintenance_type=0,
        hosts=[{"hostid": scenario.hostid}],
        timeperiods=[{"timeperiod_type": 0, "start_date": now - 60, "period": 3660}],
    )
    scenario.backend.reload()

    def listed(*flags: str) -> list[dict[str, object]]:
        result = run_cli(capsys, "-c", config, "alerts", "list", "--env", "ops", *flags, "--output", "json")
        assert result.code == 0, result.stderr
        rows: list[dict[str, object]] = json.loads(result.stdout)
        return rows

    # The real server suppresses on the next full minute (facts, gotcha 4).
    scenario.wait_for(lambda: all(r["suppressed"] for r in listed()), "the maintenance to apply", timeout=80)
    [row] = listed()
    assert row["maintenance"] == "in maintenance"
    assert [r["eventid"] for r in listed("--maintenance")] == [raised["Value high"]]
    assert listed("--no-maintenance") == []
    table = run_cli(capsys, "-c", config, "alerts", "list", "--env", "ops")
    assert "MAINT" in table.stdout and "in maintenance" in table.stdout
