"""Screenshots of the two-operator demo (issue 16): `python -m scripts.team_screenshots`.

bob holds prod's lock for a deploy, alice's runbook run in prod waits for bob's signed approval;
then alice's header names bob's lock, and the team screen (`T`) shows the lock, the approval
wanted, the waiting run and the team's last actions. `team_shots` is the function the main
screenshot script can call with its own world and console.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from opsconsole.app.console import Console
from opsconsole.app.runbooks import Runbooks
from opsconsole.config import load_settings
from opsconsole.demo.world import DemoReady, DemoWorld
from opsconsole.runbooks.loader import parse_runbook
from scripts.screenshots import OUT, settle, shot

WAITING_RUN = """\
title: More workers for prod's queue backlog
inputs:
  env: environment
steps:
  - id: approve_scale
    kind: approve
    message: "scale {{ env.name }}'s worker to 4 for the queue backlog"
  - id: scale
    kind: action
    action: ecs.scale
    with: {cluster: "{{ env.name }}-cluster", service: worker, count: 4}
"""


async def team_screen(pilot: Any) -> None:
    await pilot.press("T")
    await settle(pilot, 1.5)


async def header_only(pilot: Any) -> None:
    await settle(pilot, 0.5)


def team_shots(ready: DemoReady, console: Console) -> list[Path]:
    """bob's lock on prod and alice's run waiting for him, then the screenshots as alice sees them.

    Returns:
        The SVGs written (team-prod-header.svg, team-screen.svg).
    """
    assert ready.config_path.with_name("opsconsole-bob.toml").is_file(), "the demo world has a peer"
    bob = Console.build(load_settings(ready.config_path.with_name("opsconsole-bob.toml"), environ={}))
    assert bob.team is not None and console.team is not None
    lease = bob.team.take("prod", "deploy api 1.4 (JIRA OPS-212)")
    try:
        book = parse_runbook(WAITING_RUN, "scale-worker.yaml")
        Runbooks(console).engine().start(book, {"env": "prod"}, reason="INC-4712")  # pauses for bob
        return [
            asyncio.run(shot(console, "team-prod-header", header_only, "prod")),
            asyncio.run(shot(console, "team-screen", team_screen, "prod")),
        ]
    finally:
        bob.team.release(lease)
        bob.close()


def main() -> int:
    OUT.mkdir(exist_ok=True)
    with (
        tempfile.TemporaryDirectory() as state,
        _state_dir(Path(state) / "state"),
        DemoWorld(root=Path(state) / "world", operator="alice") as ready,
    ):
        console = Console.build(load_settings(ready.config_path, environ={}))
        svgs = team_shots(ready, console)
        console.close()
    try:
        import cairosvg
    except (ImportError, OSError) as e:  # cairosvg needs the cairo C library
        print(f"SVGs written; PNGs skipped ({e})", file=sys.stderr)
        return 1
    for svg in svgs:
        cairosvg.svg2png(url=str(svg), write_to=str(svg.with_suffix(".png")))
        print(svg.with_suffix(".png"))
    return 0


@contextlib.contextmanager
def _state_dir(path: Path) -> Iterator[None]:
    """Run files and the team's unsent journal in the temporary world, not the operator's own."""
    before = os.environ.get("OPSCONSOLE_STATE_DIR")
    os.environ["OPSCONSOLE_STATE_DIR"] = str(path)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("OPSCONSOLE_STATE_DIR", None)
        else:
            os.environ["OPSCONSOLE_STATE_DIR"] = before


if __name__ == "__main__":
    sys.exit(main())
