"""The demo's estate deploy, shown while the panes wait for it: the demo writes one status line
beside its config (`deploying 1/3 (dev done)`, then `deployed`); this controller reads it in a
worker every second and the environment bar's DEMO badge says how far it is. When an
environment's stacks land, the panes showing it read again at once instead of at their next
refresh (up to 10 s later, with nothing on screen)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.message import Message

from opsconsole.tui.controllers.base import Controller
from opsconsole.tui.widgets.bound import EnvironmentPane
from opsconsole.tui.widgets.environment_bar import EnvironmentBar
from opsconsole.tui.widgets.refreshing import RefreshingPane

if TYPE_CHECKING:
    from opsconsole.ports import ConsolePort

ESTATE_STATUS = "estate.status"
"""The file the demo writes beside its config (opsconsole/demo/world.py: ESTATE_STATUS)."""
POLL_SECONDS = 1.0


def landed(line: str, envs: list[str]) -> set[str]:
    """The environments a status line says are deployed: `deploying 2/3 (dev, prod done)`."""
    if line == "deployed":
        return set(envs)
    done = line.partition("(")[2].removesuffix(" done)")
    return {name.strip() for name in done.split(",")} & set(envs)


class EstateRead(Message, bubble=False):
    def __init__(self, line: str | None) -> None:
        super().__init__()
        self.line = line


class EstateWatch(Controller):
    def __init__(self, console: ConsolePort) -> None:
        super().__init__(console)
        settings = console.settings
        source = getattr(settings, "source", None)
        self.path = Path(source).parent / ESTATE_STATUS if settings.demo and source else None
        self.line: str | None = None
        self.landed: set[str] = set()

    def on_mount(self) -> None:
        if self.path is not None:
            self.read_status()

    @work(thread=True, exclusive=True, exit_on_error=False, group="estate", description="Demo estate")
    def read_status(self) -> None:
        assert self.path is not None
        try:
            line = self.path.read_text(encoding="utf-8").strip() or None
        except OSError:
            line = None  # a world deployed before the console opened writes none
        self.post_message(EstateRead(line))

    @on(EstateRead)
    def _read(self, message: EstateRead) -> None:
        bar = self.screen.query_one(EnvironmentBar)
        line = message.line
        if line is not None:
            self._read_again(landed(line, list(self.console.settings.environments)))
        if line is None or line == "deployed":
            bar.show_estate(None)
            if self.line is not None and line == "deployed":
                self.notify("the demo estate is deployed: the panes fill now", title="Demo")
            return
        self.line = line
        bar.show_estate(line)
        if not line.startswith("failed"):
            self.set_timer(POLL_SECONDS, self.read_status)
        else:
            self.notify(line, title="Demo estate", severity="error", timeout=15)

    def _read_again(self, now_landed: set[str]) -> None:
        """The panes of an environment whose stacks just landed read them now (not on the first
        line read: the panes' own first reads are out already)."""
        new, self.landed = now_landed - self.landed, now_landed
        if self.line is None:
            return
        for pane in self.screen.query(RefreshingPane):
            if isinstance(pane, EnvironmentPane) and pane.env_name in new:
                pane.refresh_rows()
