"""What the main screen's panes share: one environment read through the console (bound to the
screen's with `data_bind`), the link they may follow, and their frame (border, state line,
filter box)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len
from textual.reactive import reactive
from textual.widgets import Label

if TYPE_CHECKING:
    from opsconsole.links import Links
    from opsconsole.ports import ConsolePort
    from opsconsole.tui.widgets.refreshing import StalePane

FRAME = """
{pane} {{ border: round $secondary; height: 1fr; }}
{pane}:focus-within {{ border: round $accent; }}
{pane}.stale {{ border: round $warning; }}
{pane} .pane-state {{ height: 1; padding: 0 1; color: $text-muted; }}
{pane} .pane-state {{ width: 100%; text-wrap: nowrap; text-overflow: ellipsis; }}
{pane}.stale .pane-state {{ color: $warning; }}
{pane} .pane-filter {{ display: none; height: 3; }}
{pane} .pane-filter.shown {{ display: block; }}
{pane} DataTable {{ height: 1fr; }}
"""


def show_text(label: Label, text: str, *, fixed: bool = False) -> None:
    """Put `text` on a one-line label. An update asks the whole screen for a layout pass, which
    costs a frame at scale: none when the text is unchanged, and none when the label's size
    cannot change (`fixed`: a state line is one row, the pane's width) or its width is the same."""
    before = label.content
    if before == text:
        return
    same_width = isinstance(before, str) and cell_len(before) == cell_len(text)
    label.update(text, layout=not (fixed or same_width))


def frame_css(pane: str) -> str:
    """The frame every pane of the main screen has: the border (accent when focused, warning when
    stale), the state line (class `pane-state`) and the filter box (class `pane-filter`).
    Textual inherits CSS along a class's first base only, so the panes take it by name."""
    return FRAME.format(pane=pane)


if TYPE_CHECKING:
    _Widget = StalePane
else:
    _Widget = object  # a mixin: the pane's own base (a StalePane) is its widget


class EnvironmentPane(_Widget):
    """A pane of one environment, read through the console; a subclass (listed before its
    `StalePane` base) names its widget (`pane_id`) and says what a switch does (`switch_environment`)."""

    pane_id: ClassVar[str]
    console: ConsolePort
    env_name: reactive[str] = reactive("", init=False)
    """The environment shown; bound to the screen's (data_bind)."""

    def __init__(self, console: ConsolePort, env_name: str) -> None:
        super().__init__(self.pane_id)
        self.console = console
        self.set_reactive(EnvironmentPane.env_name, env_name)

    def now(self) -> datetime:
        return self.console.correlation.now()

    def watch_env_name(self, before: str, env_name: str) -> None:
        if before != env_name and self.is_mounted:
            self.switch_environment()

    def switch_environment(self) -> None:
        raise NotImplementedError


class LinkedPane(EnvironmentPane):
    """A pane that narrows to the resource the panes are linked to (`follow(None)`: all of it)."""

    linked_to: reactive[Links | None] = reactive(None, init=False)
    """The resource the panes are linked to (None: the whole environment); bound to the screen's."""

    def watch_linked_to(self, before: Links | None, links: Links | None) -> None:
        if before != links and self.is_mounted:
            self.follow(self.own_link(links))

    def own_link(self, links: Links | None) -> Links | None:
        """`links` when its resource is in this environment: another's never narrows this one."""
        return links if links is not None and links.ref.environment == self.env_name else None

    def follow(self, links: Links | None) -> None:
        raise NotImplementedError
