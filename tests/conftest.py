"""Shared fixtures: an isolated environment per test and one real moto world per session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from opsconsole.app.console import Console
from opsconsole.config import Settings, load_settings
from opsconsole.demo.world import DemoReady, DemoWorld

# Variables that would let the developer's own AWS or opsconsole setup leak into tests.
_LEAKY_PREFIXES = ("AWS_", "OPSCONSOLE_")


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under xdist's `--dist loadgroup` (./dev test), every test of a module that starts its own world
    (a module-scoped fixture) goes to one worker, so that world starts once instead of once per worker;
    the other tests are still spread one by one."""
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        definitions = info.name2fixturedefs.values() if info is not None else ()
        if any(d.scope == "module" for defs in definitions for d in defs):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::", 1)[0]))


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith(_LEAKY_PREFIXES):
            monkeypatch.delenv(name)
    state = tmp_path / "state"
    monkeypatch.setenv("OPSCONSOLE_STATE_DIR", str(state))
    # Never the developer's OS keyring: sessions stay in memory unless a test chooses a store.
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    return state


@pytest.fixture(scope="session")
def demo_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoReady]:
    """The demo world with IAM enforcement on and the estate deployed by the engine: a real moto
    server over HTTP, in its own process."""
    world = DemoWorld(root=tmp_path_factory.mktemp("world"), operator="alice")
    ready = world.start()
    yield ready
    world.stop()


@pytest.fixture(scope="session")
def open_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoReady]:
    """A world without IAM enforcement: moto rejects session-token keys under enforcement,
    so the MFA flow (GetSessionToken, then AssumeRole) is exercised here."""
    world = DemoWorld(
        root=tmp_path_factory.mktemp("open-world"), operator="alice", enforce_iam=False, deploy_stacks=False
    )
    ready = world.start()
    yield ready
    world.stop()


def settings_with_own_journal(world: DemoReady, tmp_path: Path) -> Settings:
    """A world's settings with an audit journal of one test's own."""
    import dataclasses

    settings = load_settings(world.config_path, environ={})
    return dataclasses.replace(
        settings, audit=dataclasses.replace(settings.audit, journal=str(tmp_path / "audit.jsonl"))
    )


@pytest.fixture
def demo_settings(demo_world: DemoReady, tmp_path: Path) -> Settings:
    """The world's settings with a journal of this test's own."""
    return settings_with_own_journal(demo_world, tmp_path)


@pytest.fixture
def demo_console(demo_settings: Settings) -> Iterator[Console]:
    """The real application on the demo world, with this test's own journal."""
    console = Console.build(demo_settings)
    yield console
    console.close()


def config_with_own_journal(world: DemoReady, tmp_path: Path) -> Path:
    """A copy of a world's config whose audit journal belongs to one test."""
    text = world.config_path.read_text(encoding="utf-8")
    journal = tmp_path / "audit.jsonl"
    lines = [
        f'journal = "{journal}"' if line.startswith("journal = ") else line for line in text.splitlines()
    ]
    path = tmp_path / "opsconsole.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def demo_config(demo_world: DemoReady, tmp_path: Path) -> Path:
    return config_with_own_journal(demo_world, tmp_path)


@pytest.fixture
def open_world_config(open_world: DemoReady, tmp_path: Path) -> Path:
    return config_with_own_journal(open_world, tmp_path)
