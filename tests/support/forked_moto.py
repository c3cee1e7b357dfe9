"""moto servers forked from one warm process per test run (tests/support/moto_forkserver.py), and
demo worlds opened on a fork of a world that was bootstrapped and deployed once per run.

A fork is a server of its own (own port, own state, own process): tests stay as isolated as with a
new server, without each paying moto's import (~5 s of CPU) or the estate's deploy (~11 s)."""

from __future__ import annotations

import fcntl
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from opsconsole.demo.bootstrap import AccessKey, Bootstrapped
from opsconsole.demo.server import MotoServer
from opsconsole.demo.team import TeamPeer
from opsconsole.demo.world import DemoWorld, Seeded
from opsconsole.domain.errors import BackendError

_REPO = Path(__file__).resolve().parents[2]
_STARTED: list[subprocess.Popen[bytes]] = []  # kept referenced: the fork server outlives its fixture


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """An exclusive lock on `path` across processes and threads (flock holds per open file)."""
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _read_line(conn: socket.socket) -> dict[str, Any]:
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(4096)
        if not chunk:
            raise BackendError("the moto fork server hung up", hint="see moto-fork.log in the run's temp dir")
        data += chunk
    answer: dict[str, Any] = json.loads(data)
    return answer


class ForkedMotoServer(MotoServer):
    """A MotoServer forked by the fork server listening on `socket_path`; it stops when we hang up."""

    def __init__(self, log_path: Path, socket_path: Path) -> None:
        super().__init__(log_path)
        self.socket_path = socket_path
        self._conn: socket.socket | None = None

    def start(self, timeout: float = 60.0, *, port: int = 0) -> str:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.settimeout(timeout)
        conn.connect(str(self.socket_path))
        conn.sendall((json.dumps({"port": port}) + "\n").encode())
        self.port = int(_read_line(conn)["port"])
        self._conn = conn
        return self.endpoint

    def freeze(self, path: Path) -> None:
        """The server stops serving and forks copies of its state for whoever connects to `path`."""
        assert self._conn is not None, "start() first"
        conn, self._conn = self._conn, None
        conn.sendall((json.dumps({"freeze": str(path)}) + "\n").encode())
        _read_line(conn)
        conn.close()

    def stop(self, grace: float = 5.0) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        conn.shutdown(socket.SHUT_WR)
        conn.settimeout(grace)
        try:  # the server exits on our hang-up; its end closing says it is gone
            while conn.recv(4096):
                pass
        except OSError:
            pass
        conn.close()

    @property
    def running(self) -> bool:
        return self._conn is not None


def run_root(factory: pytest.TempPathFactory) -> Path:
    """The temporary directory of the whole run: under xdist, the parent every worker's one shares."""
    base = factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def fork_server(run_root: Path) -> Path:
    """The run's fork server socket, starting the server if this is the first to ask; it exits with
    the run (xdist's controller, or this process without xdist)."""
    path = run_root / "moto-fork.sock"
    with locked(run_root / "moto-fork.lock"):
        if path.exists():
            return path
        owner = os.getppid() if os.environ.get("PYTEST_XDIST_WORKER") else os.getpid()
        with (run_root / "moto-fork.log").open("ab") as log:
            _STARTED.append(
                subprocess.Popen(
                    [sys.executable, "-m", "tests.support.moto_forkserver", str(path), str(owner)],
                    cwd=_REPO,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=log,
                    start_new_session=True,
                )
            )
        deadline = time.monotonic() + 90
        while not path.exists():
            if _STARTED[-1].poll() is not None or time.monotonic() > deadline:
                raise BackendError(
                    "the moto fork server did not start", hint=f"see {run_root / 'moto-fork.log'}"
                )
            time.sleep(0.05)
    return path


def forked_server(run_root: Path, root: Path) -> ForkedMotoServer:
    """A fresh (empty) moto server for a world or test rooted at `root`."""
    return ForkedMotoServer(root / "moto.log", fork_server(run_root))


def _seeded_from(text: str) -> Seeded:
    data = json.loads(text)
    accounts, peer = data["accounts"], data["peer"]
    return Seeded(
        Bootstrapped(
            operator_key=AccessKey(**accounts["operator_key"]),
            operator_arn=accounts["operator_arn"],
            admin_keys={env: AccessKey(**key) for env, key in accounts["admin_keys"].items()},
        ),
        TeamPeer(peer["name"], peer["arn"], AccessKey(**peer["key"])),
    )


def deployed_world(run_root: Path, root: Path, operator: str = "alice") -> DemoWorld:
    """A demo world (not started yet) on a copy of a world that `DemoWorld.start()` bootstrapped,
    put under IAM enforcement and deployed the whole estate into through the engine, once per run."""
    name = f"deployed-{operator}"
    template, meta = run_root / f"{name}.sock", run_root / f"{name}.json"
    with locked(run_root / f"{name}.lock"):
        if not meta.exists():
            builder = forked_server(run_root, run_root / name)
            world = DemoWorld(root=run_root / name, operator=operator, server=builder)
            ready = world.start()
            builder.freeze(template)
            assert world.peer is not None
            meta.write_text(json.dumps(asdict(Seeded(ready.accounts, world.peer))), encoding="utf-8")
            world.stop()
    server = ForkedMotoServer(root / "moto.log", template)
    return DemoWorld(
        root=root, operator=operator, server=server, seeded=_seeded_from(meta.read_text("utf-8"))
    )
