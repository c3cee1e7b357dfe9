"""The main screen: the environment bar over the pane grid.

Switching environment re-assumes the read role in a thread worker; only message handlers
touch widgets, so the screen never freezes on a slow STS.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Label, Tabs
from textual.worker import Worker, WorkerState, get_current_worker

from opsconsole.domain.environment import Environment, RoleTier
from opsconsole.domain.errors import OpsError
from opsconsole.domain.identity import CallerIdentity, RoleSession
from opsconsole.domain.problems import Problem
from opsconsole.domain.resources import ResourceKind, ResourceRef
from opsconsole.domain.timeline import TimelineEntry
from opsconsole.tui.messages import (
    ActionDone,
    ActionFailed,
    ActionPlanned,
    IdentityResolved,
    LinkResolved,
    ProblemActionDone,
    SessionFailed,
    SessionResolved,
)
from opsconsole.tui.palette import ConsoleCommands
from opsconsole.tui.read_only import changes_hidden
from opsconsole.tui.screens.confirm import ConfirmChange
from opsconsole.tui.screens.info import EnvironmentInfo, plan_pane_action
from opsconsole.tui.screens.problem_action import ProblemActionScreen, ProblemDecision
from opsconsole.tui.widgets.ecs_pane import EcsActionRequested, EcsPane, EcsSelected
from opsconsole.tui.widgets.environment_bar import EnvironmentBar
from opsconsole.tui.widgets.fleet_table import FleetChosen
from opsconsole.tui.widgets.log_pane import LogPane
from opsconsole.tui.widgets.problems_pane import ProblemActionRequested, ProblemsPane
from opsconsole.tui.widgets.rds_pane import RdsPane, RdsSelected

if TYPE_CHECKING:
    from opsconsole.app.changes import Change
    from opsconsole.ports import ConsoleServices

# Renew a session this long before it ends, so panes never see expired credentials.
RENEW_BEFORE = timedelta(minutes=5)
WARN_BEFORE = timedelta(minutes=10)
# Follow the cursor only once it rests, so scrolling through rows does not restart tails.
LINK_SETTLE_SECONDS = 0.3
MAINTENANCE_DURATION = timedelta(hours=1)


class MainScreen(Screen[None]):
    # The footer shows the keys used most; the rest are in f1's list and the palette. Fewer footer
    # keys also make a focus change cheaper: Textual rebuilds the footer on each one.
    COMMANDS = Screen.COMMANDS | {ConsoleCommands}
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
            show=False,
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
            show=False,
            tooltip="Assume the current environment's read role again now.",
        ),
        Binding(
            "i",
            "environment_info",
            "Env info",
            id="environment-info",
            show=False,
            tooltip="The environment as configured: account, regions, protection, roles.",
        ),
        Binding(
            "l",
            "toggle_link",
            "Link",
            id="link-toggle",
            tooltip="Linked panes on or off: the selection drives the log and problem panes.",
        ),
        Binding(
            "M",
            "maintenance",
            "Maintenance",
            id="zabbix-maintenance",
            show=False,
            tooltip="A Zabbix maintenance window (1h) for the hosts of the linked service or database.",
        ),
        Binding(
            "0",
            "all_environments",
            "All envs",
            id="env-all",
            tooltip="Every environment at once, read in parallel, a badge per row.",
        ),
        Binding(
            "b",
            "runbooks",
            "Runbooks",
            id="runbooks-open",
            tooltip="On-call runbooks, their inputs filled from the selection.",
        ),
        Binding(
            "t",
            "timeline",
            "Timeline",
            id="timeline-open",
            tooltip="Everything that happened around the linked resource, newest first.",
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
        self._identity: CallerIdentity | None = None
        self._session_error: str | None = None
        self.linking = True
        self._runbook_titles: list[tuple[str, str]] | None = None
        self.linked: ResourceRef | None = None
        self._link_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        settings = self.services.settings
        yield EnvironmentBar(
            self._environments, active=self._initial, demo=settings.demo, read_only=settings.read_only
        )
        yield Label("", id="link-indicator")
        with Grid(id="panes"):
            yield EcsPane(self.services, self._initial)
            yield ProblemsPane(self.services, self._initial)
            yield RdsPane(self.services, self._initial)
            yield LogPane(self.services, self._initial)
        yield Footer()

    def on_mount(self) -> None:
        self._show_link()
        self.query_one("#ecs-table").focus()
        self.fetch_identity()
        self.query_one(EnvironmentBar).select(self._initial)
        self.current_env = self._initial
        self.set_interval(1.0, self._tick)

    # -- environment switching --------------------------------------------------------------

    def watch_current_env(self, env_name: str) -> None:
        env = self.services.settings.environment(env_name)
        self._session = None
        self._session_error = None
        self.linked = None
        self._show_link()
        self.query_one(EnvironmentBar).select(env_name)
        self.query_one(EnvironmentBar).show_pending(env)
        panes = (self.query_one(EcsPane), self.query_one(RdsPane), self.query_one(ProblemsPane))
        for pane in panes:
            if pane.env_name != env_name:
                pane.switch_environment(env_name)
        logs = self.query_one(LogPane)
        if logs.env_name != env_name:
            logs.switch_environment(env_name)
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
        if action == "maintenance":
            return not self.read_only
        return True

    @property
    def read_only(self) -> bool:
        return changes_hidden(self.app, self.current_env)

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
        self.app.push_screen(
            EnvironmentInfo(
                env,
                console_read_only=self.services.settings.read_only,
                identity=self._identity,
                session=self._session,
                error=self._session_error,
            )
        )

    # -- linked panes: the selection drives the log and problem panes ---------------------------

    @on(EcsSelected)
    @on(RdsSelected)
    def _selected(self, message: EcsSelected | RdsSelected) -> None:
        # A cluster is the whole environment: resting on one keeps the current link.
        ref = message.ref
        if not self.linking or ref.kind is ResourceKind.CLUSTER or ref == self.linked:
            return
        if self._link_timer is not None:
            self._link_timer.stop()
        self._link_timer = self.set_timer(LINK_SETTLE_SECONDS, lambda: self.link_to(ref))

    def link_to(self, ref: ResourceRef | None) -> None:
        """Narrow the log and problem panes to `ref` (None: the whole environment)."""
        if self._link_timer is not None:
            self._link_timer.stop()  # an explicit link wins over a cursor still settling
            self._link_timer = None
        self.linked = ref
        self._show_link()
        if ref is None:
            self.query_one(LogPane).link(None, None)
            self.query_one(ProblemsPane).link(None, None)
        else:
            self.resolve_link(ref)

    @work(thread=True, exclusive=True, exit_on_error=False, group="link", description="Linking panes")
    def resolve_link(self, ref: ResourceRef) -> None:
        try:
            links = self.services.resource_links(ref)
        except OpsError as e:
            self.post_message(ActionFailed(f"link to {ref}", str(e)))
            return
        self.post_message(LinkResolved(links))

    @on(LinkResolved)
    def _link_resolved(self, message: LinkResolved) -> None:
        links = message.links
        if links.ref != self.linked:
            return  # the operator moved on while this resolved
        self.query_one(LogPane).link(links.log_query, links.ref.label)
        self.query_one(ProblemsPane).link(links.problems.matches, links.ref.label)

    def action_toggle_link(self) -> None:
        self.linking = not self.linking
        if self.linking:
            self.notify("linked panes on: the selection drives logs and problems")
            ecs = self.query_one(EcsPane).selected_ref()
            self.link_to(ecs if ecs is not None and ecs.kind is not ResourceKind.CLUSTER else None)
        else:
            self.link_to(None)
        self._show_link()

    def _show_link(self) -> None:
        label = self.query_one("#link-indicator", Label)
        if not self.linking:
            label.update("links off · l links the panes to the selection")
        elif self.linked is None:
            label.update(f"{self.current_env} · all · select a service or database to link")
        else:
            label.update(f"linked to {self.linked.label} · l unlinks")
        label.set_class(self.linked is not None, "linked")

    @on(DataTable.RowSelected, "#problems-table")
    def _problem_chosen(self) -> None:
        problem = self.query_one(ProblemsPane).selected()
        if problem is not None:
            self.go_to(problem)

    def go_to(self, problem: Problem) -> None:
        """Select what a problem is about: its database, or its service in the ECS pane."""
        db = problem.tag("rds_instance")
        service = problem.tag("service")
        if db:
            found = self.query_one(RdsPane).select_db(db)
            self.query_one(RdsPane).query_one("#rds-table").focus()
        elif service:
            cluster = problem.tag("cluster") or f"{self.current_env}-cluster"
            self.query_one(EcsPane).show_service(cluster, service)
            self.query_one("#ecs-table").focus()
            found = True
        else:
            instance = problem.tag("instance_id")
            self.notify(f"on instance {instance}" if instance else "no ECS or RDS resource tagged")
            return
        if not found:
            self.notify(f"{db} is not in the RDS pane", severity="warning")

    # -- palette and timeline -----------------------------------------------------------------

    def known_services(self) -> list[tuple[str, str]]:
        """Services the ECS pane has shown in this environment, for the palette."""
        return sorted(self.query_one(EcsPane).seen_services)

    def known_databases(self) -> list[str]:
        table = self.query_one("#rds-table", DataTable)
        return [str(k.value) for k in table.rows]

    def open_service(self, cluster: str, service: str) -> None:
        self.query_one(EcsPane).show_service(cluster, service)
        self.query_one("#ecs-table").focus()
        self.link_to(ResourceRef(self.current_env, ResourceKind.SERVICE, service, cluster=cluster))

    def open_database(self, identifier: str) -> None:
        self.query_one(RdsPane).select_db(identifier)
        self.query_one("#rds-table").focus()
        self.link_to(ResourceRef(self.current_env, ResourceKind.DB, identifier))

    def action_all_environments(self) -> None:
        from opsconsole.tui.screens.all_envs import AllEnvironmentsScreen

        self.app.push_screen(AllEnvironmentsScreen(self.services), self._open_from_fleet)

    def _open_from_fleet(self, chosen: FleetChosen | None) -> None:
        """Open a row of the all-environments view in its own environment."""
        if chosen is None:
            return
        self.current_env = chosen.env_name
        # After this screen has its focus back, or the restored focus would re-link to a cluster.
        self.call_after_refresh(self._open_chosen, chosen)

    def _open_chosen(self, chosen: FleetChosen) -> None:
        if chosen.kind == "services":
            cluster, service = chosen.key.split("/", 1)
            self.open_service(cluster, service)
        elif chosen.kind == "databases":
            self.open_database(chosen.key)
        else:
            self.query_one(ProblemsPane).select_when_loaded(chosen.key)
            self.query_one("#problems-table").focus()

    def selection(self) -> dict[str, str]:
        """What runbook inputs default from: the environment and the linked or selected resources."""
        chosen = {"environment": self.current_env}
        ref = self.linked
        if ref is not None and ref.kind is ResourceKind.SERVICE:
            chosen["ecs_service"] = f"{ref.cluster or f'{self.current_env}-cluster'}/{ref.name}"
        if ref is not None and ref.kind is ResourceKind.DB:
            chosen["rds_instance"] = ref.name
        problem = self.query_one(ProblemsPane).selected()
        if problem is not None:
            chosen["problem"] = problem.eventid
            if instance := problem.tag("instance_id"):
                chosen.setdefault("container_instance", instance)
        return chosen

    def runbook_titles(self) -> list[tuple[str, str]]:
        """(name, title) of the shipped runbooks, read once: the palette lists them."""
        if self._runbook_titles is None:
            from opsconsole.runbooks.library import runbook_files, runbooks_root
            from opsconsole.runbooks.loader import RunbookInvalid, load_runbook

            titles = []
            for path in runbook_files(runbooks_root()):
                try:
                    titles.append((path.stem, load_runbook(path).title))
                except RunbookInvalid:
                    titles.append((path.stem, f"{path.stem} (invalid: `opsconsole runbook validate`)"))
            self._runbook_titles = titles
        return self._runbook_titles

    def action_runbooks(self, preselect: str | None = None) -> None:
        from opsconsole.tui.screens.runbooks import RunbookScreen

        self.app.push_screen(RunbookScreen(self.services, self.current_env, self.selection(), preselect))

    def app_toggle_read_only(self) -> None:
        toggle = getattr(self.app, "toggle_read_only", None)
        if toggle is not None:
            toggle()

    def act_on_problems(self, action: str) -> None:
        self.query_one(ProblemsPane).action_act(action)

    def action_timeline(self) -> None:
        ref = self.linked or self.query_one(EcsPane).selected_ref()
        if ref is None or ref.kind is ResourceKind.CLUSTER:
            self.notify("select a service or database first", severity="warning")
            return
        from opsconsole.tui.screens.timeline import TimelineScreen

        self.app.push_screen(TimelineScreen(self.services, ref), self._jump)

    def _jump(self, entry: TimelineEntry | None) -> None:
        """Land in the pane a timeline entry came from."""
        if entry is None:
            return
        if entry.source == "zabbix" and entry.key:
            self.query_one(ProblemsPane).select_eventid(entry.key)
            self.query_one("#problems-table").focus()
        elif entry.source in ("ecs", "task"):
            self.query_one("#ecs-table").focus()
        elif entry.source == "graylog":
            self.query_one("#log-view").focus()
        elif entry.source == "stack":
            self.action_open_stacks()

    # -- Zabbix actions ---------------------------------------------------------------------------

    @on(ProblemActionRequested)
    def _problem_action(self, message: ProblemActionRequested) -> None:
        env = self.services.settings.environment(message.env_name)
        if self.read_only:
            self.notify("read-only: nothing can be changed here", severity="warning")
            return
        if message.action == "close":
            blocked = [p for p in message.problems if not p.manual_close]
            if blocked:
                self.notify(
                    f"{blocked[0].name}: its trigger does not allow manual closing; fix the cause or "
                    "acknowledge it instead",
                    title="Cannot close",
                    severity="warning",
                    timeout=8,
                )
                return

        def decided(decision: ProblemDecision | None) -> None:
            if decision is None:
                self.notify("nothing was changed", title=message.action)
            else:
                self.send_problem_action(message.env_name, [p.eventid for p in message.problems], decision)

        screen = ProblemActionScreen(
            message.env_name, message.action, message.problems, protected=env.protected
        )
        self.app.push_screen(screen, decided)

    @work(thread=True, exclusive=True, exit_on_error=False, group="zabbix-act", description="Zabbix")
    def send_problem_action(self, env_name: str, eventids: list[str], decision: ProblemDecision) -> None:
        try:
            self.services.problem_action(
                env_name,
                eventids,
                acknowledge=decision.action == "acknowledge",
                close=decision.action == "close",
                unacknowledge=decision.action == "unacknowledge",
                severity=decision.severity,
                message=decision.message or None,
                reason="tui",
            )
        except OpsError as e:
            self.post_message(ActionFailed(f"{decision.action} {len(eventids)} problem(s)", str(e)))
            return
        self.post_message(ProblemActionDone(decision.action, len(eventids)))

    @on(ProblemActionDone)
    def _problem_action_done(self, message: ProblemActionDone) -> None:
        self.notify(f"{message.action}: {message.count} problem(s)", title="Zabbix")
        self.query_one(ProblemsPane).after_action()

    def action_maintenance(self) -> None:
        ref = self.linked
        if ref is None or ref.kind not in (ResourceKind.SERVICE, ResourceKind.DB, ResourceKind.TASK):
            self.notify("select a service or database first (linked panes)", severity="warning")
            return
        self.plan_maintenance(ref)

    @work(thread=True, exclusive=True, exit_on_error=False, group="zabbix-mw", description="Zabbix hosts")
    def plan_maintenance(self, ref: ResourceRef) -> None:
        try:
            links = self.services.resource_links(ref)
            hosts = {
                h.hostid: h
                for tag, value in links.problems.tags
                if tag in ("instance_id", "rds_instance")
                for h in self.services.zabbix_hosts(ref.environment, {tag: value})
            }
        except OpsError as e:
            self.post_message(ActionFailed(f"maintenance for {ref}", str(e)))
            return
        self.app.call_from_thread(self._confirm_maintenance, ref, list(hosts.values()))

    def _confirm_maintenance(self, ref: ResourceRef, hosts: list[Any]) -> None:
        if not hosts:
            self.notify(f"no Zabbix hosts found for {ref.label}", severity="warning")
            return
        env = self.services.settings.environment(ref.environment)
        names = ", ".join(h.name for h in hosts)
        summary = f"Zabbix maintenance for 1h, data still collected:\n{names}"

        def confirmed(answer: bool | None) -> None:
            if answer:
                self.create_maintenance(ref, [h.hostid for h in hosts])

        what = f"Maintenance for {ref.name}"
        self.app.push_screen(
            ConfirmChange(ref.environment, protected=env.protected, what=what, summary=summary), confirmed
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="zabbix-mw-create", description="Zabbix")
    def create_maintenance(self, ref: ResourceRef, hostids: list[str]) -> None:
        try:
            self.services.create_maintenance(
                ref.environment,
                f"opsconsole: {ref}",
                hostids=hostids,
                duration=MAINTENANCE_DURATION,
                reason="tui",
            )
        except OpsError as e:
            self.post_message(ActionFailed(f"maintenance for {ref}", str(e)))
            return
        self.post_message(ProblemActionDone("maintenance", len(hostids)))

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

        def confirmed(answer: bool | None) -> None:
            if answer:
                self.send_action(plan)
            else:
                self.notify("not confirmed; nothing was changed", title=plan.summary)

        summary = "\n".join(call.describe() for call in plan.calls)
        self.app.push_screen(
            ConfirmChange(
                plan.environment.name,
                protected=plan.protected,
                what=plan.summary.capitalize(),
                summary=summary,
            ),
            confirmed,
        )

    @work(
        thread=True, exclusive=True, exit_on_error=False, group="action-run", description="Running the action"
    )
    def send_action(self, plan: Change) -> None:
        try:
            result = self.services.execute(plan, reason="tui")
        except OpsError as e:
            self.post_message(ActionFailed(plan.summary, str(e)))
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
        self._session_error = None
        self.query_one(EnvironmentBar).show_session(message.session)
        self._tick()

    @on(SessionFailed)
    def _session_failed(self, message: SessionFailed) -> None:
        if message.env_name != self.current_env:
            return
        self._session_error = message.error
        self.notify(message.error, title=f"Cannot enter {message.env_name}", severity="error", timeout=8)

    @on(IdentityResolved)
    def _identity_resolved(self, message: IdentityResolved) -> None:
        self._identity = message.identity

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
