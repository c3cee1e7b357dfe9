"""GELF inputs of the Graylog emulator on loopback: UDP (chunked or not; zlib, gzip or plain),
TCP (null-delimited frames) and HTTP (`POST /gelf`), feeding one message store.

Transport rules from Graylog's UdpTransport, TcpTransport (max frame 2 MiB) and HttpTransport
with netty/HttpHandler (POST to exactly /gelf gives 202 with an empty body before decoding;
OPTIONS 200; other methods 405; other paths 404; bodies over 64 KiB 413).
"""

from __future__ import annotations

import socket
import socketserver
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from opsconsole.demo.graylog.gelf import ChunkAggregator, parse, payload_type, to_message
from opsconsole.demo.graylog.store import MessageStore

__all__ = ["GelfInputs", "MessageStore", "UdpInput", "ingest"]

MAX_TCP_FRAME = 2 * 1024 * 1024
MAX_HTTP_BODY = 64 * 1024


def ingest(store: MessageStore, payload: bytes, remote: str) -> None:
    gelf = parse(payload)
    store.add(to_message(gelf, remote) if gelf is not None else None)


class UdpInput:
    def __init__(self, store: MessageStore) -> None:
        self.store = store
        self.aggregator = ChunkAggregator()
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 * 1024 * 1024)
        self.socket.bind(("127.0.0.1", 0))
        self.port = int(self.socket.getsockname()[1])
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="gelf-udp", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _serve(self) -> None:
        self.socket.settimeout(0.2)
        while not self._stop.is_set():
            try:
                data, (remote, _port) = self.socket.recvfrom(65535)
            except TimeoutError:
                continue
            except OSError:
                return
            if payload_type(data) == "CHUNKED":
                whole = self.aggregator.add(data)
                if whole is None:
                    continue
                data = whole
            ingest(self.store, data, remote)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.socket.close()


class _TcpHandler(socketserver.BaseRequestHandler):
    server: _TcpServer

    def handle(self) -> None:
        buffer = b""
        remote = self.client_address[0]
        while True:
            data = self.request.recv(65536)
            if not data:
                return
            buffer += data
            *frames, buffer = buffer.split(b"\x00")
            for frame in frames:
                if frame:
                    ingest(self.server.store, frame, remote)
            if len(buffer) > MAX_TCP_FRAME:
                return  # a frame over max_message_size closes the connection


class _TcpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, store: MessageStore) -> None:
        super().__init__(("127.0.0.1", 0), _TcpHandler)
        self.store = store


class _HttpHandler(BaseHTTPRequestHandler):
    server: _HttpServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's signature
        return  # the demo's terminal belongs to the TUI

    def do_POST(self) -> None:
        if self.path != "/gelf":  # compared whole: /gelf?x is 404
            self._reply(404)
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_HTTP_BODY:
            self._reply(413)
            return
        body = self.rfile.read(length)
        self._reply(202)  # accepted before decoding: invalid GELF still gets 202
        ingest(self.server.store, body, self.client_address[0])

    def do_OPTIONS(self) -> None:
        self._reply(200)

    def _not_allowed(self) -> None:
        self._reply(405)

    do_GET = do_PUT = do_DELETE = do_PATCH = _not_allowed

    def _reply(self, status: int) -> None:
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, store: MessageStore) -> None:
        super().__init__(("127.0.0.1", 0), _HttpHandler)
        self.store = store


class GelfInputs:
    """The three inputs on free loopback ports; `start()` then `stop()`."""

    def __init__(self, store: MessageStore) -> None:
        self.store = store
        self.udp = UdpInput(store)
        self._tcp = _TcpServer(store)
        self._http = _HttpServer(store)
        self.tcp_port = int(self._tcp.server_address[1])
        self.http_port = int(self._http.server_address[1])
        self._threads = [
            # A short poll interval: shutdown() waits for it, and worlds start and stop often in tests.
            threading.Thread(target=self._tcp.serve_forever, args=(0.05,), name="gelf-tcp", daemon=True),
            threading.Thread(target=self._http.serve_forever, args=(0.05,), name="gelf-http", daemon=True),
        ]

    def start(self) -> None:
        self.udp.start()
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self.udp.stop()
        for server in (self._tcp, self._http):
            server.shutdown()
            server.server_close()
