"""The TUI under every backend x fault (the fault proxy in front of moto, the Zabbix emulator and the
Graylog emulator): the backend's pane goes stale with age and reason within its bound, shows
fresh data again once the fault clears, and the app keeps answering keys meanwhile.

The cases run through bench/fault_recovery.py's driver, one app per backend, at a faster pace
than the bench's (FAST: panes refresh every 0.5 s, backends get 0.5 s to connect and 1 s per
answer, Graylog 1.5 s in all, circuits open after 3 failures for 1.5 s, the log tail polls at
least every second when idle). Bounds, from those:
- stale: a refreshing pane marks itself when a refresh is one interval late, so within two
  intervals of the fault; the log pane's tail waits at most its idle interval, and a poll is
  marked late after its interval, or fails at Graylog's deadline before that. Plus slack for a
  machine shared with other test runs.
- recover: one interval, the rest of an open circuit's cooldown, and an answer.
- keys: every tab press moves the focus well before a backend's deadline would end a blocked loop.
"""

from __future__ import annotations

import re

import pytest

from bench.fault_recovery import FAULTS, LIMIT, Outcome, Pace, run_all
from opsconsole.config import Settings
from tests.faults import SLOW

FAST = Pace(
    interval=0.5, connect=0.5, answer=1.0, deadline=1.5, cooldown=1.5, slow=0.1, lasting=0.5, tail_max=1.0
)
SLACK = 10.0
"""Seconds for a loaded machine (CI and other helpers' suites share 2 cores)."""
LOG_IDLE_INTERVAL = 1.0
"""FAST's tail_max: the tail's longest wait between polls in this test (the product's: 10 s)."""
STALE_BOUND = {
    "aws": 2 * FAST.interval + SLACK,
    "zabbix": 2 * FAST.interval + SLACK,
    "graylog": LOG_IDLE_INTERVAL + FAST.deadline + SLACK,
}
RECOVER_BOUND = FAST.interval + FAST.cooldown + 2 + SLACK
KEY_BOUND = 8.0


@pytest.mark.parametrize("backend", ["aws", "zabbix", "graylog"])
async def test_each_fault_marks_the_pane_stale_then_it_recovers_and_keys_keep_working(
    demo_settings: Settings, backend: str
) -> None:
    outcomes = await run_all(demo_settings, [(backend, fault) for fault in FAULTS], FAST)
    healthy, *cases = outcomes
    assert healthy.slowest_key_ms / 1000 < KEY_BOUND
    assert [o.fault for o in cases] == list(FAULTS)
    problems = [problem for o in cases if (problem := _judge(backend, o))]
    assert not problems, "\n".join(problems)


def _judge(backend: str, o: Outcome) -> str | None:
    """What is wrong with one case, or None."""
    if o.to_recover is None or o.to_recover > RECOVER_BOUND:
        return f"{o.fault}: fresh again after {o.to_recover} s (bound {RECOVER_BOUND} s)"
    if o.slowest_key_ms / 1000 > KEY_BOUND:
        return f"{o.fault}: a key took {o.slowest_key_ms:.0f} ms"
    if o.fault == SLOW:
        return None  # a slow backend that answers may stay fresh, or be marked late: both are true
    if o.to_stale is None or o.to_stale > STALE_BOUND[backend]:
        return f"{o.fault}: stale after {o.to_stale} s (bound {STALE_BOUND[backend]} s)"
    if not re.match(r"^stale \d[^:]*: \S", o.reason):
        return f"{o.fault}: the mark {o.reason!r} has no age and reason"
    return None


def test_the_bounds_leave_room_below_the_wait_for_never() -> None:
    assert max(*STALE_BOUND.values(), RECOVER_BOUND) < LIMIT
