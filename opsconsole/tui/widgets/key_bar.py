"""The main screen's footer: the focused pane's keys on the left (those that fit whole, first
first, and a hint that f1 lists the rest), and on the right the keys an operator needs at any
width: Tab, f1, the palette and q."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.events import Resize
from textual.screen import Screen
from textual.widgets import Footer, Label
from textual.widgets._footer import FooterKey

ESSENTIAL_KEYS = ("q", "f1")
"""App keys the essentials label shows; the footer proper leaves them out."""


KeySpec = tuple[str, str, str, str, bool, str]
"""What a footer key shows and does: key, its display, description, action, enabled, tooltip."""


def key_width(spec: KeySpec) -> int:
    """The cells a (not compact) footer key takes: ` key description `."""
    display, description = spec[1], spec[2]
    return cell_len(f" {display} {description} ") if description else cell_len(display)


def more_text(hidden: int) -> str:
    """Short, so a key more fits at 80 columns: the essentials beside it say f1 lists the keys."""
    return f" +{hidden} more "


def fitting(widths: list[int], room: int) -> int:
    """How many keys, first first, fit whole in `room` cells, with the hint when some do not."""
    if sum(widths) <= room:
        return len(widths)
    shown, used = 0, 0
    for width in widths:
        if used + width + cell_len(more_text(len(widths) - shown - 1)) > room:
            break
        shown, used = shown + 1, used + width
    return shown


class PaneFooter(Footer):
    """Textual's footer without the essentials (shown on their own, never cut), updated in place.

    Textual's footer composes its keys again whenever the screen's bindings may have changed (each
    focus change, each `refresh_bindings`): at scale that was a Tab's main cost. This one compares
    the keys wanted with those shown and, when they differ, rewrites the existing key widgets,
    mounting or removing only the difference. Keys are made as `Footer.compose` makes them (no
    binding here has a group), not compact, as the footer is not."""

    def __init__(self, *, show_command_palette: bool = True) -> None:
        super().__init__(show_command_palette=show_command_palette)
        self._shown: list[KeySpec] = []
        self._keys: list[FooterKey] = []
        """The key widgets, in order (kept here: a removal ends later, a query would still see it)."""
        self._more = Label("", id="more-keys")
        self.hidden = 0
        """How many of the keys wanted did not fit (f1 lists them)."""

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        self._shown = self.wanted_keys()
        self._keys = list(map(make_key, self._shown))
        yield from self._keys
        yield self._more
        self.call_after_refresh(self.fit)

    def wanted_keys(self) -> list[KeySpec]:
        """One key per action the screen's active bindings show, in Textual's order: the focused
        pane's own first, as it declares them, then the screen's and the app's."""
        by_action: dict[str, KeySpec] = {}
        for _node, binding, enabled, tooltip in self.screen.active_bindings.values():
            if binding.show and binding.key not in ESSENTIAL_KEYS and binding.action not in by_action:
                display = self.app.get_key_display(binding)
                spec = (binding.key, display, binding.description, binding.action, enabled, tooltip)
                by_action[binding.action] = spec
        return list(by_action.values())

    def bindings_changed(self, screen: Screen[object]) -> None:
        self._bindings_ready = True
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self.call_after_refresh(self.show_keys)

    def show_keys(self) -> None:
        """Make the keys shown the keys wanted, reusing the key widgets there are."""
        wanted = self.wanted_keys()
        if wanted == self._shown:
            return
        keys = self._keys
        for widget, spec in zip(keys, wanted, strict=False):
            rewrite_key(widget, spec)
        if len(keys) > len(wanted):
            self.remove_children(keys[len(wanted) :])
        elif len(wanted) > len(keys):
            more = list(map(make_key, wanted[len(keys) :]))
            if self._more.parent is None:  # composed before the bindings were ready: no hint yet
                self.mount_all([*more, self._more])
            else:
                self.mount_all(more, before=self._more)
            keys += more
        self._keys = keys[: len(wanted)]
        self._shown = wanted
        self.fit()

    def on_resize(self, event: Resize) -> None:
        self.fit()

    def fit(self) -> None:
        """Show the keys that fit whole, in the screen's order; a cut label would lie about a key."""
        room = self.size.width
        if not room:
            return
        shown = fitting(list(map(key_width, self._shown)), room)
        for index, widget in enumerate(self._keys):
            widget.display = index < shown
        self.hidden = len(self._shown) - shown
        self._more.update(more_text(self.hidden) if self.hidden else "")
        self._more.display = bool(self.hidden)


def make_key(spec: KeySpec) -> FooterKey:
    key, display, description, action, enabled, tooltip = spec
    widget = FooterKey(key, display, description, action, disabled=not enabled, tooltip=tooltip)
    widget.set_reactive(FooterKey.compact, False)  # as the footer's (never compact)
    return widget


def rewrite_key(widget: FooterKey, spec: KeySpec) -> None:
    """`widget` shows and does what `spec` says, as if made from it."""
    shown = (widget.key, widget.key_display, widget.description, widget.action)
    if (*shown, not widget._disabled, widget.tooltip or "") == spec:
        return
    key, display, description, action, enabled, tooltip = spec
    widget.key, widget.key_display, widget.description, widget.action = key, display, description, action
    widget._disabled = not enabled
    widget.set_class(not enabled, "-disabled")
    widget.tooltip = tooltip or None
    widget.refresh(layout=True)


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
    KeyBar #more-keys { width: auto; height: 1; color: $text-muted; }
    """

    def compose(self) -> ComposeResult:
        yield PaneFooter(show_command_palette=False)
        yield Label(essentials_text(), id="essentials")
