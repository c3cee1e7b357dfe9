"""GELF decoding as Graylog does it (GelfCodec, GELFMessage, GelfChunkAggregator, Message,
DecodingProcessor; identical in 5.x to 7.x for these rules, line numbers at 6.1.4): payload type by
magic bytes, chunk reassembly, validation, and the mapping of GELF fields to stored message fields.

Whatever Graylog drops is raised as `Dropped` with the meter Graylog marks for it, so the inputs
count and log it instead of losing it silently (or dying on it).
"""

from __future__ import annotations

import gzip
import io
import math
import re
import threading
import time
import uuid
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from opsconsole.demo.graylog.jackson import (
    JsonRejected,
    as_double,
    as_integer,
    as_text,
    java_cast,
    read_tree,
    to_json_text,
    wrap,
)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

MAX_CHUNKS = 128  # GelfChunkAggregator.MAX_CHUNKS: more chunks than this drop the message
CHUNK_VALIDITY_SECONDS = 5.0  # GelfChunkAggregator.VALIDITY_PERIOD
DECOMPRESS_LIMIT = 8 * 1024 * 1024  # GelfCodec DEFAULT_DECOMPRESS_SIZE_LIMIT
ES_FIELDS = frozenset({"_id", "_ttl", "_source", "_all", "_index", "_type", "_score"})
"""Message.RESERVED_FIELDS minus RESERVED_SETTABLE_FIELDS (Message.java l.267-293): never set from GELF."""
VALID_KEY = re.compile(r"[a-zA-Z0-9._\-@]*")
"""Message.VALID_KEY_CHAR_MATCHER (l.221): ASCII letters, digits and `.`, `_`, `-`, `@` only; a key with
any other character (a space, `é`, `:`) is ignored by Message.addField (l.579)."""
GRAYLOG_FIELDS = frozenset(
    {
        "gl2_accounted_message_size",
        "gl2_processing_error",
        "gl2_processing_duration_ms",
        "gl2_processing_timestamp",
        "gl2_receive_timestamp",
        "gl2_remote_hostname",
        "gl2_remote_ip",
        "gl2_remote_port",
        "gl2_source_collector",
        "gl2_source_collector_input",
        "gl2_source_input",
        "gl2_source_node",
        "gl2_source_radio",
        "gl2_source_radio_input",
    }
)
"""Message.GRAYLOG_FIELDS (l.226-241): not counted in gl2_accounted_message_size."""
CODEC = "org.graylog2.inputs.codecs.GelfCodec"
AGGREGATOR = "org.graylog2.inputs.codecs.GelfChunkAggregator"


class Dropped(Exception):
    """Graylog would not index this payload. `meter` is the metric Graylog marks (DecodingProcessor:
    `<codec>.<input>.failures` for a decode error, `.incomplete` for an empty message); `reason` says
    why in words."""

    def __init__(self, meter: str, reason: str) -> None:
        super().__init__(reason)
        self.meter = meter
        self.reason = reason


def payload_type(data: bytes) -> str:
    """GELFMessage.Type.determineType: ZLIB, GZIP, CHUNKED, UNSUPPORTED (0x78 with a bad check byte)
    or UNCOMPRESSED by the first two bytes."""
    if len(data) >= 2:
        if data[0] == 0x78:
            return "ZLIB" if (0x78 * 256 + data[1]) % 31 == 0 else "UNSUPPORTED"
        if data[:2] == b"\x1f\x8b":
            return "GZIP"
        if data[:2] == b"\x1e\x0f":
            return "CHUNKED"
    return "UNCOMPRESSED"


def decompress(data: bytes) -> bytes:
    """The JSON bytes of a payload (GELFMessage.getJSON with decompress_size_limit).

    Raises:
        Dropped: too short, unsupported, not decompressible, or over the size limit (Tools.decompress*
        stop at the limit, so the JSON is cut and does not parse).
    """
    if len(data) < 2:
        raise Dropped("failures", "GELF message is too short. Not even the type header would fit.")
    kind = payload_type(data)
    if kind in ("UNSUPPORTED", "CHUNKED"):
        raise Dropped("failures", f"Unknown GELF type {kind}. Not supported.")
    try:
        if kind == "ZLIB":
            out = zlib.decompressobj().decompress(data, DECOMPRESS_LIMIT + 1)
        elif kind == "GZIP":
            out = gzip.GzipFile(fileobj=io.BytesIO(data)).read(DECOMPRESS_LIMIT + 1)
        else:
            return data
    except (zlib.error, OSError, EOFError) as e:
        raise Dropped("failures", f"Failed to decompress the GELF message payload ({e})") from None
    if len(out) > DECOMPRESS_LIMIT:
        raise Dropped("failures", f"decompressed payload over {DECOMPRESS_LIMIT} bytes: the JSON is cut")
    return out


@dataclass
class _Pending:
    count: int
    first_seen: float
    parts: dict[int, bytes] = field(default_factory=dict)


