"""GELF inputs of the Graylog emulator on loopback: UDP (chunked or not; zlib, gzip or plain),
TCP (null-delimited frames) and HTTP (`POST /gelf`), feeding one message store.

Transport rules from Graylog's UdpTransport, TcpTransport (max frame 2 MiB) and HttpTransport
with netty/HttpHandler (POST to exactly /gelf gives 202 with an empty body before decoding;
OPTIONS 200; other methods 405; other paths 404; bodies over 64 KiB 413).
"""

from __future__ import annotations

import secrets
import socket
import socketserver
import threading
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from opsconsole.demo.graylog.gelf import (
    DECOMPRESS_LIMIT,
    ChunkAggregator,
    Dropped,
    Origin,
    decode,
    payload_type,
    read_gelf,
)
from opsconsole.demo.graylog.metrics import LOG
from opsconsole.demo.graylog.store import MessageStore

__all__ = ["GelfInputs", "MessageStore", "UdpInput", "ingest"]

MAX_TCP_FRAME = 2 * 1024 * 1024
MAX_HTTP_BODY = 64 * 1024


def input_id() -> str:
    """A 24-hex-digit id like a Graylog input's (a MongoDB ObjectId)."""
    return secrets.token_hex(12)


@dataclass(frozen=True)
class InputInfo:
    name: str  # "udp", "tcp", "http"
    id: str = field(default_factory=input_id)
    node_id: str = ""


def ingest(
    store: MessageStore, payload: bytes, remote: str, port: int = 0, info: InputInfo | None = None
) -> None:
    """Decode one payload into the store, or count and log why Graylog would drop it. Never raises:
    one bad payload must not stop an input."""
    info = info or InputInfo("test", id="test", node_id="")
    metrics = store.metrics
    ignored: list[str] = []
    try:
        message = decode(read_gelf(payload), Origin(remote, port, info.id, info.node_id), ignored=ignored)
    except Dropped as drop:
        metrics.drop(info.name, info.id, drop.meter, drop.reason, remote)
        return
    except Exception as e:
        LOG.exception("GELF %s input: internal error on a payload from %s", info.name, remote)
        metrics.drop(info.name, info.id, "internal-errors", f"{type(e).__name__}: {e}", remote)
        return
    metrics.processed(info.id)
    if ignored:  # Graylog: "Ignoring invalid or reserved key" (Message.java l.579-585), message kept
        metrics.mark(f"opsconsole.emulator.{info.id}.ignored-fields", len(ignored))
        LOG.info(
            "GELF %s input ignored field(s) %s from %s", info.name, ", ".join(map(repr, ignored)), remote
        )
    store.add(message)


class UdpInput:
    def __init__(self, store: MessageStore, node_id: str = "") -> None:
        self.store = store
        self.info = InputInfo("udp", node_id=node_id)
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
                data, (remote, port) = self.socket.recvfrom(65535)
            except TimeoutError:
                continue
            except OSError:
                if self._stop.is_set():
                    return
                continue  # e.g. ICMP port unreachable reported on the socket: the input goes on
            try:
                self._datagram(data, remote, port)
            except Exception:
                LOG.exception("GELF udp input: internal error")

    def _datagram(self, data: bytes, remote: str, port: int) -> None:
        if payload_type(data) == "CHUNKED":
            lost = self.aggregator.dropped
            whole = self.aggregator.add(data)
            self.store.metrics.aggregator(self.aggregator.counts)
            for _ in range(self.aggregator.dropped - lost):
                reason = "a chunk with an invalid header, or a chunk set that expired incomplete after 5 s"
                self.store.metrics.drop("udp", self.info.id, "chunks-dropped", reason, remote)
            if whole is None:
                return
            data = whole
        ingest(self.store, data, remote, port, self.info)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.socket.close()


