"""Graylog's own GELF rules, each pinned to the source line that makes it (graylog2-server at tag 6.1.4,
which ships jackson-core/databind 2.17.2; read in the Graylog2/graylog2-server and FasterXML mirrors):

- GelfCodec.java  = graylog2-server/src/main/java/org/graylog2/inputs/codecs/GelfCodec.java
- Message.java    = graylog2-server/src/main/java/org/graylog2/plugin/Message.java
- Decoding        = graylog2-server/src/main/java/org/graylog2/shared/buffers/processors/DecodingProcessor.java
- NumberInput     = jackson-core src/main/java/com/fasterxml/jackson/core/io/NumberInput.java (2.17.2)
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from opsconsole.demo.graylog.gelf import Dropped, Origin, decode, read_gelf
from opsconsole.demo.graylog.jackson import as_integer

ORIGIN = Origin("10.1.2.3", 40123, "65f0c0ffee0000000000abcd", "node-1")
RECEIVED = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def stored(gelf: dict[str, Any]) -> dict[str, Any]:
    return decode(gelf, ORIGIN, RECEIVED)


def base(**extra: Any) -> dict[str, Any]:
    return {"version": "1.1", "host": "web-1", "short_message": "hello", **extra}


def test_dotted_keys_are_stored_with_underscores() -> None:
    # Message.java l.432-446 (toElasticSearchObject): key.replace('.', '_'); on a conflict the plain key wins.
    message = stored(base(**{"_com.docker.compose.service": "api", "_a.b": 1, "_a_b": 2}))
    assert message["com_docker_compose_service"] == "api"
    assert not any("." in key for key in message)
    assert message["a_b"] == 2


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        (4, 4),
        (4.0, 4),  # DoubleNode.intValue(): (int) 4.0
        (4.9, 4),  # the Java cast truncates
        ("3", 3),
        ("+3", 3),  # NumberInput.parseAsInt l.294-296: a leading '+' is removed
        ("3.9", 3),  # l.303-307: not all digits -> (int) parseDouble("3.9")
        (" 5 ", 5),  # l.285: trimmed
        ("4e0", 4),  # Java's double syntax
        ("NaN", 0),  # (int) Double.NaN == 0
        (True, 1),  # BooleanNode.asInt: 1 or 0
        (2**32 + 6, 6),  # LongNode.intValue(): the low 32 bits
        (-0.5, 0),  # (int) -0.5 == 0, which is > -1, so it is a level
    ],
)
def test_level_takes_jacksons_int_coercion(level: Any, expected: int) -> None:
    # GelfCodec.java l.97-106 intValue(): value.asInt(-1); l.179-183: added when > -1.
    assert stored(base(level=level))["level"] == expected


@pytest.mark.parametrize("level", ["--1", "abc", "", "99999999999"])
def test_a_level_that_is_no_int_is_kept_as_a_plain_field(level: str) -> None:
    # asInt(-1) gives -1 (NumberInput l.308-316), so the level branch adds nothing; the loop over
    # all keys (GelfCodec.java l.192-238) then stores the text as it is. The message is kept.
    message = stored(base(level=level))
    assert message.get("level") == (level or None)


def test_line_takes_jacksons_long_coercion() -> None:
    # GelfCodec.java l.86-95 longValue(): asLong(-1); l.174-177: added when > -1.
    assert stored(base(line="3.9"))["line"] == 3
    assert stored(base(line="+12"))["line"] == 12
    assert stored(base(line=-5))["line"] == -5  # not > -1: the key loop keeps it as a number


def test_jackson_coercion_table_matches_number_input() -> None:
    # The same rules for asLong (NumberInput.parseAsLong l.319-356): 64 bits instead of 32.
    assert as_integer("99999999999", 64) == 99999999999
    assert as_integer("99999999999", 32) == -1
    assert as_integer(1e300, 32) == 2**31 - 1  # the Java cast saturates


@pytest.mark.parametrize("key", ["_bad key", "_caf\u00e9", "_a:b", "_a/b", "_emoji\U0001f600"])
def test_field_names_outside_ascii_letters_digits_dot_dash_at_are_ignored(key: str) -> None:
    # Message.java l.220-221 VALID_KEY_CHAR_MATCHER (a-z, A-Z, 0-9, . @ - _) and l.579: an invalid key
    # is ignored ("Ignoring invalid or reserved key"); the message itself is kept.
    ignored: list[str] = []
    message = decode(base(**{key: "x", "_fine@x-y": "v"}), ORIGIN, RECEIVED, ignored=ignored)
    assert key[1:] not in message and message["fine@x-y"] == "v"
    assert ignored == [key[1:]]  # counted by the inputs (opsconsole.emulator.<input>.ignored-fields)


def test_trailing_commas_and_raw_control_characters_parse() -> None:
    # GelfCodec.java l.69-71: ALLOW_UNQUOTED_CONTROL_CHARS and ALLOW_TRAILING_COMMA.
    gelf = read_gelf(b'{"host":"h","short_message":"tab\there\x01","_list":[1,2,],}')
    assert gelf["short_message"] == "tab\there\x01" and gelf["_list"] == [1, 2]


@pytest.mark.parametrize(
    "payload",
    [
        b'{"host":"h","short_message":"x","level":NaN}',  # ALLOW_NON_NUMERIC_NUMBERS is off
        b'{"host":"h","short_message":"x",,}',  # two commas: ALLOW_MISSING_VALUES is off
        b"[" * 1001 + b"]" * 1001,  # StreamReadConstraints max depth 1000
        b"{'host':'h'}",
    ],
)
def test_what_jackson_still_refuses_is_a_failure(payload: bytes) -> None:
    with pytest.raises(Dropped) as caught:
        read_gelf(payload)
    assert caught.value.meter == "failures"  # DecodingProcessor l.158-161


def test_trailing_content_after_the_object_is_ignored() -> None:
    # ObjectMapper.readTree: FAIL_ON_TRAILING_TOKENS is off by default; a NUL-terminated UDP payload parses.
    assert read_gelf(b'{"host":"h","short_message":"x"}\x00garbage')["host"] == "h"


def test_messages_carry_graylogs_system_fields() -> None:
    message = stored(base(_service="api"))
    # Decoding l.214-215: the input and node; l.241-244: the remote address and port.
    assert message["gl2_source_input"] == ORIGIN.input_id and message["gl2_source_node"] == "node-1"
    assert message["gl2_remote_ip"] == "10.1.2.3" and message["gl2_remote_port"] == 40123
    # Message.java l.880 and l.899: yyyy-MM-dd HH:mm:ss.SSS (Tools.ES_DATE_FORMAT).
    assert message["gl2_receive_timestamp"] == "2026-11-30 12:00:00.000"
    datetime.strptime(message["gl2_processing_timestamp"], "%Y-%m-%d %H:%M:%S.%f")
    # Message.java l.463 and updateSize l.609-648: key length + UTF-16 length of each text, 8 for the
    # timestamp (DateTime), not counting gl2_* fields: message(7+5) source(6+5) timestamp(9+8) service(7+3).
    assert message["gl2_accounted_message_size"] == 7 + 5 + 6 + 5 + 9 + 8 + 7 + 3


def test_a_timestamp_far_in_the_future_is_counted_as_an_index_failure() -> None:
    # Tools.dateTimeFromDouble: Math.round(1e20 * 1000) saturates at Long.MAX_VALUE; no index holds that
    # year (inferred: OpenSearch's uuuu-MM-dd date format), so the emulator counts it instead of storing it.
    with pytest.raises(Dropped) as caught:
        stored(base(timestamp=1e20))
    assert caught.value.meter == "index-failures"


def test_timestamp_nan_text_is_the_epoch_and_negative_is_the_receive_time() -> None:
    # GelfCodec.java l.108-122 and l.150-158: Double.parseDouble("NaN") is not <= 0; Math.round(NaN) = 0.
    assert stored(base(timestamp="NaN"))["timestamp"] == "1970-01-01T00:00:00.000Z"
    assert stored(base(timestamp=-3))["timestamp"] == "2026-11-30T12:00:00.000Z"


def test_null_full_message_is_the_text_null() -> None:
    # GelfCodec.java l.75-84 stringValue(): value.asText(), and NullNode.asText() is "null".
    assert stored(base(full_message=None))["full_message"] == "null"


def test_blank_short_message_with_message_is_incomplete() -> None:
    # Message(short_message="  ") stores "" as the required message (Message.java l.575-595); the key loop
    # skips `message` because it is set (GelfCodec l.214); isComplete fails (Decoding l.189-196).
    with pytest.raises(Dropped) as caught:
        stored({"host": "h", "short_message": "  ", "message": "m"})
    assert caught.value.meter == "incomplete"
    assert stored({"host": "h", "message": "m"})["message"] == "m"


def test_the_payload_round_trips_through_json() -> None:
    message = stored(base(_nested={"k": ["\u00fc", 1]}))
    assert message["nested"] == '{"k":["\u00fc",1]}'  # JsonNode.toString: compact, non-ASCII as is
    json.dumps(message, allow_nan=False)  # what the REST API serves is valid JSON
