"""A controller: an invisible widget of a screen, so it can own workers, timers and handlers."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from textual import on
from textual.message import Message
from textual.widget import Widget
from textual.worker import Worker, WorkerState

from opsconsole.domain.errors import OpsError
from opsconsole.tui.messages import ActionFailed

if TYPE_CHECKING:
    from opsconsole.ports import ConsolePort

T = TypeVar("T")


class Controller(Widget):
    """Messages its workers post arrive here; those that bubble go on to the screen."""

    DEFAULT_CSS = "Controller { display: none; }"

    def __init__(self, console: ConsolePort, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.console = console

    def attempt(self, what: str, call: Callable[[], T], done: Callable[[T], Message]) -> bool:
        """From a worker: post `done(call())`, or ActionFailed naming `what` when the call raises an
        OpsError (shown as a notice). Returns whether the call succeeded."""
        try:
            result = call()
        except OpsError as e:
            self.post_message(ActionFailed(what, str(e)))
            return False
        self.post_message(done(result))
        return True

    @on(ActionFailed)
    def _failed(self, message: ActionFailed) -> None:
        self.notify(message.error, title=f"{message.what} failed", severity="error", timeout=10)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Where this controller's worker failures arrive (the message does not bubble): a bug."""
        if event.state is WorkerState.ERROR and not event.worker.is_cancelled:
            title = event.worker.description or "Error"
            self.notify(str(event.worker.error), title=f"{title}: unexpected error", severity="error")
