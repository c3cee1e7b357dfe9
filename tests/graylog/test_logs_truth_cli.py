"""`opsconsole logs` tells the truth: a tail reports messages later than its window instead of claiming
none is skipped; query syntax the server cannot run is exit 2 with Graylog's message, never an empty
success; a server that drips its answer a byte at a time is given up on at the deadline."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from opsconsole.demo.graylog.emulator import DEMO_TOKEN, GraylogEmulator
from opsconsole.demo.graylog.streams import env_streams
from opsconsole.domain.errors import BackendError
from opsconsole.graylog.client import GraylogClient
from tests.cli.test_logs_cmd import wait_searches, write_config
from tests.graylog.gelf_sender import UdpSender, wait_stored
from tests.helpers import run_cli


class DripServer:
    """Answers every request with a valid HTTP response, one byte every `every` seconds."""

    def __init__(self, every: float) -> None:
        self.every = every
        self.server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        self.connections = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._drip, args=(client,), daemon=True).start()

    def _drip(self, client: socket.socket) -> None:
        body = b'{"total":0,"streams":[]}'
        answer = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(
            body
        )
        with contextlib.suppress(OSError), client:
            client.recv(65536)
            for byte in answer + body:
                client.sendall(bytes([byte]))
                time.sleep(self.every)

    def close(self) -> None:
        self.server.close()


@pytest.fixture
def graylog() -> Iterator[GraylogEmulator]:
    with GraylogEmulator(env_streams(["dev", "prod"])) as emulator:
        sender = UdpSender(emulator.udp_port)
        for n, service in enumerate(["api", "api", "web"]):
            sender.send(f"prod message {n}", timestamp=time.time() - 10 + n, env="prod", service=service, n=n)
        wait_stored(emulator.store, 3)
        yield emulator


@pytest.fixture
def config(graylog: GraylogEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TEST_GRAYLOG_TOKEN", DEMO_TOKEN)
    return write_config(tmp_path, graylog.api_url)


@pytest.fixture
def drip() -> Iterator[DripServer]:
    server = DripServer(every=0.5)  # a read timeout (here 2 s) never trips
    yield server
    server.close()


def test_the_client_gives_up_on_a_dripping_server_at_the_deadline(drip: DripServer) -> None:
    client = GraylogClient(drip.url, token="t", timeout=2, deadline=2)
    started = time.monotonic()
    with pytest.raises(BackendError, match="did not finish answering within the 2 s deadline"):
        client.search("*")
    assert time.monotonic() - started < 4
    started = time.monotonic()
    with client.budget(3), pytest.raises(BackendError):  # several requests share one deadline
        client.streams()
        client.streams()
    assert time.monotonic() - started < 5


def test_logs_search_against_a_dripping_server_ends_at_the_deadline(
    capsys: pytest.CaptureFixture[str], drip: DripServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_GRAYLOG_TOKEN", DEMO_TOKEN)
    path = write_config(tmp_path, drip.url)
    path.write_text(
        path.read_text().replace(
            'token_env = "TEST_GRAYLOG_TOKEN"', 'token_env = "TEST_GRAYLOG_TOKEN"\ndeadline = 3'
        )
    )
    started = time.monotonic()
    baseline = run_cli(capsys, "-c", str(path), "logs", "search", "--env", "prod", "--since", "soon")
    assert baseline.code == 2  # the same command, refused before any request: the CLI's own time
    overhead = time.monotonic() - started
    started = time.monotonic()
    result = run_cli(capsys, "-c", str(path), "logs", "search", "--env", "prod")
    elapsed = time.monotonic() - started - overhead
    assert result.code == 1, result.stderr
    assert "did not finish answering within the 3 s deadline" in result.stderr
    # The body is 50+ bytes at 0.5 s each (25 s and more); the streams lookup and the search share 3 s.
    assert elapsed < 5, f"{elapsed:.1f} s beyond the CLI's own time"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("service:", "names a field but no value"),
        ("message:hello~2", "syntax the emulator does not support"),
        ("service:(api", "a parenthesis is not closed"),
    ],
)
def test_unsupported_query_syntax_is_exit_2_never_an_empty_success(
    capsys: pytest.CaptureFixture[str], config: Path, query: str, message: str
) -> None:
    result = run_cli(capsys, "-c", str(config), "logs", "search", query, "--env", "prod")
    assert result.code == 2, (result.stdout, result.stderr)
    assert "Graylog rejected the request" in result.stderr and message in result.stderr
    assert result.stdout == ""


def test_field_grouping_finds_what_it_names(capsys: pytest.CaptureFixture[str], config: Path) -> None:
    result = run_cli(capsys, "-c", str(config), "logs", "search", "service:(api OR web)", "--env", "prod")
    assert result.code == 0, result.stderr
    assert "3 of 3 message(s)" in result.stderr
    only_web = run_cli(capsys, "-c", str(config), "logs", "search", "service:(web)", "--env", "prod")
    assert "1 of 1 message(s)" in only_web.stderr


def test_tail_reports_late_messages_and_its_help_says_so(
    capsys: pytest.CaptureFixture[str],
    graylog: GraylogEmulator,
    config: Path,
) -> None:
    def send_on_time_then_late() -> None:
        wait_searches(graylog, 2)
        sender = UdpSender(graylog.udp_port)
        sender.send("on time", env="prod", service="api", n=200)
        wait_searches(graylog, graylog.api.searches + 4)  # shown, and the window has moved on
        sender.send("buffered", timestamp=time.time() - 120, env="prod", service="api", n=201)

    threading.Thread(target=send_on_time_then_late, daemon=True).start()
    args = ["logs", "tail", "--env", "prod", "--late-window", "2s", "--for", "12s", "-o", "json"]
    result = run_cli(capsys, "-c", str(config), *args)
    assert result.code == 0, result.stderr
    assert '"on time"' in result.stdout and "buffered" not in result.stdout
    assert "1 late message(s), older than" in result.stderr
    assert "2 s late window" in result.stderr

    helped = run_cli(capsys, "-c", str(config), "logs", "tail", "--help")
    assert "none is skipped" not in helped.stdout
    assert "--late-window" in helped.stdout and "late" in helped.stdout
    bad = run_cli(capsys, "-c", str(config), "logs", "tail", "--late-window", "0s")
    assert bad.code == 2 and "--late-window" in bad.stderr and "too short" in bad.stderr


def test_the_late_window_config_key_is_checked(
    capsys: pytest.CaptureFixture[str],
    config: Path,
) -> None:
    config.write_text(
        config.read_text().replace(
            'token_env = "TEST_GRAYLOG_TOKEN"', 'token_env = "TEST_GRAYLOG_TOKEN"\nlate_window = 0'
        )
    )
    result = run_cli(capsys, "-c", str(config), "logs", "streams")
    assert result.code == 2 and "late_window" in result.stderr
