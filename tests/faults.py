"""A TCP proxy between the console and a backend that can be told to fail: real faults on the wire
(connections reset or closed mid-answer, a gateway's 502/503, throttling and expired-credential
answers in the backend's own dialect, latency, a server that hangs or drips a byte at a time),
with the console's own clients untouched."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit, urlunsplit

PASS, RESET, BAD_GATEWAY = "pass", "reset", "bad-gateway"
UNAVAILABLE, THROTTLED, EXPIRED = "unavailable", "throttled", "expired"
SLOW, HANG, DRIP, CLOSED, DOWN = "slow", "hang", "drip", "closed", "down"
CANNED = (BAD_GATEWAY, UNAVAILABLE, THROTTLED, EXPIRED)
"""Faults answered by the proxy itself, in the dialect of the request (see `canned_answer`)."""
_BAD_GATEWAY = b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


def _http(status: str, body: bytes, content_type: str) -> bytes:
    head = f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
    return head.encode() + b"Connection: close\r\n\r\n" + body


def canned_answer(mode: str, request: bytes) -> bytes:
    """What a backend (or the gateway before it) answers for `mode`, shaped like its real answers:
    AWS JSON protocols (X-Amz-Target) and query protocols (XML), Zabbix JSON-RPC, Graylog REST."""
    if mode == BAD_GATEWAY:
        return _BAD_GATEWAY
    if mode == UNAVAILABLE:
        return _http(
            "503 Service Unavailable", b"<html><body>503 Service Unavailable</body></html>", "text/html"
        )
    lower = request.lower()
    throttled = mode == THROTTLED
    if b"x-amz-target:" in lower:  # AWS JSON 1.0/1.1 (ECS, DynamoDB, CloudWatch Logs)
        kind = "ThrottlingException" if throttled else "ExpiredTokenException"
        body = f'{{"__type":"{kind}","message":"{"Rate exceeded" if throttled else "The security token included in the request is expired"}"}}'
        return _http("400 Bad Request", body.encode(), "application/x-amz-json-1.1")
    if b"authorization: aws4-hmac-sha256" in lower:  # AWS query protocols (STS, RDS, CloudFormation)
        code = "Throttling" if throttled else "ExpiredToken"
        body = (
            f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>"
            f"<Message>{'Rate exceeded' if throttled else 'The security token included in the request is expired'}"
            "</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>"
        )
        return _http("400 Bad Request", body.encode(), "text/xml")
    if b"api_jsonrpc.php" in lower:  # Zabbix answers errors with 200 and a JSON-RPC error
        if throttled:
            return _http("429 Too Many Requests", b"", "text/plain")
        rpc = (
            b'{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params.",'
            b'"data":"Session terminated, re-login, please."},"id":1}'
        )
        return _http("200 OK", rpc, "application/json-rpc")
    if throttled:  # Graylog (and any other REST API)
        return _http(
            "429 Too Many Requests", b'{"type":"ApiError","message":"Too many requests"}', "application/json"
        )
    return _http("401 Unauthorized", b"", "text/plain")


class FaultProxy:
    """Forwards 127.0.0.1:<port> to the target until `fail()`; live connections end when it fails."""

    def __init__(self, target_url: str) -> None:
        parts = urlsplit(target_url)
        self._target = (parts.hostname or "127.0.0.1", parts.port or 80)
        self._target_url = parts
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        self.mode = PASS
        self.delay = 0.0
        """Seconds: SLOW waits this long before forwarding each answer; DRIP between its bytes."""
        self.refused = 0
        self.targets: list[tuple[float, str]] = []
        """(monotonic time, X-Amz-Target) of each AWS JSON-protocol request forwarded."""
        self.hold_after: bytes | None = None
        """Once a request holding these bytes has been forwarded, every later request is held
        (not forwarded) until `heal()`: the moment after a given call, frozen."""
        self.holding = threading.Event()
        self._released = threading.Event()
        self._placeholder = socket.socket()
        self.connections = 0
        self.peak_connections = 0
        """The most connections forwarded at one time: how many reads ran at once."""
        self._live: set[socket.socket] = set()
        self._lock = threading.Lock()
        threading.Thread(target=self._serve, args=(self._server,), daemon=True).start()

    @property
    def url(self) -> str:
        """The target's URL with the proxy's address in place of the target's."""
        return urlunsplit(self._target_url._replace(netloc=f"127.0.0.1:{self.port}"))

    def fail(self, mode: str = RESET, *, delay: float = 0.0) -> None:
        """Fail from now on in `mode`; DOWN closes the port itself (connections are refused)."""
        self.delay = delay
        with self._lock:
            self.mode = mode
            live, self._live = self._live, set()
        for conn in live:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()
        if mode == DOWN:
            # Bound but not listening: connections are refused, and no other socket takes the port.
            with contextlib.suppress(OSError):
                self._server.shutdown(socket.SHUT_RDWR)  # wakes the accept() that holds it open
            self._server.close()
            self._placeholder = socket.socket()
            self._placeholder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self._placeholder.bind(("127.0.0.1", self.port))

    def heal(self) -> None:
        self.hold_after = None
        self._released.set()
        self.holding.clear()
        if self.mode == DOWN:  # listen again on the same port
            self._placeholder.close()
            self._server = socket.create_server(("127.0.0.1", self.port))
            threading.Thread(target=self._serve, args=(self._server,), daemon=True).start()
        self.mode = PASS
        self.delay = 0.0

    def close(self) -> None:
        self._released.set()
        self.fail(DOWN)
        self._placeholder.close()

    def _serve(self, server: socket.socket) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(client,), daemon=True).start()

    def _handle(self, client: socket.socket) -> None:
        mode = self.mode
        if mode in (RESET, HANG, DRIP, *CANNED):
            self.refused += 1
            with contextlib.suppress(OSError):
                self._answer_itself(client, mode)
            client.close()
            return
        try:
            upstream = socket.create_connection(self._target, timeout=10)
        except OSError:
            client.close()
            return
        with self._lock:
            self._live |= {client, upstream}
            self.connections += 1
            self.peak_connections = max(self.peak_connections, self.connections)
        answer_delay = self.delay if mode == SLOW else 0.0
        cut_after = 64 if mode == CLOSED else None
        answers = threading.Thread(
            target=_pump, args=(upstream, client, answer_delay, cut_after), daemon=True
        )
        answers.start()
        _pump(client, upstream, record=self._record)
        answers.join()
        with self._lock:
            self.connections -= 1

    def _hold(self, data: bytes) -> bool:
        """Before a chunk goes upstream: wait while holding (a held request is dropped, never sent
        late); start holding after the marker. Whether to forward the chunk."""
        if self.holding.is_set():
            self._released.wait()
            return False
        if self.hold_after is not None and self.hold_after in data:
            self.hold_after = None
            self._released.clear()
            self.holding.set()
        return True

    def _record(self, data: bytes) -> bool:
        """Whether to forward `data` (see `_hold`); AWS JSON targets are stamped."""
        if (self.holding.is_set() or self.hold_after is not None) and not self._hold(data):
            return False
        for line in data.split(b"\r\n"):
            if line.lower().startswith(b"x-amz-target:"):
                self.targets.append((time.monotonic(), line.split(b":", 1)[1].strip().decode()))
        return True

    def _answer_itself(self, client: socket.socket, mode: str) -> None:
        if mode == RESET:
            return
        request = client.recv(65536)
        if mode in CANNED:
            client.sendall(canned_answer(mode, request))
        elif mode == HANG:
            while self.mode == HANG and client.recv(65536):
                pass  # read whatever comes; answer nothing until healed or the client gives up
        elif mode == DRIP:  # a valid start of an answer, then one byte every `delay` seconds
            client.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
            )
            while self.mode == DRIP:
                time.sleep(self.delay or 1.0)
                client.sendall(b" ")


def _pump(
    source: socket.socket,
    sink: socket.socket,
    delay: float = 0.0,
    cut_after: int | None = None,
    record: Callable[[bytes], bool] | None = None,
) -> None:
    """Forward `source` to `sink`: after `delay` seconds per chunk; closed after `cut_after` bytes;
    each chunk shown to `record` first, which may stop the forwarding."""
    sent = 0
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            if record is not None and not record(data):
                break
            if delay:
                time.sleep(delay)
            if cut_after is not None and sent + len(data) > cut_after:
                sink.sendall(data[: cut_after - sent])
                break
            sink.sendall(data)
            sent += len(data)
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
