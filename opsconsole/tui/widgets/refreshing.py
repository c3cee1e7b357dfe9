"""The refreshing-pane base: one worker per load, a timer that re-arms itself, the stale marker,
and the one place where a pane's worker failures arrive (the keyed table diff is `keyed_rows`).

`Worker.StateChanged` does not bubble, so no screen sees a pane's workers: the pane handles its
own. A backend's `OpsError` is an expected answer (stale marker, keep the rows); any other
exception is a bug, and it reaches the same marker through the worker's ERROR state.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Generic, TypeVar, cast

from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.worker import Worker, WorkerState, get_current_worker

from opsconsole.domain.durations import age
from opsconsole.domain.errors import OpsError
from opsconsole.tui.format import first_line
from opsconsole.tui.messages import PaneLoaded, PaneRefreshFailed

T = TypeVar("T")
STALE_TICK_SECONDS = 1.0
"""How often a stale marker repaints, so its age grows while nobody presses a key."""


class PaneAnswered(Message):
    """A refreshing pane's read for what it shows has answered (data or error); it bubbles, so
    the screen knows when its first screen is filled and background reads may start."""

    def __init__(self, pane_id: str | None) -> None:
        super().__init__()
        self.pane_id = pane_id


@dataclass(frozen=True)
class Stage(Generic[T]):
    """One answer of a pane's read: `final` False while a slower part of the read is still out."""

    data: T
    final: bool = True


class StalePane(Vertical):
    """A pane whose data can go stale: it knows when it last loaded and why it failed since.

    Subclasses paint their state line in `render_state` (using `stale_text`), say how to try
    again in `retry_later`, and name the worker group whose failure should trigger that retry.
    """

    ALLOW_MAXIMIZE = True
    """The pane (not its table alone) fills the screen, so it stays on screen and keeps refreshing."""

    loop_group: str = ""
    """The worker group of the pane's loop: its unexpected failure re-arms the loop."""

    def __init__(self, pane_id: str) -> None:
        super().__init__(id=pane_id)
        self.loaded_at: datetime | None = None
        self.error: str | None = None
        self._ager: Timer | None = None
        self._next: Timer | None = None
        self._late: Timer | None = None

    def now(self) -> datetime:
        raise NotImplementedError

    def render_state(self) -> None:
        raise NotImplementedError

    def retry_later(self) -> None:
        raise NotImplementedError

    def stale_text(self) -> str | None:
        """`stale 42s: <error>` (the age of the rows shown), or None while fresh."""
        if self.error is None:
            return None
        held = f"stale {age(self.loaded_at, self.now())}" if self.loaded_at else "stale (no data)"
        return f"{held}: {self.error}"

    def mark_fresh(self, at: datetime | None) -> None:
        self.loaded_at = at or self.loaded_at
        self.error = None
        self.remove_class("stale")
        if self._ager is not None:
            self._ager.stop()
            self._ager = None

    def mark_stale(self, error: str, *, unexpected: bool = False, quiet: bool = False) -> None:
        """Keep what is shown, say why it is old; the operator hears once per new error (not at
        all when `quiet`: whoever failed already told them)."""
        repeated = quiet or error == self.error
        self.error = error
        self.add_class("stale")
        if self._ager is None:
            self._ager = self.set_interval(STALE_TICK_SECONDS, self.render_state)
        if not repeated:
            title = f"{self.border_title or self.id}: {'unexpected error' if unexpected else 'stale'}"
            self.notify(error, title=title, severity="error" if unexpected else "warning")

    def schedule(self, seconds: float, request: Callable[[], None]) -> None:
        """Send the next request in `seconds`; one is pending at a time (an earlier one is dropped)."""
        self.unschedule()
        self._next = self.set_timer(seconds, request)

    def unschedule(self) -> None:
        if self._next is not None:
            self._next.stop()
            self._next = None

    def expect_answer(self, within: float) -> None:
        """A request is out: unless it is `answered` within `within` seconds, the pane marks itself
        stale at once (a hung backend must not look fresh while its socket waits for a deadline).
        The mark is quiet: the border and state line say it, and a failure, if one comes, notifies;
        a toast per slow answer would be noise."""
        self.answered()
        self._late = self.set_timer(within, partial(self._answer_is_late, within))

    def answered(self) -> None:
        if self._late is not None:
            self._late.stop()
            self._late = None

    def _answer_is_late(self, within: float) -> None:
        self._late = None
        self.mark_stale(f"no answer for {within:g}s, still waiting", quiet=True)
        self.render_state()

    def forget(self) -> None:
        """Another environment or view: the old age and error no longer apply."""
        self.mark_fresh(None)
        self.loaded_at = None

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Where every failure of this pane's workers arrives, expected or not."""
        worker = event.worker
        if event.state is not WorkerState.ERROR or worker.is_cancelled:
            return
        error = worker.error
        if worker.group == self.loop_group:
            self.answered()  # the request ended (badly): it is no longer late, it failed
            self.post_message(PaneAnswered(self.id))
        text = f"{type(error).__name__}: {first_line(error)}" if isinstance(error, Exception) else str(error)
        self.mark_stale(text, unexpected=True)
        self.render_state()
        if worker.group == self.loop_group:
            self.retry_later()


