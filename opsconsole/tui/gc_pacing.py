"""When the garbage collector may pause the console: not while a key is being answered.

CPython collects when allocations pass a count, whatever the thread is doing; at full scale
(2,000 services, 5,000 problems, 10,000 log lines a second) a generation-1 collection holds the
process ~50-180 ms, and landing inside a key's handling it became that key's delay. A key turns
automatic collection off for `HOLD` seconds (a key's handling and frame take less at full scale);
the collection owed runs after. Keys pressed back to back hold it at most `MAX_HOLD` seconds in
a row, so holding a key down cannot keep the collector off.
"""

from __future__ import annotations

import asyncio
import gc

HOLD = 0.12
"""Seconds a key holds automatic collection (key-to-paint at full scale: p95 ~60 ms)."""
MAX_HOLD = 0.5
"""Longest continuous hold: a key pressed later than this into one lets the collector run."""


def tune_gc() -> None:
    """Leave start-up objects out of every collection (freeze), and keep each collection small:
    with (50_000, 50, 100) one generation-1 collection at full scale took 916 ms of CPU in
    bench/scale_screen.py; with (10_000, 10, 100) the longest was 64 ms (generation 0: 20 ms)."""
    gc.freeze()
    gc.set_threshold(10_000, 10, 100)


class KeyFirst:
    """Holds automatic collection for `HOLD` seconds after each key (see the module docstring)."""

    def __init__(self) -> None:
        self.held = False
        self._since = 0.0
        self._deadline: asyncio.TimerHandle | None = None

    def key_pressed(self, loop: asyncio.AbstractEventLoop) -> None:
        if not gc.isenabled() and not self.held:
            return  # someone else (a test, a profiler) turned collection off: not ours to resume
        if self._deadline is not None:
            self._deadline.cancel()
        now = loop.time()
        if self.held and now - self._since > MAX_HOLD:
            self.resume()  # the collection owed runs during this key
            return
        if not self.held:
            self.held, self._since = True, now
            gc.disable()
        self._deadline = loop.call_later(HOLD, self.resume)

    def resume(self) -> None:
        """Collection back on, if a key turned it off (a gc.disable() by anyone else while a key
        held it is undone too: nothing in the console does that)."""
        if self.held:
            self.held = False
            gc.enable()
