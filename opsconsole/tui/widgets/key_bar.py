"""The main screen's footer: the focused pane's keys on the left (cut when narrow), and on the
right the keys an operator needs at any width: Tab, f1, the palette and q."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Footer, Label
from textual.widgets._footer import FooterKey

ESSENTIAL_KEYS = ("q", "f1")
"""App keys the essentials label shows; the footer proper leaves them out."""


class PaneFooter(Footer):
    """Textual's footer without the essentials (shown on their own, never cut).

    Textual rebuilds the footer on every focus change. Its keys are made as `Footer.compose`
    makes them (no binding here has a group), less the `compact` data binding: each new key
    was made compact, then bound back, its styles applied each time (about a third of a Tab's
    cost when profiled). The keys start not compact, as the footer is, so nothing shown changes."""

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        by_action: dict[str, tuple[Binding, bool, str]] = {}
        for _node, binding, enabled, tooltip in self.screen.active_bindings.values():
            if binding.show and binding.key not in ESSENTIAL_KEYS:
                by_action.setdefault(binding.action, (binding, enabled, tooltip))
        self.styles.grid_size_columns = len(by_action)
        for binding, enabled, tooltip in by_action.values():
            key = FooterKey(
                binding.key,
                self.app.get_key_display(binding),
                binding.description,
                binding.action,
                disabled=not enabled,
                tooltip=tooltip,
            )
            key.set_reactive(FooterKey.compact, False)  # as bound to the footer's (never compact)
            yield key


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
