"""`d`: the selected row described whole (service, task, cluster, database, problem), as YAML or
JSON, in a read-only text area (select and copy with the mouse or ctrl+c)."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from enum import Enum, IntEnum
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Label, TextArea


def plain(value: Any) -> Any:
    """A domain object as JSON-able data: dataclasses, enums, datetimes, tuples."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, IntEnum):
        return value.name  # severities: HIGH, not 4
    if isinstance(value, Enum):
        return value.value
    return value


def render(data: Any, form: str) -> str:
    if form == "json":
        return json.dumps(data, indent=2, sort_keys=False, default=str)
    import yaml

    return str(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100))


class DescribeScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    DescribeScreen { align: center middle; }
    DescribeScreen > Vertical {
        width: 95%; height: 90%; border: round $accent; background: $panel; padding: 0 1;
    }
    DescribeScreen #describe-title { text-style: bold; width: 100%; }
    DescribeScreen TextArea { height: 1fr; }
    """
    BINDINGS = [
        Binding("escape", "close", "Close", id="describe-close"),
        Binding("y", "form('yaml')", "YAML", id="describe-yaml"),
        Binding("j", "form('json')", "JSON", id="describe-json"),
    ]

    def __init__(self, title: str, value: Any, form: str = "yaml") -> None:
        super().__init__()
        self.title_text = title
        self.data = plain(value)
        self.form = form

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self._title(), id="describe-title", markup=False)
            yield TextArea(render(self.data, self.form), read_only=True, id="describe-text")
        yield Footer()

    def _title(self) -> str:
        return f"{self.title_text} · {self.form.upper()} · y YAML · j JSON · esc closes"

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def action_form(self, form: str) -> None:
        self.form = form
        self.query_one(TextArea).load_text(render(self.data, form))
        self.query_one("#describe-title", Label).update(self._title())

    def action_close(self) -> None:
        self.dismiss(None)
