"""The emulator's GELF decoding against Graylog's own rules and test expectations.

Each case names the Graylog source it comes from (graylog2-server, 5.x to 7.x):
- inputs/codecs/GelfCodecTest.java (decodeBuildsValidMessageObject, custom _version, rejections)
- inputs/codecs/gelf/GELFMessage.java (payload type by magic bytes)
- inputs/codecs/GelfChunkAggregator.java (chunk reassembly, duplicates, 128-chunk limit)
- plugin/Message.java (reserved and invalid keys, value types)
and real graypy 2.1.0 payloads for the wire format.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import zlib
from datetime import UTC, datetime

import graypy
from graypy.handler import GELFWarningChunker

from opsconsole.demo.graylog.gelf import ChunkAggregator, parse, payload_type, to_message

RECEIVED = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
CANONICAL = {  # GelfCodecTest.decodeBuildsValidMessageObject
    "version": "1.1",
    "host": "example.org",
    "short_message": "A short message that helps you identify what is going on",
    "full_message": "Backtrace here\n\nMore stuff",
    "timestamp": 1385053862.3072,
    "level": 1,
    "_user_id": 9001,
    "_some_info": "foo",
    "_some_env_var": "bar",
}


def test_the_canonical_message_decodes_to_exactly_graylogs_fields() -> None:
    message = to_message(CANONICAL, "10.0.0.7", RECEIVED)
    assert message is not None
    ours = {k for k in message if not k.startswith("gl2_")}
    assert ours == {
        "_id",
        "source",
        "message",
        "full_message",
        "timestamp",
        "level",
        "user_id",
        "some_info",
        "some_env_var",
    }
    assert message["source"] == "example.org" and message["user_id"] == 9001
    assert message["timestamp"] == "2013-11-21T17:11:02.307Z"  # rounded to milliseconds, UTC


def test_payload_types_by_magic_bytes() -> None:  # GELFMessage.Type.determineType
    body = json.dumps(CANONICAL).encode()
    assert payload_type(zlib.compress(body)) == "ZLIB"
    assert payload_type(gzip.compress(body)) == "GZIP"
    assert payload_type(b"\x1e\x0f" + b"\x00" * 10) == "CHUNKED"
    assert payload_type(body) == "UNCOMPRESSED"
    assert parse(zlib.compress(body)) == parse(gzip.compress(body)) == parse(body) == CANONICAL


def test_validation_rejects_what_graylog_rejects() -> None:  # GelfCodecTest, GelfCodec.validateGELFMessage
    assert to_message({"host": "h"}, "10.0.0.7", RECEIVED) is None  # neither short_message nor message
    assert to_message({"host": "", "short_message": "x"}, "10.0.0.7", RECEIVED) is None  # blank host
    assert to_message({"host": 5, "short_message": "x"}, "10.0.0.7", RECEIVED) is None  # host not a string
    assert to_message({"host": "h", "short_message": "  "}, "10.0.0.7", RECEIVED) is None
    from_message = to_message({"host": "h", "message": "from message"}, "10.0.0.7", RECEIVED)
    assert from_message is not None and from_message["message"] == "from message"
    no_host = to_message({"short_message": "x"}, "10.0.0.7", RECEIVED)
    assert no_host is not None and no_host["source"] == "10.0.0.7"  # missing host: only a warning


def test_field_rules_of_message_java() -> None:
    message = to_message(
        {
            "host": "h",
            "short_message": "x",
            "_version": "2",
            "_id": "abc",
            "__id": "reserved",
            "_source": "spoof",
            "_flag": True,
            "_none": None,
            "_nested": {"a": [1, 2]},
            "_bad key": "x",
            "_empty": "  ",
            "level": "3",
            "timestamp": "-1",
        },
        "10.0.0.7",
        RECEIVED,
    )
    assert message is not None
    assert message["version"] == "2"  # GelfCodecTest.decodeAllowsSettingCustomVersionField
    assert message["id"] == "abc"  # one leading underscore stripped; id is not reserved
    assert message["_id"] != "reserved"  # __id strips to the reserved _id, which is dropped
    assert message["source"] == "h"  # keys already set cannot be overridden
    assert "flag" not in message and "none" not in message and "empty" not in message
    assert message["nested"] == '{"a":[1,2]}'  # objects become their JSON string
    assert "bad key" not in message  # Message.validKey
    assert message["level"] == 3  # numeric strings accepted
    assert message["timestamp"] == "2026-11-26T09:30:00.000Z"  # <= 0: the receive time


def graypy_payload(text: str) -> bytes:
    handler = graypy.GELFUDPHandler("127.0.0.1", 12201, localname="demo-host")
    record = logging.LogRecord("app", logging.ERROR, __file__, 1, text, None, None)
    record.service = "api"  # an extra field: graypy sends it as _service
    return bytes(handler.makePickle(record))


def test_chunked_graypy_messages_reassemble_in_any_order_and_ignore_duplicates() -> None:
    text = os.urandom(2500).hex()  # 5,000 characters that do not compress
    payload = graypy_payload(text)
    chunks = list(GELFWarningChunker(chunk_size=1420).chunk_message(payload))
    assert len(chunks) >= 3 and all(c[:2] == b"\x1e\x0f" for c in chunks)
    aggregator = ChunkAggregator()
    # Every chunk but the first, last first, with a duplicate: nothing is complete yet.
    shuffled = [*reversed(chunks[1:]), chunks[-1]]
    assert all(aggregator.add(c) is None for c in shuffled)
    whole = aggregator.add(chunks[0])
    assert whole is not None
    gelf = parse(whole)
    assert gelf is not None
    message = to_message(gelf, "127.0.0.1", RECEIVED)
    assert message is not None
    assert message["message"] == text and message["source"] == "demo-host"
    assert message["service"] == "api" and message["level"] == 3


def test_more_than_128_chunks_or_stale_sets_are_dropped() -> None:  # GelfChunkAggregator
    now = [0.0]
    aggregator = ChunkAggregator(clock=lambda: now[0])
    too_many = b"\x1e\x0f" + b"A" * 8 + bytes([0, 129]) + b"{}"
    assert aggregator.add(too_many) is None and aggregator.dropped == 1
    first = b"\x1e\x0f" + b"B" * 8 + bytes([0, 2]) + b'{"host":"h",'
    second = b"\x1e\x0f" + b"B" * 8 + bytes([1, 2]) + b'"short_message":"late"}'
    assert aggregator.add(first) is None
    now[0] = 6.0  # past VALIDITY_PERIOD
    assert aggregator.add(second) is None
    assert aggregator.dropped == 2
