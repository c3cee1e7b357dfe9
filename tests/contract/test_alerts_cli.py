"""`opsconsole alerts` as a user runs it, against both backends: a problem raised through the trapper
is listed and acknowledged; failures give a message and the documented exit code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.contract.conftest import TOKEN_ENV, Scenario, write_config
from tests.helpers import run_cli


@pytest.fixture
def raised(scenario: Scenario) -> dict[str, str]:
    scenario.trigger("Disk full", 5, priority=4, manual_close=True, tags={"service": "api"})
    return scenario.raise_all(9)


def test_a_raised_problem_is_listed_and_acknowledged_with_a_message(
    scenario: Scenario,
    raised: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = str(write_config(tmp_path, monkeypatch, scenario.backend, scenario.group))
    listed = run_cli(capsys, "-c", config, "alerts", "list", "--env", "ops", "--output", "json")
    assert listed.code == 0, listed.stderr
    [row] = json.loads(listed.stdout)
    assert (row["eventid"], row["severity"], row["acknowledged"]) == (raised["Disk full"], "high", False)
    assert row["hosts"] == [f"Contract Host {scenario.host.rsplit('-', 1)[1]}"]
    assert {"tag": "service", "value": "api"} in row["tags"]

    acked = run_cli(
        capsys,
        "-c",
        config,
        "alerts",
        "ack",
        raised["Disk full"],
        "--env",
        "ops",
        "-m",
        "on it",
        "--output",
        "json",
    )
    assert acked.code == 0, acked.stderr
    assert json.loads(acked.stdout)["calls"][0]["params"]["message"] == "on it"
    audited = run_cli(capsys, "-c", config, "audit", "list", "--output", "json")
    [change] = [r for r in json.loads(audited.stdout) if r["action"] == "zabbix.acknowledge"]
    assert (change["reason"], change["outcome"]) == ("on it", "ok"), "without --reason, the message says why"
    after = run_cli(capsys, "-c", config, "alerts", "list", "--env", "ops", "--output", "json")
    [row] = json.loads(after.stdout)
    assert row["acknowledged"] is True
    assert [(h["user"], h["message"]) for h in row["history"]] == [(scenario.backend.username, "on it")]
    unacked = run_cli(capsys, "-c", config, "alerts", "list", "--env", "ops", "--unacked", "--output", "json")
    assert json.loads(unacked.stdout) == [] and "none found" not in unacked.stderr  # JSON says it: []
    shown = run_cli(capsys, "-c", config, "alerts", "list", "--env", "ops", "--unacked")
    assert shown.code == 0 and "none found in ops" in shown.stderr  # not a bare header row


def test_exit_codes_for_bad_arguments_read_only_and_refused_credentials(
    scenario: Scenario,
    raised: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = str(write_config(tmp_path, monkeypatch, scenario.backend, scenario.group))
    eventid = raised["Disk full"]

    bad_severity = run_cli(capsys, "-c", config, "alerts", "list", "--env", "ops", "--min-severity", "loud")
    assert bad_severity.code == 2 and "unknown severity 'loud'" in bad_severity.stderr
    unknown = run_cli(capsys, "-c", config, "alerts", "ack", "999999", "--env", "ops")
    assert unknown.code == 2 and "no open problem with event id 999999" in unknown.stderr
    read_only = run_cli(capsys, "-c", config, "--read-only", "alerts", "ack", eventid, "--env", "ops")
    assert read_only.code == 3 and "read-only" in read_only.stderr

    monkeypatch.setenv(TOKEN_ENV, "f" * 64)
    wrong = run_cli(capsys, "-c", config, "alerts", "list", "--env", "ops")
    assert wrong.code == 1 and "did not accept the API token" in wrong.stderr
    assert "f" * 64 not in wrong.stderr, "the token was printed"
    assert "Traceback" not in wrong.stderr


def test_an_unreachable_server_exits_1_naming_the_url(
    scenario: Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = write_config(tmp_path, monkeypatch, scenario.backend, scenario.group)
    url = f"http://127.0.0.1:{port}/api_jsonrpc.php"
    config.write_text(config.read_text().replace(scenario.backend.url, url))
    result = run_cli(capsys, "-c", str(config), "alerts", "list", "--env", "ops")
    assert result.code == 1
    assert f"Zabbix at {url} is unreachable" in result.stderr
