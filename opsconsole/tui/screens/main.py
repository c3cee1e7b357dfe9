"""The main screen: the environment bar over the pane grid.

The screen holds the environment and the link and broadcasts both to the panes (reactives they
`data_bind`); its controllers own sessions, linking, the palette's index, problem actions,
maintenance and changes, each with its own workers. Only message handlers touch widgets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Grid
from textual.reactive import Reactive, var
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, Label, Tabs

from opsconsole.domain.action_kinds import ActionKind
from opsconsole.domain.environment import Environment
from opsconsole.domain.identity import RoleSession
from opsconsole.domain.problems import MaintenanceWindow, Problem
from opsconsole.domain.resources import ResourceKind, ResourceRef
from opsconsole.domain.timeline import TimelineEntry
from opsconsole.links import Links
from opsconsole.tui.controllers.changes import ChangeActions
from opsconsole.tui.controllers.describe import Describer
from opsconsole.tui.controllers.estate import EstateWatch
from opsconsole.tui.controllers.fill_gate import FillGate
from opsconsole.tui.controllers.linking import LinkChanged, Linking
from opsconsole.tui.controllers.maintenance import Maintenance
from opsconsole.tui.controllers.palette_index import Command, PaletteIndex, console_commands
from opsconsole.tui.controllers.problems import ProblemActions
from opsconsole.tui.controllers.session import SessionKeeper
from opsconsole.tui.controllers.sso import SsoLogin
from opsconsole.tui.controllers.team import TeamWatch
from opsconsole.tui.messages import ActionDone, ActionRequested
from opsconsole.tui.palette import ConsoleCommands
from opsconsole.tui.read_only import changes_hidden
from opsconsole.tui.screens.info import EnvironmentInfo
from opsconsole.tui.screens.main_keys import MAIN_BINDINGS, PANE_KEYS, PANE_TARGETS
from opsconsole.tui.widgets.bound import show_text
from opsconsole.tui.widgets.ecs_pane import EcsFiltered, EcsPane, EcsSelected
from opsconsole.tui.widgets.environment_bar import EnvironmentBar
from opsconsole.tui.widgets.fleet_table import FleetChosen
from opsconsole.tui.widgets.key_bar import KeyBar
from opsconsole.tui.widgets.log_pane import LogPane
from opsconsole.tui.widgets.problems_pane import ProblemActionRequested, ProblemsPane
from opsconsole.tui.widgets.rds_pane import RdsPane, RdsSelected
from opsconsole.tui.widgets.refreshing import PaneAnswered

if TYPE_CHECKING:
    from opsconsole.ports import ConsolePort, RunbooksPort


class MainScreen(Screen[None]):
    COMMANDS = Screen.COMMANDS | {ConsoleCommands}
    BINDINGS = MAIN_BINDINGS

    # The screen's reactives repaint nothing themselves: the panes bound to them redraw what
    # changed. A repainting reactive recomposed the whole screen for each link the cursor made
    # and each Tab (Tab's UI time at scale: p50 73 -> 45 ms, bench/scale_drive.py).
    current_env: Reactive[str] = var("", init=False)
    """The environment shown; the panes bind to it."""
    links: Reactive[Links | None] = var(None, init=False)
    """What the linked resource links to (None: the whole environment); the panes bind to it."""
    focused: Reactive[Widget | None] = Reactive(None, repaint=False)
    """Textual's own, without its repaint: the widgets losing and gaining focus restyle themselves."""

    def __init__(self, console: ConsolePort, runbooks: RunbooksPort, initial_env: str | None = None) -> None:
        super().__init__()
        self.console = console
        self.runbooks = runbooks
        settings = console.settings
        self._environments: list[Environment] = list(settings.environments.values())
        self.set_reactive(MainScreen.current_env, initial_env or settings.first_environment.name)
        self.sessions = SessionKeeper(console)
        self.linking = Linking(console)
        self.filled = FillGate()
        self.index = PaletteIndex(console, runbooks, self.filled)
        self.changes = ChangeActions(console)
        self.problem_actions = ProblemActions(console)
        self.maintenance = Maintenance(console)
        self.describer = Describer(console)
        self.sso = SsoLogin(console)
        self.team = TeamWatch(console, self.filled)

    def compose(self) -> ComposeResult:
        settings = self.console.settings
        yield EnvironmentBar(
            self._environments, active=self.current_env, demo=settings.demo, read_only=settings.read_only
        )
        yield Label("", id="link-indicator")
        with Grid(id="panes"):
            env = MainScreen.current_env
            yield EcsPane(self.console, self.current_env).data_bind(env_name=env)
            yield ProblemsPane(self.console, self.current_env).data_bind(
                env_name=env, linked_to=MainScreen.links
            )
            yield RdsPane(self.console, self.current_env).data_bind(env_name=env)
            yield LogPane(self.console, self.current_env).data_bind(env_name=env, linked_to=MainScreen.links)
        yield KeyBar()
        yield from (self.sessions, self.linking, self.index, self.changes, self.problem_actions)
        yield from (self.maintenance, EstateWatch(self.console), self.describer, self.sso, self.team)

    def on_mount(self) -> None:
        self.query_one("#ecs-table").focus()
        self.query_one(Tabs).can_focus = False  # tab cycles the four panes; 1-3, [ and ] switch env
        for pane, key in PANE_KEYS.items():
            self.query_one(f"#{pane}-pane").border_subtitle = key
        self._entered(self.current_env)

    def action_describe(self, what: str = "object") -> None:
        self.describer.describe_focused(self.current_env, what)

    def action_focus_pane(self, pane: str) -> None:
        self.query_one(PANE_TARGETS[pane]).focus()

    def key_groups(self) -> list[tuple[str, list[BindingType]]]:
        """f1's list: every binding, grouped by where it works."""
        from opsconsole.tui.screens.keys import main_key_groups

        return main_key_groups(list(self.app.BINDINGS), len(self._environments))

    # -- environment switching --------------------------------------------------------------

    def watch_current_env(self, env_name: str) -> None:
        self._entered(env_name)

    def _entered(self, env_name: str) -> None:
        """A new environment: no link of the old one applies; its session and index are read."""
        env = self.console.settings.environment(env_name)
        self.linking.forget()
        self.links = None
        self._show_link()
        bar = self.query_one(EnvironmentBar)
        bar.select(env_name)
        bar.show_pending(env)
        self.set_class(env.protected, "protected-env")
        self.filled.enter()
        for controller in (self.sessions, self.index, self.team):
            controller.enter(env_name)

    @on(PaneAnswered)
    def _pane_answered(self, message: PaneAnswered) -> None:
        self.filled.answered(message.pane_id)

    @on(Tabs.TabActivated)
    def _tab_activated(self, event: Tabs.TabActivated) -> None:
        if event.tab is None or event.tab.id is None:
            return
        name = event.tab.id.removeprefix("env-")
        if name in self.console.settings.environments and name != self.current_env:
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

    @property
    def session(self) -> RoleSession | None:
        return self.sessions.session

    @property
    def linked(self) -> ResourceRef | None:
        return self.linking.linked

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

        self.app.push_screen(StacksScreen(self.console, self.current_env))

    def action_renew(self) -> None:
        self.sessions.renew()

    def action_environment_info(self) -> None:
        self.app.push_screen(EnvironmentInfo(self.console, self.current_env, self.sessions.facts()))

    # -- linked panes: the selection drives the log and problem panes ---------------------------

    @on(EcsSelected)
    @on(RdsSelected)
    def _selected(self, message: EcsSelected | RdsSelected) -> None:
        if message.ref.environment == self.current_env:
            self.linking.rested_on(message.ref)

    def link_to(self, ref: ResourceRef | None) -> None:
        self.linking.link_to(ref)

    @on(LinkChanged)
    def _link_changed(self, message: LinkChanged) -> None:
        if message.ref is not None and message.ref.environment != self.current_env:
            return  # resolved for an environment the operator has left
        if not message.resolving:
            self.links = message.links
        self._show_link()

    def action_toggle_link(self) -> None:
        self.linking.toggle(self.query_one(EcsPane).selected_ref())
        self._show_link()

    def _show_link(self) -> None:
        label = self.query_one("#link-indicator", Label)
        show_text(label, self.linking.indicator(self.current_env, self.query_one(EcsPane).hides))
        label.set_class(self.linking.linked is not None, "linked")

    @on(EcsFiltered)
    def _ecs_filtered(self) -> None:
        self._show_link()

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
            self.query_one("#rds-table").focus()
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

    # -- palette, other screens -----------------------------------------------------------------

    def palette_commands(self) -> list[Command]:
        return console_commands(self, self.console.settings, self.index)

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

        self.app.push_screen(AllEnvironmentsScreen(self.console), self._open_from_fleet)

    def open_in(self, env_name: str, kind: str, key: str) -> None:
        """Open a service (key cluster/service) or database of any environment, in it."""
        self._open_from_fleet(FleetChosen(kind, env_name, key))

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

    def action_runbooks(self, preselect: str | None = None) -> None:
        from opsconsole.tui.screens.runbooks import RunbookScreen

        self.app.push_screen(
            RunbookScreen(self.console, self.runbooks, self.current_env, self.selection(), preselect)
        )

    def app_toggle_read_only(self) -> None:
        toggle = getattr(self.app, "toggle_read_only", None)
        if toggle is not None:
            toggle()

    def action_timeline(self) -> None:
        ref = self.linked or self.query_one(EcsPane).selected_ref()
        if ref is None or ref.kind is ResourceKind.CLUSTER:
            self.notify("select a service or database first", severity="warning")
            return
        from opsconsole.tui.screens.timeline import TimelineScreen

        self.app.push_screen(TimelineScreen(self.console, ref), self._jump)

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

    # -- changes: the controllers plan, confirm and send; the panes they touched refresh ----------

    def act_on_problems(self, kind: ActionKind) -> None:
        self.query_one(ProblemsPane).action_act(kind.value)

    @on(ProblemActionRequested)
    def _problem_action(self, message: ProblemActionRequested) -> None:
        self.problem_actions.request(message)

    def action_maintenance(self) -> None:
        ref = self.linked
        if ref is None or ref.kind not in (ResourceKind.SERVICE, ResourceKind.DB, ResourceKind.TASK):
            self.notify("select a service or database first (linked panes)", severity="warning")
            return
        self.maintenance.create_for(ref)

    def end_maintenance(self, window: MaintenanceWindow) -> None:
        self.maintenance.end(self.current_env, window)

    @on(ActionRequested)
    def _action_requested(self, message: ActionRequested) -> None:
        if changes_hidden(self.app, message.env_name):
            self.notify("read-only: nothing can be changed here", severity="warning")
            return
        self.changes.request(message.kind, message.env_name, message.params)

    @on(ActionDone)
    def _action_done(self, message: ActionDone) -> None:
        result = message.result
        self.notify(f"{result.action} {result.target} in {result.environment}", title="Done")
        family = message.kind.family
        if family == "ecs":
            self.query_one(EcsPane).refresh_rows()
        elif family == "rds":
            self.query_one(RdsPane).refresh_rows()
        else:
            self.query_one(ProblemsPane).after_action()
            self.index.read_maintenances_again()
