"""The one bounded parallel fan-out for every read that covers several environments."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from opsconsole.aws.errors import translate_unexpected
from opsconsole.domain.errors import OpsError

T = TypeVar("T")

MAX_PARALLEL = 8


def fan_out(keys: list[str], read: Callable[[str], T]) -> list[tuple[str, T | OpsError]]:
    """`read` for each key (an environment) in parallel, at most MAX_PARALLEL at once; a failure
    stays with its key as an OpsError, in the order the keys were given."""

    def one(key: str) -> T | OpsError:
        try:
            with translate_unexpected(key):
                return read(key)
        except OpsError as e:
            return e

    if len(keys) == 1:
        return [(keys[0], one(keys[0]))]
    with ThreadPoolExecutor(min(MAX_PARALLEL, max(1, len(keys)))) as pool:
        return list(zip(keys, pool.map(one, keys), strict=True))
