"""The emulator's message index: messages ordered by timestamp, each searchable `index_delay`
seconds after it arrived (Graylog's output flush plus OpenSearch's refresh interval, 1-3 s in real
life), routed into streams when stored. The delay runs on an injectable monotonic clock, so a test
can step past it instead of sleeping and racing a loaded machine.
"""

from __future__ import annotations

import bisect
import itertools
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from opsconsole.demo.graylog.metrics import Metrics

Router = Callable[[Mapping[str, Any]], list[str]]
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _ulid(millis: int, counter: int) -> str:
    """A 26-character ULID-like `gl2_message_id`: time first, then a per-node counter, so it sorts
    in arrival order (the tie-breaker Graylog adds to timestamp sorts)."""
    value = (millis << 80) | (os.getpid() & 0xFFFF) << 64 | counter
    return "".join(_CROCKFORD[(value >> (5 * i)) & 31] for i in reversed(range(26)))


def epoch_millis(iso: str) -> int:
    """Whole milliseconds since the epoch, in integer arithmetic (a float product can land a hair low)."""
    return (datetime.fromisoformat(iso.replace("Z", "+00:00")) - EPOCH) // _MS


@dataclass(frozen=True)
class Page:
    total: int
    messages: list[dict[str, Any]]


class MessageStore:
    """Received messages, by timestamp; each becomes searchable `index_delay` seconds after arrival."""

    def __init__(
        self,
        index_delay: float = 0.0,
        router: Router | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.index_delay = index_delay
        self.router = router
        self._clock = clock  # when a message arrived and what is searchable now; seconds
        self._lock = threading.Lock()
        self._arrivals: list[float] = []  # by arrival sequence: when each became stored
        self._messages: list[dict[str, Any]] = []  # by arrival sequence
        self._keys: list[tuple[int, int]] = []  # (timestamp ms, sequence), sorted
        self._counter = itertools.count()
        self.metrics = Metrics()

    @property
    def rejected(self) -> int:
        """Payloads the inputs dropped (see `metrics` for why)."""
        return self.metrics.dropped()

    def add(self, message: dict[str, Any]) -> None:
        if self.router is not None:
            message["streams"] = self.router(message)
        millis = epoch_millis(message["timestamp"])
        with self._lock:
            sequence = next(self._counter)
            message["gl2_message_id"] = _ulid(int(time.time() * 1000), sequence)
            self._messages.append(message)
            self._arrivals.append(self._clock())
            bisect.insort(self._keys, (millis, sequence))

    def _visible_count(self) -> int:
        """Messages arrive in sequence order, so the searchable ones are a prefix of the sequence."""
        return bisect.bisect_right(self._arrivals, self._clock() - self.index_delay)

    def searchable(self) -> list[dict[str, Any]]:
        """Searchable messages in arrival order."""
        with self._lock:
            return list(self._messages[: self._visible_count()])

    def search(
        self,
        start_ms: int,
        end_ms: int,
        matches: Callable[[Mapping[str, Any]], bool],
        *,
        descending: bool,
        offset: int,
        limit: int,
        sort_field: str = "timestamp",
    ) -> Page:
        """Searchable messages with start <= timestamp < end that match, sorted by `sort_field`
        (ties by arrival, like gl2_message_id); `total` counts them all, the page holds `limit`.
        The end is exclusive like Graylog's own range query (TimeRangeQueryFactory: `gte` from,
        `lt` to, since 4.3 / PR #11550)."""
        with self._lock:
            visible = self._visible_count()
            low = bisect.bisect_left(self._keys, (start_ms, -1))
            high = bisect.bisect_left(self._keys, (end_ms, -1))
            found = [
                self._messages[sequence]
                for _millis, sequence in self._keys[low:high]
                if sequence < visible and matches(self._messages[sequence])
            ]
        if sort_field != "timestamp":
            present = [m for m in found if sort_field in m]
            present.sort(key=lambda m: (str(type(m[sort_field])), m[sort_field]), reverse=descending)
            found = present + [m for m in found if sort_field not in m]  # missing values last
        elif descending:
            found.reverse()
        return Page(len(found), found[offset : offset + limit])

    def __len__(self) -> int:
        with self._lock:
            return len(self._messages)
