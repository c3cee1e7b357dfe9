"""The Stacks screen: an environment's stacks with status and age; plan, review, confirm, then
live progress per stack ending in its outcome, or the first causal failure.

A stack deferred at planning is shown in the progress log once its change set exists and, in a
protected environment, runs only once the environment's name is typed again (stacks_deferred.py).

The screen holds at most one review (the stacks use case's plan, which owns its change sets): a
review that is declined, replaced by a new plan, or left behind when the screen closes is closed,
and its change sets are deleted. Leaving the screen stops watching, never the deploy.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label, Log, Static
from textual.worker import get_current_worker

from opsconsole.domain.durations import age
from opsconsole.domain.errors import OpsError
from opsconsole.domain.stacks import DeployedStack, EnvironmentPlan, StackEvent, StackOutcome, StackSpec
from opsconsole.tui.format import plural
from opsconsole.tui.messages import (
    ActionFailed,
    DeployFinished,
    PlanReady,
    StackEventsArrived,
    StackFinished,
    StacksLoaded,
)
from opsconsole.tui.read_only import changes_hidden
from opsconsole.tui.screens.confirm import ConfirmChange
from opsconsole.tui.screens.stacks_deferred import (
    DeferredApprover,
    DeferredReviewRequested,
    deferred_plan_lines,
)
from opsconsole.tui.widgets.plan_view import plan_summary, render_plan

if TYPE_CHECKING:
    from opsconsole.ports import ConsolePort, StackReviewPort

COLUMNS = ("stack", "region", "status", "age", "depends on", "result")


class StacksScreen(Screen[None]):
    BINDINGS = [
        Binding(
            "p", "plan", "Plan", id="stacks-plan", tooltip="Make change sets and review what would change."
        ),
        Binding(
            "d", "deploy", "Deploy", id="stacks-deploy", tooltip="Deploy the reviewed plan (asks to confirm)."
        ),
        Binding(
            "t", "toggle_diff", "Template diff", id="stacks-diff", tooltip="Show or hide template diffs."
        ),
        Binding("r", "refresh", "Refresh", id="stacks-refresh", tooltip="Read the stacks' status again."),
        Binding("escape", "close", "Back", id="stacks-close", tooltip="Back to the main screen."),
    ]

    DEFAULT_CSS = """
    StacksScreen #title { width: 100%; height: 1; padding: 0 1; background: $panel; text-style: bold; }
    StacksScreen.protected #title { background: $error; color: $text; }
    StacksScreen #stacks { height: auto; max-height: 12; }
    StacksScreen #review-box { height: 1fr; border: round $secondary; padding: 0 1; }
    StacksScreen #review-box.hidden, StacksScreen #progress.hidden { display: none; }
    StacksScreen #progress { height: 1fr; border: round $primary; }
    StacksScreen #status-line { height: 1; padding: 0 1; color: $text-muted; }
    StacksScreen #status-line.error { color: $error; text-style: bold; }
    """

    def __init__(self, console: ConsolePort, env_name: str) -> None:
        super().__init__()
        self.console = console
        self.env_name = env_name
        self.environment = console.settings.environment(env_name)
        self.plan: EnvironmentPlan | None = None
        self.deploying = False
        self.show_diff = False
        self._stop = threading.Event()
        self._review: StackReviewPort | None = None
        self._review_lock = threading.Lock()
        self._closing = False

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "deploy":
            return not changes_hidden(self.app, self.env_name)
        return True

    def compose(self) -> ComposeResult:
        protected = " (protected)" if self.environment.protected else ""
        yield Label(f"Stacks — {self.env_name}{protected}  account {self.environment.account_id}", id="title")
        table: DataTable[str] = DataTable(id="stacks", cursor_type="row", zebra_stripes=True)
        yield table
        with Vertical():
            with VerticalScroll(id="review-box"):
                yield Static("p: plan the deploy and review its change sets", id="review")
            yield Log(id="progress", max_lines=2000, classes="hidden")
        yield Label("loading…", id="status-line")
        yield Footer()

    def on_mount(self) -> None:
        self.set_class(self.environment.protected, "protected")
        table = self.query_one("#stacks", DataTable)
        for column in COLUMNS:
            table.add_column(column, key=column)
        self.load_status()

    # -- actions --------------------------------------------------------------------------------

    def action_refresh(self) -> None:
        self.load_status()

    def action_plan(self) -> None:
        if self.deploying:
            self.notify("a deploy is running", severity="warning")
            return
        self._status("planning: validating templates (cfn-lint), then creating change sets…")
        self.make_plan()

    def action_toggle_diff(self) -> None:
        self.show_diff = not self.show_diff
        if self.plan is not None:
            self.query_one("#review", Static).update(
                render_plan(self.plan, show_template_diff=self.show_diff)
            )

    def action_deploy(self) -> None:
        plan = self.plan
        if self.deploying:
            return
        if plan is None:
            self.notify("plan first (p): a deploy runs the plan you reviewed", severity="warning")
            return
        if not plan.has_changes:
            self.notify(f"{self.env_name}: no changes to deploy")
            return

        def confirmed(answer: bool | None) -> None:
            review = self._take_review()
            if answer and review is not None:
                self._start_deploy(review)
                return
            self.plan = None
            self._discard(review)
            self._status(
                "not confirmed; nothing was changed and the plan's change sets are deleted (p plans again)"
            )

        self.app.push_screen(
            ConfirmChange(
                self.env_name, protected=self.environment.protected, what="Deploy", summary=plan_summary(plan)
            ),
            confirmed,
        )

    def action_close(self) -> None:
        if self.deploying:
            self._stop.set()
            self.app.notify("stopped watching; the stack operations go on in AWS", title="Stacks", timeout=8)
        self.app.pop_screen()

    def on_unmount(self) -> None:
        with self._review_lock:
            self._closing = True
        self._stop.set()
        self._discard(self._take_review())

    def _start_deploy(self, review: StackReviewPort) -> None:
        self.deploying = True
        self.query_one("#review-box").add_class("hidden")
        progress = self.query_one("#progress", Log)
        progress.remove_class("hidden")
        progress.clear()
        self._status("deploying…")
        self.run_deploy(review)

    # -- the review ---------------------------------------------------------------------------

    def _adopt(self, review: StackReviewPort) -> bool:
        """Hold a new review (from the planning worker); False once the screen is closing."""
        with self._review_lock:
            if self._closing:
                return False
            previous, self._review = self._review, review
        if previous is not None:
            previous.close()
        return True

    def _take_review(self) -> StackReviewPort | None:
        with self._review_lock:
            review, self._review = self._review, None
        return review

    def _discard(self, review: StackReviewPort | None) -> None:
        """Delete a review's change sets in an app worker: it outlives this screen."""
        if review is not None:
            self.app.run_worker(
                review.close,
                thread=True,
                exit_on_error=False,
                group="stacks-discard",
                description="Deleting unused change sets",
            )

    # -- workers --------------------------------------------------------------------------------

    @work(
        thread=True, exclusive=True, exit_on_error=False, group="stacks-status", description="Reading stacks"
    )
    def load_status(self) -> None:
        try:
            rows = self.console.stacks.status(self.env_name)
        except OpsError as e:
            self.post_message(ActionFailed("status", str(e)))
            return
        if not get_current_worker().is_cancelled:
            self.post_message(StacksLoaded(self.env_name, rows))

    @work(thread=True, exclusive=True, exit_on_error=False, group="stacks-plan", description="Planning")
    def make_plan(self) -> None:
        previous = self._take_review()
        if previous is not None:
            previous.close()
        try:
            review = self.console.stacks.plan(self.env_name, reason="tui stacks plan")
        except OpsError as e:
            self.post_message(ActionFailed("plan", str(e)))
            return
        if not self._adopt(review):
            review.close()
            return
        self.post_message(PlanReady(review.plan))

    @work(thread=True, exclusive=True, exit_on_error=False, group="stacks-deploy", description="Deploying")
    def run_deploy(self, review: StackReviewPort) -> None:
        def events_arrived(key: str, events: list[StackEvent]) -> None:
            self.post_message(StackEventsArrived(key, events))

        def stack_finished(outcome: StackOutcome) -> None:
            self.post_message(StackFinished(outcome))

        try:
            outcomes = review.execute(
                on_events=events_arrived,
                on_outcome=stack_finished,
                stop=self._stop,
                approve_deferred=DeferredApprover(self.app, self.post_message, self._stop),
            )
        except OpsError as e:
            self.post_message(ActionFailed("deploy", str(e)))
            return
        finally:
            review.close()
        self.post_message(DeployFinished(outcomes, stopped=self._stop.is_set()))

    # -- handlers -------------------------------------------------------------------------------

    @on(StacksLoaded)
    def _loaded(self, message: StacksLoaded) -> None:
        table = self.query_one("#stacks", DataTable)
        now = self.console.correlation.now()
        with self.app.batch_update():
            for spec, deployed in message.rows:
                values = self._row(spec, deployed, now)
                if spec.key in table.rows:
                    for column, value in zip(COLUMNS[:-1], values[:-1], strict=True):
                        table.update_cell(spec.key, column, value)
                else:
                    table.add_row(*values, key=spec.key)
        if not self.deploying:
            self._status(
                f"{plural(len(message.rows), 'stack')} · p plan · d deploy · t template diff · esc back"
            )

    def _row(self, spec: StackSpec, deployed: DeployedStack | None, now: datetime) -> tuple[str, ...]:
        status = deployed.raw_status if deployed else "NOT DEPLOYED"
        updated = deployed.updated_at if deployed else None
        return (
            spec.stack_name,
            spec.region,
            status,
            age(updated, now),
            ", ".join(spec.depends_on) or "—",
            "",
        )

    @on(PlanReady)
    def _plan_ready(self, message: PlanReady) -> None:
        self.plan = message.plan
        box = self.query_one("#review-box")
        box.remove_class("hidden")
        self.query_one("#progress").add_class("hidden")
        self.query_one("#review", Static).update(render_plan(message.plan, show_template_diff=self.show_diff))
        table = self.query_one("#stacks", DataTable)
        for stack_plan in message.plan.stacks:
            if stack_plan.key in table.rows:
                table.update_cell(stack_plan.key, "result", stack_plan.action.value, update_width=True)
        hint = " · d deploy" if message.plan.has_changes else ""
        self._status(plan_summary(message.plan) + hint)

    @on(StackEventsArrived)
    def _events(self, message: StackEventsArrived) -> None:
        lines = [
            f"{e.timestamp:%H:%M:%S}  {e.stack_name}  {e.logical_id}  {e.status}"
            + (f"  {e.reason}" if e.reason else "")
            for e in message.events
        ]
        self.query_one("#progress", Log).write_lines(lines)
        table = self.query_one("#stacks", DataTable)
        own = [e for e in message.events if e.logical_id == e.stack_name]
        if own and message.stack_key in table.rows:
            table.update_cell(message.stack_key, "status", own[-1].status, update_width=True)

    @on(DeferredReviewRequested)
    def _deferred(self, message: DeferredReviewRequested) -> None:
        stack_plan = message.stack_plan
        lines = deferred_plan_lines(self.env_name, stack_plan)
        self.query_one("#progress", Log).write_lines(lines)
        if not self.environment.protected:
            message.answer(True)
            return

        def confirmed(answer: bool | None) -> None:
            if not answer:
                self.query_one("#progress", Log).write_line(
                    f"{stack_plan.stack_name}: not started; its change set is deleted"
                )
            self._status("deploying…")
            message.answer(bool(answer))

        self._status(f"{stack_plan.stack_name} was deferred: review its plan and confirm")
        self.app.push_screen(
            ConfirmChange(
                self.env_name,
                protected=True,
                what=f"Deploy {stack_plan.stack_name} (deferred until its upstreams were deployed)",
                summary="\n".join(lines[1:]),
            ),
            confirmed,
        )

    @on(StackFinished)
    def _finished(self, message: StackFinished) -> None:
        outcome = message.outcome
        table = self.query_one("#stacks", DataTable)
        result = "no changes" if outcome.message == "no changes" else outcome.status.value
        if outcome.key in table.rows:
            table.update_cell(outcome.key, "result", result, update_width=True)
        if result == "no changes":
            return
        line = f"{outcome.stack_name}: {result}"
        if not outcome.succeeded:
            line += f" — {outcome.message}"
        elif outcome.outputs:
            line += "  outputs: " + ", ".join(f"{k}={v}" for k, v in outcome.outputs.items())
        self.query_one("#progress", Log).write_line(line)

    @on(DeployFinished)
    def _deploy_finished(self, message: DeployFinished) -> None:
        self.deploying = False
        self.plan = None
        failed = [o for o in message.outcomes if not o.succeeded]
        if message.stopped:
            self._status("stopped watching; the stack operations go on")
        elif failed:
            self._status(f"deploy failed: {failed[0].stack_name}: {failed[0].message}", error=True)
        else:
            self._status(f"deployed {len(message.outcomes)} stacks to {self.env_name}")
        self.load_status()

    @on(ActionFailed)
    def _failed(self, message: ActionFailed) -> None:
        if message.what == "deploy":
            self.deploying = False
        self._status(f"{message.what} failed: {message.error.splitlines()[0]}", error=True)
        self.notify(message.error, title=f"Stacks: {message.what} failed", severity="error", timeout=10)

    def _status(self, text: str, *, error: bool = False) -> None:
        label = self.query_one("#status-line", Label)
        label.update(text)
        label.set_class(error, "error")
