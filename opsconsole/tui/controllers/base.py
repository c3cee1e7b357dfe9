"""A controller: an invisible widget of a screen, so it can own workers, timers and handlers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.widget import Widget
from textual.worker import Worker, WorkerState

from opsconsole.tui.messages import ActionFailed

if TYPE_CHECKING:
    from opsconsole.ports import ConsolePort


class Controller(Widget):
    """Messages its workers post arrive here; those that bubble go on to the screen."""

    DEFAULT_CSS = "Controller { display: none; }"

    def __init__(self, console: ConsolePort, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.console = console

    @on(ActionFailed)
    def _failed(self, message: ActionFailed) -> None:
        self.notify(message.error, title=f"{message.what} failed", severity="error", timeout=10)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Where this controller's worker failures arrive (the message does not bubble): a bug."""
        if event.state is WorkerState.ERROR and not event.worker.is_cancelled:
            title = event.worker.description or "Error"
            self.notify(str(event.worker.error), title=f"{title}: unexpected error", severity="error")