class RefreshingPane(StalePane, Generic[T]):
    """A pane that reads its data in a thread worker every `refresh_seconds`.

    Subclasses give `context` (what is shown: answers for another are dropped), `fetch_job` (a
    callable built on the UI thread and run in the worker) and `show` (paint the data); a pane
    whose read has a slow part gives `fetch_stages` instead, to paint what it has first. The
    timer is armed again after each read's final answer or its failure, so requests never pile
    up; a tick while a modal covers the pane, or while the pane is hidden, only re-arms the timer.
    """

    refresh_seconds: float = 10.0
    complete = True
    """False while the rows shown are an early stage of a read that goes on."""
    loop_group = "refresh"
    """The group of the pane's loads. One name serves every pane: Textual's `exclusive` cancels,
    and `Worker.StateChanged` reaches, only the workers of the widget that started them."""

    def context(self) -> Hashable:
        raise NotImplementedError

    def fetch_job(self) -> Callable[[], T]:
        raise NotImplementedError

    def fetch_stages(self) -> Callable[[], Iterator[Stage[T]]]:
        """The read as successive answers, each more complete; the final one ends the round."""
        job = self.fetch_job()
        return lambda: iter((Stage(job()),))

    def show(self, data: T) -> None:
        raise NotImplementedError

    def refresh_rows(self) -> None:
        """Load now: an explicit request (a switch, a drill-down, an action done) is never skipped.

        An answer later than one interval marks the pane stale at once; the answer, when it
        comes, clears the mark."""
        self.unschedule()
        self.expect_answer(self.refresh_seconds)
        self.run_worker(
            partial(self._load, self.context(), self.fetch_stages()),
            thread=True,
            exclusive=True,
            exit_on_error=False,
            group=self.loop_group,
            description=f"Reading {self.id}",
        )

    def _load(self, context: Hashable, stages: Callable[[], Iterator[Stage[T]]]) -> None:
        worker = get_current_worker()
        try:
            for stage in stages():
                if worker.is_cancelled:
                    return
                self.post_message(PaneLoaded(context, stage.data, self.now(), final=stage.final))
        except OpsError as e:
            if not worker.is_cancelled:
                self.post_message(PaneRefreshFailed(context, e.message))

    def covered(self) -> bool:
        """A modal (or another screen) is on top, or the pane is not on the screen."""
        return self.app.screen is not self.screen or not self.is_on_screen

    def retry_later(self) -> None:
        self.schedule(self.refresh_seconds, self._tick)

    def _tick(self) -> None:
        self._next = None
        if self.covered():
            self.retry_later()
        else:
            self.refresh_rows()

    def on_pane_loaded(self, message: PaneLoaded) -> None:
        if self._answers(message.context):
            self.mark_fresh(message.at)
            self.complete = message.final
            self.show(cast(T, message.data))
            if message.final:
                self._next_round()
            else:  # the rest of the read is still out, and may hang
                self.expect_answer(self.refresh_seconds)
                self.render_state()

    def on_pane_refresh_failed(self, message: PaneRefreshFailed) -> None:
        if self._answers(message.context):
            self.mark_stale(message.error)
            if not self.complete:
                self.stopped_early()
            self._next_round()

    def stopped_early(self) -> None:
        """The read failed after an early stage was shown: what that stage left pending will not
        come (the stale marker says why). Panes whose early rows mark something pending repaint."""

    def _answers(self, context: Hashable) -> bool:
        """Whether an answer is for what is shown (an older view's is dropped); if so, it came."""
        if context != self.context():
            return False
        self.answered()
        self.post_message(PaneAnswered(self.id))
        return True

    def _next_round(self) -> None:
        self.render_state()
        self.retry_later()
