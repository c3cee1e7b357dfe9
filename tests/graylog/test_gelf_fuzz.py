"""A few hundred generated bad payloads at each GELF input (UDP, TCP, HTTP): no input stops, every
payload is accounted for (indexed or counted as dropped, with the emulator's internal-error meter at 0),
and a good message sent afterwards still arrives and is searchable."""

from __future__ import annotations

import functools
import gzip
import http.client
import json
import random
import socket
import time
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from opsconsole.demo.graylog.inputs import GelfInputs, MessageStore

SEED = 17
GOOD = {"version": "1.1", "host": "web-1", "short_message": "still alive"}


def _gelf(rng: random.Random) -> dict[str, Any]:
    weird: list[Any] = [
        "--1", "abc", "NaN", "3.9", "+3", "", " ", 4.0, -5, 2**40, 10**30, 1e300, True, None, {}, [],
        {"a": [1, {"b": None}]}, "\u00fc\u0000\u001f", "1e20", "Infinity", -0.0,
    ]  # fmt: skip
    gelf: dict[str, Any] = {"version": "1.1", "host": "h", "short_message": "m"}
    for _ in range(rng.randint(1, 4)):
        key = rng.choice(
            ["level", "line", "timestamp", "host", "short_message", "message", "full_message", "file",
             "facility", "_id", "__id", "_a.b", "_caf\u00e9", "_ sp", "", "_", "_gl2_remote_ip", "version",
             "_x" * rng.randint(1, 40)]
        )  # fmt: skip
        gelf[key] = rng.choice(weird)
    if rng.random() < 0.2:
        gelf.pop(rng.choice(["host", "short_message"]), None)
    return gelf


@functools.cache
def _bomb() -> bytes:
    return gzip.compress(b"\x00" * (9 * 1024 * 1024))


def _raw(rng: random.Random) -> bytes:
    """One bad payload: broken JSON, wrong types, odd numbers, deep nesting, bad bytes, bad compression."""
    kind = rng.randrange(14)
    body = json.dumps(_gelf(rng)).encode()
    if kind == 0:
        return body[: rng.randrange(len(body))]  # truncated
    if kind == 1:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300)))  # random bytes
    if kind == 2:
        return b'{"host":"h","short_message":"x","level":NaN,"timestamp":Infinity}'
    if kind == 3:
        depth = rng.choice([50, 999, 1001, 3000])
        return b'{"host":"h","short_message":"x","_deep":' + b"[" * depth + b"]" * depth + b"}"
    if kind == 4:
        return body.replace(b'"m"', b'"\xff\xfe\xc3(\xed\xa0\x80"')  # invalid UTF-8
    if kind == 5:
        return zlib.compress(body)[: rng.randrange(2, 12)]  # zlib cut short
    if kind == 6:
        return b"\x1f\x8b" + bytes(rng.randrange(256) for _ in range(20))  # gzip magic, garbage
    if kind == 7:
        return _bomb()  # over the 8 MiB decompress limit
    if kind == 8:
        return b'{"host":"h","short_message":"' + b"A" * rng.choice([1000, 20_000, 60_000]) + b'",,}'
    if kind == 9:
        return b'{"host":"h","short_message":"x","_n":' + b"9" * 1500 + b"}"  # a 1500-digit number
    if kind == 10:
        return rng.choice([b"", b"{", b"[]", b'"x"', b"null", b"1", b"\x78\x00", b"{}"])
    if kind == 11:
        return b'{"host":"h","short_message":"x","timestamp":1e20,"level":"--1"}'
    return body  # a GELF object with odd field values (kinds 12, 13)


def corpus(count: int, *, nul_free: bool = False) -> list[bytes]:
    rng = random.Random(SEED)
    payloads = [_raw(rng) for _ in range(count)]
    if nul_free:  # TCP frames end at NUL: a payload holding one would be two frames
        payloads = [p.replace(b"\x00", b" ") for p in payloads]
    return [p for p in payloads if p.strip(b" ")]


@pytest.fixture
def inputs() -> Iterator[GelfInputs]:
    gelf = GelfInputs(MessageStore(), node_id="node-1")
    gelf.start()
    yield gelf
    gelf.stop()


