"""Shared fixtures: an isolated environment per test and one real moto world per session."""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from opsconsole.app.console import Console
from opsconsole.config import Settings, load_settings
from opsconsole.demo.world import DemoReady, DemoWorld
from tests.federation_stub import FederationStub, record_browser
from tests.support.forked_moto import deployed_world, forked_server, locked, run_root

# Variables that would let the developer's own AWS or opsconsole setup leak into tests.
_LEAKY_PREFIXES = ("AWS_", "OPSCONSOLE_")


SHARED_WORLDS = ("bad_release_world", "open_world", "team_world")
"""Session worlds that one group of tests shares: under xdist, each goes to one worker, so the world
starts once per run instead of once per worker (demo_world, used by far more tests, is not grouped:
one worker could not run all its tests in time)."""


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under xdist's `--dist loadgroup` (./dev test), every test of a module that starts its own world
    (a module-scoped fixture) goes to one worker, so that world starts once instead of once per worker;
    so do the tests of each of SHARED_WORLDS; the other tests are still spread one by one."""
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        definitions = info.name2fixturedefs.values() if info is not None else ()
        names = getattr(item, "fixturenames", ())
        shared = next((name for name in SHARED_WORLDS if name in names), None)
        if any(d.scope == "module" for defs in definitions for d in defs):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::", 1)[0]))
        elif shared is not None:
            item.add_marker(pytest.mark.xdist_group(shared))


def _copy_atomically(source: Path, target: Path) -> None:
    partial = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}")
    shutil.copyfile(source, partial)
    os.replace(partial, target)


@pytest.fixture(autouse=True, scope="session")
def shared_lint_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """cfn-lint's findings shared by every test of the run, as the console shares them across runs.

    `lint_template` is a pure function of (cfn-lint version, region, template text) and the console
    caches it by that digest under its state directory; each test has its own state directory, so
    the same shipped templates were linted again in every test (~1 s of CPU each), and then again on
    every xdist worker. Here a finding computed once is copied into the test's own cache before the
    console reads it: the console's cache-read path runs as in production, and every distinct
    template is still linted by cfn-lint at least once per run. A lock per digest makes a worker
    that wants a template another is linting wait for that answer instead of linting it too.
    A call without a cache (`cache_dir=None`) always lints."""
    from opsconsole.stacks import manifest, templates

    shared = run_root(tmp_path_factory) / "cfn-lint-shared"
    shared.mkdir(exist_ok=True)
    original = templates.lint_template

    def lint_template(text: str, region: str, cache_dir: Path | None) -> list[templates.LintFinding]:
        if cache_dir is None:
            return original(text, region, cache_dir)
        from cfnlint.version import __version__

        name = hashlib.sha256(f"{__version__}\0{region}\0{text}".encode()).hexdigest() + ".json"
        known, own = shared / name, cache_dir / name
        with locked(shared / f"{name}.lock"):
            if known.exists() and not own.exists():
                cache_dir.mkdir(parents=True, exist_ok=True)
                _copy_atomically(known, own)
            findings = original(text, region, cache_dir)
            if own.exists() and not known.exists():
                _copy_atomically(own, known)
        return findings

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(manifest, "lint_template", lint_template)
        yield shared


@pytest.fixture(autouse=True, scope="session")
def shared_botocore_models() -> Iterator[None]:
    """One botocore data loader per data path for the whole worker, as one console process has.

    The console makes one botocore session per process, and a session's loader reads each service
    model's JSON once; the suite builds a console per test, so every test read the same models
    again (~35 ms of CPU a service per session, about a third of a second for a test that reads
    ECS, RDS, STS, CloudWatch and the rest). The models are files shipped with botocore, the same
    for every session; sessions still differ in everything else (credentials, profiles, config).
    A session with its own AWS_DATA_PATH gets a loader of its own path."""
    import functools

    import botocore.loaders
    import botocore.session

    shared = functools.lru_cache(maxsize=None)(botocore.loaders.create_loader)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(botocore.session, "create_loader", shared)
        yield


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith(_LEAKY_PREFIXES):
            monkeypatch.delenv(name)
    state = tmp_path / "state"
    monkeypatch.setenv("OPSCONSOLE_STATE_DIR", str(state))
    # A bug of ours fails its test with the traceback, not as exit code 1 and a crash report.
    monkeypatch.setenv("OPSCONSOLE_DEBUG", "1")
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
    world = deployed_world(run_root(tmp_path_factory), tmp_path_factory.mktemp("world"))
    ready = world.start()
    yield ready
    world.stop()


@pytest.fixture(scope="session")
def open_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoReady]:
    """A world without IAM enforcement: moto rejects session-token keys under enforcement,
    so the MFA flow (GetSessionToken, then AssumeRole) is exercised here."""
    root = tmp_path_factory.mktemp("open-world")
    server = forked_server(run_root(tmp_path_factory), root)
    world = DemoWorld(root=root, operator="alice", enforce_iam=False, deploy_stacks=False, server=server)
    ready = world.start()
    yield ready
    world.stop()


@dataclass(frozen=True)
class BadRelease:
    ready: DemoReady
    release: str
    """The bad release's task definition ARN."""


@pytest.fixture(scope="session")
def bad_release_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BadRelease]:
    """The demo world after the story's bad api release in prod (`play_bad_release`), for the tests
    that only read it (demo truth, timeline, linked panes): started once per run, not once per module."""
    from opsconsole.demo.story import play_bad_release

    world = deployed_world(run_root(tmp_path_factory), tmp_path_factory.mktemp("bad-release"))
    ready = world.start()
    try:
        release = play_bad_release(ready)
        yield BadRelease(ready, release)
    finally:
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


@pytest.fixture
def stub() -> Iterator[FederationStub]:
    """A stub of AWS's federation endpoint (tests/federation_stub.py), closed after the test."""
    server = FederationStub()
    yield server
    server.close()


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The URLs handed to the browser, instead of opening one."""
    return record_browser(monkeypatch)
