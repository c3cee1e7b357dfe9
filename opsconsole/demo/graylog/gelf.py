"""GELF decoding as Graylog does it (GelfCodec, GELFMessage, GelfChunkAggregator, Message;
identical in 5.x to 7.x for these rules): payload type by magic bytes, chunk reassembly,
validation, and the mapping of GELF fields to stored message fields.
"""

from __future__ import annotations

import gzip
import json
import re
import threading
import time
import uuid
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

MAX_CHUNKS = 128  # GelfChunkAggregator: more chunks than this drop the message
CHUNK_VALIDITY_SECONDS = 5.0  # GelfChunkAggregator.VALIDITY_PERIOD
DECOMPRESS_LIMIT = 8 * 1024 * 1024  # decompress_size_limit default
RESERVED = {"_id", "_index", "_source", "_type", "_score", "_ttl", "_all"}  # Message.RESERVED_FIELDS
VALID_KEY = re.compile(r"^[\w.\-@]*$")  # Message.validKey
# Fields the codec maps itself (GelfCodec), not copied as additional fields.
_MAPPED = {
    "version",
    "short_message",
    "host",
    "full_message",
    "file",
    "line",
    "level",
    "facility",
    "timestamp",
    "message",
}


def payload_type(data: bytes) -> str:
    """GELFMessage.Type.determineType: ZLIB, GZIP, CHUNKED, or UNCOMPRESSED by the first bytes."""
    if len(data) >= 2:
        if data[0] == 0x78 and (0x78 * 256 + data[1]) % 31 == 0:
            return "ZLIB"
        if data[:2] == b"\x1f\x8b":
            return "GZIP"
        if data[:2] == b"\x1e\x0f":
            return "CHUNKED"
    return "UNCOMPRESSED"


def decompress(data: bytes) -> bytes | None:
    kind = payload_type(data)
    try:
        if kind == "ZLIB":
            inflater = zlib.decompressobj()
            out = inflater.decompress(data, DECOMPRESS_LIMIT)
            return None if inflater.unconsumed_tail else out
        if kind == "GZIP":
            out = gzip.decompress(data)
            return out if len(out) <= DECOMPRESS_LIMIT else None
    except (zlib.error, OSError, EOFError):
        return None
    return data


@dataclass
class _Pending:
    count: int
    first_seen: float
    parts: dict[int, bytes] = field(default_factory=dict)


class ChunkAggregator:
    """Reassembles chunked GELF: id = bytes 2-9, seq = byte 10, count = byte 11, data from 12."""

    def __init__(self, clock: Any = time.monotonic) -> None:
        self._pending: dict[bytes, _Pending] = {}
        self._clock = clock
        self._lock = threading.Lock()
        self.dropped = 0

    def add(self, chunk: bytes) -> bytes | None:
        """The whole message once its last chunk arrives; None while incomplete or invalid."""
        if len(chunk) < 12:
            self.dropped += 1
            return None
        message_id, seq, count, data = chunk[2:10], chunk[10], chunk[11], chunk[12:]
        if count > MAX_CHUNKS or seq >= count:
            self.dropped += 1
            return None
        now = self._clock()
        with self._lock:
            self._evict(now)
            pending = self._pending.setdefault(message_id, _Pending(count, now))
            if seq in pending.parts:
                return None  # a duplicate chunk is ignored
            pending.parts[seq] = data
            if len(pending.parts) < pending.count:
                return None
            del self._pending[message_id]
        return b"".join(pending.parts[i] for i in sorted(pending.parts))

    def _evict(self, now: float) -> None:
        for key in [k for k, p in self._pending.items() if now - p.first_seen > CHUNK_VALIDITY_SECONDS]:
            del self._pending[key]
            self.dropped += 1


def parse(payload: bytes) -> dict[str, Any] | None:
    """The GELF JSON object of a (possibly compressed) payload, or None when unreadable."""
    raw = decompress(payload)
    if raw is None:
        return None
    try:
        value = json.loads(raw.decode("utf-8", errors="replace").rstrip("\x00"))
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def to_message(gelf: dict[str, Any], remote: str, received: datetime | None = None) -> dict[str, Any] | None:
    """The stored message Graylog makes of a GELF object, or None when Graylog would reject it."""
    received = received or datetime.now(UTC)
    host = gelf.get("host")
    if "host" in gelf and (not isinstance(host, str) or not host.strip()):
        return None
    short, long_message = gelf.get("short_message"), gelf.get("message")
    if "short_message" in gelf:
        if not isinstance(short, str) or (
            not short.strip() and not (isinstance(long_message, str) and long_message.strip())
        ):
            return None
        text = short if short.strip() else str(long_message)
    elif isinstance(long_message, str) and long_message.strip():
        text = long_message
    else:
        return None  # "missing mandatory short_message or message"
    message: dict[str, Any] = {
        "_id": str(uuid.uuid4()),
        "message": text,
        "source": host.strip() if isinstance(host, str) and host.strip() else remote,
        "timestamp": _timestamp(gelf.get("timestamp"), received),
        "gl2_remote_ip": remote,
        "gl2_receive_timestamp": received.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }
    for key, name in (("full_message", "full_message"), ("file", "file"), ("facility", "facility")):
        value = gelf.get(key)
        if isinstance(value, str) and value.strip():
            message[name] = value
    line = gelf.get("line")
    if isinstance(line, int) and not isinstance(line, bool) and line >= 0:
        message["line"] = line
    level = _as_int(gelf.get("level"))
    if level is not None:
        message["level"] = level
    for key, value in gelf.items():
        if key in _MAPPED:
            continue
        name = key[1:] if key.startswith("_") else key  # one leading underscore is stripped
        if not name or name in message or name in RESERVED or not VALID_KEY.match(name):
            continue
        converted = _field_value(value)
        if converted is not None:
            message[name] = converted
    return message


def _timestamp(value: Any, received: datetime) -> str:
    seconds: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str):
        try:
            seconds = float(value)
        except ValueError:
            seconds = None
    moment = received if seconds is None or seconds <= 0 else datetime.fromtimestamp(round(seconds, 3), UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def _field_value(value: Any) -> Any:
    """Objects and arrays become JSON strings; booleans and nulls are dropped; strings trimmed."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value
