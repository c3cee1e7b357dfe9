"""The emulator's GELF inputs over real sockets: graypy over UDP (chunked too) and TCP, and the
HTTP input's status codes (Graylog's netty/HttpHandler)."""

from __future__ import annotations

import http.client
import json
import logging
import os
import time
import zlib
from collections.abc import Iterator
from typing import Any

import graypy
import pytest

from opsconsole.demo.graylog.inputs import GelfInputs, MessageStore
from tests.graylog.clocks import ManualClock


@pytest.fixture
def inputs() -> Iterator[GelfInputs]:
    gelf = GelfInputs(MessageStore())
    gelf.start()
    yield gelf
    gelf.stop()


def wait_for_count(store: MessageStore, count: int, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while len(store) < count and time.monotonic() < deadline:
        time.sleep(0.02)


def send(handler: logging.Handler, text: str, **extra: Any) -> None:
    record = logging.LogRecord("api", logging.WARNING, __file__, 7, text, None, None)
    record.__dict__.update(extra)
    handler.emit(record)


def test_graypy_over_udp_small_and_chunked(inputs: GelfInputs) -> None:
    handler = graypy.GELFUDPHandler("127.0.0.1", inputs.udp.port, localname="web-1")
    big = os.urandom(4000).hex()
    send(handler, "GET /health 200", env="prod", service="web")
    send(handler, big, env="prod", service="web")
    handler.close()
    wait_for_count(inputs.store, 2)
    first, second = inputs.store.searchable()
    assert (first["message"], first["source"], first["env"], first["service"], first["level"]) == (
        "GET /health 200",
        "web-1",
        "prod",
        "web",
        4,
    )
    assert second["message"] == big


def test_graypy_over_tcp_null_delimited(inputs: GelfInputs) -> None:
    handler = graypy.GELFTCPHandler("127.0.0.1", inputs.tcp_port, localname="worker-2")
    for n in range(5):
        send(handler, f"job {n} done", service="worker")
    wait_for_count(inputs.store, 5)
    handler.close()
    assert [m["message"] for m in inputs.store.searchable()] == [f"job {n} done" for n in range(5)]


def post(
    port: int, path: str, body: bytes, method: str = "POST", headers: dict[str, str] | None = None
) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    response.read()
    connection.close()
    return int(response.status)


def test_http_input_status_codes_and_decoding(inputs: GelfInputs) -> None:
    message = json.dumps(
        {"version": "1.1", "host": "api-3", "short_message": "POST /webhooks/auth0 204", "_service": "api"}
    ).encode()
    assert post(inputs.http_port, "/gelf", message) == 202
    # graypy labels zlib data "gzip,deflate"; the magic bytes decide.
    assert (
        post(inputs.http_port, "/gelf", zlib.compress(message), headers={"Content-Encoding": "gzip,deflate"})
        == 202
    )
    assert post(inputs.http_port, "/gelf", b"not gelf") == 202  # accepted before decoding
    assert post(inputs.http_port, "/gelf?x=1", message) == 404
    assert post(inputs.http_port, "/other", message) == 404
    assert post(inputs.http_port, "/gelf", b"", method="GET") == 405
    assert post(inputs.http_port, "/gelf", b"", method="OPTIONS") == 200
    assert post(inputs.http_port, "/gelf", b"x" * (64 * 1024 + 1)) == 413
    wait_for_count(inputs.store, 2)
    assert [m["service"] for m in inputs.store.searchable()] == ["api", "api"]
    assert inputs.store.rejected == 2  # "not gelf" (failures) and the 413 body (rejected-bodies)


def test_messages_become_searchable_after_the_indexing_delay() -> None:
    clock = ManualClock()
    store = MessageStore(index_delay=0.3, clock=clock.monotonic)
    gelf = GelfInputs(store)
    gelf.start()
    try:
        handler = graypy.GELFUDPHandler("127.0.0.1", gelf.udp.port, localname="db")
        send(handler, "late")
        handler.close()
        wait_for_count(store, 1)
        assert store.searchable() == []
        clock.advance(0.299)
        assert store.searchable() == []
        clock.advance(0.001)
        assert [m["message"] for m in store.searchable()] == ["late"]
    finally:
        gelf.stop()
