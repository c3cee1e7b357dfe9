"""The all-environments screen shows each account's rows as they arrive: one account that has
not answered yet does not hold back the others' rows."""

from __future__ import annotations

import threading
from typing import Any

from opsconsole.tui.app import OpsConsoleApp
from opsconsole.tui.screens.all_envs import AllEnvironmentsScreen
from opsconsole.tui.widgets.fleet_table import FleetTable
from tests.tui.fakes import FakeEcs, FrozenConsole


class ProdWaits(FrozenConsole):
    """prod's ECS answers only once the test lets it."""

    def __init__(self) -> None:
        super().__init__()
        self.prod_answers = threading.Event()

    def ecs(self, env_name: str) -> FakeEcs:
        if env_name == "prod":
            self.prod_answers.wait(20)
        return super().ecs(env_name)


async def wait_for(pilot: Any, check: Any, seconds: float = 5.0) -> bool:
    for _ in range(int(seconds / 0.05)):
        if check():
            return True
        await pilot.pause(0.05)
    return bool(check())


async def test_accounts_rows_show_while_another_account_is_still_reading() -> None:
    console = ProdWaits()
    app = OpsConsoleApp(console)
    try:
        async with app.run_test(size=(160, 48)) as pilot:
            await pilot.pause(0.2)
            await pilot.press("0")
            screen = app.screen
            assert isinstance(screen, AllEnvironmentsScreen)
            services = next(t for t in screen.query(FleetTable) if t.kind == "services")
            assert await wait_for(pilot, lambda: services.rows_of("dev") and services.rows_of("staging"))
            assert not services.rows_of("prod"), "prod has not answered"
            assert "prod 0" in str(services.query_one(".fleet-state").render())
            console.prod_answers.set()
            assert await wait_for(pilot, lambda: services.rows_of("prod"))
            assert services.rows_of("dev") and not services.stale_envs()
    finally:
        console.prod_answers.set()
