"""The one bounded parallel fan-out for every read that covers several environments.

Every environment's read runs at once (at most MAX_PARALLEL: AWS calls are paced per account and
service by the token buckets of app/ratelimit.py, not here) and all of them share one deadline,
so N environments cost about one, and a backend that hangs or drips a byte at a time (which no
per-read socket timeout catches) costs the deadline, not forever: its environment gets an error
naming the wait, and its thread is left behind as a daemon that cannot keep the process alive.
`fan_out_stream` gives each answer as it arrives (the all-environments screen shows an account's
rows without waiting for the slowest); `fan_out` collects them in key order (the CLI's one document).
A lead's read goes first in the whole process: while one is in flight, every other fan-out's reads
wait for it (see Foreground), since dozens of reads starting at once share one interpreter with it.
"""

from __future__ import annotations

import itertools
import queue
import threading
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

from opsconsole.aws.errors import translate_unexpected
from opsconsole.domain.errors import BackendError, OpsError

T = TypeVar("T")

MAX_PARALLEL = 32
DEFAULT_DEADLINE = 60.0
"""Seconds every environment's read may take together, unless the caller says otherwise."""
LEAD_AT_MOST = 1.0
"""Seconds the other keys wait for a slow lead (fan_out_stream's `lead`) before they start anyway."""


def fan_out(
    keys: list[str], read: Callable[[str], T], *, deadline: float = DEFAULT_DEADLINE
) -> list[tuple[str, T | OpsError]]:
    """`read` for each key (an environment) in parallel, at most MAX_PARALLEL at once; a failure,
    or no answer within `deadline` seconds, stays with its key as an OpsError, in key order."""
    answers = dict(fan_out_stream(keys, read, deadline=deadline))
    return [(key, answers[key]) for key in keys]


class Foreground:
    """Lead reads in flight in this process. Every other fan-out read waits until none is left
    (each counts for LEAD_AT_MOST seconds at most, so one left open costs no more than that)."""

    def __init__(self) -> None:
        self._open: dict[int, float] = {}
        self._tokens = itertools.count()
        self._changed = threading.Condition()

    def open(self) -> int:
        with self._changed:
            token = next(self._tokens)
            self._open[token] = time.monotonic() + LEAD_AT_MOST
            return token

    def close(self, token: int) -> None:
        with self._changed:
            self._open.pop(token, None)
            self._changed.notify_all()

    def wait(self) -> None:
        with self._changed:
            while self._open:
                left = max(self._open.values()) - time.monotonic()
                if left <= 0:
                    self._open.clear()  # every lead still open is past LEAD_AT_MOST
                    return
                self._changed.wait(left)


FOREGROUND = Foreground()
_LEADING = threading.local()


def yield_to_leads() -> None:
    """Wait while a lead read is in flight elsewhere in the process (at most LEAD_AT_MOST); reads
    call it at each backend call, so the reads already under way give way too, not only new ones."""
    if not getattr(_LEADING, "lead", False):
        FOREGROUND.wait()


def fan_out_stream(
    keys: list[str], read: Callable[[str], T], *, deadline: float = DEFAULT_DEADLINE, lead: int = 0
) -> Iterator[tuple[str, T | OpsError]]:
    """Each key's answer as soon as it is there (the order they arrive in), within one deadline;
    keys that do not answer in time come last, as errors naming the wait.

    `lead` > 0 starts the first `lead` keys alone, and the rest when the caller comes back for the
    next answer after the lead's (or after LEAD_AT_MOST seconds); until then every other fan-out in
    the process holds its reads too (FOREGROUND). On a shared backend and a shared interpreter the
    first rows then come in about one key's time, not when every key's reads, interleaved, are
    nearly done; the caller may show the lead's answer before the others start.
    """
    gate = threading.BoundedSemaphore(MAX_PARALLEL)
    arrived: queue.SimpleQueue[tuple[str, object]] = queue.SimpleQueue()
    first, rest = (keys[:lead], keys[lead:]) if lead > 0 else (keys, [])

    def one(key: str) -> None:
        _LEADING.lead = lead > 0 and key in first
        yield_to_leads()
        with gate:
            arrived.put((key, _answer(key, read)))

    def start(some: list[str]) -> None:
        for key in some:
            threading.Thread(target=one, args=(key,), name=f"read-{key}", daemon=True).start()

    until = time.monotonic() + deadline
    token = FOREGROUND.open() if rest else None
    try:
        start(first)
        waiting = set(keys)
        while waiting:
            timeout = until - time.monotonic()
            if rest:
                timeout = min(timeout, LEAD_AT_MOST)
            try:
                key, value = arrived.get(timeout=max(0.0, timeout))
            except queue.Empty:
                if rest and time.monotonic() < until:
                    rest = _go(rest, start, token)  # the lead is slow: everyone else goes now
                    continue
                break
            waiting.discard(key)
            yield key, value  # type: ignore[misc]
            if rest:
                rest = _go(rest, start, token)
        for key in keys:
            if key in waiting:
                yield key, _no_answer(key, deadline)
    finally:
        if token is not None:
            FOREGROUND.close(token)


def _go(rest: list[str], start: Callable[[list[str]], None], token: int | None) -> list[str]:
    """The lead's turn is over: other fan-outs may read again, and this one's other keys start."""
    if token is not None:
        FOREGROUND.close(token)
    start(rest)
    return []


def _answer(key: str, read: Callable[[str], T]) -> T | OpsError:
    try:
        with translate_unexpected(key):
            return read(key)
    except OpsError as e:
        return e
    except Exception as e:
        return BackendError(
            f"{key}: unexpected {type(e).__name__}: {e}",
            hint="this is a bug in opsconsole: please report it with the command you ran",
        )


def _no_answer(key: str, deadline: float) -> BackendError:
    return BackendError(
        f"{key}: no answer within {deadline:g} s",
        hint="a backend is slow or unreachable; the other environments' results are shown",
    )
