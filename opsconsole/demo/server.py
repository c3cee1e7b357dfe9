"""The moto server as a child process on a free loopback port."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from opsconsole.domain.errors import BackendError


def free_port() -> int:
    """A loopback port nobody listens on now (the demo's config names moto's before it starts)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class MotoServer:
    """Starts `opsconsole.demo.moto_process` and stops it, leaving no process behind."""

    def __init__(self, log_path: Path) -> None:
        self.log_path = log_path
        self.port: int | None = None
        self._process: subprocess.Popen[str] | None = None

    @property
    def endpoint(self) -> str:
        assert self.port is not None, "start() first"
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0, *, port: int = 0) -> str:
        """Start the server (on `port`, or a free one) and return its endpoint URL once it listens."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("w", encoding="utf-8")
        self._process = subprocess.Popen(
            [sys.executable, "-m", "opsconsole.demo.moto_process", *(["--port", str(port)] if port else [])],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            # Its own session: a Ctrl-C in the terminal reaches only us, and we stop it in order.
            start_new_session=True,
        )
        log.close()
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(self._process.stdout.readline()), daemon=True)  # type: ignore[union-attr]
        reader.start()
        reader.join(timeout)
        if not line or not line[0].startswith("READY "):
            self.stop()
            raise BackendError(
                f"the moto server did not start within {timeout:.0f} s",
                hint=f"see {self.log_path}; is moto installed (pip install 'opsconsole[demo]')?",
            )
        self.port = int(line[0].split()[1])
        return self.endpoint

    def reset_auth(self, free_requests: int = 0) -> None:
        """Turn IAM enforcement on: every request after `free_requests` is checked."""
        request = urllib.request.Request(
            f"{self.endpoint}/moto-api/reset-auth",
            data=str(free_requests).encode(),
            headers={"Content-Type": "text/plain"},  # a form content-type empties the body
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()

    def stop(self, grace: float = 5.0) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.stdin:
            with contextlib.suppress(OSError):
                process.stdin.close()
        deadline = time.monotonic() + grace
        while process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(2)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stdout:
            process.stdout.close()

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None
