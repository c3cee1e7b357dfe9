"""SIGTERM stops the TUI while the MFA modal is open (issue 13, deliver 6): a real process on a
pseudo-terminal, the renewal asked with `r`, the modal seen on the screen, then SIGTERM. The
process ends within seconds and the renewing worker is told the console quit."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def read_until(fd: int, wanted: bytes, seconds: float, seen: bytearray) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                seen += os.read(fd, 65536)
            except OSError:
                return False
            if wanted in seen:
                return True
    return False


def test_sigterm_quits_while_the_mfa_modal_is_open(tmp_path: Path) -> None:
    result = tmp_path / "result.json"
    primary, secondary = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "30", "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.tui.sigterm_mfa_app", str(result)],
        stdin=secondary,
        stdout=secondary,
        stderr=secondary,
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    os.close(secondary)
    seen = bytearray()
    try:
        assert read_until(primary, b"ECS", 60, seen), f"the TUI did not start: {bytes(seen[-400:])!r}"
        time.sleep(1.0)
        os.write(primary, b"r")  # renew now: the MFA session is over, so the modal asks for a code
        assert read_until(primary, b"MFA code", 30, seen), "no MFA modal on the screen"
        process.send_signal(signal.SIGTERM)
        started = time.monotonic()
        process.wait(timeout=15)
        took = time.monotonic() - started
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(primary)
    assert process.returncode == 0
    assert took < 10
    outcome = json.loads(result.read_text())
    assert outcome["refused"] == ["the console quit while asking for an MFA code"]
    assert outcome["codes"] == []
