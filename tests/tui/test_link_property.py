"""A property test of links and counts: seeded random key sequences (environment switches by key,
palette and the all-environments view, cursor moves, drill-downs, filters, links) over the frozen
world; after every step, every narrowed pane's link is in the environment shown and every count
on screen equals what the backend holds. (hypothesis is not a dependency: a seeded generator.)"""

from __future__ import annotations

import random
import re
from typing import Any

import pytest
from textual.widgets import DataTable, Label, Log
from textual.worker import WorkerCancelled

from opsconsole.tui.app import OpsConsoleApp
from opsconsole.tui.screens.main import MainScreen
from opsconsole.tui.widgets.ecs_pane import EcsPane
from opsconsole.tui.widgets.fleet_table import FleetChosen
from opsconsole.tui.widgets.log_pane import LogPane
from opsconsole.tui.widgets.problems_pane import ProblemsPane
from tests.tui.fake_backends import frozen_problems
from tests.tui.fakes import FrozenConsole

SIZE = (160, 48)
STEPS = 20
ENVS = ("dev", "staging", "prod")
FILTERS = ("a", "we", "api", "zzz", "work")


async def settle(pilot: Any) -> None:
    await pilot.pause(0.35)  # past the link's settle time
    for _ in range(3):
        try:
            await pilot.app.workers.wait_for_complete()
            break
        except WorkerCancelled:
            continue  # an exclusive worker replaced by a newer one: wait for that
    await pilot.pause()


def text_of(screen: MainScreen, selector: str) -> str:
    return str(screen.query_one(selector, Label).render())


async def step(pilot: Any, screen: MainScreen, rng: random.Random) -> str:
    """One random operator move; returns what it was, for the failure message."""
    choice = rng.choice(
        ["key-env", "bracket", "cursor", "cursor", "drill", "back", "filter", "link", "palette", "fleet"]
    )
    table = screen.query_one("#ecs-table", DataTable)
    if choice == "key-env":
        key = rng.choice("123")
        await pilot.press(key)
        return f"press {key}"
    if choice == "bracket":
        key = rng.choice(["right_square_bracket", "left_square_bracket"])
        await pilot.press(key)
        return key
    if choice in ("cursor", "drill", "back"):
        table.focus()
        key = {"cursor": rng.choice(["down", "up"]), "drill": "enter", "back": "escape"}[choice]
        await pilot.press(key)
        return f"ecs {key}"
    if choice == "filter":
        table.focus()
        text = rng.choice(FILTERS)
        await pilot.press("slash", *text, "enter")
        return f"ecs filter {text!r}"
    if choice == "link":
        await pilot.press("l")
        return "l"
    if choice == "palette":
        commands = [c for c in screen.palette_commands() if c[0].startswith(("env:", "open "))]
        commands = [c for c in commands if c[0] != "env: all environments"]
        name, run, _help = rng.choice(commands)
        run()
        return f"palette {name}"
    env = rng.choice(ENVS)
    key = f"{env}-cluster/{rng.choice(['api', 'web'])}"
    screen._open_from_fleet(FleetChosen("services", env, key))  # what the all-environments view returns
    return f"all-environments Enter on {env} {key}"


def check(console: FrozenConsole, screen: MainScreen, what: str) -> None:
    env = screen.current_env
    linked = screen.linked
    assert linked is None or linked.environment == env, what
    assert screen.links is None or screen.links.ref.environment == env, what
    problems = screen.query_one(ProblemsPane)
    logs = screen.query_one(LogPane)
    for pane in (problems, logs):
        assert pane.env_name == env, what
        assert pane.linked_to is None or pane.linked_to.ref.environment == env, what
    assert problems.scope_label is None or problems.scope_label.startswith(f"{env} /"), what
    assert logs.link_label is None or logs.link_label.startswith(f"{env} /"), what
    check_problem_counts(console, screen, what)
    check_ecs_counts(console, screen, what)
    # Every log line shown comes from this environment's tail.
    for line in screen.query_one("#log-view", Log).lines:
        assert line.split()[2].startswith(f"{env}/"), f"{what}: {line}"
    rds = text_of(screen, "#rds-state")
    if "updated" in rds:
        expected = len(console.fleet.databases(env))
        assert rds.startswith(f"{expected} instance"), f"{what}: {rds}"


