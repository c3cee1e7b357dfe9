"""Every environment at once: services, databases, problems and logs with an environment badge per row."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid
from textual.screen import Screen
from textual.widgets import Footer, Label

from opsconsole.domain.durations import age
from opsconsole.domain.errors import OpsError
from opsconsole.tui.widgets.fleet_table import FleetChosen, FleetTable, Rows
from opsconsole.tui.widgets.log_pane import LogPane
from opsconsole.tui.widgets.problems_pane import SEVERITY_VARIABLE, theme_colour

if TYPE_CHECKING:
    from opsconsole.ports import ConsolePort


FIRST_ROWS_WAIT = 1.0
"""Seconds the problems and databases tables hold their other accounts for the services' first rows."""


class AllEnvironmentsScreen(Screen[FleetChosen | None]):
    """Dismisses with the row chosen, so the main screen opens it in its environment."""

    DEFAULT_CSS = """
    AllEnvironmentsScreen #all-title { height: 1; padding: 0 2; text-style: bold; color: $accent; }
    AllEnvironmentsScreen #fleet {
        grid-size: 2 3; grid-columns: 11fr 9fr; grid-rows: 1fr 1fr 1fr; padding: 0 1; height: 1fr;
    }
    AllEnvironmentsScreen #fleet-services { row-span: 2; }
    AllEnvironmentsScreen #log-pane { column-span: 2; }
    """
    BINDINGS = [
        Binding("escape,0", "close", "Back", id="all-close", tooltip="Back to one environment."),
        Binding("r", "refresh_all", "Refresh", id="all-refresh", tooltip="Read every account again now."),
    ]

    def __init__(self, console: ConsolePort) -> None:
        super().__init__()
        self.console = console
        self.envs = [(env.name, env.protected) for env in console.settings.environments.values()]
        self._first_rows = threading.Event()
        """Set when the services table's first account answered (see stream_for)."""

    def compose(self) -> ComposeResult:
        names = ", ".join(name for name, _ in self.envs)
        yield Label(f"All environments · {names} · read in parallel", id="all-title")
        with Grid(id="fleet"):
            yield self._table(
                "services",
                "ECS services",
                ("service", "desired", "running", "pending", "rollout", "rev", "last event"),
                self.read_services,
            )
            problems = ("severity", "age", "problem", "host", "ack")
            yield self._table("problems", "Zabbix problems", problems, self.read_problems)
            yield self._table("databases", "RDS", ("db", "status", "class", "multi-az"), self.read_databases)
            yield LogPane(self.console, self.envs[0][0], envs=[name for name, _ in self.envs])
        yield Footer()

    def _table(
        self, kind: str, title: str, columns: tuple[str, ...], read: Callable[[str], Rows]
    ) -> FleetTable:
        """One table over every environment, its accounts read through `stream_for(kind)`."""
        return FleetTable(
            kind, title, columns, self.envs, read, self.console.correlation.now, self.stream_for(kind)
        )

    def on_mount(self) -> None:
        self.query_one("#fleet-services DataTable").focus()

    # -- readers: run in the fleet tables' workers, one thread per account -------------------------

    def stream_for(
        self, kind: str
    ) -> Callable[[list[str], Callable[[str], Rows]], Iterator[tuple[str, Rows | OpsError]]]:
        """Each account's rows as they arrive. The first account is read alone until it answers
        (app/fanout.py's lead), and the problems and databases tables hold their other accounts
        until the services table's first rows are in (at most FIRST_ROWS_WAIT): on one shared
        endpoint the first rows then come in about one account's time, not when every account's
        interleaved reads are nearly done."""

        def stream(
            env_names: list[str], read: Callable[[str], Rows]
        ) -> Iterator[tuple[str, Rows | OpsError]]:
            first = env_names[0] if env_names else None

            def after_first_rows(env_name: str) -> Rows:
                if kind != "services" and env_name != first:
                    self._first_rows.wait(FIRST_ROWS_WAIT)
                return read(env_name)

            for env_name, result in self.console.fan_out_stream(env_names, after_first_rows, lead=1):
                if kind == "services":
                    self._first_rows.set()
                yield env_name, result

        return stream

    def read_services(self, env_name: str) -> Rows:
        fleet = self.console.fleet
        rows: Rows = {}
        for cluster in fleet.cluster_names(env_name):  # no task counts: this screen shows services
            for s in fleet.services(env_name, cluster):
                rows[f"{cluster}/{s.name}"] = (
                    s.name,
                    s.desired,
                    Text(str(s.running), style="bold red" if s.running < s.desired else ""),
                    s.pending,
                    s.rollout,
                    f":{s.revision}" if s.revision else "—",
                    s.events[0].message.replace(f"(service {s.name}) ", "")[:50] if s.events else "—",
                )
        return rows

    def read_databases(self, env_name: str) -> Rows:
        return {
            db.identifier: (
                db.identifier,
                Text(db.status, style="green" if db.status == "available" else "yellow"),
                db.instance_class,
                "yes" if db.multi_az else "no",
            )
            for db in self.console.fleet.databases(env_name)
        }

    def read_problems(self, env_name: str) -> Rows:
        now = self.console.correlation.now()
        rows: Rows = {}
        for p in sorted(self.console.alerts.problems(env_name), key=lambda p: -p.severity):
            colour = theme_colour(self.app.theme_variables, SEVERITY_VARIABLE[p.severity])
            rows[p.eventid] = (
                Text(p.severity.label, style=colour),
                age(p.started, now),
                p.name,
                p.host_names or "—",
                "yes" if p.acknowledged else "no",
            )
        return rows

    # -- keys ---------------------------------------------------------------------------------------

    @on(FleetChosen)
    def _chosen(self, message: FleetChosen) -> None:
        self.dismiss(message)

    def action_close(self) -> None:
        self.dismiss(None)

    def action_refresh_all(self) -> None:
        for table in self.query(FleetTable):
            table.refresh_rows()
