"""The REST client against the emulator over HTTP: auth, headers, errors, ranges, paging, fields."""

from __future__ import annotations

import socket
import time
from datetime import datetime, timedelta
from typing import Any

import pytest

from opsconsole.demo.graylog.emulator import DEMO_TOKEN, GraylogEmulator
from opsconsole.demo.graylog.streams import env_streams
from opsconsole.domain.errors import BackendError, CredentialsError, InvalidInput
from opsconsole.graylog.client import GraylogClient
from tests.graylog.clocks import EPOCH
from tests.graylog.gelf_sender import UdpSender, wait_stored


def fill(emulator: GraylogEmulator, count: int, **fields: Any) -> datetime:
    """`count` messages 1 ms apart on whole milliseconds, the last one a second ago (so a search up
    to the server's now covers them all); returns the first one's timestamp, as Graylog stores it."""
    sender = UdpSender(emulator.udp_port)
    first = time.time_ns() // 1_000_000 - 1000 - count
    before = len(emulator.store)
    for n in range(count):
        sender.send(f"request {n} done", timestamp=(first + n) / 1000, n=n, **fields)
    sender.close()
    wait_stored(emulator.store, before + count)
    return EPOCH + timedelta(milliseconds=first)


def test_version_streams_and_event_streams_hidden(client: GraylogClient) -> None:
    node = client.node()
    assert node.version == "6.1.4"
    assert node.version_tuple == (6, 1, 4)
    titles = [s.title for s in client.streams()]
    assert titles == ["Default Stream", "dev", "prod"]  # sorted; 002/003 are events, not logs
    assert len(client.streams(include_event_streams=True)) == 5


def test_every_call_sends_x_requested_by_and_no_body(
    emulator: GraylogEmulator, client: GraylogClient
) -> None:
    seen: list[tuple[str, str | None, bytes | None]] = []
    client.session.hooks["response"].append(
        lambda r, *a, **k: seen.append(
            (r.request.method, r.request.headers.get("X-Requested-By"), r.request.body)
        )
    )
    client.node()
    client.streams()
    client.search("*", since=timedelta(minutes=1))
    assert len(seen) == 3
    for method, csrf, body in seen:
        # GETs only, never a JSON body: nothing for 7.0's unknown-property rejection to refuse.
        assert (method, body) == ("GET", None)
        assert csrf and csrf.startswith("opsconsole/")


def test_user_and_password_authenticate(emulator: GraylogEmulator) -> None:
    client = GraylogClient(emulator.api_url, username="admin", password="admin")
    assert client.streams()


@pytest.mark.parametrize(
    "kwargs",
    [{"token": "wrong"}, {"username": "admin", "password": "nope"}, {}],
    ids=["token", "user", "none"],
)
def test_refused_credentials_are_a_credentials_error(
    emulator: GraylogEmulator, kwargs: dict[str, Any]
) -> None:
    with pytest.raises(CredentialsError) as caught:
        GraylogClient(emulator.api_url, **kwargs).streams()
    assert "401" in caught.value.message
    assert "wrong" not in str(caught.value) and "nope" not in str(caught.value)  # never the secret


def test_unreachable_server_names_the_url() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = GraylogClient(f"http://127.0.0.1:{port}", token="t", timeout=2)
    with pytest.raises(BackendError) as caught:
        client.streams()
    assert f"127.0.0.1:{port}/api is unreachable" in caught.value.message


def test_slow_server_times_out_instead_of_hanging(emulator: GraylogEmulator) -> None:
    emulator.api.delay = 1.5
    client = GraylogClient(emulator.api_url, token=DEMO_TOKEN, timeout=0.3)
    started = time.monotonic()
    with pytest.raises(BackendError, match=r"did not answer within 0\.3 s"):
        client.streams()
    assert time.monotonic() - started < 1.4


def test_server_errors_are_backend_errors_with_graylog_s_message(
    emulator: GraylogEmulator, client: GraylogClient
) -> None:
    emulator.api.fail_status = 503
    with pytest.raises(BackendError) as caught:
        client.search("*")
    assert "failed (503): Emulated failure" in caught.value.message


