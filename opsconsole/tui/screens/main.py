"""The main screen: the environment bar over the pane grid.

Switching environment re-assumes the read role in a thread worker; only message handlers
touch widgets, so the screen never freezes on a slow STS.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Tabs
from textual.worker import Worker, WorkerState, get_current_worker

from opsconsole.domain.environment import Environment, RoleTier
from opsconsole.domain.errors import OpsError
from opsconsole.domain.identity import RoleSession
from opsconsole.planning import PlannedAction
from opsconsole.tui.messages import (
    ActionDone,
    ActionFailed,
    ActionPlanned,
    IdentityResolved,
    SessionFailed,
    SessionResolved,
)
from opsconsole.tui.screens.confirm import ConfirmChange
from opsconsole.tui.screens.info import EnvironmentInfo, plan_pane_action
from opsconsole.tui.widgets.ecs_pane import EcsActionRequested, EcsPane
from opsconsole.tui.widgets.environment_bar import EnvironmentBar
from opsconsole.tui.widgets.facts import SessionPanel
from opsconsole.tui.widgets.rds_pane import RdsPane

if TYPE_CHECKING:
    from opsconsole.services import ConsoleServices

# Renew a session this long before it ends, so panes never see expired credentials.
RENEW_BEFORE = timedelta(minutes=5)
WARN_BEFORE = timedelta(minutes=10)


class MainScreen(Screen[None]):
    BINDINGS = [
        Binding(
            "right_square_bracket",
            "next_env",
            "Next env",
            id="env-next",
            tooltip="Switch to the next environment (re-assumes its read role).",
        ),
        Binding(
            "left_square_bracket",
            "previous_env",
            "Prev env",
            id="env-previous",
            tooltip="Switch to the previous environment.",
        ),
        *[
            Binding(
                str(n),
                f"switch_env({n - 1})",
                f"Env {n}",
                show=False,
                id=f"env-{n}",
                tooltip=f"Switch to environment number {n}.",
            )
            for n in range(1, 10)
        ],
        Binding(
            "r",
            "renew",
            "Renew session",
            id="session-renew",
            tooltip="Assume the current environment's read role again now.",
        ),
        Binding(
            "i",
            "environment_info",
            "Env info",
            id="environment-info",
            tooltip="The environment as configured: account, regions, protection, roles.",
        ),
        Binding(
            "s",
            "open_stacks",
            "Stacks",
            id="stacks-open",
            tooltip="The environment's CloudFormation stacks: plan, review, deploy.",
        ),
    ]

    current_env: reactive[str] = reactive("", init=False)

    def __init__(self, services: ConsoleServices, initial_env: str | None = None) -> None:
        super().__init__()
        self.services = services
        settings = services.settings
        self._environments: list[Environment] = list(settings.environments.values())
        self._initial = initial_env or settings.first_environment.name
        self._session: RoleSession | None = None

    def compose(self) -> ComposeResult:
        settings = self.services.settings
        yield EnvironmentBar(
            self._environments, active=self._initial, demo=settings.demo, read_only=settings.read_only
        )
        with Grid(id="panes"):
            yield EcsPane(self.services, self._initial)
            yield RdsPane(self.services, self._initial)
            yield SessionPanel()
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#ecs-table").focus()
        self.fetch_identity()
        self.query_one(EnvironmentBar).select(self._initial)
        self.current_env = self._initial
        self.set_interval(1.0, self._tick)

    # -- environment switching --------------------------------------------------------------

    def watch_current_env(self, env_name: str) -> None:
        env = self.services.settings.environment(env_name)
        self._session = None
        self.query_one(EnvironmentBar).select(env_name)
        self.query_one(EnvironmentBar).show_pending(env)
        self.query_one(SessionPanel).show_pending(env_name)
        for pane in (self.query_one(EcsPane), self.query_one(RdsPane)):
            if pane.env_name != env_name:
                pane.switch_environment(env_name)
        self.set_class(env.protected, "protected-env")
        self.assume_read(env_name)

    @on(Tabs.TabActivated)
    def _tab_activated(self, event: Tabs.TabActivated) -> None:
        if event.tab is None or event.tab.id is None:
            return
        name = event.tab.id.removeprefix("env-")
        if name in self.services.settings.environments and name != self.current_env:
            self.current_env = name

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Number keys exist for as many environments as are configured, no more.
        if action == "switch_env" and parameters:
            index = parameters[0]
            return isinstance(index, int) and index < len(self._environments)
        return True

    def action_switch_env(self, index: int) -> None:
        if 0 <= index < len(self._environments):
            self.current_env = self._environments[index].name

    def action_next_env(self) -> None:
        self._step(+1)

    def action_previous_env(self) -> None:
        self._step(-1)

    def _step(self, delta: int) -> None:
        names = [env.name for env in self._environments]
        self.current_env = names[(names.index(self.current_env) + delta) % len(names)]

    def action_open_stacks(self) -> None:
        from opsconsole.tui.screens.stacks import StacksScreen

        self.app.push_screen(StacksScreen(self.services, self.current_env))

    def action_renew(self) -> None:
        self.assume_read(self.current_env)

    def action_environment_info(self) -> None:
        env = self.services.settings.environment(self.current_env)
        self.app.push_screen(EnvironmentInfo(env, console_read_only=self.services.settings.read_only))

    # -- actions: plan the calls, confirm, then send them --------------------------------------

    @on(EcsActionRequested)
    def _ecs_action(self, message: EcsActionRequested) -> None:
        self.plan_action(message)

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="action-plan",
        description="Planning the action",
    )
    def plan_action(self, request: EcsActionRequested) -> None:
        what = f"{request.action} {request.key}"
        try:
            planned = plan_pane_action(self.services, request)
        except OpsError as e:
            self.post_message(ActionFailed(what, str(e)))
            return
        self.post_message(planned)

    @on(ActionPlanned)
    def _action_planned(self, message: ActionPlanned) -> None:
        plan = message.plan
        env = self.services.settings.environment(plan.environment)

        def confirmed(answer: bool | None) -> None:
            if answer:
                self.send_action(plan)
            else:
                self.notify("not confirmed; nothing was changed", title=plan.what)

        summary = "\n".join(call.describe() for call in plan.calls)
        self.app.push_screen(
            ConfirmChange(
                plan.environment, protected=env.protected, what=plan.what.capitalize(), summary=summary
            ),
            confirmed,
        )

    @work(
        thread=True, exclusive=True, exit_on_error=False, group="action-run", description="Running the action"
    )
    def send_action(self, plan: PlannedAction) -> None:
        try:
            result = self.services.run_action(
                plan.environment, plan.action, plan.target, plan.calls, dry_run=False, reason="tui"
            )
        except OpsError as e:
            self.post_message(ActionFailed(plan.what, str(e)))
            return
        self.post_message(ActionDone(result))

    @on(ActionDone)
    def _action_done(self, message: ActionDone) -> None:
        self.notify(
            f"{message.result.action} {message.result.target} in {message.result.environment}", title="Done"
        )
        self.query_one(EcsPane).refresh_rows()

    @on(ActionFailed)
    def _action_failed(self, message: ActionFailed) -> None:
        self.notify(message.error, title=f"{message.what} failed", severity="error", timeout=10)

    # -- workers (I/O only; results arrive as messages) --------------------------------------

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="session-assume",
        description="Assuming the read role",
    )
    def assume_read(self, env_name: str) -> None:
        worker = get_current_worker()
        try:
            session = self.services.session(env_name, RoleTier.READ)
        except OpsError as e:
            if not worker.is_cancelled:
                self.post_message(SessionFailed(env_name, str(e)))
            return
        if not worker.is_cancelled:
            self.post_message(SessionResolved(session))

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="identity-fetch",
        description="Reading the caller identity",
    )
    def fetch_identity(self) -> None:
        self.post_message(IdentityResolved(self.services.caller_identity()))

    # -- handlers ------------------------------------------------------------------------------

    @on(SessionResolved)
    def _session_resolved(self, message: SessionResolved) -> None:
        if message.session.environment != self.current_env:
            return
        self._session = message.session
        self.query_one(EnvironmentBar).show_session(message.session)
        self.query_one(SessionPanel).show_session(message.session)
        self._tick()

    @on(SessionFailed)
    def _session_failed(self, message: SessionFailed) -> None:
        if message.env_name != self.current_env:
            return
        self.query_one(SessionPanel).show_error(message.error)
        self.notify(message.error, title=f"Cannot enter {message.env_name}", severity="error", timeout=8)

    @on(IdentityResolved)
    def _identity_resolved(self, message: IdentityResolved) -> None:
        self.query_one(SessionPanel).show_identity(message.identity)

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            self.notify(str(event.worker.error), title=event.worker.description or "Error", severity="error")

    def _tick(self) -> None:
        if self._session is None:
            return  # the bar says "assuming…" (or the error) until a session arrives
        remaining = self._session.expires_at - self.services.now()
        self.query_one(EnvironmentBar).show_remaining(remaining, expiring=remaining <= WARN_BEFORE)
        if remaining <= RENEW_BEFORE and not self._renewing():
            self.assume_read(self.current_env)

    def _renewing(self) -> bool:
        return any(w.group == "session-assume" and w.is_running for w in self.workers)

    @property
    def session(self) -> RoleSession | None:
        return self._session
