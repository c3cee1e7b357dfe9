"""The main screen's footer: the focused pane's keys on the left (cut when narrow), and on the
right the keys an operator needs at any width: Tab, f1, the palette and q."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Footer, Label

ESSENTIAL_KEYS = ("q", "f1")
"""App keys the essentials label shows; the footer proper leaves them out."""


class PaneFooter(Footer):
    """Textual's footer without the essentials (shown on their own, never cut)."""

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            if getattr(widget, "key", None) not in ESSENTIAL_KEYS:
                yield widget


def essentials_text() -> Text:
    text = Text()
    for key, what in (("tab", "pane"), ("f1", "keys"), ("^p", "palette"), ("q", "quit")):
        text.append(f" {key} ", style="bold reverse")
        text.append(f" {what} ")
    return text


class KeyBar(Horizontal):
    DEFAULT_CSS = """
    KeyBar { dock: bottom; height: 1; background: $footer-background; }
    KeyBar PaneFooter { dock: none; width: 1fr; }
    KeyBar #essentials { width: auto; height: 1; }
    """

    def compose(self) -> ComposeResult:
        yield PaneFooter(show_command_palette=False)
        yield Label(essentials_text(), id="essentials")
