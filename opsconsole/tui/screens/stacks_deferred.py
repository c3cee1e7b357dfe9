"""Deferred stacks reviewed in the TUI while a deploy runs, as the CLI reviews them.

A stack deferred at planning gets its change set only once its upstreams are deployed; the
stacks use case (`StackReview.execute(approve_deferred=...)`) then asks its front-end. Here the
question is asked from the deploy's worker thread: `DeferredApprover` posts
`DeferredReviewRequested` to the Stacks screen and waits for the answer. The screen writes the
stack's plan into its progress log and, in a protected environment, asks for the environment's
name again (`ConfirmChange`); elsewhere the stack goes ahead, as in the CLI. Closing the screen,
quitting or no answer within the timeout declines: the stack is not started and the use case
deletes its change set.
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from rich.console import Console as RichConsole
from textual.app import App
from textual.message import Message

from opsconsole.domain.stacks import EnvironmentPlan, StackPlan
from opsconsole.tui.widgets.plan_view import render_plan

REVIEW_TIMEOUT_SECONDS = 600.0
POLL_SECONDS = 0.1


@dataclass
class DeferredReviewRequested(Message, bubble=False):
    """A deferred stack's plan, now that its change set exists; `answer(True)` lets it run."""

    stack_plan: StackPlan
    answer: Callable[[bool], None]


class DeferredApprover:
    """The `approve_deferred` hook of a deploy run from a worker thread of `screen`'s app.

    Each call waits for the screen's answer; `stop` (the screen closed), the app ending or the
    timeout decline the stack.
    """

    def __init__(
        self,
        app: App[object],
        post: Callable[[Message], object],
        stop: threading.Event,
        *,
        timeout: float = REVIEW_TIMEOUT_SECONDS,
    ) -> None:
        self._app = app
        self._post = post
        self._stop = stop
        self._timeout = timeout
        self.declined: list[str] = []

    def __call__(self, stack_plan: StackPlan) -> bool:
        answers: list[bool] = []
        done = threading.Event()

        def answer(go: bool) -> None:
            answers.append(go)
            done.set()

        self._post(DeferredReviewRequested(stack_plan, answer))
        deadline = time.monotonic() + self._timeout
        while not done.wait(POLL_SECONDS):
            if self._stop.is_set() or not self._app.is_running or time.monotonic() > deadline:
                break
        go = bool(answers and answers[0])
        if not go:
            self.declined.append(stack_plan.stack_name)
        return go


def deferred_plan_lines(environment: str, stack_plan: StackPlan, width: int = 110) -> list[str]:
    """The deferred stack's plan as the review shows it, in plain lines for the progress log."""
    out = io.StringIO()
    RichConsole(file=out, width=width, color_system=None, force_terminal=False).print(
        render_plan(EnvironmentPlan(environment, (stack_plan,)))
    )
    lines = [line.rstrip() for line in out.getvalue().splitlines()]
    return [f"{stack_plan.stack_name} was deferred; its plan now that its upstreams are deployed:"] + [
        line for line in lines[1:] if line
    ]
