"""The command palette's index: what it offers, from what the screen holds and what workers read
in the background (runbook titles, the environment's maintenance windows, every environment's
services and databases). No I/O per keystroke, and none in front of the panes: the background
reads wait for the screen's FillGate."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Protocol

from textual import on, work
from textual.message import Message
from textual.worker import get_current_worker

from opsconsole.domain.action_kinds import ActionKind
from opsconsole.domain.errors import OpsError
from opsconsole.domain.problems import MaintenanceWindow
from opsconsole.tui.controllers.base import Controller
from opsconsole.tui.controllers.fill_gate import FILL_WAIT, FillGate
from opsconsole.tui.controllers.sso import SsoLogin
from opsconsole.tui.controllers.team import TeamWatch

if TYPE_CHECKING:
    from opsconsole.config import Settings
    from opsconsole.ports import ConsolePort, FleetPort, RunbooksPort

Command = tuple[str, Callable[[], object], str]
ESTATE_EVERY = 60.0
"""Seconds between reads of every environment's services and databases (on entering one)."""


@dataclass
class IndexRead(Message, bubble=False):
    """A background read answered: `keep` stores the answer in the index on the UI thread, where
    the palette reads it (the workers never write the index themselves)."""

    keep: Callable[[], None]


def estate_of(fleet: FleetPort, env_name: str) -> list[tuple[str, str, str]]:
    """(environment, kind, key) of every service (key cluster/service) and database."""
    found = [
        (env_name, "services", f"{c}/{s}")
        for c in fleet.cluster_names(env_name)  # names only: counting tasks is the ECS pane's work
        for s in fleet.service_names(env_name, c)
    ]
    return found + [(env_name, "databases", db.identifier) for db in fleet.databases(env_name)]


class PaletteIndex(Controller):
    def __init__(self, console: ConsolePort, runbooks: RunbooksPort, filled: FillGate) -> None:
        super().__init__(console)
        self._catalogue = runbooks
        self._gate = filled
        self.everywhere: list[tuple[str, str, str]] = []
        """Services and databases of every environment, read in the background: the palette
        opens them in their own environment."""
        self.runbooks: list[tuple[str, str]] = []
        self.env_name = ""
        self.maintenances: list[MaintenanceWindow] = []
        self._estate_read_at: float | None = None
        self._runbooks_asked = False

    def enter(self, env_name: str) -> None:
        """A new environment: its maintenances, now and then every environment's estate, and the
        first time the runbook titles, are read once its panes have answered (they compete with
        the panes' own reads otherwise)."""
        self.env_name = env_name
        self.maintenances = []
        if not self._runbooks_asked:  # their YAML takes ~0.1 s of CPU: after the first screen
            self._runbooks_asked = True
            self.read_runbooks(self._gate.current)
        self.read_maintenances(env_name, self._gate.current)
        # Every environment's estate does not change with the one shown: read again at most every
        # ESTATE_EVERY seconds, not on each switch, where it competed with the panes' own reads.
        now = time.monotonic()
        if self._estate_read_at is None or now - self._estate_read_at > ESTATE_EVERY:
            self._estate_read_at = now
            self.read_estate(self._gate.current)

    def read_maintenances_again(self) -> None:
        """After a change to problems: the windows may have changed."""
        self.read_maintenances(self.env_name, self._gate.current)

    @work(thread=True, exclusive=True, exit_on_error=False, group="palette-estate", description="Estate")
    def read_estate(self, filled: threading.Event) -> None:
        filled.wait(FILL_WAIT)
        fleet = self.console.fleet
        answers = self.console.fan_out(
            list(self.console.settings.environments), lambda env: estate_of(fleet, env)
        )
        # An environment that does not answer keeps nothing here; its own panes say why.
        found = [row for _env, rows in answers if isinstance(rows, list) for row in rows]
        self.post_message(IndexRead(partial(self._keep_estate, found)))

    @on(IndexRead)
    def _read(self, message: IndexRead) -> None:
        message.keep()

    def _keep_estate(self, found: list[tuple[str, str, str]]) -> None:
        self.everywhere = found

    @work(thread=True, exclusive=True, exit_on_error=False, group="palette-runbooks", description="Runbooks")
    def read_runbooks(self, filled: threading.Event) -> None:
        filled.wait(FILL_WAIT)
        try:
            titles = self._catalogue.library.titles()
        except OpsError:
            titles = []  # the runbook screen says what is wrong with them
        self.post_message(IndexRead(partial(self._keep_runbooks, titles)))

    def _keep_runbooks(self, titles: list[tuple[str, str]]) -> None:
        self.runbooks = titles

    @work(thread=True, exclusive=True, exit_on_error=False, group="palette-maint", description="Maintenance")
    def read_maintenances(self, env_name: str, filled: threading.Event) -> None:
        filled.wait(FILL_WAIT)
        if get_current_worker().is_cancelled:
            return  # another environment was entered meanwhile
        try:
            windows = self.console.alerts.maintenances(env_name)
        except OpsError:
            windows = []  # no Zabbix for this environment: nothing to end
        self.post_message(IndexRead(partial(self._keep_maintenances, env_name, windows)))

    def _keep_maintenances(self, env_name: str, windows: list[MaintenanceWindow]) -> None:
        if env_name == self.env_name:  # not one entered before and left
            self.maintenances = windows


