"""Helpers for running runbooks on a demo world: admin clients, a call recorder, a ticking simulator."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest

from opsconsole.aws.session import RoleBroker
from opsconsole.demo.simulator import Simulator
from opsconsole.demo.world import DemoReady

READ_PREFIXES = ("Describe", "List", "Get")


def admin(world: DemoReady, env: str, service: str, region: str = "eu-west-1") -> Any:
    key = world.accounts.admin_keys[env]
    return boto3.client(
        service,
        endpoint_url=world.endpoint,
        region_name=region,
        aws_access_key_id=key.access_key_id,
        aws_secret_access_key=key.secret_access_key,
    )


def record_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every operation sent through the role broker's clients, by botocore's own before-call event."""
    sent: list[str] = []
    original = RoleBroker.client

    def recording_client(self: RoleBroker, *args: Any, **kwargs: Any) -> Any:
        client = original(self, *args, **kwargs)
        client.meta.events.register("before-call.*.*", lambda model, **_: sent.append(model.name))
        return client

    monkeypatch.setattr(RoleBroker, "client", recording_client)
    return sent


def mutating(sent: list[str]) -> list[str]:
    return [name for name in sent if not name.startswith(READ_PREFIXES)]


class Ticker:
    """The simulator moving the world in the background, from `start()` (e.g. once a change was sent)."""

    def __init__(self, simulator: Simulator, interval: float = 0.3) -> None:
        self.stop = threading.Event()
        self.thread = threading.Thread(target=simulator.run, args=(interval, self.stop), daemon=True)

    def start(self) -> None:
        if not self.thread.is_alive():
            self.thread.start()


@contextmanager
def ticking(simulator: Simulator, interval: float = 0.3) -> Iterator[Ticker]:
    ticker = Ticker(simulator, interval)
    try:
        yield ticker
    finally:
        ticker.stop.set()
        if ticker.thread.is_alive():
            ticker.thread.join(10)