def check_problem_counts(console: FrozenConsole, screen: MainScreen, what: str) -> None:
    problems = screen.query_one(ProblemsPane)
    state = text_of(screen, "#problems-state")
    if "updated" not in state:
        return
    found = re.search(r"(\d+) of (\d+) problem", state)
    assert found, f"{what}: {state}"
    backend = frozen_problems(screen.current_env)
    links = screen.links
    backend_shown = [p for p in backend if links is None or links.problems.matches(p)]
    assert int(found[2]) == len(backend), f"{what}: {state}"
    assert int(found[1]) == len(backend_shown) == len(problems.query_one(DataTable).rows), f"{what}: {state}"
    if links is not None:
        assert f"linked to {links.ref.label}" in state, f"{what}: {state}"


def check_ecs_counts(console: FrozenConsole, screen: MainScreen, what: str) -> None:
    pane = screen.query_one(EcsPane)
    state = text_of(screen, "#ecs-state")
    if "updated" not in state or pane.level.kind == "tasks":
        return
    env = screen.current_env
    if pane.level.kind == "clusters":
        names = [c.name for c in console.fleet.clusters(env)]
    else:
        assert pane.level.cluster is not None
        names = [s.name for s in console.fleet.services(env, pane.level.cluster)]
    shown = [k for k in names if not pane.filter_text or pane.filter_text in k]
    table_rows = len(screen.query_one("#ecs-table", DataTable).rows)
    if pane.filter_text:
        # Filters match any cell; the frozen names are what the texts can hit here.
        assert state.startswith(f"{table_rows} of {len(names)} "), f"{what}: {state}"
        assert table_rows >= len(shown), f"{what}: {state}"
    else:
        assert state.startswith(f"{len(names)} "), f"{what}: {state}"
        assert table_rows == len(names), f"{what}: {state}"


@pytest.mark.parametrize("seed", [13, 2026])
async def test_random_moves_keep_links_in_the_environment_and_counts_true(seed: int) -> None:
    rng = random.Random(seed)
    console = FrozenConsole()
    app = OpsConsoleApp(console, initial_env=rng.choice(ENVS))
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, MainScreen)
        await settle(pilot)
        done: list[str] = []
        for _ in range(STEPS):
            done.append(await step(pilot, screen, rng))
            await settle(pilot)
            check(console, screen, " → ".join(done))


async def test_a_filter_that_hides_the_linked_service_says_so() -> None:
    app = OpsConsoleApp(FrozenConsole(), initial_env="staging")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, MainScreen)
        await settle(pilot)
        await pilot.press("enter", "down")  # staging-cluster's services; web
        await settle(pilot)
        assert "linked to staging / web · l unlinks" in text_of(screen, "#link-indicator")
        await pilot.press("slash", *"work", "enter")
        await settle(pilot)
        assert "hidden by the ECS filter" in text_of(screen, "#link-indicator")
        assert text_of(screen, "#ecs-state").startswith("1 of 3 services match “work”")


async def test_the_palette_opens_a_service_of_another_environment_in_it() -> None:
    app = OpsConsoleApp(FrozenConsole(), initial_env="staging")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, MainScreen)
        await settle(pilot)
        names = {name: run for name, run, _help in screen.palette_commands()}
        assert "open service: api (prod)" in names and "open database: prod-db (prod)" in names
        assert "open service: api (staging)" not in names  # this environment's are listed as before
        names["open service: api (prod)"]()
        await settle(pilot)
        await settle(pilot)
        assert screen.current_env == "prod"
        assert screen.linked is not None and screen.linked.label == "prod / api"
        assert "linked to prod / api" in text_of(screen, "#problems-state")
