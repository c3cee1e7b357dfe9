"""The main screen at 80x24, 120x40 and 200x50: the environment (in its protected colour), the
account and tier, and the keys q, f1, Tab and the palette stay on screen; f1 lists every pane's
keys; the pane jump keys focus their pane. Each size's SVG is saved (see SCREENSHOTS_VARIABLE)."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

import pytest
from textual.widget import Widget
from textual.widgets import Label

from opsconsole.tui.app import OpsConsoleApp
from opsconsole.tui.controllers.estate import ESTATE_STATUS
from opsconsole.tui.screens.keys import KeysScreen
from opsconsole.tui.screens.main import MainScreen
from opsconsole.tui.widgets.ecs_pane import EcsPane
from opsconsole.tui.widgets.log_pane import LogPane
from opsconsole.tui.widgets.problems_pane import ProblemsPane
from opsconsole.tui.widgets.rds_pane import RdsPane
from tests.tui.fakes import FrozenConsole

SCREENSHOTS_VARIABLE = "LAYOUT_SCREENSHOTS"
"""A directory to save each size's SVG in (`LAYOUT_SCREENSHOTS=screenshots` refreshes the
committed ones); unset, they go to the test's own directory, so a test run never edits the tree."""


async def settle(pilot: Any) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def fully_visible(widget: Widget, width: int, text: str) -> bool:
    """On screen, inside the terminal's width, and wide enough for `text`."""
    region = widget.region
    return widget.display and region.width >= len(text) and region.right <= width and region.y >= 0


def shown(screen: MainScreen, selector: str) -> str:
    return str(screen.query_one(selector, Label).render())


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (200, 50)])
async def test_environment_tier_and_essential_keys_are_visible(size: tuple[int, int], tmp_path: Path) -> None:
    width, _height = size
    app = OpsConsoleApp(FrozenConsole(), initial_env="prod")
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        if width < 120:
            name = screen.query_one("#env-name", Label)
            assert shown(screen, "#env-name") == "prod"
            assert fully_visible(name, width, "prod")
            assert name.has_class("protected")  # the error colour of a protected environment
        else:
            tab = screen.query_one("#env-prod")
            assert fully_visible(tab, width, "prod") and tab.has_class("protected")
        for selector, text in (("#account", "account 333333333333"), ("#tier", "tier read")):
            assert shown(screen, selector) == text
            assert fully_visible(screen.query_one(selector), width, text), selector
        essentials = screen.query_one("#essentials", Label)
        keys = str(essentials.render())
        for key in (" tab ", " f1 ", " ^p ", " q  quit"):
            assert key in keys
        assert fully_visible(essentials, width, keys)
        directory = Path(os.environ.get(SCREENSHOTS_VARIABLE) or tmp_path)
        directory.mkdir(exist_ok=True)  # noqa: ASYNC240 - a test's own directory, once
        app.save_screenshot(f"layout-{width}x{size[1]}.svg", path=str(directory))


async def test_f1_lists_every_pane_keys_grouped_and_jump_keys_focus_panes() -> None:
    app = OpsConsoleApp(FrozenConsole())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await settle(pilot)
        keys = app.screen
        assert isinstance(keys, KeysScreen)
        titles = [title for title, _ in keys.groups]
        assert titles[0] == "Everywhere" and len(titles) == 6
        listed = keys.plain()
        for pane in (EcsPane, ProblemsPane, RdsPane, LogPane):
            for binding in pane.BINDINGS:
                assert getattr(binding, "description", "") in listed
        assert "1–3" in listed  # three environments configured, three number keys
        await pilot.press("escape")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        for key, target in (("f3", "#problems-table"), ("f4", "#rds-table"), ("f5", "#log-view")):
            await pilot.press(key)
            await pilot.pause()
            assert screen.focused is screen.query_one(target), key
        await pilot.press("f2")
        await pilot.pause()
        assert screen.focused is screen.query_one("#ecs-table")


async def test_the_demo_badge_shows_the_estate_deploy_while_the_panes_wait(tmp_path: Path) -> None:
    console = FrozenConsole()
    console.settings = dataclasses.replace(console.settings, source=tmp_path / "opsconsole.toml")
    status = tmp_path / ESTATE_STATUS
    status.write_text("deploying 1/3 (dev done)\n", encoding="utf-8")
    app = OpsConsoleApp(console)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        badge = app.screen.query_one("#demo-badge", Label)
        assert str(badge.render()) == "DEMO · estate deploying 1/3 (dev done)"
        status.write_text("deployed\n", encoding="utf-8")
        for _ in range(30):
            await pilot.pause(0.1)
            if str(badge.render()) == "DEMO · simulated":
                break
        assert str(badge.render()) == "DEMO · simulated"
