"""The emulator's meters: what each input received, indexed and dropped, named as Graylog's own
metric registry names them, so nothing an input drops goes unseen.

- `org.graylog2.inputs.codecs.GelfCodec.<input>.failures` / `.incomplete` / `.processedMessages`
  (DecodingProcessor l.143-269 at 6.1.4): a payload the codec rejects, a message left empty, and one
  decoded;
- `org.graylog2.inputs.codecs.GelfChunkAggregator.<name>` (GelfChunkAggregator l.60-65): chunks,
  duplicates, sets expired incomplete;
- `opsconsole.emulator.<input>.<reason>` (the emulator's own, labelled so): what a real server loses
  elsewhere, e.g. a timestamp no index can hold, a TCP frame over max_message_size, an HTTP body over
  the chunk size, and internal errors of the emulator itself (which a test expects to stay 0).

Every drop is also logged (logger `opsconsole.demo.graylog`, INFO, so the TUI's terminal stays clean)
and the last 200 are kept for `GET /api/emulator/drops`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, deque
from typing import Any

from opsconsole.demo.graylog.gelf import AGGREGATOR, CODEC

LOG = logging.getLogger("opsconsole.demo.graylog")
CODEC_METERS = frozenset({"failures", "incomplete", "processedMessages"})


def meter_name(input_id: str, meter: str) -> str:
    if meter in CODEC_METERS:
        return f"{CODEC}.{input_id}.{meter}"
    return f"opsconsole.emulator.{input_id}.{meter}"


class Metrics:
    """Thread-safe meter counts and a bounded log of recent drops."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self.recent: deque[dict[str, Any]] = deque(maxlen=200)

    def mark(self, name: str, count: int = 1) -> None:
        with self._lock:
            self._counts[name] += count

    def processed(self, input_id: str) -> None:
        self.mark(meter_name(input_id, "processedMessages"))

    def drop(self, input_name: str, input_id: str, meter: str, reason: str, remote: str = "") -> None:
        """Count and log a payload Graylog would not index."""
        name = meter_name(input_id, meter)
        self.mark(name)
        entry = {
            "input": input_name,
            "meter": name,
            "reason": reason[:300],
            "remote": remote,
            "at": time.time(),
        }
        with self._lock:
            self.recent.append(entry)
        LOG.info(
            "GELF %s input dropped a payload from %s: %s (%s)", input_name, remote or "?", reason[:300], name
        )

    def aggregator(self, counts: Counter[str]) -> None:
        """Fold a chunk aggregator's counts in (they are its own meters)."""
        with self._lock:
            for key, value in counts.items():
                self._counts[f"{AGGREGATOR}.{key}"] = value

    def count(self, name: str) -> int:
        with self._lock:
            return self._counts[name]

    def dropped(self) -> int:
        """Every payload dropped, by any input, for any reason."""
        with self._lock:
            return sum(
                v
                for k, v in self._counts.items()
                if not k.endswith((".processedMessages", ".ignored-fields")) and not k.startswith(AGGREGATOR)
            )

    def snapshot(self) -> dict[str, Any]:
        """Graylog's `GET /api/system/metrics` shape: meters by name, each with its count."""
        with self._lock:
            meters = {k: {"count": v, "units": "events/second"} for k, v in sorted(self._counts.items())}
        return {"gauges": {}, "counters": {}, "histograms": {}, "meters": meters, "timers": {}}
