"""A stub of AWS's federation endpoint and a recording browser, for the console sign-in tests."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest


class FederationStub:
    """A stub of AWS's federation endpoint (Action=getSigninToken), on loopback: it records each
    request's query and answers a fresh token, or the status a test sets."""

    def __init__(self) -> None:
        self.requests: list[dict[str, list[str]]] = []
        self.status = 200
        self.tokens: list[str] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                stub.requests.append(parse_qs(urlsplit(self.path).query))
                token = f"SIGNIN-TOKEN-{len(stub.requests)}-{'x' * 40}"
                stub.tokens.append(token)
                body = json.dumps({"SigninToken": token} if stub.status == 200 else {"error": "no"})
                self.send_response(stub.status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body.encode())

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/federation"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def record_browser(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A display, and a browser (webbrowser.open) that records the URLs it is handed."""
    opened: list[str] = []

    def open_url(url: str) -> bool:
        opened.append(url)
        return True

    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setattr("webbrowser.open", open_url)
    return opened
