"""`opsconsole demo`: the embedded demo world, with the TUI or served for other terminals."""

from __future__ import annotations

import shlex
import signal
import sys
import threading
from typing import Annotated

import typer

from opsconsole.cli.output import info
from opsconsole.cli.state import state_of
from opsconsole.domain.errors import InvalidInput


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
    from opsconsole.demo.world import DemoWorld, deploy_estate_in_background

    world = DemoWorld(deploy_stacks=False)
    info("starting the demo world (moto server, identity + dev/staging/prod accounts)…")
    ready = world.start()

    def estate_done(seconds: float, error: str | None) -> None:
        # Once the estate exists, the simulation keeps it moving (its own process).
        if error is None:
            world.start_simulation(seed, interval)
        message = _estate_message(seconds, error, seed)
        if serve:
            info(message)
        else:  # the TUI owns the terminal
            (ready.config_path.parent / "estate.log").write_text(message + "\n", encoding="utf-8")

    try:
        if serve:
            _announce(ready.endpoint, str(ready.config_path), ready.seconds_to_ready)
            deploy_estate_in_background(ready.config_path, estate_done)
            _wait_for_stop()
        else:
            deploy_estate_in_background(ready.config_path, estate_done)
            from opsconsole.cli.launch import launch_tui
            from opsconsole.config import load_settings

            state = state_of(ctx)
            settings = load_settings(ready.config_path)
            if state.read_only:
                import dataclasses

                settings = dataclasses.replace(settings, read_only=True)
            launch_tui(settings)
    finally:
        world.stop()


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
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        info("stopping the demo world")
