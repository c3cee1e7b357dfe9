"""The Graylog emulator: GELF inputs (UDP, TCP, HTTP) and the REST API over one message store, on
loopback ports, with per-environment streams routed by the `env` field."""

from __future__ import annotations

import time
from collections.abc import Callable

from opsconsole.demo.graylog.api import ApiServer, GraylogApi
from opsconsole.demo.graylog.inputs import GelfInputs
from opsconsole.demo.graylog.store import MessageStore
from opsconsole.demo.graylog.streams import StreamDef, StreamTable

DEMO_TOKEN = "opsconsole-demo-graylog-token"
"""The demo world's API token: a public constant for a loopback emulator, like moto's test keys."""
"""Not OPSCONSOLE_*: those variables override config keys."""


class GraylogEmulator:
    """`start()`, then `api_url`, `udp_port`, `tcp_port`, `http_port`; `stop()` closes them all."""

    def __init__(
        self,
        streams: list[StreamDef] | None = None,
        *,
        index_delay: float = 0.0,
        version: str = "6.1.4",
        tokens: dict[str, str] | None = None,
        users: dict[str, str] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`clock` (monotonic seconds) times the index delay; a test passes one it steps by hand."""
        self.streams = StreamTable(list(streams or []))
        self.store = MessageStore(index_delay, router=self.streams.route, clock=clock)
        self.api = GraylogApi(
            self.store,
            self.streams,
            version=version,
            tokens=dict(tokens if tokens is not None else {DEMO_TOKEN: "admin"}),
            users=dict(users if users is not None else {"admin": "admin"}),
        )
        self.inputs = GelfInputs(self.store, self.api.node_id)
        self.server = ApiServer(self.api)
        self._running = False

    @property
    def api_url(self) -> str:
        return self.server.url

    @property
    def udp_port(self) -> int:
        return self.inputs.udp.port

    @property
    def tcp_port(self) -> int:
        return self.inputs.tcp_port

    @property
    def http_port(self) -> int:
        return self.inputs.http_port

    def start(self) -> GraylogEmulator:
        self.inputs.start()
        self.server.start()
        self._running = True
        return self

    def stop(self) -> None:
        """Close every port; safe to call twice or before start()."""
        if self._running:
            self._running = False
            self.server.stop()
            self.inputs.stop()
        else:
            self.server.server_close()
            self.inputs.close()

    def __enter__(self) -> GraylogEmulator:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
