"""The one bounded parallel fan-out for every read that covers several environments.

Every environment's read runs at once (at most MAX_PARALLEL: AWS calls are paced per account and
service by the token buckets of app/ratelimit.py, not here) and all of them share one deadline,
so N environments cost about one, and a backend that hangs or drips a byte at a time (which no
per-read socket timeout catches) costs the deadline, not forever: its environment gets an error
naming the wait, and its thread is left behind as a daemon that cannot keep the process alive.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from opsconsole.aws.errors import translate_unexpected
from opsconsole.domain.errors import BackendError, OpsError

T = TypeVar("T")

MAX_PARALLEL = 32
DEFAULT_DEADLINE = 60.0
"""Seconds every environment's read may take together, unless the caller says otherwise."""


class _Slot:
    """One environment's answer, set once by its thread."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: object = None


def fan_out(
    keys: list[str], read: Callable[[str], T], *, deadline: float = DEFAULT_DEADLINE
) -> list[tuple[str, T | OpsError]]:
    """`read` for each key (an environment) in parallel, at most MAX_PARALLEL at once; a failure,
    or no answer within `deadline` seconds, stays with its key as an OpsError, in key order."""
    gate = threading.BoundedSemaphore(MAX_PARALLEL)
    slots = {key: _Slot() for key in keys}

    def one(key: str) -> None:
        slot = slots[key]
        with gate:
            try:
                with translate_unexpected(key):
                    slot.value = read(key)
            except OpsError as e:
                slot.value = e
            except Exception as e:
                slot.value = BackendError(
                    f"{key}: unexpected {type(e).__name__}: {e}",
                    hint="this is a bug in opsconsole: please report it with the command you ran",
                )
            finally:
                slot.done.set()

    for key in keys:
        threading.Thread(target=one, args=(key,), name=f"read-{key}", daemon=True).start()
    until = time.monotonic() + deadline
    results: list[tuple[str, T | OpsError]] = []
    for key, slot in slots.items():
        if slot.done.wait(max(0.0, until - time.monotonic())):
            results.append((key, slot.value))  # type: ignore[arg-type]
        else:
            results.append((key, _no_answer(key, deadline)))
    return results


def _no_answer(key: str, deadline: float) -> BackendError:
    return BackendError(
        f"{key}: no answer within {deadline:g} s",
        hint="a backend is slow or unreachable; the other environments' results are shown",
    )
