"""`opsconsole demo --serve` as a user runs it: a process, its export line, a clean stop."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest


def _spawn_demo(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "opsconsole", "demo", "--serve"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _read_line(stream: object, timeout: float) -> str:
    line: list[str] = []
    reader = threading.Thread(target=lambda: line.append(stream.readline()), daemon=True)  # type: ignore[attr-defined]
    reader.start()
    reader.join(timeout)
    return line[0] if line else ""


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_demo_serve_prints_export_line_serves_and_stops_cleanly(
    stop_signal: signal.Signals, isolated_environment: Path
) -> None:
    env = dict(os.environ)
    process = _spawn_demo(env)
    try:
        line = _read_line(process.stdout, timeout=30)
        assert line.startswith("export OPSCONSOLE_CONFIG="), line
        config = Path(line.strip().split("=", 1)[1])
        assert config.is_file()
        endpoint = next(x for x in config.read_text().splitlines() if x.startswith("endpoint_url"))
        port = int(endpoint.rsplit(":", 1)[1].rstrip('"'))

        # The estate deploys after the export line; the world is usable meanwhile.
        progress = ""
        while "demo estate deployed" not in progress and "did not deploy" not in progress:
            progress = _read_line(process.stderr, timeout=60)
            assert progress, "the demo stopped reporting before its estate was deployed"
        assert "demo estate deployed in dev, staging and prod" in progress
        status = subprocess.run(
            [sys.executable, "-m", "opsconsole", "stacks", "status", "prod", "--output", "json"],
            capture_output=True,
            text=True,
            env={**env, "OPSCONSOLE_CONFIG": str(config)},
            timeout=60,
        )
        assert status.returncode == 0, status.stderr
        assert {row["status"] for row in json.loads(status.stdout)} == {"CREATE_COMPLETE"}

        whoami = subprocess.run(
            [sys.executable, "-m", "opsconsole", "accounts", "whoami", "--env", "prod", "--output", "json"],
            capture_output=True,
            text=True,
            env={**env, "OPSCONSOLE_CONFIG": str(config)},
            timeout=60,
        )
        assert whoami.returncode == 0, whoami.stderr
        assert json.loads(whoami.stdout)["arn"].startswith("arn:aws:sts::333333333333:assumed-role/")
        _assert_simulated_logs_reach_graylog({**env, "OPSCONSOLE_CONFIG": str(config)})
    finally:
        process.send_signal(stop_signal)
        _out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "HTTP/1.1" not in err, "moto's request log leaked to the terminal"
    assert "Traceback" not in err
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass
    assert not config.exists(), "the world's files outlived it"


def _assert_simulated_logs_reach_graylog(env: dict[str, str]) -> None:
    """The simulation's GELF logs are searchable in the demo's Graylog, per environment."""
    deadline = time.monotonic() + 30
    while True:
        search = subprocess.run(
            [
                sys.executable,
                "-m",
                "opsconsole",
                "logs",
                "search",
                "--env",
                "prod",
                "--since",
                "5m",
                "-o",
                "json",
            ],
            capture_output=True,
            text=True,
            env=env,  # only OPSCONSOLE_CONFIG: the config's token_command reads the token
            timeout=60,
        )
        assert search.returncode == 0, search.stderr
        lines = [json.loads(line) for line in search.stdout.splitlines()]
        if lines or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert lines, "no simulated log line reached the demo's Graylog"
    assert {line["fields"]["env"] for line in lines} == {"prod"}
