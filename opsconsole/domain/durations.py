"""Durations and points in time as operators write them: `90`, `30s`, `5m`, `1h`, `2d`, `1w`, or
an ISO 8601 date. The one parser for the CLI's options and the runbooks' fields, and `age`, the one
way the TUI and the CLI show how long ago something happened.

Every duration is finite and at most MAX_SECONDS (ten years): `99999999d` is an error, not an
overflow deep inside a date calculation.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, None: 1}
MAX_SECONDS = 3650 * 86400.0
"""Ten years: longer than any window, timeout or look-back the console has a use for."""


class DurationError(ValueError):
    """Not a duration (or date) the console accepts; the message says why."""


def is_duration(text: str) -> bool:
    """Whether `text` is written as a duration (rather than, say, a date)."""
    return _DURATION.match(text) is not None


def parse_duration(value: object) -> float:
    """Seconds from `90`, `"30s"`, `"5m"`, `"1h"`, `"2d"`, `"1w"`: finite, >= 0, at most MAX_SECONDS.

    Raises:
        DurationError: not a duration, or out of range.
    """
    if isinstance(value, bool):
        raise DurationError(f"{value!r} is not a duration")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        match = _DURATION.match(str(value))
        if not match:
            raise DurationError(f"{str(value)[:40]!r} is not a duration (like 30s, 5m, 1h)")
        seconds = float(match.group(1)) * _UNITS[match.group(2)]
    if not math.isfinite(seconds) or seconds < 0:
        raise DurationError(f"{value!r} is not a duration (like 30s, 5m, 1h)")
    if seconds > MAX_SECONDS:
        raise DurationError(f"{str(value)[:40]!r} is longer than ten years")
    return seconds


def parse_span(value: object, *, minimum: float = 0.001) -> timedelta:
    """A positive span of time, at least `minimum` seconds: `0m` is an error, not "all time".

    Raises:
        DurationError: not a duration, or out of range.
    """
    seconds = parse_duration(value)
    if seconds < minimum:
        raise DurationError(f"{value!r} is too short: at least {_plain(minimum)}")
    return timedelta(seconds=seconds)


def parse_moment(text: str) -> datetime:
    """An ISO 8601 date or date-time, UTC when no zone is given.

    Raises:
        DurationError: not a date.
    """
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise DurationError(f"{text[:40]!r} is not an ISO 8601 date") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_since(text: str, now: datetime) -> datetime:
    """`30m`, `2h`, `7d` before `now` (a positive span), or an ISO 8601 date not after `now`.

    Raises:
        DurationError: neither, `0m`, longer than ten years, or a date in the future.
    """
    if is_duration(text):
        return now - parse_span(text)
    try:
        moment = parse_moment(text)
    except DurationError:
        raise DurationError(
            f"{text[:40]!r} is neither a duration nor a date (30m, 2h, 7d, 2026-11-26)"
        ) from None
    if moment > now:
        raise DurationError(f"{text[:40]!r} is in the future")
    return moment


def _plain(seconds: float) -> str:
    return f"{seconds:g}s"


def age(moment: datetime | None, now: datetime) -> str:
    """How long ago, in the largest whole unit: 3d, 5h, 12m, 40s."""
    if moment is None:
        return "—"
    seconds = max(0, int((now - moment).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
