"""A new link keeps the panes' narrowing while it resolves: never a moment of the whole environment
in between (at scale that re-rendered every row); a link that cannot be resolved unlinks."""

from __future__ import annotations

import threading
from typing import Any

from opsconsole.domain.errors import BackendError
from opsconsole.domain.resources import ResourceKind, ResourceRef
from opsconsole.links import Links
from opsconsole.tui.app import OpsConsoleApp
from opsconsole.tui.screens.main import MainScreen
from opsconsole.tui.widgets.log_pane import LogPane
from opsconsole.tui.widgets.problems_pane import ProblemsPane
from tests.tui.fakes import FrozenConsole
from tests.tui.test_link_property import SIZE, settle, text_of


def service(name: str) -> ResourceRef:
    return ResourceRef("staging", ResourceKind.SERVICE, name, cluster="staging-cluster")


class SlowLinks(FrozenConsole):
    """Resolving `worker` waits for the test (or fails, when `broken`)."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.broken = False
        real = self.correlation.links

        def links(ref: ResourceRef, *, resolve: bool = True) -> Links:
            if ref.name == "worker":
                self.gate.wait(10)
                if self.broken:
                    raise BackendError("staging: ECS did not answer")
            return real(ref, resolve=resolve)

        self.correlation.links = links  # type: ignore[method-assign]


async def linked_to_web(pilot: Any, screen: MainScreen) -> Links:
    await settle(pilot)
    screen.link_to(service("web"))
    await settle(pilot)
    assert screen.links is not None and screen.links.ref == service("web")
    return screen.links


async def test_the_previous_narrowing_stays_while_a_new_link_resolves() -> None:
    console = SlowLinks()
    app = OpsConsoleApp(console, initial_env="staging")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, MainScreen)
        web = await linked_to_web(pilot, screen)
        screen.link_to(service("worker"))
        for _ in range(5):
            await pilot.pause(0.05)
            assert screen.links is web
            assert screen.query_one(ProblemsPane).linked_to is web
            assert screen.query_one(LogPane).linked_to is web
        assert "linking to staging / worker" in text_of(screen, "#link-indicator")
        console.gate.set()
        await settle(pilot)
        assert screen.links is not None and screen.links.ref == service("worker")
        assert screen.query_one(ProblemsPane).linked_to is screen.links
        assert "linked to staging / worker · l unlinks" in text_of(screen, "#link-indicator")


async def test_a_link_that_cannot_resolve_unlinks_and_says_why() -> None:
    console = SlowLinks()
    console.broken = True
    console.gate.set()
    app = OpsConsoleApp(console, initial_env="staging")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, MainScreen)
        await linked_to_web(pilot, screen)
        screen.link_to(service("worker"))
        await settle(pilot)
        assert screen.linked is None and screen.links is None
        assert "staging · all" in text_of(screen, "#link-indicator")
        assert any("ECS did not answer" in str(n.message) for n in app._notifications)
