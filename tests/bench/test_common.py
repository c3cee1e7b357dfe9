"""The bench's own measuring: alternation, each process's own memory, rows and verdicts, and what
the first-minute bench reads as a filled screen."""

from __future__ import annotations

import sys
from collections.abc import Callable

from bench.common import Sample, Table, alternate, run_measured
from bench.first_minute import FILLED, PAINTED


def test_sides_alternate_after_one_uncounted_run_each() -> None:
    order: list[str] = []

    def side(name: str) -> Callable[[], Sample]:
        def run() -> Sample:
            order.append(name)
            return Sample(0.001)

        return run

    got = alternate({"a": side("a"), "b": side("b")}, 3)
    assert order == ["a", "b", "a", "b", "b", "a", "a", "b"]
    assert [len(got["a"]), len(got["b"])] == [3, 3]


def test_peak_rss_is_the_measured_process_own_not_the_harness() -> None:
    ballast = bytearray(200 * 2**20)
    for page in range(0, len(ballast), 4096):
        ballast[page] = 1
    small, _ = run_measured([sys.executable, "-c", "pass"])
    big, out = run_measured(
        [sys.executable, "-c", "x = bytearray(150 * 2**20); x[::4096] = b'1' * len(x[::4096]); print('done')"]
    )
    assert out.strip() == "done"
    assert small.rss_mb is not None and small.rss_mb < 100  # the harness holds 200 MB more
    assert big.rss_mb is not None and big.rss_mb >= 150
    assert len(ballast) == 200 * 2**20


def test_a_row_shows_the_ratio_to_its_peer_and_the_verdict() -> None:
    table = Table()
    ours, theirs = [Sample(0.2), Sample(0.3), Sample(0.25)], [Sample(0.5), Sample(0.4), Sample(0.6)]
    table.add("ours", ours, theirs, budget=0.6, peer_name="peer")
    table.add("slow", theirs, ours, budget=0.6, peer_name="peer")
    table.add("bounded", ours, budget_ms=200)
    assert "| 0.50x peer | <= 0.6x | yes |" in table.rows[0]
    assert "| 2.00x peer | <= 0.6x | **no** |" in table.rows[1]
    assert table.rows[2].endswith("| < 200 ms | **no** |")  # median 250 ms
    assert table.verdicts == ["ours: met", "slow: missed", "bounded: missed"]


# Lines of the demo console at 160x48, as tmux captured them while it filled.
WAITING = """ opsconsole  dev  staging  prod      account 111111111111  tier read  DEMO · estate deploying 0/3
 ╭─ ECS ────────╮ ╭─ Zabbix problems ──╮
 │ 0 clusters · sorted by cluster · tasks counted from the tasks · updated 23:18:33 … │
 │ 0 instances · updated 23:18:32 │
 │ live · dev · * · 0 lines │"""
FILLED_SCREEN = """ opsconsole  dev  staging  prod      account 111111111111  tier read  DEMO · simulated
 ╭─ ECS ────────╮ ╭─ Zabbix problems ──╮
 │ 1 cluster · sorted by cluster · tasks counted from the tasks · updated 23:19:29 ·… │
 │ 0 of 0 problems · updated 23:19:21 │
 │ 1 instance · updated 23:19:26 │
 │ live · dev · * · 24 lines │"""


def test_the_first_minute_reads_a_painted_screen_and_filled_panes() -> None:
    assert all(mark in WAITING for mark in PAINTED)
    waiting = {pane for pane, pattern in FILLED.items() if pattern.search(WAITING)}
    assert waiting == set()  # empty panes are not filled (problems: not read yet)
    assert {pane for pane, pattern in FILLED.items() if pattern.search(FILLED_SCREEN)} == set(FILLED)
