"""Ask for a Graylog search: a query and a time range, relative ("15m", "2h") or absolute."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label

from opsconsole.tui.screens.dialog import Dialog

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class LogSearchRequest:
    query: str
    since: timedelta | None = None
    start: datetime | None = None
    end: datetime | None = None


def parse_range(text: str) -> LogSearchRequest | str:
    """("15m" | "2026-11-26 20:00 .. 2026-11-26 21:00") -> a request without query, or why not."""
    text = text.strip()
    relative = re.fullmatch(r"(\d+)\s*([smhd])", text)
    if relative:
        return LogSearchRequest("", since=timedelta(seconds=int(relative[1]) * _UNITS[relative[2]]))
    if ".." in text:
        left, right = (part.strip() for part in text.split("..", 1))
        try:
            start = datetime.fromisoformat(left)
            end = datetime.fromisoformat(right)
        except ValueError:
            return "write times as 2026-11-26 20:00 (UTC)"
        start, end = (t if t.tzinfo else t.replace(tzinfo=UTC) for t in (start, end))
        if end <= start:
            return "the range ends before it starts"
        return LogSearchRequest("", start=start, end=end)
    return "write a range as 15m, 2h, 1d, or FROM .. TO"


class LogSearchScreen(Dialog[LogSearchRequest | None]):
    DEFAULT_CSS = """
    LogSearchScreen > Vertical { width: 80; border: thick $primary; }
    LogSearchScreen #why { color: $error; height: auto; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="log-search-cancel", tooltip="Back to the tail.")]

    def __init__(self, env_name: str, query: str) -> None:
        super().__init__(None)
        self.env_name = env_name
        self.initial = query

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Search Graylog — {self.env_name}")
            yield Input(value=self.initial, placeholder="service:api AND level:3", id="query")
            yield Input(value="1h", placeholder="15m, 2h, or 2026-11-26 20:00 .. 21:00", id="range")
            yield Label("", id="why")
            with Horizontal():
                yield Button("Cancel", id="cancel", action="screen.cancel")
                yield Button("Search", id="go", variant="primary")

    @on(Input.Submitted)
    @on(Button.Pressed, "#go")
    def _go(self) -> None:
        parsed = parse_range(self.query_one("#range", Input).value)
        if isinstance(parsed, str):
            self.query_one("#why", Label).update(parsed)
            return
        query = self.query_one("#query", Input).value.strip() or "*"
        self.dismiss(LogSearchRequest(query, parsed.since, parsed.start, parsed.end))
