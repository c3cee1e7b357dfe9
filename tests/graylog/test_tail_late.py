"""The tail's late window: a message that becomes searchable after the window has passed its time is
not shown, but counted and reported (never "none is skipped"); a wider window shows it."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from opsconsole.demo.graylog.emulator import DEMO_TOKEN, GraylogEmulator
from opsconsole.graylog.client import GraylogClient
from opsconsole.graylog.tail import LogTail
from tests.graylog.clocks import ManualClock
from tests.graylog.gelf_sender import UdpSender, wait_stored


def _seqs(tail: LogTail) -> list[int]:
    return [int(str(m.fields["seq"])) for m in tail.poll()]


def test_messages_later_than_the_window_are_counted_not_shown_silently_skipped() -> None:
    clock = ManualClock()
    with GraylogEmulator(clock=clock.monotonic) as emulator:
        client = GraylogClient(emulator.api_url, token=DEMO_TOKEN)
        narrow = LogTail(client, overlap=timedelta(seconds=2), backlog=timedelta(seconds=60), clock=clock)
        wide = LogTail(client, overlap=timedelta(seconds=30), backlog=timedelta(seconds=60), clock=clock)
        sender = UdpSender(emulator.udp_port)
        for seq in range(3):
            sender.send("on time", timestamp=clock.epoch(-1 + seq / 10), seq=seq)
        wait_stored(emulator.store, 3)
        assert _seqs(narrow) == _seqs(wide) == [0, 1, 2]
        assert narrow.late == narrow.late_new == 0
        # Two messages stamped 10 s ago arrive now (a shipper that buffered): behind the 2 s window.
        sender.send("buffered", timestamp=clock.epoch(-10), seq=90)
        sender.send("buffered", timestamp=clock.epoch(-9), seq=91)
        wait_stored(emulator.store, 5)
        assert _seqs(narrow) == []
        assert (narrow.late_new, narrow.late) == (2, 2)
        assert narrow.late_before is not None and narrow.late_before > clock.now - timedelta(seconds=3)
        assert _seqs(narrow) == [] and narrow.late_new == 0 and narrow.late == 2  # reported once
        assert _seqs(wide) == [90, 91] and wide.late == 0  # a 30 s window shows them


def test_follow_reports_late_messages_through_on_late() -> None:
    clock = ManualClock()
    with GraylogEmulator(clock=clock.monotonic) as emulator:
        client = GraylogClient(emulator.api_url, token=DEMO_TOKEN)
        tail = LogTail(client, overlap=timedelta(seconds=1), backlog=timedelta(seconds=60), clock=clock)
        sender = UdpSender(emulator.udp_port)
        sender.send("now", timestamp=clock.epoch(-0.1), seq=0)
        wait_stored(emulator.store, 1)
        assert _seqs(tail) == [0]
        sender.send("old", timestamp=clock.epoch(-30), seq=1)
        wait_stored(emulator.store, 2)
        reports: list[tuple[int, datetime]] = []
        stop = threading.Event()

        def on_late(count: int, older_than: datetime) -> None:
            reports.append((count, older_than))
            stop.set()

        follower = threading.Thread(target=tail.follow, args=(stop, lambda _b: None, None, on_late))
        follower.start()
        follower.join(10)
        stop.set()
        assert reports and reports[0][0] == 1
