"""A clock the test steps by hand, for the tail's wall clock and the emulator's index-delay clock:
what a poll sees then depends on the test's steps, not on how loaded the machine is or on two
clocks read at slightly different moments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MS = timedelta(milliseconds=1)


class ManualClock:
    """`clock()` is the wall clock, `monotonic()` the seconds stepped so far; `advance()` moves both
    by whole milliseconds, counted in integers so that stepping 0.399 s and then 0.001 s lands on
    exactly 0.4 s (a float sum could fall a hair short of an index delay)."""

    def __init__(self, start: datetime = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)) -> None:
        self.start = start
        self.millis = 0

    @property
    def now(self) -> datetime:
        return self.start + self.millis * MS

    def __call__(self) -> datetime:
        return self.now

    def monotonic(self) -> float:
        return self.millis / 1000

    def advance(self, seconds: float) -> None:
        self.millis += round(seconds * 1000)

    def epoch(self, offset: float = 0.0) -> float:
        """A GELF timestamp `offset` seconds from now, on a whole millisecond."""
        return ((self.now - EPOCH) // MS + round(offset * 1000)) / 1000
