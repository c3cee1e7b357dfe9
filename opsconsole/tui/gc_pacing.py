"""When the garbage collector may pause the console: not between a key and its frame.

CPython collects when allocations pass a count, whatever the thread is doing; at full scale
(2,000 services, 5,000 problems, 10,000 log lines a second) a generation-1 collection holds the
process ~50 ms, and landing inside a key's handling it became that key's delay. A key turns
automatic collection off until the frame after it is drawn (or `RESUME_AFTER` at the latest, so a
key whose frame never comes cannot keep it off); the collection owed then runs before the next
one, off the key's path.
"""

from __future__ import annotations

import asyncio
import gc

RESUME_AFTER = 0.25
"""Seconds after a key at which collection resumes even if no frame was drawn."""


def tune_gc() -> None:
    """Leave start-up objects out of every collection (freeze), and keep each collection small:
    with (50_000, 50, 100) one generation-1 collection at full scale took 916 ms of CPU in
    bench/scale_screen.py; with (10_000, 10, 100) the longest was 64 ms (generation 0: 20 ms)."""
    gc.freeze()
    gc.set_threshold(10_000, 10, 100)


class KeyFirst:
    """Holds automatic collection from a key until its frame; `after_frame` schedules the resume
    (the app's call_after_refresh)."""

    def __init__(self) -> None:
        self.held = False
        self._deadline: asyncio.TimerHandle | None = None

    def key_pressed(self, loop: asyncio.AbstractEventLoop) -> None:
        if not gc.isenabled() and not self.held:
            return  # someone else (a test, a profiler) turned collection off: not ours to resume
        gc.disable()
        self.held = True
        if self._deadline is not None:
            self._deadline.cancel()
        self._deadline = loop.call_later(RESUME_AFTER, self.resume)

    def resume(self) -> None:
        if self.held:
            self.held = False
            gc.enable()
