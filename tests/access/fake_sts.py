"""A fake STS over HTTP that answers every request with one canned failure, in STS's own error
shape (query protocol XML) or, for a broken gateway, an HTML page. Simulated: it stands in for
failures moto cannot produce (throttling, expired tokens, 5xx)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

XML = (
    '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
    "<Code>{code}</Code><Message>{message}</Message></Error><RequestId>fake-1</RequestId></ErrorResponse>"
)
HTML = "<!doctype html><html><head><title>500 Internal Server Error</title></head><body><h1>boom</h1></body></html>"

ANSWERS = {
    "denied": (
        403,
        XML.format(code="AccessDenied", message="User is not authorized to perform: sts:AssumeRole"),
    ),
    "throttled": (400, XML.format(code="Throttling", message="Rate exceeded")),
    "expired": (
        400,
        XML.format(code="ExpiredToken", message="The security token included in the request is expired"),
    ),
    "html500": (500, HTML),
    "badkeys": (403, XML.format(code="InvalidClientTokenId", message="The security token is invalid.")),
}


@contextmanager
def fake_sts(answer: str) -> Iterator[str]:
    status, body = ANSWERS[answer]

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            payload = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/html" if body.startswith("<!") else "text/xml")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *_: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
