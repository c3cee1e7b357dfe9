"""`opsconsole logs streams|search|tail` against the Graylog emulator over HTTP, scoped per environment."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from opsconsole.demo.graylog.emulator import DEMO_TOKEN, GraylogEmulator
from opsconsole.demo.graylog.streams import env_streams
from tests.graylog.gelf_sender import UdpSender, wait_stored
from tests.helpers import run_cli

CONFIG = """\
default_environment = "dev"

[graylog]
url = "{url}"
token_env = "TEST_GRAYLOG_TOKEN"

[environments.dev]
account_id = "111111111111"
region = "eu-west-1"
roles = {{ read = "arn:aws:iam::111111111111:role/OpsConsoleReadOnly" }}
graylog = {{ streams = ["dev"] }}

[environments.prod]
account_id = "333333333333"
region = "eu-west-1"
roles = {{ read = "arn:aws:iam::333333333333:role/OpsConsoleReadOnly" }}
graylog = {{ streams = ["{prod_stream}"] }}
"""


@pytest.fixture
def graylog() -> Iterator[GraylogEmulator]:
    with GraylogEmulator(env_streams(["dev", "prod"])) as emulator:
        sender = UdpSender(emulator.udp_port)
        for n, (env, service, text) in enumerate(
            [
                ("prod", "api", "GET /api/orders 200 12ms"),
                ("prod", "api", "POST /api/payments 503 1840ms"),
                ("prod", "web", "GET /healthz 200 1ms"),
                ("dev", "api", "GET /api/orders 200 30ms"),
            ]
        ):
            sender.send(text, timestamp=time.time() - 10 + n, env=env, service=service, n=n)
        wait_stored(emulator.store, 4)
        yield emulator


def wait_searches(
    graylog: GraylogEmulator, count: int, process: subprocess.Popen[str] | None = None, seconds: float = 60
) -> None:
    """Until the emulator has answered `count` searches: a deadline, not a sleep that a loaded
    machine can outrun."""
    deadline = time.monotonic() + seconds
    while graylog.api.searches < count:
        assert process is None or process.poll() is None, "the tail exited before it polled"
        assert time.monotonic() < deadline, f"{graylog.api.searches} of {count} searches in {seconds:g} s"
        time.sleep(0.01)


def write_config(tmp_path: Path, url: str, prod_stream: str = "prod") -> Path:
    path = tmp_path / "opsconsole.toml"
    path.write_text(CONFIG.format(url=url, prod_stream=prod_stream), encoding="utf-8")
    return path


@pytest.fixture
def config(graylog: GraylogEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TEST_GRAYLOG_TOKEN", DEMO_TOKEN)
    return write_config(tmp_path, graylog.api_url)


def test_streams_are_the_environment_s(capsys: pytest.CaptureFixture[str], config: Path) -> None:
    result = run_cli(capsys, "-c", str(config), "logs", "streams", "--env", "prod", "-o", "json")
    assert result.code == 0, result.stderr
    assert [s["title"] for s in json.loads(result.stdout)] == ["prod"]


def test_search_prints_json_lines_of_the_environment_only(
    capsys: pytest.CaptureFixture[str], config: Path
) -> None:
    result = run_cli(
        capsys,
        "-c",
        str(config),
        "logs",
        "search",
        "service:api",
        "--env",
        "prod",
        "--since",
        "5m",
        "-o",
        "json",
    )
    assert result.code == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["message"] for line in lines] == [
        "POST /api/payments 503 1840ms",
        "GET /api/orders 200 12ms",
    ]
    assert {line["fields"]["env"] for line in lines} == {"prod"}
    assert all(line["environment"] == "prod" and line["id"] for line in lines)


def test_search_table_limit_fields_and_absolute_range(
    capsys: pytest.CaptureFixture[str], config: Path
) -> None:
    result = run_cli(
        capsys, "-c", str(config), "logs", "search", "--env", "prod", "--limit", "2", "--fields", "n"
    )
    assert result.code == 0, result.stderr
    assert "GET /healthz 200 1ms" in result.stdout and "GET /api/orders 200 12ms" not in result.stdout
    assert "2 of 3 message(s) (use --offset to page)" in result.stderr
    now = time.time()
    start = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now - 60))
    end = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now - 3600))
    empty = run_cli(
        capsys, "-c", str(config), "logs", "search", "--env", "prod", "--from", end, "--to", start
    )
    assert (empty.code, "0 of 0") == (0, empty.stderr.split(" message")[0])
    reversed_range = run_cli(capsys, "-c", str(config), "logs", "search", "--from", start, "--to", end)
    assert reversed_range.code == 2
    assert "ends before it starts" in reversed_range.stderr


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["search", "name:jon~"], 2, "Unable to parse query"),
        (["search", "--since", "5m", "--from", "2026-01-01"], 2, "not both"),
        (["search", "--since", "yesterday"], 2, "neither a duration nor a date"),
        (["tail", "--for", "soon"], 2, "not a duration"),
    ],
)
def test_bad_input_is_a_message_and_exit_2(
    capsys: pytest.CaptureFixture[str], config: Path, args: list[str], code: int, message: str
) -> None:
    result = run_cli(capsys, "-c", str(config), "logs", *args)
    assert result.code == code
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_wrong_token_unreachable_server_and_unknown_stream(
    capsys: pytest.CaptureFixture[str],
    graylog: GraylogEmulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TEST_GRAYLOG_TOKEN", "not-the-token")
    refused = run_cli(capsys, "-c", str(write_config(tmp_path, graylog.api_url)), "logs", "streams")
    assert refused.code == 1
    assert "refused the credentials (401)" in refused.stderr
    assert "not-the-token" not in refused.stderr
    monkeypatch.setenv("TEST_GRAYLOG_TOKEN", DEMO_TOKEN)
    down = run_cli(capsys, "-c", str(write_config(tmp_path, "http://127.0.0.1:9")), "logs", "search")
    assert down.code == 1
    assert "Graylog at http://127.0.0.1:9/api is unreachable" in down.stderr
    unknown = run_cli(
        capsys,
        "-c",
        str(write_config(tmp_path, graylog.api_url, "production")),
        "logs",
        "search",
        "-e",
        "prod",
    )
    assert unknown.code == 2
    assert "names 'production', which Graylog does not have" in unknown.stderr
    assert "Default Stream, dev, prod" in unknown.stderr


def test_tail_prints_new_messages_as_json_lines_and_stops_at_max(
    capsys: pytest.CaptureFixture[str], graylog: GraylogEmulator, config: Path
) -> None:
    def once_the_tail_polls() -> None:
        # Sent after the tail's first search, so stamped after the moment it started from.
        wait_searches(graylog, 1)
        sender = UdpSender(graylog.udp_port)
        for n in range(4):
            sender.send(f"new {n}", env="prod" if n != 1 else "dev", service="api", n=100 + n)

    threading.Thread(target=once_the_tail_polls, daemon=True).start()
    # --for only bounds a failing run; --max ends a passing one.
    args = ["logs", "tail", "--env", "prod", "--max", "2", "--for", "60s", "-o", "json"]
    result = run_cli(capsys, "-c", str(config), *args)
    assert result.code == 0, result.stderr
    # Only what arrived after the tail started, only prod's, oldest first, stopped after two.
    assert [json.loads(line)["message"] for line in result.stdout.splitlines()] == ["new 0", "new 2"]


def test_tail_for_a_duration_then_exit_0(capsys: pytest.CaptureFixture[str], config: Path) -> None:
    started = time.monotonic()
    result = run_cli(capsys, "-c", str(config), "logs", "tail", "--env", "prod", "--for", "1s")
    assert result.code == 0, result.stderr
    assert result.stdout == ""
    assert 0.9 < time.monotonic() - started < 5


def test_tail_ends_on_ctrl_c_with_exit_0_and_no_traceback(graylog: GraylogEmulator, config: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "opsconsole", "-c", str(config), "logs", "tail", "--env", "prod"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    # The second search is the follow loop's: the tail is running, however long start-up took.
    wait_searches(graylog, 2, process)
    process.send_signal(signal.SIGINT)
    _out, err = process.communicate(timeout=10)
    assert process.returncode == 0, err
    assert "Traceback" not in err


def test_services_count_and_scope_per_environment(config: Path) -> None:
    from datetime import timedelta

    from opsconsole.app.console import Console
    from opsconsole.config import load_settings

    console = Console.build(load_settings(config))
    try:
        assert console.logs.count("prod", "service:api", timedelta(minutes=5)) == 2
        assert console.logs.count("dev", "service:api", timedelta(minutes=5)) == 1
        assert console.logs.count("prod", "service:api", timedelta(seconds=1)) == 0  # all older than that
        assert [s.title for s in console.logs.streams("dev")] == ["dev"]
    finally:
        console.close()
