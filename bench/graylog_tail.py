"""The live tail under load: N messages sent as GELF over UDP into the Graylog emulator (with an
indexing delay) while a LogTail follows its REST API; every message must arrive exactly once, in
order. Reports messages per second from the first send to the last message shown.

Run alone: `python -m bench.graylog_tail [COUNT]`; `bench.run` includes it in RESULTS.md.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

from opsconsole.demo.graylog.emulator import DEMO_TOKEN, GraylogEmulator
from opsconsole.demo.graylog.streams import env_streams
from opsconsole.domain.logs import LogMessage
from opsconsole.graylog.client import GraylogClient
from opsconsole.graylog.tail import LogTail


@dataclass(frozen=True)
class TailRun:
    sent: int
    sequence: list[int]
    """The `seq` field of every message the tail showed, in the order shown."""
    seconds: float
    polls: int
    requests: int
    most_remembered: int
    index_delay: float

    @property
    def rate(self) -> float:
        return len(self.sequence) / self.seconds if self.seconds else 0.0


def run(count: int = 50_000, index_delay: float = 1.0, in_flight: int = 400) -> TailRun:
    """Send `count` messages (at most `in_flight` not yet stored by the input, so the kernel's UDP
    buffer never overflows: the test is the tail, not UDP loss) while a tail follows them."""
    with GraylogEmulator(env_streams(["prod"]), index_delay=index_delay) as emulator:
        client = GraylogClient(emulator.api_url, token=DEMO_TOKEN)
        prod = [s.id for s in client.streams() if s.title == "prod"]
        tail = LogTail(
            client,
            "env:prod",
            streams=prod,
            overlap=timedelta(seconds=max(2.0, 3 * index_delay)),
            min_interval=0.2,
            max_interval=1.0,
        )
        shown: list[LogMessage] = []
        most_remembered = 0
        done = threading.Event()
        stop = threading.Event()
        last_batch_at = 0.0

        def on_batch(batch: list[LogMessage]) -> None:
            nonlocal most_remembered, last_batch_at
            shown.extend(batch)
            last_batch_at = time.perf_counter()
            most_remembered = max(most_remembered, tail.remembered)
            if len(shown) >= count:
                done.set()

        follower = threading.Thread(target=tail.follow, args=(stop, on_batch), daemon=True)
        follower.start()
        sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        started = time.perf_counter()
        for seq in range(count):
            deadline = time.monotonic() + 10
            while seq - len(emulator.store) > in_flight:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the UDP input stored {len(emulator.store)} of {seq} sent")
                time.sleep(0.0005)
            gelf = {
                "version": "1.1",
                "host": "bench",
                "short_message": f"GET /api/orders/{seq} 200",
                "timestamp": time.time(),
                "_env": "prod",
                "_seq": seq,
            }
            sender.sendto(json.dumps(gelf).encode(), ("127.0.0.1", emulator.udp_port))
        sender.close()
        done.wait(60 + count / 500)
        # Keep following for one more overlap: a duplicate would show up now.
        time.sleep(tail.overlap.total_seconds() + 2 * tail.max_interval)
        stop.set()
        follower.join(10)
        return TailRun(
            sent=count,
            sequence=[int(str(m.fields["seq"])) for m in shown],
            seconds=(last_batch_at or time.perf_counter()) - started,
            polls=tail.polls,
            requests=tail.requests,
            most_remembered=most_remembered,
            index_delay=index_delay,
        )


def describe(result: TailRun) -> str:
    return (
        f"live tail: {result.sent:,} GELF/UDP messages with a {result.index_delay:g} s indexing delay shown "
        f"exactly once and in order: {result.rate:,.0f} messages/s end to end ({result.seconds:.1f} s, "
        f"{result.polls} polls, {result.requests} REST calls, at most {result.most_remembered:,} ids "
        "remembered for deduplication)"
    )


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    result = run(count)
    ok = result.sequence == list(range(count))
    print(
        describe(result) if ok else f"FAILED: {len(result.sequence)} shown of {count}, order or count wrong"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
