"""What Graylog's Jackson does with a GELF payload, for the emulator (Graylog 6.1.4 ships Jackson 2.17.2).

- Parsing: `GelfCodec` builds `new ObjectMapper().enable(ALLOW_UNQUOTED_CONTROL_CHARS,
  ALLOW_TRAILING_COMMA)` (graylog2-server/src/main/java/org/graylog2/inputs/codecs/GelfCodec.java
  l.69-71 at 6.1.4): raw control characters inside strings and one trailing comma before `]` or `}`
  are accepted; `NaN`/`Infinity` literals, comments and single quotes are not (Jackson's defaults).
  `readTree` reads one value and ignores what follows it (FAIL_ON_TRAILING_TOKENS is off by default).
  StreamReadConstraints (jackson-core 2.17.2): nesting deeper than 1000, numbers longer than 1000
  characters and names longer than 50,000 characters fail the parse.
- Coercion: `level` is `JsonNode.asInt(-1)` and `line` `asLong(-1)` (GelfCodec l.86-106). For text,
  that is `NumberInput.parseAsInt/parseAsLong` (jackson-core 2.17.2, NumberInput.java l.280-356):
  trim; a leading `+` is removed; all digits -> Integer/Long.parseInt; anything else ->
  `(int) parseDouble(s)` (Java's double syntax: "3.9" -> 3, "4e0" -> 4, "NaN" -> 0), and a text that
  is no double at all ("--1", "abc") -> the default -1. Numbers: `DoubleNode.intValue()` is the
  Java cast `(int) 4.0` (NaN -> 0, saturating, toward zero), `LongNode.intValue()` keeps the low 32
  bits; `BooleanNode.asInt` is 1 or 0; null, objects and arrays give the default (ValueNode.asInt).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

MAX_DEPTH = 1000  # StreamReadConstraints.DEFAULT_MAX_DEPTH
MAX_NUMBER_LENGTH = 1000  # StreamReadConstraints.DEFAULT_MAX_NUM_LEN
MAX_NAME_LENGTH = 50_000  # StreamReadConstraints.DEFAULT_MAX_NAME_LEN
_STRUCTURE = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{},]', re.DOTALL)
_SPACE = " \t\r\n"
_JAVA_DOUBLE = re.compile(
    r"[+-]?(?:NaN|Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[fFdD]?"
    r"|0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?\d+[fFdD]?)"
)


class JsonRejected(ValueError):
    """The payload is not JSON Graylog's parser reads."""


def _constant(name: str) -> Any:
    raise JsonRejected(f"non-numeric number {name} (ALLOW_NON_NUMERIC_NUMBERS is off)")


def _number(text: str, kind: type) -> Any:
    if len(text) > MAX_NUMBER_LENGTH:
        raise JsonRejected(f"number longer than {MAX_NUMBER_LENGTH} characters")
    return kind(text)


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    for key, _value in pairs:
        if len(key) > MAX_NAME_LENGTH:
            raise JsonRejected(f"field name longer than {MAX_NAME_LENGTH} characters")
    return dict(pairs)  # a repeated name: the last value, at the first one's place, as ObjectNode


_DECODER = json.JSONDecoder(
    strict=False,  # ALLOW_UNQUOTED_CONTROL_CHARS
    parse_constant=_constant,
    parse_int=lambda s: _number(s, int),
    parse_float=lambda s: _number(s, float),
    object_pairs_hook=_pairs,
)


def _drop_trailing_commas(text: str) -> str:
    """ALLOW_TRAILING_COMMA: one comma right before `]` or `}` is ignored (not `[,]`, not `[1,,]`);
    also checks the nesting depth, which Python's own parser would meet as a RecursionError."""
    depth = 0
    drop: list[int] = []
    comma = -1  # where the last structural token was a comma, else -1
    for match in _STRUCTURE.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise JsonRejected(f"nesting deeper than {MAX_DEPTH}")
        elif token in "]}":
            depth -= 1
            if (
                comma >= 0
                and not text[comma + 1 : match.start()].strip(_SPACE)
                and _value_before(text, comma)
            ):
                drop.append(comma)
        comma = match.start() if token == "," else -1
    for at in reversed(drop):
        text = text[:at] + " " + text[at + 1 :]
    return text


