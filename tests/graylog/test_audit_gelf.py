"""Audit records as GELF: they arrive over UDP and TCP, and a Graylog that is down or stuck
never blocks the caller or loses the journal."""

from __future__ import annotations

import json
import socket
import threading
import time
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from opsconsole.audit import AuditJournal
from opsconsole.domain.audit import AuditRecord
from opsconsole.domain.errors import InvalidInput
from opsconsole.graylog.audit_gelf import FirstRecordSink, GelfAuditForwarder, parse_address


def record(n: int = 1) -> AuditRecord:
    return AuditRecord(
        at=datetime(2026, 11, 26, 9, 30, tzinfo=UTC),
        actor="alice",
        action="ecs.scale",
        environment="prod",
        account="333333333333",
        role_arn="arn:aws:iam::333333333333:role/OpsConsoleOperator",
        tier="operate",
        reason=f"INC-{n}",
        details={"target": "api", "calls": ["ecs.update_service(...)"]},
    )


def wait_for(condition: Any, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)


@pytest.fixture
def server() -> Iterator[socket.socket]:
    """A UDP socket where GELF datagrams land (5 s to wait for one)."""
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    udp.settimeout(5)
    yield udp
    udp.close()


def test_udp_delivers_a_gelf_message_with_the_audit_fields(server: socket.socket) -> None:
    forwarder = GelfAuditForwarder(f"udp://127.0.0.1:{server.getsockname()[1]}")
    try:
        forwarder.send(record())
        payload, _ = server.recvfrom(65535)
    finally:
        forwarder.close()
    message = json.loads(zlib.decompress(payload))  # graypy compresses UDP with zlib
    assert message["short_message"] == "audit: alice ecs.scale in prod (ok)"
    assert message["host"] == "opsconsole"
    assert (message["_action"], message["_environment"], message["_tier"], message["_reason"]) == (
        "ecs.scale",
        "prod",
        "operate",
        "INC-1",
    )
    assert json.loads(message["_details"])["target"] == "api"
    assert forwarder.stats.sent == 1


def test_tcp_delivers_null_terminated_json() -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(5)
    forwarder = GelfAuditForwarder(f"tcp://127.0.0.1:{server.getsockname()[1]}")
    received = b""
    try:
        for n in range(3):
            forwarder.send(record(n))
        connection, _ = server.accept()
        connection.settimeout(5)
        while received.count(b"\x00") < 3:
            received += connection.recv(65535)
        connection.close()
    finally:
        forwarder.close()
        server.close()
    frames = [json.loads(frame) for frame in received.split(b"\x00") if frame]
    assert [f["_reason"] for f in frames] == ["INC-0", "INC-1", "INC-2"]


def closed_port() -> int:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = int(probe.getsockname()[1])
    probe.close()
    return port


def test_graylog_down_blocks_nothing_prints_nothing_and_the_journal_keeps_everything(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    journal = AuditJournal(tmp_path / "audit.jsonl")
    forwarder = GelfAuditForwarder(f"tcp://127.0.0.1:{closed_port()}")
    done = threading.Event()

    def write_many() -> None:
        for n in range(200):
            entry = record(n)
            journal.append(entry)
            forwarder.send(entry)
        done.set()

    threading.Thread(target=write_many, daemon=True).start()
    assert done.wait(10), "sending audit records blocked while Graylog was down"
    wait_for(lambda: forwarder.stats.failed > 0)
    forwarder.close()
    assert len(list(journal.records())) == 200
    assert forwarder.stats.failed > 0 and forwarder.stats.sent == 0
    assert "Logging error" not in capfd.readouterr().err


def test_a_stuck_graylog_drops_records_instead_of_blocking(tmp_path: Path) -> None:
    # Accepts connections and never reads: the socket buffers fill and sends would block forever.
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    forwarder = GelfAuditForwarder(f"tcp://127.0.0.1:{server.getsockname()[1]}")
    done = threading.Event()
    big = AuditRecord(**{**record().__dict__, "details": {"blob": "x" * 4000}})

    def write_many() -> None:
        for _ in range(12_000):
            forwarder.send(big)
        done.set()

    threading.Thread(target=write_many, daemon=True).start()
    try:
        assert done.wait(20), "sending audit records blocked behind a stuck Graylog"
        assert forwarder.stats.dropped > 0
    finally:
        closer = threading.Thread(target=forwarder.close, daemon=True)
        closer.start()
        closer.join(5)
        assert not closer.is_alive(), "closing the forwarder hung"
        server.close()


def test_bad_addresses_are_refused() -> None:
    with pytest.raises(InvalidInput):
        parse_address("http://graylog:12201")
    assert parse_address("udp://graylog.example.com:12201") == ("udp", "graylog.example.com", 12201)


def test_every_audit_record_of_the_services_also_goes_to_graylog(
    demo_settings: Any, server: socket.socket
) -> None:
    import dataclasses

    from opsconsole.app.console import Console
    from opsconsole.domain.environment import RoleTier

    address = f"udp://127.0.0.1:{server.getsockname()[1]}"
    settings = dataclasses.replace(
        demo_settings, audit=dataclasses.replace(demo_settings.audit, gelf=address)
    )
    console = Console.build(settings)
    try:
        console.access.session("staging", RoleTier.OPERATE, reason="INC-9")
        message = json.loads(zlib.decompress(server.recvfrom(65535)[0]))
    finally:
        console.close()
    assert (message["_action"], message["_environment"], message["_reason"]) == (
        "access.elevate",
        "staging",
        "INC-9",
    )
    assert [r.action for r in console.audit.records()] == ["access.elevate"]


def test_the_first_record_starts_the_forwarder_and_a_closed_sink_drops_records(server: socket.socket) -> None:
    sink = FirstRecordSink(f"udp://127.0.0.1:{server.getsockname()[1]}")
    try:
        assert sink._forwarder is None  # nothing started for a command that writes no record
        sink.send(record(1))
        payload, _ = server.recvfrom(65535)
        assert json.loads(zlib.decompress(payload))["_reason"] == "INC-1"
    finally:
        sink.close()
    sink.send(record(2))
    server.settimeout(0.3)
    with pytest.raises(TimeoutError):
        server.recvfrom(65535)


def test_a_bad_gelf_address_is_refused_before_any_record() -> None:
    with pytest.raises(InvalidInput, match="not a GELF address"):
        FirstRecordSink("http://graylog:12201")


def test_a_forwarder_that_cannot_start_loses_copies_not_the_change(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: object, **__: object) -> None:
        raise OSError("can't start new thread")

    monkeypatch.setattr("opsconsole.graylog.audit_gelf.GelfAuditForwarder", broken)
    sink = FirstRecordSink("udp://127.0.0.1:12201")
    sink.send(record(1))
    sink.send(record(2))
    assert sink.stats.last_error == "OSError: can't start new thread" and sink.stats.dropped == 2
    sink.close()