def wait(condition: Callable[[], bool], seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def _at_least(store: MessageStore, count: int) -> bool:
    return accounted(store) >= count


def accounted(store: MessageStore) -> int:
    return len(store) + store.metrics.dropped()


def assert_alive_and_honest(inputs: GelfInputs, send: Callable[[bytes], object], text: str) -> None:
    send(json.dumps({**GOOD, "short_message": text}).encode())
    wait(lambda: any(m["message"] == text for m in inputs.store.searchable()))
    internal = [
        k for k, v in inputs.store.metrics.snapshot()["meters"].items() if "internal" in k and v["count"]
    ]
    assert internal == []


def test_udp_input_survives_bad_datagrams(inputs: GelfInputs) -> None:
    payloads = [p for p in corpus(400) if len(p) < 65_000]
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for number, payload in enumerate(payloads, 1):
        sender.sendto(payload, ("127.0.0.1", inputs.udp.port))
        wait(functools.partial(_at_least, inputs.store, number))  # paced: a full socket buffer drops
    assert accounted(inputs.store) == len(payloads) >= 300
    assert inputs.store.metrics.dropped() > 100  # most are bad; some only look bad ("level":"--1" is kept)
    assert_alive_and_honest(inputs, lambda p: sender.sendto(p, ("127.0.0.1", inputs.udp.port)), "udp ok")
    sender.close()


def test_udp_input_survives_bad_chunks(inputs: GelfInputs) -> None:
    rng = random.Random(SEED)
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for _ in range(300):
        header = b"\x1e\x0f" + rng.randbytes(8) + bytes([rng.randrange(256), rng.randrange(256)])
        sender.sendto(
            header[: rng.randrange(2, 13)] + rng.randbytes(rng.randrange(40)), ("127.0.0.1", inputs.udp.port)
        )
    assert_alive_and_honest(inputs, lambda p: sender.sendto(p, ("127.0.0.1", inputs.udp.port)), "chunks ok")
    assert inputs.store.metrics.count("org.graylog2.inputs.codecs.GelfChunkAggregator.total-chunks") == 300
    sender.close()


def test_tcp_input_survives_bad_frames(inputs: GelfInputs) -> None:
    payloads = corpus(400, nul_free=True)
    with socket.create_connection(("127.0.0.1", inputs.tcp_port)) as connection:
        for payload in payloads:
            connection.sendall(payload + b"\x00")
        wait(lambda: accounted(inputs.store) >= len(payloads))
        assert accounted(inputs.store) == len(payloads)
        assert_alive_and_honest(inputs, lambda p: connection.sendall(p + b"\x00"), "tcp ok")
    # A frame over 2 MiB closes that connection only, counted; the input takes the next one.
    with socket.create_connection(("127.0.0.1", inputs.tcp_port)) as connection:
        connection.sendall(b"{" + b" " * (2 * 1024 * 1024 + 70_000))
        wait(lambda: any("oversize-frames" in k for k in inputs.store.metrics.snapshot()["meters"]))
    with socket.create_connection(("127.0.0.1", inputs.tcp_port)) as connection:
        assert_alive_and_honest(inputs, lambda p: connection.sendall(p + b"\x00"), "tcp ok again")


def post(port: int, body: bytes) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("POST", "/gelf", body, {"Content-Type": "application/json"})
        return connection.getresponse().status
    finally:
        connection.close()


def test_http_input_survives_bad_bodies(inputs: GelfInputs) -> None:
    payloads = [
        *corpus(300),
        b"{" + b" " * (64 * 1024),
        b'{"host":"h","short_message":"' + b"x" * 70_000 + b'"}',
    ]
    statuses = [post(inputs.http_port, payload) for payload in payloads]
    assert set(statuses) <= {202, 413}
    assert statuses.count(413) == sum(len(p) > 64 * 1024 for p in payloads) == 2
    wait(lambda: accounted(inputs.store) >= len(payloads))
    assert accounted(inputs.store) == len(payloads)
    assert_alive_and_honest(inputs, lambda p: post(inputs.http_port, p), "http ok")


def test_the_issues_datagrams_no_longer_stop_udp(inputs: GelfInputs) -> None:
    """The four payloads issue 17 names, one after another, then a good one."""
    bad = [
        b'{"host":"h","short_message":"x","level":"--1"}',  # kept: level stays the text "--1"
        b'{"host":"h","short_message":"x","timestamp":1e20}',  # dropped: index failure
        b'{"host":"h","short_message":"x","level":NaN}',  # dropped: invalid JSON for Jackson
        b'{"host":"h","short_message":"x","_d":' + b"[" * 5000 + b"]" * 5000 + b"}",  # dropped: too deep
    ]
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for payload in bad:
        sender.sendto(payload, ("127.0.0.1", inputs.udp.port))
    assert_alive_and_honest(inputs, lambda p: sender.sendto(p, ("127.0.0.1", inputs.udp.port)), "after")
    assert inputs.store.metrics.dropped() == 3
    assert next(m.get("level") for m in inputs.store.searchable()) == "--1"
    sender.close()


def test_drops_are_served_by_the_metrics_api() -> None:
    import requests

    from opsconsole.demo.graylog.emulator import DEMO_TOKEN, GraylogEmulator

    with GraylogEmulator() as emulator:
        sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sender.sendto(b"{not json", ("127.0.0.1", emulator.udp_port))
        sender.sendto(b'{"host":"h","short_message":"  "}', ("127.0.0.1", emulator.udp_port))
        sender.sendto(b'{"host":"h","short_message":"ok","_caf\xc3\xa9":1}', ("127.0.0.1", emulator.udp_port))
        sender.close()
        wait(lambda: accounted(emulator.store) >= 3)
        auth = (DEMO_TOKEN, "token")
        meters = requests.get(f"{emulator.api_url}/api/system/metrics", auth=auth, timeout=5).json()["meters"]
        udp = emulator.inputs.udp.info.id
        codec = f"org.graylog2.inputs.codecs.GelfCodec.{udp}"
        assert meters[f"{codec}.failures"]["count"] == 1
        assert meters[f"{codec}.incomplete"]["count"] == 1
        assert meters[f"{codec}.processedMessages"]["count"] == 1
        assert meters[f"opsconsole.emulator.{udp}.ignored-fields"]["count"] == 1
        one = requests.get(f"{emulator.api_url}/api/system/metrics/{codec}.failures", auth=auth, timeout=5)
        assert one.json()["count"] == 1
        missing = requests.get(f"{emulator.api_url}/api/system/metrics/nope", auth=auth, timeout=5)
        assert missing.status_code == 404
        drops = requests.get(f"{emulator.api_url}/api/emulator/drops", auth=auth, timeout=5).json()
        assert drops["total"] == 2
        assert {d["input"] for d in drops["recent"]} == {"udp"}
        assert any("invalid JSON" in d["reason"] for d in drops["recent"])
        [message] = emulator.store.searchable()
        assert message["gl2_source_input"] == udp and message["gl2_source_node"] == emulator.api.node_id