class ChunkAggregator:
    """Reassembles chunked GELF: id = bytes 2-9, seq = byte 10, count = byte 11, data from 12.
    `counts` holds GelfChunkAggregator's meters (duplicate-chunks, expired-messages, ...)."""

    def __init__(self, clock: Any = time.monotonic) -> None:
        self._pending: dict[bytes, _Pending] = {}
        self._clock = clock
        self._lock = threading.Lock()
        self.counts: Counter[str] = Counter()

    @property
    def dropped(self) -> int:
        """Messages lost in reassembly: invalid headers and sets that expired incomplete."""
        return self.counts["invalid-chunks"] + self.counts["expired-messages"]

    def add(self, chunk: bytes) -> bytes | None:
        """The whole message once its last chunk arrives; None while incomplete or invalid."""
        with self._lock:
            self.counts["total-chunks"] += 1
            if len(chunk) < 12 or chunk[11] > MAX_CHUNKS or chunk[10] >= chunk[11]:
                self.counts["invalid-chunks"] += 1
                return None
            message_id, seq, count, data = chunk[2:10], chunk[10], chunk[11], chunk[12:]
            now = self._clock()
            self._evict(now)
            pending = self._pending.setdefault(message_id, _Pending(count, now))
            if seq in pending.parts:
                self.counts["duplicate-chunks"] += 1
                return None
            pending.parts[seq] = data
            if len(pending.parts) < pending.count:
                return None
            del self._pending[message_id]
            self.counts["complete-messages"] += 1
        return b"".join(pending.parts[i] for i in sorted(pending.parts))

    def _evict(self, now: float) -> None:
        for key in [k for k, p in self._pending.items() if now - p.first_seen > CHUNK_VALIDITY_SECONDS]:
            self.counts["expired-chunks"] += len(self._pending.pop(key).parts)
            self.counts["expired-messages"] += 1


def read_gelf(payload: bytes) -> dict[str, Any]:
    """The GELF JSON object of a (possibly compressed) payload.

    Raises:
        Dropped: "failures", as GelfCodec.decode's IllegalStateException for invalid JSON.
    """
    raw = decompress(payload)
    try:
        value = read_tree(raw.decode("utf-8", errors="replace"))  # new String(bytes, UTF_8)
    except JsonRejected as e:
        raise Dropped("failures", f"JSON is null/could not be parsed (invalid JSON): {e}") from None
    if not isinstance(value, dict):
        raise Dropped("failures", 'is missing mandatory "short_message" or "message" field.')
    return value


def parse(payload: bytes) -> dict[str, Any] | None:
    """`read_gelf`, or None when Graylog would drop the payload."""
    try:
        return read_gelf(payload)
    except Dropped:
        return None


def validate(gelf: dict[str, Any]) -> None:
    """GelfCodec.validateGELFMessage (l.244-280).

    Raises:
        Dropped: "failures" with Graylog's own wording.
    """
    if "host" in gelf:
        host = gelf["host"]
        if not isinstance(host, str):
            raise Dropped("failures", f'has invalid "host": {as_text(host)}')
        if not host.strip():
            raise Dropped("failures", 'has empty mandatory "host" field.')
    if "short_message" in gelf:
        if not isinstance(gelf["short_message"], str):
            raise Dropped("failures", f'has invalid "short_message": {as_text(gelf["short_message"])}')
    elif "message" in gelf:
        if not isinstance(gelf["message"], str):
            raise Dropped("failures", f'has invalid "message": {as_text(gelf["message"])}')
    else:
        raise Dropped("failures", 'is missing mandatory "short_message" or "message" field.')


@dataclass(frozen=True)
class Origin:
    """Where a payload came from: the input, the node, the sender's address (DecodingProcessor)."""

    remote: str
    port: int = 0
    input_id: str = ""
    node_id: str = ""


def decode(
    gelf: dict[str, Any], origin: Origin, received: datetime | None = None, ignored: list[str] | None = None
) -> dict[str, Any]:
    """The message Graylog stores for a GELF object (GelfCodec.decode, then DecodingProcessor and
    Message.toElasticSearchObject).

    Raises:
        Dropped: what Graylog rejects ("failures"), an empty message ("incomplete"), or a timestamp
            no index can hold ("index-failures", emulator's own meter: year past 9999 [I]).

    `ignored` collects the field names Graylog ignores (invalid characters, reserved).
    """
    validate(gelf)
    received = received or datetime.now(UTC)
    fields = _Fields()
    fields.add("message", as_text(gelf["short_message"]) if "short_message" in gelf else None, required=True)
    fields.add("source", gelf.get("host"), required=True)
    fields.add("timestamp", _timestamp(gelf.get("timestamp"), received), required=True)
    if "full_message" in gelf:
        fields.add("full_message", as_text(gelf["full_message"]))  # stringValue: null -> "null"
    for name in ("file", "facility"):
        if name in gelf and as_text(gelf[name]):
            fields.add(name, as_text(gelf[name]))
    line = as_integer(gelf["line"], 64) if "line" in gelf else -1  # longValue: asLong(-1)
    if line > -1:
        fields.add("line", line)
    level = as_integer(gelf["level"], 32) if "level" in gelf else -1  # intValue: asInt(-1)
    if level > -1:
        fields.add("level", level, width=4)  # an Integer
    _additional(gelf, fields)
    if ignored is not None:
        ignored += fields.ignored  # keys Message.addField ignores: the message is kept without them
    if not fields.values.get("message"):  # Message.isComplete; DecodingProcessor l.189-196
        raise Dropped("incomplete", "message field is empty")
    return _stored(fields, origin, received)