def test_a_query_outside_the_subset_is_invalid_input_with_graylog_s_message(client: GraylogClient) -> None:
    with pytest.raises(InvalidInput) as caught:
        client.search("name:jon~")
    assert "Unable to parse query" in caught.value.message
    assert caught.value.exit_code == 2


def test_tls_is_verified_by_default_and_takes_a_ca_bundle() -> None:
    assert GraylogClient("https://graylog.example.com").session.verify is True
    assert GraylogClient("https://g.example.com", ca_bundle="/etc/ca.pem").session.verify == "/etc/ca.pem"
    assert GraylogClient("https://g.example.com", verify_tls=False).session.verify is False


def test_relative_and_absolute_ranges(emulator: GraylogEmulator, client: GraylogClient) -> None:
    first = fill(emulator, 20, env="prod")
    recent = client.search("*", since=timedelta(minutes=1), limit=100)
    assert recent.total == 20
    assert recent.start is not None and recent.end is not None
    assert timedelta(seconds=59) < recent.end - recent.start <= timedelta(seconds=61)
    assert [m.fields["n"] for m in recent.messages] == list(range(19, -1, -1))  # newest first
    start = first + timedelta(milliseconds=5)
    window = client.search(
        "*", start=start, end=start + timedelta(milliseconds=5), limit=100, sort="timestamp:asc"
    )
    # Graylog's range includes `from` and excludes `to` (TimeRangeQueryFactory: gte/lt).
    assert [m.fields["n"] for m in window.messages] == [5, 6, 7, 8, 9]
    assert window.messages[0].timestamp == start
    with pytest.raises(InvalidInput):
        client.search("*", start=start, end=start - timedelta(seconds=1))


def test_limit_and_offset_page_through_the_total(emulator: GraylogEmulator, client: GraylogClient) -> None:
    fill(emulator, 25)
    pages = [
        client.search("*", since=timedelta(minutes=1), limit=10, offset=o, sort="timestamp:asc")
        for o in (0, 10, 20)
    ]
    assert [p.total for p in pages] == [25, 25, 25]
    assert [m.fields["n"] for p in pages for m in p.messages] == list(range(25))


def test_offset_is_ignored_by_5_0_0_to_5_0_2() -> None:
    with GraylogEmulator(version="5.0.2") as emulator:
        fill(emulator, 5)
        client = GraylogClient(emulator.api_url, token=DEMO_TOKEN)
        second = client.search("*", since=timedelta(minutes=1), limit=2, offset=2, sort="timestamp:asc")
        assert [m.fields["n"] for m in second.messages] == [0, 1]


def test_query_fields_and_stream_scoping(emulator: GraylogEmulator, client: GraylogClient) -> None:
    fill(emulator, 4, env="prod", service="api")
    fill(emulator, 3, env="dev", service="api")
    prod = next(s.id for s in client.streams() if s.title == "prod")
    scoped = client.search("service:api", since=timedelta(minutes=1), streams=[prod], fields=["service"])
    assert scoped.total == 4
    assert all(
        set(m.fields) == {"service"} for m in scoped.messages
    )  # _id, timestamp mapped; only service left
    assert all(m.environment is None for m in scoped.messages)  # env was not asked for
    everything = client.search("service:api AND NOT env:prod", since=timedelta(minutes=1))
    assert everything.total == 3


@pytest.mark.parametrize("version", ["6.2.2", "6.2.3"])
def test_streams_parameter_sent_alongside_the_filter(version: str) -> None:
    """Both are sent; the filter alone scopes on servers that ignore `streams` (before 6.2.3)."""
    with GraylogEmulator(env_streams(["dev", "prod"]), version=version) as emulator:
        fill(emulator, 2, env="prod")
        fill(emulator, 1, env="dev")
        client = GraylogClient(emulator.api_url, token=DEMO_TOKEN)
        prod = next(s.id for s in client.streams() if s.title == "prod")
        assert client.search("*", since=timedelta(minutes=1), streams=[prod]).total == 2
