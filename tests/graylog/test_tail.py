"""The live tail against the emulator over HTTP: late indexing, late timestamps, paging, bounded
memory, the adaptive interval, the stop event; and the acceptance run of 50,000 GELF/UDP messages."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

from bench.graylog_tail import describe
from bench.graylog_tail import run as run_tail_benchmark
from opsconsole.demo.graylog.emulator import DEMO_TOKEN, GraylogEmulator
from opsconsole.domain.logs import LogMessage
from opsconsole.graylog.client import GraylogClient
from opsconsole.graylog.tail import LogTail
from tests.graylog.clocks import ManualClock
from tests.graylog.gelf_sender import UdpSender, wait_stored


def stop_when_shown(
    batches: list[list[LogMessage]], stop: threading.Event, follower: threading.Thread
) -> None:
    deadline = time.monotonic() + 10  # a deadline, not a sleep: a loaded machine only waits longer
    while not batches and time.monotonic() < deadline:
        time.sleep(0.02)
    stop.set()
    follower.join(2)


def seqs(messages: list[LogMessage]) -> list[int]:
    return [int(str(m.fields["seq"])) for m in messages]


def test_late_indexed_and_late_timestamped_messages_are_shown_once() -> None:
    clock = ManualClock()
    with GraylogEmulator(index_delay=0.4, clock=clock.monotonic) as emulator:
        client = GraylogClient(emulator.api_url, token=DEMO_TOKEN)
        tail = LogTail(client, overlap=timedelta(seconds=3), backlog=timedelta(seconds=5), clock=clock)
        sender = UdpSender(emulator.udp_port)
        for seq in range(5):
            sender.send("first wave", timestamp=clock.epoch(-0.5 + seq / 1000), seq=seq)
        wait_stored(emulator.store, 5)
        assert tail.poll() == []  # stored, but not searchable yet
        clock.advance(0.399)
        assert tail.poll() == []  # still a millisecond short of the indexing delay
        clock.advance(0.001)
        assert seqs(tail.poll()) == [0, 1, 2, 3, 4]
        # Older than everything shown (a slow sender's clock, a buffered shipper): inside the overlap.
        sender.send("straggler", timestamp=clock.epoch(-2), seq=99)
        sender.send("next", timestamp=clock.epoch(-0.1), seq=5)
        wait_stored(emulator.store, 7)
        assert tail.poll() == []  # not searchable yet
        clock.advance(0.4)
        assert seqs(tail.poll()) == [99, 5]  # one batch, in timestamp order
        for _ in range(5):  # the overlap is read again and again: nothing comes twice
            assert tail.poll() == []


def test_a_message_in_the_millisecond_the_tail_started_is_shown_once() -> None:
    # Graylog keeps whole milliseconds: a message sent 0.3 ms after a tail started at .0005 s is
    # stored at .000 s, before the start. The CI run of 2026-12-02 showed two such messages twice.
    clock = ManualClock(datetime(2026, 11, 26, 9, 30, 0, 500, tzinfo=UTC))
    with GraylogEmulator() as emulator:
        client = GraylogClient(emulator.api_url, token=DEMO_TOKEN)
        tail = LogTail(client, overlap=timedelta(seconds=3), clock=clock)
        sender = UdpSender(emulator.udp_port)
        clock.advance(0.001)
        sender.send("first", timestamp=clock.epoch(-0.0008), seq=0)
        wait_stored(emulator.store, 1)
        assert seqs(tail.poll()) == [0]
        for seq in range(1, 4):  # newer messages while the first is inside the overlap
            clock.advance(1)
            sender.send("next", timestamp=clock.epoch(-0.5), seq=seq)
            sender.send("late", timestamp=clock.epoch(-0.9), seq=10 + seq)
            wait_stored(emulator.store, 1 + 2 * seq)
            assert seqs(tail.poll()) == [10 + seq, seq]
            sender.send("later", timestamp=clock.epoch(-0.7), seq=20 + seq)  # forces a full read
            wait_stored(emulator.store, 2 + 2 * seq)
            assert seqs(tail.poll()) == [20 + seq]


def test_a_window_larger_than_a_page_is_read_in_pages() -> None:
    clock = ManualClock()
    with GraylogEmulator() as emulator:
        client = GraylogClient(emulator.api_url, token=DEMO_TOKEN)
        tail = LogTail(client, page_size=10, backlog=timedelta(seconds=5), clock=clock)
        sender = UdpSender(emulator.udp_port)
        for seq in range(35):
            sender.send("burst", timestamp=clock.epoch(-1 + seq / 1000), seq=seq)
        wait_stored(emulator.store, 35)
        assert seqs(tail.poll()) == list(range(35))
        assert tail.requests >= 4


def test_ids_older_than_the_overlap_are_forgotten() -> None:
    clock = ManualClock()
    with GraylogEmulator() as emulator:
        client = GraylogClient(emulator.api_url, token=DEMO_TOKEN)
        tail = LogTail(client, overlap=timedelta(seconds=1), backlog=timedelta(seconds=10), clock=clock)
        sender = UdpSender(emulator.udp_port)
        for seq in range(20):
            sender.send("old", timestamp=clock.epoch(-5 + seq / 1000), seq=seq)
        wait_stored(emulator.store, 20)
        assert len(tail.poll()) == 20
        assert tail.remembered == 20
        # Exactly one overlap after the newest old message (seq 19): that one stays, 0-18 go.
        sender.send("new", timestamp=clock.epoch(-5 + 0.019 + 1), seq=20)
        wait_stored(emulator.store, 21)
        assert seqs(tail.poll()) == [20]
        assert tail.remembered == 2
        sender.send("newer", timestamp=clock.epoch(-2), seq=21)
        wait_stored(emulator.store, 22)
        assert seqs(tail.poll()) == [21]
        assert tail.remembered == 1  # every other id is more than the overlap behind the newest
        assert tail.poll() == []  # and no window reaches back to them, so none comes again


def test_a_message_stamped_ahead_of_the_tail_s_clock_is_shown_once_the_clock_gets_there() -> None:
    clock = ManualClock()
    with GraylogEmulator() as emulator:
        client = GraylogClient(emulator.api_url, token=DEMO_TOKEN)
        tail = LogTail(client, backlog=timedelta(seconds=5), clock=clock)
        sender = UdpSender(emulator.udp_port)
        sender.send("now", timestamp=clock.epoch(-1), seq=0)
        sender.send("ahead", timestamp=clock.epoch(2), seq=1)  # a sender whose clock runs fast
        wait_stored(emulator.store, 2)
        assert seqs(tail.poll()) == [0]  # Graylog's range ends (exclusively) at the tail's now
        clock.advance(2)
        assert tail.poll() == []  # the range ends before the message's millisecond
        clock.advance(0.001)
        assert seqs(tail.poll()) == [1]
        clock.advance(1)
        assert tail.poll() == []


def test_the_interval_is_fast_while_messages_flow_and_backs_off_when_idle() -> None:
    clock = ManualClock()
    with GraylogEmulator() as emulator:
        client = GraylogClient(emulator.api_url, token=DEMO_TOKEN)
        tail = LogTail(client, min_interval=0.5, max_interval=4.0, clock=clock)
        intervals = []
        for _ in range(8):
            tail.poll()
            intervals.append(tail.interval)
        assert intervals == sorted(intervals)
        assert intervals[0] > 0.5
        assert intervals[-1] == 4.0  # bounded
        clock.advance(1)
        UdpSender(emulator.udp_port).send("wake up", timestamp=clock.epoch(-0.5), seq=0)
        wait_stored(emulator.store, 1)
        assert tail.poll()
        assert tail.interval == 0.5


def test_follow_hands_over_batches_and_stops_on_the_event() -> None:
    with GraylogEmulator() as emulator:
        client = GraylogClient(emulator.api_url, token=DEMO_TOKEN)
        tail = LogTail(client, min_interval=0.05, max_interval=0.2)
        batches: list[list[LogMessage]] = []
        stop = threading.Event()
        follower = threading.Thread(target=tail.follow, args=(stop, batches.append))
        follower.start()
        UdpSender(emulator.udp_port).send("hello", seq=0)
        stop_when_shown(batches, stop, follower)
        assert not follower.is_alive()
        assert [seqs(b) for b in batches] == [[0]]


def test_follow_reports_a_failing_server_and_keeps_going() -> None:
    with GraylogEmulator() as emulator:
        client = GraylogClient(emulator.api_url, token=DEMO_TOKEN)
        tail = LogTail(client, min_interval=0.05, max_interval=0.2)
        emulator.api.fail_status = 500
        errors: list[str] = []
        batches: list[list[LogMessage]] = []
        stop = threading.Event()

        def on_error(error: Exception) -> None:
            errors.append(str(error))
            emulator.api.fail_status = None  # the server recovers

        follower = threading.Thread(target=tail.follow, args=(stop, batches.append, on_error))
        follower.start()
        UdpSender(emulator.udp_port).send("after the outage", seq=0)
        stop_when_shown(batches, stop, follower)
        assert errors and "failed (500)" in errors[0]
        assert [seqs(b) for b in batches] == [[0]]


def test_acceptance_50000_udp_messages_with_indexing_delay_arrive_once_and_in_order() -> None:
    result = run_tail_benchmark(50_000, index_delay=1.0)
    print("\n" + describe(result))
    assert len(result.sequence) == 50_000
    assert len(set(result.sequence)) == 50_000  # exactly once
    assert result.sequence == list(range(50_000))  # in order