def _additional(gelf: dict[str, Any], fields: _Fields) -> None:
    """GelfCodec l.191-239: every other key, one leading `_` stripped; containers as JSON text,
    numbers as long or double, text as is; null and booleans skipped; set keys not overridden."""
    for key, value in gelf.items():
        if key == "version":
            continue
        name = key[1:] if key.startswith("_") and len(key) > 1 else key
        if name in ("short_message", "host") or name in fields.values or name in ES_FIELDS:
            continue
        if isinstance(value, dict | list):
            fields.add(name, to_json_text(value))
        elif isinstance(value, float):
            if not math.isfinite(value):  # 1e400 parses as Infinity; a double field cannot hold it [I]
                raise Dropped("index-failures", f"field {name!r} is {as_text(value)}: no index holds it")
            fields.add(name, value)
        elif isinstance(value, int) and not isinstance(value, bool):
            fields.add(name, wrap(value, 64))  # asLong of a BigInteger keeps the low 64 bits
        elif isinstance(value, str):
            fields.add(name, value)


class _Fields:
    """Message.addField (l.575-607) with Message.updateSize's accounting (l.609-648)."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.size = 0
        self.ignored: list[str] = []
        self._widths: dict[str, int] = {}

    def add(self, key: str, value: Any, *, required: bool = False, width: int = 8) -> None:
        """`width`: the size Graylog counts for a non-text value (4 for an Integer, else 8)."""
        name = key.strip()
        if name in ES_FIELDS or not VALID_KEY.fullmatch(name):
            self.ignored.append(name)  # "Ignoring invalid or reserved key"
            return
        if isinstance(value, str):
            value = value.strip()
            if not value and not required:
                return
        if value is None:
            return
        previous = self.values.get(name)
        self.values[name] = value
        self._widths[name], old_width = width, self._widths.get(name, 8)
        if name not in GRAYLOG_FIELDS:
            new_size = _size(value, width)
            self.size += new_size - (_size(previous, old_width) if previous is not None else -len(name))


def _size(value: Any, width: int) -> int:
    """Message.sizeForValue: a text's UTF-16 length, else the class size (Integer 4; Long, Double,
    DateTime 8)."""
    if isinstance(value, str):
        return len(value.encode("utf-16-le", errors="surrogatepass")) // 2
    return width


def _timestamp(value: Any, received: datetime) -> datetime | int:
    """GelfCodec l.150-158: <= 0 (or not a number) -> the receive time; else Tools.dateTimeFromDouble:
    Math.round(x * 1000) milliseconds (NaN -> 0, the epoch; saturating at Long.MAX_VALUE)."""
    seconds = as_double(value)
    if seconds <= 0:
        return received
    product = seconds * 1000
    return 0 if math.isnan(product) else java_cast(math.floor(product + 0.5), 64)


def _stored(fields: _Fields, origin: Origin, received: datetime) -> dict[str, Any]:
    """DecodingProcessor.postProcessMessage (l.206-260) then Message.toElasticSearchObject (l.422-480)."""
    if not fields.values.get("source"):
        fields.add("source", origin.remote or "unknown")  # an empty source: the remote address
    values = fields.values
    stamp = values["timestamp"]
    if isinstance(stamp, int):
        try:
            stamp = EPOCH + timedelta(milliseconds=stamp)
        except OverflowError:
            raise Dropped(
                "index-failures", f"timestamp {stamp} ms is past year 9999: no index holds it"
            ) from None
    stored: dict[str, Any] = {}
    for key, value in values.items():
        if key == "timestamp":
            continue
        if "." in key:
            stored.setdefault(key.replace(".", "_"), value)  # l.434-446: a plain `a_b` wins over `a.b`
        else:
            stored[key] = value
    stored.update(
        {
            "_id": str(uuid.uuid4()),
            "timestamp": stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "gl2_source_input": origin.input_id,
            "gl2_source_node": origin.node_id,
            "gl2_remote_ip": origin.remote,
            "gl2_receive_timestamp": es_time(received),
            "gl2_processing_timestamp": es_time(datetime.now(UTC)),
            "gl2_accounted_message_size": fields.size,
        }
    )
    if origin.port > 0:
        stored["gl2_remote_port"] = origin.port
    return stored


def es_time(moment: datetime) -> str:
    """Tools.buildElasticSearchTimeFormat: `yyyy-MM-dd HH:mm:ss.SSS` in UTC."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


def to_message(gelf: dict[str, Any], remote: str, received: datetime | None = None) -> dict[str, Any] | None:
    """`decode` from a remote address alone, or None when Graylog would drop the message."""
    try:
        return decode(gelf, Origin(remote), received)
    except Dropped:
        return None