class _TcpHandler(socketserver.BaseRequestHandler):
    server: _TcpServer

    def handle(self) -> None:
        buffer = b""
        remote, port = self.client_address[0], int(self.client_address[1])
        info = self.server.info
        while True:
            try:
                data = self.request.recv(65536)
            except OSError:
                return  # a reset connection ends only itself
            if not data:
                return
            buffer += data
            *frames, buffer = buffer.split(b"\x00")
            for frame in frames:
                if frame:
                    ingest(self.server.store, frame, remote, port, info)
            if len(buffer) > MAX_TCP_FRAME:
                reason = f"a frame over max_message_size ({MAX_TCP_FRAME} bytes): the connection is closed"
                self.server.store.metrics.drop("tcp", info.id, "oversize-frames", reason, remote)
                return


class _TcpServer(socketserver.ThreadingTCPServer):
    """A GELF input's threaded server on a free loopback port; a failed connection is logged."""

    daemon_threads = True
    allow_reuse_address = True
    transport, unit = "tcp", "connection"
    handler: type[socketserver.BaseRequestHandler] = _TcpHandler

    def __init__(self, store: MessageStore, node_id: str) -> None:
        super().__init__(("127.0.0.1", 0), self.handler)
        self.store = store
        self.info = InputInfo(self.transport, node_id=node_id)

    def handle_error(self, request: Any, client_address: Any) -> None:
        LOG.exception("GELF %s input: %s from %s failed", self.transport, self.unit, client_address)


class _HttpHandler(BaseHTTPRequestHandler):
    server: _HttpServer
    timeout = 10  # a client that sends less than its Content-Length ties up only its own thread

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's signature
        return  # the demo's terminal belongs to the TUI

    def do_POST(self) -> None:
        if self.path != "/gelf":  # compared whole: /gelf?x is 404
            self._reply(404)
            return
        info, remote = self.server.info, self.client_address[0]
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_HTTP_BODY:
            self.server.store.metrics.drop(
                "http", info.id, "rejected-bodies", f"Content-Length {length}", remote
            )
            self._reply(413 if length > 0 else 400)
            self.close_connection = True
            return
        body = self.rfile.read(length)
        self._reply(202)  # accepted before decoding: invalid GELF still gets 202
        if self.headers.get("Content-Encoding", "").lower() in ("gzip", "deflate"):
            body = _content_decoded(body)
        ingest(self.server.store, body, remote, int(self.client_address[1]), info)

    def do_OPTIONS(self) -> None:
        self._reply(200)

    def _not_allowed(self) -> None:
        self._reply(405)

    do_GET = do_PUT = do_DELETE = do_PATCH = _not_allowed

    def _reply(self, status: int) -> None:
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()


def _content_decoded(body: bytes) -> bytes:
    """Netty's HttpContentDecompressor for `Content-Encoding: gzip|deflate`; a body that does not
    decompress goes on as is, to the codec's magic-byte sniffing (graypy labels zlib `gzip,deflate`)."""
    inflater = zlib.decompressobj(wbits=47)  # 32 + 15: a gzip or zlib header, detected
    try:
        out = inflater.decompress(body, DECOMPRESS_LIMIT + 1)
    except zlib.error:
        return body
    return out if len(out) <= DECOMPRESS_LIMIT else b"\x00"  # cut: the codec drops it as too short


class _HttpServer(_TcpServer, ThreadingHTTPServer):
    transport, unit = "http", "request"
    handler = _HttpHandler


class GelfInputs:
    """The three inputs on free loopback ports; `start()` then `stop()`."""

    def __init__(self, store: MessageStore, node_id: str = "") -> None:
        self.store = store
        self.udp = UdpInput(store, node_id)
        self._tcp = _TcpServer(store, node_id)
        self._http = _HttpServer(store, node_id)
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

    def close(self) -> None:
        """Release the ports of inputs that were never started."""
        self.udp.socket.close()
        for server in (self._tcp, self._http):
            server.server_close()
