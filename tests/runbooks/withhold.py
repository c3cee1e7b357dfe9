"""An HTTP relay in front of moto that counts every AWS operation it forwards and can withhold the
answer to chosen ones: moto has done the call, the console never hears back. A process killed
while it waits died exactly between a change's intent and its outcome."""

from __future__ import annotations

import http.client
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "proxy-connection"}


def operation_of(headers: dict[str, str], body: bytes) -> str:
    """The AWS operation a request names: `X-Amz-Target` (JSON protocols) or `Action=` (query)."""
    target = headers.get("x-amz-target", "")
    if target:
        return target.rsplit(".", 1)[-1]
    try:
        return parse_qs(body.decode("utf-8")).get("Action", ["?"])[0]
    except UnicodeDecodeError:
        return "?"


class Relay:
    def __init__(self, target_url: str, hold: set[str]) -> None:
        parts = urlsplit(target_url)
        self.target = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.hold = set(hold)
        self.sent: Counter[str] = Counter()
        self.held = threading.Event()
        self.release = threading.Event()
        self._lock = threading.Lock()
        relay = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: object) -> None:
                return

            def do_POST(self) -> None:
                relay.forward(self)

            do_GET = do_POST

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def forward(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in _HOP}
        operation = operation_of({k.lower(): v for k, v in headers.items()}, body)
        upstream = http.client.HTTPConnection(*self.target, timeout=60)
        upstream.request(handler.command, handler.path, body=body, headers=headers)
        answer = upstream.getresponse()
        payload = answer.read()
        upstream.close()
        with self._lock:
            self.sent[operation] += 1
            withheld = operation in self.hold
        if withheld:  # moto did it; the caller waits for an answer that does not come
            self.held.set()
            self.release.wait(120)
            handler.close_connection = True
            return
        handler.send_response(answer.status)
        for key, value in answer.getheaders():
            if key.lower() not in _HOP:
                handler.send_header(key, value)
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def relay(target_url: str, hold: set[str] | None = None) -> Iterator[Relay]:
    proxy = Relay(target_url, hold or set())
    try:
        yield proxy
    finally:
        proxy.close()
