"""A live tail over Graylog, which has no streaming API: careful polling of the universal search.

Each poll looks again at an overlap window behind the newest message shown, because a message
becomes searchable 1-3 s after it arrived (output flush + index refresh) and may carry an older
timestamp than messages already shown. Ids seen inside the overlap are remembered, older ones are
forgotten (bounded memory), so nothing is shown twice, and nothing is skipped as long as a message
becomes searchable within the overlap (the late window, `graylog.late_window`) of the newest one.

A message that becomes searchable later than that (a shipper that buffered for a minute, a sender
whose clock is behind) lands behind the window and is not shown; it is never lost silently: the
tail counts the messages behind its window at every poll and compares with how many it showed
there (and, for messages stamped before the tail started, with how many were there when it started),
so `late` says how many arrived too late and `late_before` the time they are older than. The count
looks back LATE_HORIZON before the start; messages deleted by retention meanwhile would hide as
many late ones from it.

To keep a busy tail cheap, the overlap is first *counted* (a `limit=1` search): when the count
equals the ids already seen there, only the part from the newest timestamp on is read; otherwise
the whole overlap is read again. Reads page by offset, then by timestamp (keyset) before offset +
limit reaches the index's 10,000-result window. Graylog's ranges include `from` and exclude `to`
(its range query is `gte`/`lt`), so every window here is half-open too: [start, end).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Protocol, Unpack

from opsconsole.domain.errors import BackendError
from opsconsole.domain.logs import LogMessage, SearchOptions, SearchResult

MAX_RESULT_WINDOW = 10_000
LATE_HORIZON = timedelta(days=1)
"""How far before its start the tail counts messages that arrive late."""
_MS = timedelta(milliseconds=1)


class Searcher(Protocol):
    """What a tail searches: GraylogClient, or the application's circuit-guarded one."""

    def search(self, query: str = "*", **options: Unpack[SearchOptions]) -> SearchResult: ...


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _whole_ms(moment: datetime) -> datetime:
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def order_key(message: LogMessage) -> tuple[datetime, str, str]:
    """Timestamp, then Graylog's own tie-breaker (gl2_message_id, a ULID in arrival order), then id."""
    return message.timestamp, str(message.fields.get("gl2_message_id", "")), message.id


