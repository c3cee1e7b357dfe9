"""The role broker's locks against a real moto server: a read that finds its session and client
cached never waits behind another account's client being made."""

from __future__ import annotations

import threading
from typing import Any

from opsconsole.aws.identity import make_boto_session
from opsconsole.aws.session import RoleBroker
from opsconsole.config import Settings
from opsconsole.domain.environment import RoleTier


class SlowEcsClients:
    """A boto3 Session whose ECS clients take until `release` is set to be made."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.making = threading.Event()
        self.release = threading.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def client(self, service: str, **kwargs: Any) -> Any:
        if service == "ecs":
            self.making.set()
            assert self.release.wait(30)
        return self._inner.client(service, **kwargs)


def test_a_cached_session_and_client_are_handed_out_while_another_client_is_made(
    demo_settings: Settings,
) -> None:
    boto = SlowEcsClients(make_boto_session(demo_settings.identity))
    broker = RoleBroker(demo_settings, boto_session=boto)
    sts = broker.client("dev", RoleTier.READ, "sts")  # dev's session and STS client, cached
    broker.session("prod", RoleTier.READ)
    maker = threading.Thread(target=lambda: broker.client("prod", RoleTier.READ, "ecs"), daemon=True)
    maker.start()
    try:
        assert boto.making.wait(30)
        handed: list[Any] = []
        reader = threading.Thread(
            target=lambda: handed.extend(
                [broker.session("dev", RoleTier.READ), broker.client("dev", RoleTier.READ, "sts")]
            ),
            daemon=True,
        )
        reader.start()
        reader.join(5)
        assert not reader.is_alive(), "the cached session and client waited for prod's ECS client"
        assert handed[1] is sts and handed[0].environment == "dev"
    finally:
        boto.release.set()
        maker.join(30)
