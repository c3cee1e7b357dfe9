"""The peer for bench/log_pane_10k.py: toolong (PyPI) tailing a file that grows by 10,000 lines a second.

Runs in the peers' venv (toolong pins its own Textual), so it imports nothing of ours. The same
measure as ours: key-to-paint for the same keys (up, up, down, down every 0.1 s) while the lines pour
in, lines per second toolong took in, and the process's peak RSS. Prints one JSON line.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

RATE = 10_000
SECONDS = 20.0


def writer(path: Path, rate: int, stop: threading.Event, written: list[int]) -> None:
    """Appends `rate` lines a second in batches every 10 ms, like a busy access log."""
    started = time.perf_counter()
    sent = 0
    with path.open("a", encoding="utf-8") as out:
        while not stop.is_set():
            due = int((time.perf_counter() - started) * rate)
            lines = [
                f'10.0.3.{n % 250} - - [26/Nov/2026:09:30:00 +0000] "GET /v1/orders/{n} HTTP/1.1" '
                f"{503 if n % 97 == 0 else 200} {3 + n % 40}\n"
                for n in range(sent, due)
            ]
            out.writelines(lines)
            out.flush()
            sent = due
            time.sleep(0.01)
    written.append(sent)


async def measure(rate: int, seconds: float) -> dict[str, float]:
    from toolong.ui import UI  # type: ignore[import-not-found]

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "access.log"
        path.write_text("", encoding="utf-8")
        app: Any = UI([str(path)])
        paints: list[float] = []
        display = app._display

        def timed_display(*args: Any, **kwargs: Any) -> None:
            paints.append(time.perf_counter())
            display(*args, **kwargs)

        app._display = timed_display
        stop = threading.Event()
        written: list[int] = []
        samples: list[float] = []
        async with app.run_test(size=(160, 45)) as pilot:
            await pilot.pause(0.5)
            await pilot.press("ctrl+t")  # follow the file, as `tail -f`
            feeder = threading.Thread(target=writer, args=(path, rate, stop, written), daemon=True)
            feeder.start()
            started = time.perf_counter()
            keys = ("up", "up", "down", "down")
            while time.perf_counter() - started < seconds:
                before = time.perf_counter()
                await pilot.press(keys[len(samples) % len(keys)])
                while not [p for p in paints if p > before] and time.perf_counter() - before < 2:  # noqa: ASYNC110
                    await asyncio.sleep(0.001)
                painted = [p for p in paints if p > before]
                samples.append((painted[0] if painted else time.perf_counter()) - before)
                await asyncio.sleep(0.1)
            stop.set()
            feeder.join()
            elapsed = time.perf_counter() - started
            # Lines toolong has found in the file (its breaks index), whether shown or pending.
            log_lines = app.screen.query_one("LogLines")
            line_count = sum(len(breaks) for breaks in log_lines._line_breaks.values())
    samples.sort()
    return {
        "rate_asked": rate,
        "lines_written_per_s": written[0] / elapsed,
        "lines_indexed_per_s": line_count / elapsed,
        "presses": len(samples),
        "median_ms": statistics.median(samples) * 1000,
        "p95_ms": samples[int(len(samples) * 0.95) - 1] * 1000,
        "max_ms": samples[-1] * 1000,
        "max_rss_mb": peak_rss_mb(),
    }


def peak_rss_mb() -> float:
    """This process's peak RSS since its exec (VmHWM): getrusage's maxrss would count the parent's
    memory copied at fork, as Linux keeps it across exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


if __name__ == "__main__":
    rate = int(sys.argv[1]) if len(sys.argv) > 1 else RATE
    print(json.dumps(asyncio.run(measure(rate, SECONDS))))
