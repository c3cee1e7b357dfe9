"""A Graylog emulator per test (REST + GELF inputs on loopback) and a client for it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from opsconsole.demo.graylog.emulator import DEMO_TOKEN, GraylogEmulator
from opsconsole.demo.graylog.streams import env_streams
from opsconsole.graylog.client import GraylogClient


@pytest.fixture
def emulator() -> Iterator[GraylogEmulator]:
    with GraylogEmulator(env_streams(["dev", "prod"])) as running:
        yield running


@pytest.fixture
def client(emulator: GraylogEmulator) -> Iterator[GraylogClient]:
    graylog = GraylogClient(emulator.api_url, token=DEMO_TOKEN, timeout=5)
    yield graylog
    graylog.close()
