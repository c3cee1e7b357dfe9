"""Linked panes: the resource the operator rests on, resolved to its links in a worker, then
broadcast by the screen (its `links` reactive, bound to the log and problem panes).

While a new link resolves the panes keep the narrowing they have (the indicator says "linking");
they never fall back to the whole environment in between, which flashed every row at scale.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass
from typing import TYPE_CHECKING

from textual import on, work
from textual.message import Message
from textual.timer import Timer

from opsconsole.domain.resources import ResourceKind, ResourceRef
from opsconsole.links import Links
from opsconsole.tui.controllers.base import Controller
from opsconsole.tui.messages import LinkResolved

if TYPE_CHECKING:
    from opsconsole.ports import ConsolePort

LINK_SETTLE_SECONDS = 0.3
"""Follow the cursor only once it rests, so scrolling through rows does not restart tails."""


@dataclass
class LinkChanged(Message):
    """The panes should follow `links` (None: the whole environment); the screen broadcasts it.
    With `resolving`, `ref` is being resolved: only the indicator changes, the panes keep theirs."""

    ref: ResourceRef | None
    links: Links | None
    _: KW_ONLY
    resolving: bool = False


@dataclass
class LinkFailed(Message):
    ref: ResourceRef


class Linking(Controller):
    def __init__(self, console: ConsolePort) -> None:
        super().__init__(console)
        self.enabled = True
        self.linked: ResourceRef | None = None
        self.resolving = False
        """`linked` is being resolved; the panes still show the previous link's narrowing."""
        self._timer: Timer | None = None

    def rested_on(self, ref: ResourceRef) -> None:
        """The cursor rests on `ref`; a cluster is the whole environment and keeps the current link."""
        if not self.enabled or ref.kind is ResourceKind.CLUSTER or ref == self.linked:
            return
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(LINK_SETTLE_SECONDS, lambda: self.link_to(ref))

    def link_to(self, ref: ResourceRef | None) -> None:
        """Narrow the log and problem panes to `ref` (None: the whole environment)."""
        if self._timer is not None:
            self._timer.stop()  # an explicit link wins over a cursor still settling
            self._timer = None
        self.linked = ref
        self.resolving = ref is not None
        self.post_message(LinkChanged(ref, None, resolving=self.resolving))
        if ref is not None:
            self.resolve(ref)

    def forget(self) -> None:
        """Another environment: no link of the old one applies."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.linked = None
        self.resolving = False

    def indicator(self, env_name: str, hidden: Callable[[ResourceRef], bool]) -> str:
        """The link line: off, the whole environment, linking, or linked (and hidden by a filter)."""
        linked = self.linked
        if not self.enabled:
            return "links off · l links the panes to the selection"
        if linked is None:
            return f"{env_name} · all · select a service or database to link"
        if self.resolving:
            return f"linking to {linked.label} …"
        if hidden(linked):
            return f"linked to {linked.label} · its row is hidden by the ECS filter · l unlinks"
        return f"linked to {linked.label} · l unlinks"

    def toggle(self, selected: ResourceRef | None) -> None:
        self.enabled = not self.enabled
        if self.enabled:
            self.notify("linked panes on: the selection drives logs and problems")
            usable = selected is not None and selected.kind is not ResourceKind.CLUSTER
            self.link_to(selected if usable else None)
        else:
            self.link_to(None)

    @work(thread=True, exclusive=True, exit_on_error=False, group="link", description="Linking panes")
    def resolve(self, ref: ResourceRef) -> None:
        if not self.attempt(f"link to {ref}", lambda: self.console.correlation.links(ref), LinkResolved):
            self.post_message(LinkFailed(ref))

    @on(LinkResolved)
    def _resolved(self, message: LinkResolved) -> None:
        message.stop()
        if message.links.ref == self.linked:  # else the operator moved on while this resolved
            self.resolving = False
            self.post_message(LinkChanged(message.links.ref, message.links))

    @on(LinkFailed)
    def _link_failed(self, message: LinkFailed) -> None:
        message.stop()
        """No links for it: the whole environment, rather than a narrowing that is not its own."""
        if message.ref == self.linked:
            self.linked = None
            self.resolving = False
            self.post_message(LinkChanged(None, None))