class PaletteHost(Protocol):
    """What the palette's commands act on: the main screen."""

    current_env: str
    sso: SsoLogin
    team: TeamWatch

    @property
    def read_only(self) -> bool: ...

    def known_services(self) -> list[tuple[str, str]]: ...

    def known_databases(self) -> list[str]: ...

    def open_service(self, cluster: str, service: str) -> None: ...

    def open_database(self, identifier: str) -> None: ...

    def open_in(self, env_name: str, kind: str, key: str) -> None: ...

    def act_on_problems(self, kind: ActionKind) -> None: ...

    def end_maintenance(self, window: MaintenanceWindow) -> None: ...

    def app_toggle_read_only(self) -> None: ...

    def action_all_environments(self) -> None: ...

    def action_open_stacks(self) -> None: ...

    def action_timeline(self) -> None: ...

    def action_toggle_link(self) -> None: ...

    def action_maintenance(self) -> None: ...

    def action_runbooks(self, preselect: str | None = None) -> None: ...

    def action_renew(self) -> None: ...

    def action_environment_info(self) -> None: ...


MUTATING = ("stacks: plan and deploy", "problems:", "maintenance")


def elsewhere(host: PaletteHost, index: PaletteIndex) -> list[Command]:
    """Services and databases of the other environments: choosing one switches to it."""
    return [
        (
            f"open {kind.removesuffix('s')}: {key.split('/')[-1]} ({where})",
            partial(host.open_in, where, kind, key),
            f"{where} · switches to it",
        )
        for where, kind, key in index.everywhere
        if where != host.current_env
    ]


def console_commands(host: PaletteHost, settings: Settings, index: PaletteIndex) -> list[Command]:
    """Every command the palette offers now, the changes left out where the environment is read-only."""
    env = host.current_env
    commands: list[Command] = [
        (f"env: {e.name}", partial(setattr, host, "current_env", e.name), f"account {e.account_id}")
        for e in settings.environments.values()
    ]
    commands.append(
        ("env: all environments", host.action_all_environments, "a badge per row, read in parallel")
    )
    commands += [
        (f"open service: {s}", partial(host.open_service, c, s), f"{env} · {c} · links logs and problems")
        for c, s in host.known_services()
    ]
    commands += [
        (f"open database: {db}", partial(host.open_database, db), env) for db in host.known_databases()
    ]
    commands += elsewhere(host, index) + [
        ("stacks: plan and deploy", host.action_open_stacks, f"the {env} estate, reviewed"),
        ("timeline of the selection", host.action_timeline, "what changed before it broke"),
        ("links: on/off", host.action_toggle_link, "the selection drives logs and problems"),
        ("sign in: IAM Identity Center (SSO)", host.sso.start, "device code: open the URL, type the code"),
        ("team: locks, approvals, runs", host.team.open, "who holds what, who waits for whom (T)"),
        (
            "problems: acknowledge",
            partial(host.act_on_problems, ActionKind.ZABBIX_ACKNOWLEDGE),
            "the marked or selected",
        ),
        (
            "problems: close",
            partial(host.act_on_problems, ActionKind.ZABBIX_CLOSE),
            "where the trigger allows",
        ),
        (
            "problems: change severity",
            partial(host.act_on_problems, ActionKind.ZABBIX_SEVERITY),
            "the marked or selected",
        ),
        ("maintenance for the linked resource", host.action_maintenance, "Zabbix, 1 hour"),
    ]
    commands += [
        (
            f"maintenance: end {w.name!r}",
            partial(host.end_maintenance, w),
            f"{env} · window {w.maintenanceid}",
        )
        for w in (index.maintenances if index.env_name == env else [])
    ]
    commands += [
        ("runbooks", host.action_runbooks, "on-call runbooks, inputs from the selection"),
        ("renew the session", host.action_renew, "assume the read role again"),
        ("environment info", host.action_environment_info, "account, roles, session"),
    ]
    commands += [
        (f"runbook: {title}", partial(host.action_runbooks, name), name) for name, title in index.runbooks
    ]
    commands.append(("read-only: on/off", host.app_toggle_read_only, "hide every change, or show them again"))
    if host.read_only:
        commands = [c for c in commands if not c[0].startswith(MUTATING)]
    return commands