def _value_before(text: str, at: int) -> bool:
    """Whether a value ends right before the comma at `at` (not `[`, `{` or another comma)."""
    at -= 1
    while at >= 0 and text[at] in _SPACE:
        at -= 1
    return at >= 0 and text[at] not in "[{,"


def read_tree(text: str) -> Any:
    """The first JSON value of `text` as Graylog's ObjectMapper reads it.

    Raises:
        JsonRejected: what Jackson would fail on.
    """
    text = _drop_trailing_commas(text)
    start = len(text) - len(text.lstrip(_SPACE))
    try:
        value, _end = _DECODER.raw_decode(text, start)  # trailing content is ignored
    except JsonRejected:
        raise
    except (ValueError, RecursionError) as e:
        raise JsonRejected(str(e)) from None
    return value


def java_parse_double(text: str) -> float | None:
    """Java's Double.parseDouble (whitespace trimmed), or None for a NumberFormatException."""
    text = text.strip("".join(chr(c) for c in range(0x21)))
    if not _JAVA_DOUBLE.fullmatch(text):
        return None
    body = text.rstrip("fFdD") if not text.endswith("Infinity") else text
    if "x" in body.lower():
        sign = -1.0 if body.startswith("-") else 1.0
        try:
            return sign * float.fromhex(body.lstrip("+-"))
        except OverflowError:
            return sign * math.inf
    return float(body.replace("Infinity", "inf").replace("NaN", "nan"))


def java_cast(value: float, bits: int) -> int:
    """Java's `(int)`/`(long)` of a double: NaN -> 0, saturating, toward zero."""
    if math.isnan(value):
        return 0
    low: int = -(2 ** (bits - 1))
    high: int = 2 ** (bits - 1) - 1
    if value <= low:
        return low
    if value >= high:
        return high
    return int(value)


def wrap(value: int, bits: int) -> int:
    """The low `bits` of an integer as a signed number (`LongNode.intValue`, `BigInteger.longValue`)."""
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


def as_integer(value: Any, bits: int, default: int = -1) -> int:
    """`JsonNode.asInt(default)` (bits=32) or `asLong(default)` (bits=64) of a parsed JSON value."""
    if isinstance(value, bool):
        return 1 if value else 0  # BooleanNode.asInt
    if isinstance(value, int):
        return wrap(value, bits)
    if isinstance(value, float):
        return java_cast(value, bits)
    if not isinstance(value, str):
        return default  # null, object, array: ValueNode/ContainerNode return the default
    text = value.strip()
    if not text:
        return default
    if text[0] == "+":
        text = text[1:]
    digits = text[1:] if text.startswith("-") else text
    if digits.isascii() and digits.isdigit():
        number = int(text)
        return number if -(2 ** (bits - 1)) <= number < 2 ** (bits - 1) else default
    parsed = java_parse_double(text)
    return default if parsed is None else java_cast(parsed, bits)


def as_double(value: Any) -> float:
    """The GELF timestamp (GelfCodec.timestampValue): a number's double, a text's parseDouble, else -1."""
    if isinstance(value, bool) or value is None:
        return -1.0
    if isinstance(value, int | float):
        try:
            return float(value)
        except OverflowError:
            return math.inf if value > 0 else -math.inf
    if isinstance(value, str):
        parsed = java_parse_double(value)
        return -1.0 if parsed is None else parsed
    return -1.0


def as_text(value: Any) -> str:
    """`JsonNode.asText()`: text as is, numbers and booleans printed, null -> "null", containers -> ""."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return java_double_text(value)
    if isinstance(value, int | str):
        return str(value)
    return ""


def java_double_text(value: float) -> str:
    """Double.toString, close enough: 4.0, 1.0E20, NaN, Infinity."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0 or 1e-3 <= abs(value) < 1e7:
        text = repr(value)
        return text if "." in text or "e" in text else text + ".0"
    mantissa, _, exponent = f"{value:.17e}".partition("e")
    digits = repr(float(mantissa))
    return f"{digits}E{int(exponent)}"


def to_json_text(value: Any) -> str:
    """A container's `toString()`: compact JSON, non-ASCII as is (an infinite number as `Infinity`)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
