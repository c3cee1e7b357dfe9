"""A TCP proxy between the console and a backend that can be told to fail: real faults on the wire
(connections reset, or an HTTP 502 from a gateway), with the console's own clients untouched."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

PASS, RESET, BAD_GATEWAY = "pass", "reset", "bad-gateway"
_BAD_GATEWAY = b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


class FaultProxy:
    """Forwards 127.0.0.1:<port> to the target until `fail()`; live connections end when it fails."""

    def __init__(self, target_url: str) -> None:
        parts = urlsplit(target_url)
        self._target = (parts.hostname or "127.0.0.1", parts.port or 80)
        self._target_url = parts
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        self.mode = PASS
        self.refused = 0
        self._live: set[socket.socket] = set()
        self._lock = threading.Lock()
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self) -> str:
        """The target's URL with the proxy's address in place of the target's."""
        return urlunsplit(self._target_url._replace(netloc=f"127.0.0.1:{self.port}"))

    def fail(self, mode: str = RESET) -> None:
        with self._lock:
            self.mode = mode
            live, self._live = self._live, set()
        for conn in live:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()

    def heal(self) -> None:
        self.mode = PASS

    def close(self) -> None:
        self.fail()
        self._server.close()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(client,), daemon=True).start()

    def _handle(self, client: socket.socket) -> None:
        if self.mode != PASS:
            self.refused += 1
            if self.mode == BAD_GATEWAY:
                with contextlib.suppress(OSError):
                    client.recv(65536)
                    client.sendall(_BAD_GATEWAY)
            client.close()
            return
        try:
            upstream = socket.create_connection(self._target, timeout=10)
        except OSError:
            client.close()
            return
        with self._lock:
            self._live |= {client, upstream}
        threading.Thread(target=_pump, args=(upstream, client), daemon=True).start()
        _pump(client, upstream)


def _pump(source: socket.socket, sink: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)
    for conn in (source, sink):
        with contextlib.suppress(OSError):
            conn.shutdown(socket.SHUT_RDWR)


@contextlib.contextmanager
def fault_proxy(target_url: str) -> Iterator[FaultProxy]:
    proxy = FaultProxy(target_url)
    try:
        yield proxy
    finally:
        proxy.close()
