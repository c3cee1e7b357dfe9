"""`./dev demo` paints first: the world's config exists before moto does, and the console's first
AWS read waits for the world (or says why it never came) instead of the TUI waiting to open."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest

from opsconsole.app.console import Console
from opsconsole.app.context import AppContext
from opsconsole.config import load_settings
from opsconsole.demo.world import START_STEPS, DemoWorld
from opsconsole.domain.errors import BackendError, OpsError
from tests.tui.fakes import demo_like_settings


def test_the_first_aws_read_waits_for_the_world_and_nothing_else_does() -> None:
    up = threading.Event()

    def ready() -> None:
        assert up.wait(10)

    context = AppContext.build(demo_like_settings(), ready=ready)
    built = object()
    context.make_broker = lambda: built  # type: ignore[assignment,return-value]  # the gate is what is tested
    got: list[object] = []
    reader = threading.Thread(target=lambda: got.append(context.broker))
    reader.start()
    reader.join(0.3)
    assert reader.is_alive() and not context.broker_built, "the read waits while the world starts"
    assert context.backends is not None and context.settings.demo, "the rest of the context is there"
    up.set()
    reader.join(10)
    assert context.broker_built and got == [built]


def test_a_world_that_never_came_up_is_an_error_for_each_read_not_a_hang() -> None:
    def ready() -> None:
        raise BackendError("the demo world did not start: moto exited")

    context = AppContext.build(demo_like_settings(), ready=ready)
    for _ in range(2):  # asked again by the next read, never cached as a broker
        with pytest.raises(OpsError, match="did not start: moto exited"):
            _ = context.broker
    assert not context.broker_built


def test_prepare_writes_the_config_before_moto_and_finish_brings_it_up_there(tmp_path: Path) -> None:
    world = DemoWorld(root=tmp_path / "world", operator="alice", deploy_stacks=False)
    config = world.prepare()
    try:
        settings = load_settings(config, environ={})
        assert settings.zabbix.url and settings.graylog.url, "the in-process emulators are up already"
        endpoint = settings.endpoint_url
        assert endpoint is not None
        port = int(endpoint.rsplit(":", 1)[1])
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        steps: list[str] = []
        ready = world.finish(progress=steps.append)
        assert ready.endpoint == endpoint and ready.config_path == config
        assert len(steps) == START_STEPS and steps[0] == f"moto server 1/{START_STEPS}"
        console = Console.build(settings)
        assert console.access.caller_identity().account, "the console signs in through the config it had"
        console.close()
    finally:
        world.stop()
