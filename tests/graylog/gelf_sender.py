"""Test helpers that put messages into an emulator the way applications do: GELF over UDP."""

from __future__ import annotations

import json
import socket
import time
from typing import Any

from opsconsole.demo.graylog.store import MessageStore


class UdpSender:
    def __init__(self, port: int) -> None:
        self.port = port
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

    def send(self, text: str, *, timestamp: float | None = None, host: str = "web-1", **fields: Any) -> None:
        gelf = {"version": "1.1", "host": host, "short_message": text, "timestamp": timestamp or time.time()}
        gelf.update({f"_{k}": v for k, v in fields.items()})
        self.socket.sendto(json.dumps(gelf).encode(), ("127.0.0.1", self.port))

    def close(self) -> None:
        self.socket.close()


def wait_stored(store: MessageStore, count: int, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while len(store) < count:
        assert time.monotonic() < deadline, f"only {len(store)} of {count} messages arrived"
        time.sleep(0.01)
