"""The first screen's reads go first (issue 18): the palette's background reads wait for the panes,
the first role session is assumed as the app mounts, and a demo environment whose stacks land is
read again at once."""

from __future__ import annotations

import dataclasses
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from opsconsole.tui.app import OpsConsoleApp
from opsconsole.tui.controllers.estate import ESTATE_STATUS, landed
from opsconsole.tui.screens.main import MainScreen
from opsconsole.tui.widgets.rds_pane import RdsPane
from tests.tui.fakes import FakeEcs, FakeRds, FrozenConsole
from tests.tui.test_mfa import until

SIZE = (160, 48)
ENVS = ["dev", "staging", "prod"]


class CountingConsole(FrozenConsole):
    """Counts ECS and RDS reads per environment; with `hold`, dev's first ECS read waits for it."""

    def __init__(self, hold: threading.Event | None = None) -> None:
        super().__init__()
        self.reads: Counter[tuple[str, str]] = Counter()
        self.hold = hold

    def ecs(self, env_name: str) -> FakeEcs:
        first = not self.reads[("ecs", env_name)]
        self.reads["ecs", env_name] += 1
        if self.hold is not None and env_name == "dev" and first:
            self.hold.wait(10)
        return super().ecs(env_name)

    def rds(self, env_name: str) -> FakeRds:
        self.reads["rds", env_name] += 1
        return super().rds(env_name)


class CountingRunbooks:
    """The runbook catalogue, counting how often its titles are read."""

    def __init__(self) -> None:
        self.asked = 0

    @property
    def library(self) -> Any:
        return self  # only its titles are read here: the runbook screen is not opened

    def titles(self) -> list[tuple[str, str]]:
        self.asked += 1
        return [("rds-failover", "RDS failover")]

    def engine(self, **_: object) -> Any:
        raise AssertionError("no runbook runs here")


def test_the_status_line_says_which_environments_landed() -> None:
    assert landed("deploying 0/3", ENVS) == set()
    assert landed("deploying 1/3 (staging done)", ENVS) == {"staging"}
    assert landed("deploying 2/3 (staging, dev done)", ENVS) == {"staging", "dev"}
    assert landed("deployed", ENVS) == set(ENVS)
    assert landed("failed: prod: stack rolled back", ENVS) == set()


async def test_the_palette_reads_runbooks_and_other_environments_once_the_panes_answered() -> None:
    hold = threading.Event()
    console, runbooks = CountingConsole(hold), CountingRunbooks()
    app = OpsConsoleApp(console, runbooks=runbooks)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: console.reads["rds", "dev"] > 0, "the RDS pane's read")
        await pilot.pause(0.5)  # the ECS pane's read is held: the estate read waits behind it
        assert console.reads["ecs", "staging"] == 0 and console.reads["ecs", "prod"] == 0
        assert runbooks.asked == 0
        hold.set()
        await until(pilot, lambda: console.reads["ecs", "prod"] > 0, "the estate read")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, MainScreen)
        names = [name for name, _run, _help in screen.palette_commands()]
        assert "open service: api (prod)" in names and "runbook: RDS failover" in names
        assert runbooks.asked == 1


async def test_the_first_session_is_asked_for_before_the_screen_has_mounted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    console = FrozenConsole()
    seen_at_mount: list[list[str]] = []

    class Watched(MainScreen):
        def on_mount(self) -> None:
            seen_at_mount.append(list(console.calls))  # sessions asked for so far
            super().on_mount()

    monkeypatch.setattr("opsconsole.tui.app.MainScreen", Watched)
    app = OpsConsoleApp(console, initial_env="staging")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
    assert seen_at_mount == [["staging"]]


async def test_a_demo_environment_whose_stacks_land_is_read_again_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(RdsPane, "refresh_seconds", 600.0)  # no read but the first and the watch's
    console = CountingConsole()
    console.settings = dataclasses.replace(console.settings, source=tmp_path / "opsconsole.toml")
    status = tmp_path / ESTATE_STATUS
    status.write_text("deploying 0/3\n", encoding="utf-8")
    app = OpsConsoleApp(console)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: console.reads["rds", "dev"] > 0, "the RDS pane's first read")
        await pilot.app.workers.wait_for_complete()  # and the palette's read of every environment
        before = console.reads["rds", "dev"]
        status.write_text("deploying 1/3 (staging done)\n", encoding="utf-8")
        await pilot.pause(1.5)  # the watch reads the line every second
        assert console.reads["rds", "dev"] == before  # staging landed, not dev: dev's panes wait
        status.write_text("deploying 2/3 (staging, dev done)\n", encoding="utf-8")
        await until(pilot, lambda: console.reads["rds", "dev"] > before, "dev's RDS read again", seconds=5.0)