class LogTail:
    """`poll()` returns the messages that are new since the last poll, oldest first; `follow()`
    repeats it at `interval` seconds, which shortens while messages flow and grows when idle."""

    def __init__(
        self,
        searcher: Searcher,
        query: str = "*",
        *,
        streams: Sequence[str] = (),
        overlap: timedelta = timedelta(seconds=5),
        backlog: timedelta = timedelta(0),
        page_size: int = 1000,
        min_interval: float = 1.0,
        max_interval: float = 10.0,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.searcher = searcher
        self.query = query
        self.streams = tuple(streams)
        self.overlap = overlap
        self.page_size = page_size
        self.min_interval = min_interval
        self.max_interval = max_interval
        self.interval = min_interval
        self._clock = clock
        # On a whole millisecond, as Graylog's timestamps are: a start inside a millisecond would
        # let a message stamped in that millisecond be read (the API's `from` is truncated) and
        # then forgotten as older than the start, so it would come again.
        self._start = _whole_ms(clock() - backlog)
        self._newest: datetime | None = None
        self._seen: dict[str, datetime] = {}  # id -> timestamp, for ids inside the overlap window
        self._sealed_until = self._start  # the window never again reads before this
        self._sealed_shown = 0  # messages shown with a timestamp before _sealed_until
        self._baseline: int | None = None  # messages before the start when the tail began
        self.late = 0
        """Messages that became searchable only after the window had passed their time: not shown."""
        self.late_new = 0
        """How many of `late` the last poll found."""
        self.polls = 0
        self.requests = 0

    @property
    def late_before(self) -> datetime:
        """The late messages are older than this (the window's floor)."""
        return self._sealed_until

    @property
    def remembered(self) -> int:
        """How many ids the tail holds for deduplication (bounded by the overlap window)."""
        return len(self._seen)

    def poll(self) -> list[LogMessage]:
        """One round: the messages not shown before, in timestamp order (ties stable).

        Raises:
            BackendError, CredentialsError, InvalidInput: from the searcher.
        """
        self.polls += 1
        now = self._clock()
        if self._baseline is None:
            self._baseline = self._count_behind(self._start)
        if self._newest is None:
            found = self._read(self._start, now)
        else:
            floor = max(self._start, self._newest - self.overlap)
            end = max(now, self._newest + _MS)  # never behind the newest shown (a clock stepped back)
            found = self._read(self._newest if self._overlap_complete(floor) else floor, end)
        fresh: dict[str, LogMessage] = {}
        for message in found:
            if message.id not in self._seen:
                fresh.setdefault(message.id, message)
        batch = sorted(fresh.values(), key=order_key)
        for message in batch:
            self._seen[message.id] = message.timestamp
        if batch:
            newest = batch[-1].timestamp
            self._newest = newest if self._newest is None else max(self._newest, newest)
            # No later window starts before this floor, so older ids can never come back.
            floor = max(self._start, self._newest - self.overlap)
            self._sealed_shown += sum(1 for t in self._seen.values() if t < floor)
            self._seen = {i: t for i, t in self._seen.items() if t >= floor}
            self._sealed_until = floor
        # The first poll has just read its whole window: what is behind it now was shown, and a
        # message that lands there meanwhile is counted by the next poll (the counts are totals),
        # so a new tail's first lines (a switch, a new link) wait for one search, not two.
        self.late_new = self._count_late() if self.polls > 1 else 0
        self._adapt(bool(batch))
        return batch

    def _count_behind(self, until: datetime) -> int:
        return self._search(self._start - LATE_HORIZON, until, limit=1, offset=0).total

    def _count_late(self) -> int:
        """Messages behind the window that were never shown, found since the last poll."""
        base = self._baseline or 0
        behind = self._count_behind(self._sealed_until) - base - self._sealed_shown
        if behind <= self.late:
            return 0
        found, self.late = behind - self.late, behind
        return found

    def follow(
        self,
        stop: threading.Event,
        on_batch: Callable[[list[LogMessage]], None],
        on_error: Callable[[BackendError], None] | None = None,
        on_late: Callable[[int, datetime], None] | None = None,
    ) -> None:
        """Poll until `stop` is set, handing each non-empty batch to `on_batch`. With `on_error`, a
        failing server is reported and retried with backoff; without it, the error is raised.
        `on_late(count, older_than)` hears of messages that arrived behind the late window."""
        while not stop.is_set():
            try:
                batch = self.poll()
            except BackendError as e:
                if on_error is None:
                    raise
                on_error(e)
                self.interval = min(self.max_interval, self.interval * 2)
            else:
                if batch:
                    on_batch(batch)
                if self.late_new and on_late is not None:
                    on_late(self.late_new, self.late_before)
            stop.wait(self.interval)

    def _adapt(self, flowing: bool) -> None:
        """Straight to the fastest interval while messages flow; half again as long per idle poll."""
        self.interval = self.min_interval if flowing else min(self.max_interval, self.interval * 1.5)

    def _overlap_complete(self, floor: datetime) -> bool:
        """Whether the server holds exactly the ids already seen in [floor, newest)."""
        newest = self._newest
        assert newest is not None
        if newest <= floor:
            return True
        expected = sum(1 for t in self._seen.values() if t < newest)
        counted = self._search(floor, newest, limit=1, offset=0).total
        return counted == expected

    def _read(self, start: datetime, end: datetime) -> list[LogMessage]:
        found: list[LogMessage] = []
        offset = 0
        while True:
            page = self._search(start, end, limit=self.page_size, offset=offset)
            found.extend(page.messages)
            if len(page.messages) < self.page_size or offset + len(page.messages) >= page.total:
                return found
            last = page.messages[-1].timestamp
            if offset + 2 * self.page_size <= MAX_RESULT_WINDOW:
                offset += self.page_size
            elif last > start:
                start, offset = last, 0  # keyset: the boundary millisecond comes again, deduped
            else:
                return found  # over 10,000 messages in one millisecond: a real index refuses deeper pages

    def _search(self, start: datetime, end: datetime, *, limit: int, offset: int) -> SearchResult:
        self.requests += 1
        return self.searcher.search(
            self.query,
            start=start,
            end=end,
            streams=self.streams,
            limit=limit,
            offset=offset,
            sort="timestamp:asc",
        )
