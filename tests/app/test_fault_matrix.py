"""The fault matrix: each backend (moto for AWS, the Zabbix emulator, the Graylog emulator) behind a
fault-injecting proxy, for each fault a real network or server can throw at the console. The CLI
must end within a bound derived from the configured timeouts, with the documented exit code and one
`error:` line, never a traceback; a slow but answering backend still answers.

Timeouts are set short in the config (1 s to connect, 1 s per answer and per AWS call) so the matrix runs
in seconds; the bound is what those settings promise, not a number tuned to pass.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from opsconsole.demo.world import DemoReady
from opsconsole.domain.errors import ExitCode
from tests.faults import (
    BAD_GATEWAY,
    CLOSED,
    DRIP,
    EXPIRED,
    HANG,
    RESET,
    SLOW,
    THROTTLED,
    UNAVAILABLE,
    FaultProxy,
    fault_proxy,
)
from tests.helpers import CliResult, run_cli

AWS_TIMEOUT, BACKEND_TIMEOUT, CONNECT = 1, 1, 1
DEADLINE = 2 * (AWS_TIMEOUT + CONNECT)
"""The CLI's read deadline for these settings (AppContext.read_deadline)."""
BOUND = DEADLINE + 6
"""Seconds a failing command may take: the deadline plus start-up and sign-in under load."""
DOWN = "down"
"""Nothing listens at the backend's address (connection refused)."""


@dataclass(frozen=True)
class Backend:
    name: str
    url_key: str
    args: tuple[str, ...]


BACKENDS = [
    Backend("aws", "endpoint_url", ("ecs", "services", "--env", "dev", "--output", "json")),
    Backend("zabbix", "zabbix_url", ("alerts", "list", "--env", "dev", "--output", "json")),
    Backend("graylog", "graylog_url", ("logs", "streams", "--env", "dev", "--output", "json")),
]
FAULTS = [DOWN, RESET, CLOSED, BAD_GATEWAY, UNAVAILABLE, THROTTLED, EXPIRED, HANG, DRIP]


def backend_url(config: str, backend: Backend) -> str:
    section = {"aws": "aws", "zabbix": "zabbix", "graylog": "graylog"}[backend.name]
    key = "endpoint_url" if backend.name == "aws" else "url"
    match = re.search(rf"^\[{section}\]\n(?:.*\n)*?{key} = \"([^\"]+)\"", config, re.MULTILINE)
    assert match, f"the demo config has no [{section}] {key}"
    return match.group(1)


def faulty_config(config: Path, backend: Backend, url: str, *, scale: int = 1) -> Path:
    """The demo config with `backend` reached through `url` and every timeout short (`scale` times
    the matrix's)."""
    text = config.read_text(encoding="utf-8").replace(backend_url(config.read_text(), backend), url)
    aws, other = AWS_TIMEOUT * scale, BACKEND_TIMEOUT * scale
    text = text.replace("[aws]\n", f"[aws]\nconnect_timeout = {CONNECT}\ntimeout = {aws}\n")
    for section in ("zabbix", "graylog"):
        text = text.replace(
            f"[{section}]\n", f"[{section}]\nconnect_timeout = {CONNECT}\ntimeout = {other}\n"
        )
    path = config.with_name(f"faulty-{backend.name}.toml")
    path.write_text(text, encoding="utf-8")
    return path


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def timed_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[CliResult | None, float]:
    """The CLI in a thread, so a hang fails the test at 3x the bound instead of stopping the suite."""
    box: list[CliResult] = []
    started = time.monotonic()
    thread = threading.Thread(target=lambda: box.append(run_cli(capsys, *args)), daemon=True)
    thread.start()
    thread.join(3 * BOUND)
    return (box[0] if box else None), time.monotonic() - started


def run_with(proxy: FaultProxy | None, fault: str) -> None:
    if proxy is not None:
        proxy.fail(fault, delay=0.5)


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("backend", BACKENDS, ids=[b.name for b in BACKENDS])
def test_a_faulty_backend_fails_fast_with_one_clear_error(
    demo_world: DemoReady, demo_config: Path, capsys: pytest.CaptureFixture[str], backend: Backend, fault: str
) -> None:
    url = backend_url(demo_config.read_text(encoding="utf-8"), backend)
    with fault_proxy(url) as proxy:
        target = f"http://127.0.0.1:{closed_port()}/api_jsonrpc.php" if fault == DOWN else proxy.url
        config = faulty_config(demo_config, backend, target)
        run_with(None if fault == DOWN else proxy, fault)
        result, took = timed_cli(capsys, "--config", str(config), *backend.args)
        proxy.heal()
    assert result is not None, f"{backend.name}/{fault}: no end within {3 * BOUND} s"
    assert took < BOUND, f"{backend.name}/{fault}: took {took:.1f} s (bound {BOUND} s)"
    assert result.code == ExitCode.FAILED, (result.code, result.stderr)
    assert "Traceback" not in result.stderr
    assert re.search(r"^error: ", result.stderr, re.MULTILINE), result.stderr


@pytest.mark.parametrize("backend", BACKENDS, ids=[b.name for b in BACKENDS])
def test_a_slow_backend_that_answers_within_its_timeout_still_answers(
    demo_world: DemoReady, demo_config: Path, capsys: pytest.CaptureFixture[str], backend: Backend
) -> None:
    url = backend_url(demo_config.read_text(encoding="utf-8"), backend)
    with fault_proxy(url) as proxy:
        # Each answer 0.3 s late, with time for AWS's sign-in calls on a busy machine.
        config = faulty_config(demo_config, backend, proxy.url, scale=6)
        proxy.fail(SLOW, delay=0.3)
        result, took = timed_cli(capsys, "--config", str(config), *backend.args)
    assert result is not None and result.code == 0, result and result.stderr
    assert took < BOUND
