"""Helpers for tests on a demo world: its accounts' admin clients, a recorder of the AWS calls the
console sends, and a Zabbix feed that reports to the world's emulator as the simulator does."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from opsconsole.aws.session import RoleBroker
from opsconsole.demo.world import DemoReady

READ_PREFIXES = ("Describe", "List", "Get")


def admin(world: DemoReady, env: str, service: str, region: str = "eu-west-1") -> Any:
    """A client signed by the environment's seeding admin: the test's hand, not the console's."""
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
