"""Panels of facts: who the console acts as, and what the selected environment is."""

from __future__ import annotations

from datetime import datetime

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from opsconsole.domain.environment import Environment
from opsconsole.domain.identity import CallerIdentity, RoleSession


def _facts(rows: list[tuple[str, str | Text]]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for name, value in rows:
        table.add_row(name, value)
    return table


class SessionPanel(Static):
    """The identity signed in and the role session in force, with its last error if any."""

    DEFAULT_CSS = """
    SessionPanel { border: round $primary; padding: 0 1; height: auto; }
    SessionPanel.stale { border: round $warning; }
    """

    def __init__(self) -> None:
        super().__init__(id="session-panel")
        self.border_title = "Signed in"
        self._identity: CallerIdentity | None = None
        self._session: RoleSession | None = None
        self._error: str | None = None
        self._pending: str | None = None

    def show_identity(self, identity: CallerIdentity) -> None:
        self._identity = identity
        self._render_facts()

    def show_pending(self, env_name: str) -> None:
        self._pending, self._error = env_name, None
        self._render_facts()

    def show_session(self, session: RoleSession) -> None:
        self._session, self._pending, self._error = session, None, None
        self.remove_class("stale")
        self._render_facts()

    def show_error(self, error: str) -> None:
        self._error, self._pending = error, None
        self.add_class("stale")
        self._render_facts()

    def _render_facts(self) -> None:
        rows: list[tuple[str, str | Text]] = []
        if self._identity:
            rows += [("identity", self._identity.arn), ("identity account", self._identity.account)]
        if self._pending:
            rows.append(("role", Text(f"assuming the read role in {self._pending}…", style="italic")))
        if self._session:
            s = self._session
            stale = " (stale)" if self._error else ""
            rows += [
                ("environment", s.environment + stale),
                ("caller", s.identity.arn),
                ("account in use", s.identity.account),
                ("role", s.role_arn),
                ("tier", s.tier.value),
                ("session name", s.session_name),
                ("expires at", _clock(s.expires_at)),
            ]
        if self._error:
            rows.append(("last error", Text(self._error, style="bold red")))
        self.update(_facts(rows))


class EnvironmentPanel(Static):
    """The environment as configured: account, regions, protection, roles per tier, links."""

    DEFAULT_CSS = """
    EnvironmentPanel { border: round $secondary; padding: 0 1; height: auto; }
    EnvironmentPanel.protected { border: round $error; }
    """

    def __init__(self) -> None:
        super().__init__(id="environment-panel")
        self.border_title = "Environment"

    def show_environment(self, env: Environment, *, console_read_only: bool) -> None:
        self.border_title = f"Environment {env.name}"
        self.set_class(env.protected, "protected")
        protection = (
            Text("yes: every change needs the name typed", style="bold red") if env.protected else Text("no")
        )
        read_only = "yes" if env.read_only or console_read_only else "no"
        rows: list[tuple[str, str | Text]] = [
            ("account id", env.account_id),
            ("region", env.region),
            ("replica region", env.replica_region or "—"),
            ("protected", protection),
            ("read-only", read_only),
            ("external id", "set" if env.external_id else "none"),
            ("session length", f"{env.session_duration // 60} min"),
        ]
        rows += [(f"{tier.value} role", arn) for tier, arn in env.roles.items()]
        rows += [
            ("zabbix host groups", ", ".join(env.zabbix_host_groups) or "—"),
            ("graylog streams", ", ".join(env.graylog_streams) or "—"),
        ]
        if env.description:
            rows.append(("about", env.description))
        self.update(_facts(rows))


def _clock(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S %Z")
