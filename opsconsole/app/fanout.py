"""The one bounded parallel fan-out for every read that covers several environments.

Every environment's read runs at once (at most MAX_PARALLEL: AWS calls are paced per account and
service by the token buckets of app/ratelimit.py, not here) and all of them share one deadline,
so N environments cost about one, and a backend that hangs or drips a byte at a time (which no
per-read socket timeout catches) costs the deadline, not forever: its environment gets an error
naming the wait, and its thread is left behind as a daemon that cannot keep the process alive.
`fan_out_stream` gives each answer as it arrives (the all-environments screen shows an account's
rows without waiting for the slowest); `fan_out` collects them in key order (the CLI's one document).
"""

from __future__ import annotations

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


def fan_out_stream(
    keys: list[str], read: Callable[[str], T], *, deadline: float = DEFAULT_DEADLINE, lead: int = 0
) -> Iterator[tuple[str, T | OpsError]]:
    """Each key's answer as soon as it is there (the order they arrive in), within one deadline;
    keys that do not answer in time come last, as errors naming the wait.

    `lead` > 0 starts the first `lead` keys alone and the rest when one of them answers (or after
    LEAD_AT_MOST seconds): on a shared backend the first rows then come in about one key's time,
    instead of when every key's reads, interleaved, are nearly done.
    """
    gate = threading.BoundedSemaphore(MAX_PARALLEL)
    arrived: queue.SimpleQueue[tuple[str, object]] = queue.SimpleQueue()

    def one(key: str) -> None:
        with gate:
            arrived.put((key, _answer(key, read)))

    def start(some: list[str]) -> None:
        for key in some:
            threading.Thread(target=one, args=(key,), name=f"read-{key}", daemon=True).start()

    until = time.monotonic() + deadline
    first, rest = (keys[:lead], keys[lead:]) if lead > 0 else (keys, [])
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
                start(rest)  # the lead is slow: everyone else goes now
                rest = []
                continue
            break
        if rest:
            start(rest)
            rest = []
        waiting.discard(key)
        yield key, value  # type: ignore[misc]
    for key in keys:
        if key in waiting:
            yield key, _no_answer(key, deadline)


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
