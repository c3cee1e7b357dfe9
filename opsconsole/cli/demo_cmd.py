"""`opsconsole demo`: the embedded demo world, with the TUI or served for other terminals."""

from __future__ import annotations

import contextlib
import shlex
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from opsconsole.cli.output import info
from opsconsole.cli.state import state_of
from opsconsole.domain.errors import BackendError, InvalidInput

if TYPE_CHECKING:
    from opsconsole.demo.world import DemoWorld

START_STEPS = 3
"""DemoWorld.finish's steps (opsconsole.demo.world.START_STEPS; not imported here: moto may be absent)."""
WORLD_START_TIMEOUT = 180.0
"""Seconds the console's first AWS read waits for the demo world (25 s seen on a loaded 2-core machine)."""


def demo(
    ctx: typer.Context,
    serve: Annotated[
        bool,
        typer.Option(
            "--serve",
            help="Keep the world running for other terminals instead of opening the TUI; Ctrl-C stops it.",
        ),
    ] = False,
    seed: Annotated[
        int, typer.Option("--seed", help="Seed of the simulation: the same seed, the same story.")
    ] = 0,
    interval: Annotated[
        float, typer.Option("--interval", min=0.5, help="Seconds between simulation steps.")
    ] = 2.0,
) -> None:
    """Start the demo world (AWS accounts emulated by moto on loopback) and open the console on it."""
    _require_moto()
    from opsconsole.demo.world import DemoWorld

    world = DemoWorld(deploy_stacks=False)
    if serve:
        _serve(world, seed, interval)
        return
    # The console first: it paints while moto starts and the estate deploys behind it.
    info("starting the demo world (moto server, identity + dev/staging/prod accounts) behind the console…")
    config_path = world.prepare()
    try:
        ready = _finish_in_background(world, config_path, seed, interval)
        from opsconsole.cli.launch import launch_tui
        from opsconsole.config import load_settings

        settings = load_settings(config_path)
        if state_of(ctx).read_only:
            import dataclasses

            settings = dataclasses.replace(settings, read_only=True)
        launch_tui(settings, ready=ready)
    finally:
        world.stop()


def _serve(world: DemoWorld, seed: int, interval: float) -> None:
    from opsconsole.demo.world import deploy_estate_in_background

    info("starting the demo world (moto server, identity + dev/staging/prod accounts)…")
    ready = world.start()

    def estate_done(seconds: float, error: str | None) -> None:
        if error is None:  # once the estate exists, the simulation keeps it moving (its own process)
            world.start_simulation(seed, interval)
        info(_estate_message(seconds, error, seed))

    try:
        _announce(ready.endpoint, str(ready.config_path), ready.seconds_to_ready)
        deploy_estate_in_background(ready.config_path, estate_done)
        _wait_for_stop()
    finally:
        world.stop()


def _finish_in_background(
    world: DemoWorld, config_path: Path, seed: int, interval: float
) -> Callable[[], None]:
    """Start moto, the accounts and the estate on a thread, saying each step in the status line the
    TUI's DEMO badge reads; returns the wait the console's first AWS read makes."""
    from opsconsole.demo.world import ESTATE_STATUS, deploy_estate_in_background

    status = config_path.parent / ESTATE_STATUS
    up = threading.Event()
    failure: list[str] = []

    def say(step: str) -> None:
        status.write_text(f"world starting: {step}\n", encoding="utf-8")

    def estate_done(seconds: float, error: str | None) -> None:
        if error is None:
            world.start_simulation(seed, interval)
        (config_path.parent / "estate.log").write_text(
            _estate_message(seconds, error, seed) + "\n", encoding="utf-8"
        )

    def run() -> None:
        try:
            world.finish(progress=say)
        except Exception as error:  # the badge and the panes say it; the TUI stays up
            failure.append(str(error) or type(error).__name__)
            with contextlib.suppress(OSError):
                status.write_text(
                    f"failed: the demo world did not start: {failure[0][:160]}\n", encoding="utf-8"
                )
            return
        finally:
            up.set()
        deploy_estate_in_background(config_path, estate_done)

    say(f"moto server 1/{START_STEPS}")
    threading.Thread(target=run, name="demo-world", daemon=True).start()

    def ready() -> None:
        if not up.wait(WORLD_START_TIMEOUT) or failure:
            why = failure[0] if failure else f"not up within {WORLD_START_TIMEOUT:.0f} s"
            raise BackendError(
                f"the demo world did not start: {why}", hint="see the moto.log of the demo's state directory"
            )

    return ready


def _require_moto() -> None:
    import importlib.util

    if importlib.util.find_spec("moto") is None:
        raise InvalidInput(
            "the demo world needs moto, which is not installed",
            hint="pip install 'opsconsole[demo]' (or `make demo`)",
        )


def _estate_message(seconds: float, error: str | None, seed: int) -> str:
    if error:
        return f"the demo estate did not deploy ({seconds:.1f} s): {error}"
    return (
        f"demo estate deployed in dev, staging and prod in {seconds:.1f} s; simulation running (seed {seed})"
    )


def _announce(endpoint: str, config_path: str, seconds: float) -> None:
    info(f"demo world ready in {seconds:.1f} s; AWS (moto) at {endpoint}")
    info("use it from another terminal with the line below; Ctrl-C or SIGTERM stops it")
    sys.stdout.write(f"export OPSCONSOLE_CONFIG={shlex.quote(config_path)}\n")
    sys.stdout.flush()
    info("deploying stacks/ into dev, staging and prod with the console's engine…")


def _wait_for_stop() -> None:
    # SIGHUP too: a closed terminal (tmux kill-session, a dropped ssh) stops the world in order,
    # removing its state directory, instead of killing this process before it cleans up.
    stop = threading.Event()
    signals = (signal.SIGTERM, signal.SIGHUP)
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in signals}
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        info("stopping the demo world")
