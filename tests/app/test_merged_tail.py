"""The multi-environment log tail polls every environment at once and keeps going past a failure."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

from opsconsole.app.logs import MergedTail
from opsconsole.domain.errors import BackendError
from opsconsole.domain.logs import LogMessage

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def message(n: int, source: str) -> LogMessage:
    return LogMessage(
        id=f"{source}-{n}", timestamp=T0 + timedelta(seconds=n), source=source, message=f"line {n}"
    )


class SlowTail:
    """Answers after `delay` seconds, counting how many polls run at the same time."""

    running = 0
    most = 0
    lock = threading.Lock()

    def __init__(self, source: str, seconds: list[int], delay: float, fail: bool = False) -> None:
        self.source, self.seconds, self.delay, self.fail = source, seconds, delay, fail
        self.interval = 2.0

    def poll(self) -> list[LogMessage]:
        with SlowTail.lock:
            SlowTail.running += 1
            SlowTail.most = max(SlowTail.most, SlowTail.running)
        time.sleep(self.delay)
        with SlowTail.lock:
            SlowTail.running -= 1
        if self.fail:
            raise BackendError(f"{self.source}: graylog unreachable")
        return [message(n, self.source) for n in self.seconds]


def test_environments_are_polled_together_merged_by_time_and_a_failure_is_named() -> None:
    tail = MergedTail(
        {
            "dev": SlowTail("dev", [3, 1], 0.3),
            "staging": SlowTail("staging", [2], 0.3),
            "prod": SlowTail("prod", [], 0.3, fail=True),
        }
    )
    batch = tail.poll()
    assert [m.id for m in batch] == ["dev-1", "staging-2", "dev-3"]
    assert tail.errors == {"prod": "prod: graylog unreachable"}
    assert SlowTail.most == 3, "the three environments were read at the same time, not one after another"
