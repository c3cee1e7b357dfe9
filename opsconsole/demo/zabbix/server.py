"""The Zabbix emulator on loopback: the JSON-RPC API over HTTP at /api_jsonrpc.php and the trapper
protocol over TCP ("ZBXD\\x01" framing, `sender data` requests), both on free ports.

HTTP rules from reference/zabbix-facts.md, gotcha 12: a Content-Type other than the three JSON
ones gets 412 with an empty body; a body that is not JSON gets -32700 Parse error.
"""

from __future__ import annotations

import json
import socket
import socketserver
import struct
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from opsconsole.demo.zabbix.api import ZabbixApi
from opsconsole.demo.zabbix.store import Store

API_PATH = "/api_jsonrpc.php"
JSON_TYPES = {"application/json-rpc", "application/json", "application/jsonrequest"}
HEADER = struct.Struct("<4sBII")  # "ZBXD", flags, data length, reserved (uncompressed length)
MAX_TRAPPER_PAYLOAD = 16 * 1024 * 1024
DEFAULT_USER = ("Admin", "zabbix")


class ZabbixEmulator:
    """`start()` binds both ports; `stop()` closes them. `store` is the emulated server's state."""

    def __init__(self, store: Store | None = None) -> None:
        self.store = store or Store()
        if not self.store.users:
            self.store.add_user(*DEFAULT_USER, name="Zabbix", surname="Administrator")
        self.api = ZabbixApi(self.store)
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.api))
        self._http.daemon_threads = True
        self._trapper = _TrapperServer(("127.0.0.1", 0), _TrapperHandler)
        self._trapper.store = self.store
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._http.server_address[1]}{API_PATH}"

    @property
    def trapper_port(self) -> int:
        return int(self._trapper.server_address[1])

    def add_token(self, name: str = "opsconsole", secret: str | None = None) -> str:
        """An API token of the Admin user, as token.create + token.generate would make."""
        with self.store.lock:
            return self.store.add_token("1", name, secret)[1]

    def start(self) -> ZabbixEmulator:
        for name, server in (("zabbix-api", self._http), ("zabbix-trapper", self._trapper)):
            thread = threading.Thread(target=server.serve_forever, args=(0.2,), name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        for server in (self._http, self._trapper):
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(5)

    def __enter__(self) -> ZabbixEmulator:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


def _handler(api: ZabbixApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "Apache"  # what sits in front of a real frontend; nothing relies on it

        def setup(self) -> None:
            super().setup()
            # Headers and body go out in two writes: without this, Nagle and delayed ACKs add 40 ms a call.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if self.path.split("?", 1)[0] != API_PATH:
                self._send(404, b"")
                return
            content_type = (self.headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()
            if content_type not in JSON_TYPES:
                self._send(412, b"")
                return
            try:
                request = json.loads(body)
            except ValueError:
                error = {
                    "code": -32700,
                    "message": "Parse error.",
                    "data": "Invalid JSON. An error occurred on the server while parsing the JSON text.",
                }
                self._json({"jsonrpc": "2.0", "error": error, "id": None})
                return
            self._json(api.handle(request))

        def do_GET(self) -> None:
            self._send(404 if self.path.split("?", 1)[0] != API_PATH else 412, b"")

        def _json(self, payload: dict[str, Any]) -> None:
            self._send(200, json.dumps(payload).encode(), "application/json")

        def _send(self, status: int, body: bytes, content_type: str | None = None) -> None:
            self.send_response(status)
            if content_type:
                self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass  # requests are not the demo terminal's business

    return Handler


class _TrapperServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    store: Store


class _TrapperHandler(socketserver.BaseRequestHandler):
    """One `sender data` request per connection, answered like zabbix_server's trapper."""

    def handle(self) -> None:
        conn: socket.socket = self.request
        conn.settimeout(5)
        try:
            payload = _read_packet(conn)
        except (OSError, ValueError):
            return
        started = time.perf_counter()
        store = self.server.store  # type: ignore[attr-defined]
        try:
            request = json.loads(payload)
        except ValueError:
            return
        if not isinstance(request, dict) or request.get("request") != "sender data":
            conn.sendall(_packet({"response": "failed", "info": "unsupported request"}))
            return
        values = request.get("data") or []
        processed = sum(
            store.accept_value(
                str(v.get("host", "")),
                str(v.get("key", "")),
                str(v.get("value", "")),
                self.client_address[0],
                int(v["clock"]) if v.get("clock") else None,
            )
            for v in values
            if isinstance(v, dict)
        )
        seconds = time.perf_counter() - started
        info = (
            f"processed: {processed}; failed: {len(values) - processed}; total: {len(values)}; "
            f"seconds spent: {seconds:.6f}"
        )
        conn.sendall(_packet({"response": "success", "info": info}))


def _read_exact(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise ValueError("connection closed mid-packet")
        data += chunk
    return data


def _read_packet(conn: socket.socket) -> bytes:
    magic, flags, length, _reserved = HEADER.unpack(_read_exact(conn, HEADER.size))
    if magic != b"ZBXD" or not flags & 0x01 or length > MAX_TRAPPER_PAYLOAD:
        raise ValueError("not a Zabbix protocol packet")
    data = _read_exact(conn, length)
    return zlib.decompress(data) if flags & 0x02 else data


def _packet(payload: dict[str, Any]) -> bytes:
    data = json.dumps(payload).encode()
    return HEADER.pack(b"ZBXD", 0x01, len(data), 0) + data
