"""The demo's estate deploy, shown while the panes wait for it: the demo writes one status line
beside its config (`deploying 1/3 (dev done)`, then `deployed`); this controller reads it in a
worker every second and the environment bar's DEMO badge says how far it is."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.message import Message

from opsconsole.tui.controllers.base import Controller
from opsconsole.tui.widgets.environment_bar import EnvironmentBar

if TYPE_CHECKING:
    from opsconsole.ports import ConsolePort

ESTATE_STATUS = "estate.status"
"""The file the demo writes beside its config (opsconsole/demo/world.py: ESTATE_STATUS)."""
POLL_SECONDS = 1.0


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
