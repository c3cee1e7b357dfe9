"""A moto fork server: `python -m tests.support.moto_forkserver SOCKET OWNER_PID`.

Importing moto and warming its backends costs each server process ~5 s of CPU; this process pays it
once per test run and forks a ready server per request on its unix socket. A forked server can be
frozen: it stops serving and becomes a fork server itself, so a world deployed once (moto's
CloudFormation is the cost) is copied by fork into as many independent servers as tests want.
Each served child lives as long as its requester's connection stays open.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import sys
import warnings
from pathlib import Path
from typing import Any


def _send(conn: socket.socket, message: dict[str, Any]) -> None:
    conn.sendall((json.dumps(message) + "\n").encode())


def listen(path: Path) -> socket.socket:
    """A listening unix socket that appears at `path` only once it accepts (renamed into place)."""
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(partial))
    listener.listen(64)
    os.replace(partial, path)
    return listener


def _alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()  # Linux, as the tests' flock and fork already assume


def fork_loop(listener: socket.socket, watched: int) -> None:
    """Fork a served moto per connection until process `watched` is gone; never returns."""
    listener.settimeout(1.0)
    while _alive(watched):
        _reap()
        try:
            conn, _ = listener.accept()
        except TimeoutError:
            continue
        conn.settimeout(None)
        with conn.makefile("r") as reader:
            request = json.loads(reader.readline() or "{}")
        if os.fork() == 0:
            listener.close()
            try:
                _serve(conn, request)
            finally:
                os._exit(1)
        conn.close()
    _report_cpu(Path(listener.getsockname()).parent / "moto-fork-cpu.txt")
    os._exit(0)


def _reap() -> None:
    """Wait for the served children that ended, so that their CPU counts in this process's times."""
    try:
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass


def _report_cpu(report: Path) -> None:
    """This process's CPU and its reaped children's, one line in the run's directory: no parent
    waits for a fork server, so the run's own CPU figures would leave it out."""
    _reap()
    times = os.times()
    with report.open("a", encoding="utf-8") as out:
        out.write(f"{times.user + times.children_user:.2f} {times.system + times.children_system:.2f}\n")


def _serve(conn: socket.socket, request: dict[str, Any]) -> None:
    """Serve moto on the requested port until the requester hangs up or asks to freeze."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=int(request.get("port", 0)), verbose=False)
    server.start()
    _send(conn, {"port": server.get_host_and_port()[1], "pid": os.getpid()})
    with conn.makefile("r") as reader:
        line = reader.readline()
    if not line:  # the requester is gone: so is its server
        os._exit(0)
    freeze = Path(json.loads(line)["freeze"])
    server.stop()  # no thread serves any more, so forking copies a quiet state
    template = listen(freeze)
    _send(conn, {"frozen": str(freeze)})
    conn.close()
    fork_loop(template, os.getppid())


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    from opsconsole.demo.moto_fixes import apply_all
    from opsconsole.demo.moto_process import warm_backends

    apply_all()
    warm_backends()
    import moto.server  # noqa: F401  (the server's own modules, before any fork)

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    fork_loop(listen(Path(sys.argv[1])), int(sys.argv[2]))


if __name__ == "__main__":
    main()
