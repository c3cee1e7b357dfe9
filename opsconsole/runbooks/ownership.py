"""Who owns a run: one process at a time, named in a lock file beside the run's file.

The owner holds an exclusive `flock` on `<run id>.lock` for as long as it drives the run; the
kernel drops it when the process ends in any way (kill -9 included), so two `resume`s can never
both own a run. The file also names the owner (pid, host, start time) and a heartbeat the owner
rewrites every few seconds, so others can say who owns a run and whether it is still alive
without touching the lock. The lock file is never deleted: unlinking it while another process
waits on it would hand out a second lock on a new file.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import threading
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from opsconsole.domain.errors import Denied

HEARTBEAT_SECONDS = 5.0
"""How often the owner rewrites its heartbeat."""
STALE_AFTER_SECONDS = 30.0
"""An owner on another host whose heartbeat is older than this is taken for dead."""


_RECORD_BYTES = 512


class RunOwned(Denied):
    """Another live process owns the run: it is not resumed twice."""


@dataclass(frozen=True)
class Owner:
    pid: int
    host: str
    started_at: str
    heartbeat_at: str
    heartbeat: float
    """The heartbeat as epoch seconds (what liveness compares)."""

    def describe(self) -> str:
        return f"pid {self.pid} on {self.host} (since {self.started_at}, heartbeat {self.heartbeat_at})"


def lock_path(root: Path, run_id: str) -> Path:
    return root / f"{run_id}.lock"


def read_owner(root: Path, run_id: str) -> Owner | None:
    """The owner the lock file names, or None (no file, released, or unreadable)."""
    try:
        data = json.loads(lock_path(root, run_id).read_text(encoding="utf-8").strip() or "null")
        return Owner(**data) if isinstance(data, dict) else None
    except (OSError, ValueError, TypeError):
        return None


def owner_alive(owner: Owner, *, now: float | None = None) -> bool:
    """Whether `owner` still drives its run: on this host, its pid lives and beats; elsewhere, it beats."""
    age = (time.time() if now is None else now) - owner.heartbeat
    if owner.host == socket.gethostname():
        if not _pid_alive(owner.pid):
            return False
        # A pid reused by another process stops beating: three missed beats end the claim.
        return age < max(STALE_AFTER_SECONDS, 3 * HEARTBEAT_SECONDS)
    return age < STALE_AFTER_SECONDS


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class RunLock:
    """The exclusive claim on one run, with a heartbeat thread; `release()` (or exit) ends it."""

    def __init__(self, root: Path, run_id: str) -> None:
        self.root = root
        self.run_id = run_id
        self._fd: int | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._started = datetime.now(UTC).isoformat()

    def acquire(self) -> RunLock:
        """Take the run, or refuse naming its live owner.

        Raises:
            RunOwned: another process holds the run.
        """
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(lock_path(self.root, self.run_id), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            owner = read_owner(self.root, self.run_id)
            who = owner.describe() if owner else "another process"
            raise RunOwned(
                f"run {self.run_id} is being run by {who}",
                hint="wait for it to finish or stop that process; a run is driven by one process at a time",
            ) from None
        self._fd = fd
        self._write()
        self._thread = threading.Thread(target=self._beat, name=f"run-heartbeat-{self.run_id}", daemon=True)
        self._thread.start()
        return self

    def release(self) -> None:
        """Stop beating, blank the owner and drop the lock (the file stays, see the module doc)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(HEARTBEAT_SECONDS + 1)
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def _beat(self) -> None:
        while not self._stop.wait(HEARTBEAT_SECONDS):
            try:
                self._write()
            except OSError:
                return

    def _write(self) -> None:
        fd = self._fd
        if fd is None:
            return
        now = time.time()
        owner = Owner(
            pid=os.getpid(),
            host=socket.gethostname(),
            started_at=self._started,
            heartbeat_at=datetime.fromtimestamp(now, UTC).isoformat(),
            heartbeat=now,
        )
        # One write of a fixed size over the last one: a reader never sees an empty or half file.
        data = json.dumps(asdict(owner)).encode("utf-8").ljust(_RECORD_BYTES)
        os.pwrite(fd, data, 0)

    def __enter__(self) -> RunLock:
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.release()
