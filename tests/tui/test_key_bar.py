"""The main screen's footer follows the focused pane's keys, rewriting its key widgets in place."""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets._footer import FooterKey

from opsconsole.tui.app import OpsConsoleApp
from opsconsole.tui.widgets.key_bar import ESSENTIAL_KEYS, PaneFooter
from tests.tui.fakes import FrozenConsole

SIZE = (160, 48)


async def settle(pilot: Any) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def expected(screen: Screen[Any]) -> list[tuple[str, str, str, bool]]:
    """What Textual's own footer would show, less the essentials: a key per action, first binding first."""
    keys: dict[str, tuple[str, str, str, bool]] = {}
    for _node, binding, enabled, _tooltip in screen.active_bindings.values():
        if binding.show and binding.key not in ESSENTIAL_KEYS:
            keys.setdefault(binding.action, (binding.key, binding.description, binding.action, enabled))
    return list(keys.values())


def shown(footer: PaneFooter) -> list[tuple[str, str, str, bool]]:
    keys = footer.query_children(FooterKey)
    return [(k.key, k.description, k.action, not k.has_class("-disabled")) for k in keys]


async def test_each_tab_shows_the_focused_panes_keys_in_the_same_widgets() -> None:
    app = OpsConsoleApp(FrozenConsole())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        footer = app.screen.query_one(PaneFooter)
        seen: set[tuple[tuple[str, str, str, bool], ...]] = set()
        for _ in range(5):
            before = list(footer.query_children(FooterKey))  # held: ids of freed widgets may be reused
            await pilot.press("tab")
            await settle(pilot)
            keys = list(footer.query_children(FooterKey))
            assert shown(footer) == expected(app.screen)
            assert any(k is b for k in keys for b in before), "the key widgets were made again, not rewritten"
            for key in (k for k in keys if k.display):  # each key shown is laid out at its text's width
                assert key.region.width == len(f" {key.key_display} {key.description} ")
            seen.add(tuple(shown(footer)))
        assert len(seen) >= 3, "Tab went through panes with different keys"
        assert "Filter" in app.export_screenshot()


def bottom_line(app: OpsConsoleApp) -> str:
    """The footer's row as the terminal shows it."""
    return app.screen._compositor.render_strips()[-1].text


async def test_at_80_columns_the_keys_shown_are_whole_and_f1_is_offered_for_the_rest() -> None:
    app = OpsConsoleApp(FrozenConsole())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for _ in range(5):
            footer = app.screen.query_one(PaneFooter)
            line = bottom_line(app)
            keys = list(footer.query_children(FooterKey))
            visible = [k for k in keys if k.display]
            for key in visible:  # whole: inside the footer, its label on the screen
                assert key.region.right <= footer.region.right, (key.description, line)
                assert f"{key.key_display} {key.description}" in line, line
            hidden = [k for k in keys if not k.display]
            assert hidden, f"80 columns hold every key? {line}"
            assert keys[: len(visible)] == visible, "the first keys are the ones shown"
            assert f"+{len(hidden)} more" in line and "f1  keys" in line, line
            for key in hidden:  # a hidden key leaves no part of its label behind
                assert f"{key.key_display} {key.description[:2]}" not in line, line
            await pilot.press("tab")
            await settle(pilot)


async def test_at_160_columns_a_pane_whose_keys_fit_shows_them_all_and_no_hint() -> None:
    app = OpsConsoleApp(FrozenConsole())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("tab")  # the problems pane: ten keys, 106 cells
        await settle(pilot)
        footer = app.screen.query_one(PaneFooter)
        assert sum(k.region.width for k in footer.query_children(FooterKey)) < footer.region.width
        assert all(k.display for k in footer.query_children(FooterKey))
        assert footer.hidden == 0 and " more " not in bottom_line(app)


async def test_the_ecs_tables_enter_is_the_panes_open_shown_first_and_it_drills() -> None:
    app = OpsConsoleApp(FrozenConsole())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.screen.query_one("#ecs-table").focus()
        await settle(pilot)
        footer = app.screen.query_one(PaneFooter)
        first = footer.query_children(FooterKey).first()
        assert (first.key, first.description, first.display) == ("enter", "Open", True)
        title = app.screen.query_one("#ecs-title")
        before = str(title.render())
        await pilot.press("enter")
        await settle(pilot)
        assert str(title.render()) != before and "›" in str(title.render())


async def test_a_remapped_key_keeps_its_place_in_the_footer() -> None:
    app = OpsConsoleApp(FrozenConsole())
    async with app.run_test(size=(160, 48)) as pilot:
        app.set_keymap({"ecs-stop-task": "x"})
        await settle(pilot)
        app.screen.query_one("#ecs-table").focus()
        await settle(pilot)
        keys = [(k.key, k.description) for k in app.screen.query_one(PaneFooter).query_children(FooterKey)]
        assert keys[:2] == [("enter", "Open"), ("escape", "Back")], keys
        assert ("x", "Stop task") in keys and keys.index(("x", "Stop task")) > keys.index(("B", "Roll back"))
