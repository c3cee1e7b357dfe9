"""Panels of facts: who the console acts as, and what the selected environment is."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from opsconsole.domain.environment import Environment
from opsconsole.domain.identity import CallerIdentity, RoleSession
from opsconsole.tui.widgets.refreshing import StalePane


def _facts(rows: list[tuple[str, str | Text]]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for name, value in rows:
        table.add_row(name, value)
    return table


class SessionPanel(StalePane):
    """The identity signed in and the role session in force; a failed renewal marks it stale with
    the age of the session shown and the error (the session keeper renews; `r` asks now)."""

    DEFAULT_CSS = """
    SessionPanel { border: round $primary; padding: 0 1; height: auto; }
    SessionPanel.stale { border: round $warning; }
    SessionPanel #session-facts { height: auto; }
    """

    def __init__(self, now: Callable[[], datetime]) -> None:
        super().__init__("session-panel")
        self.border_title = "Signed in"
        self._now = now
        self._identity: CallerIdentity | None = None
        self._session: RoleSession | None = None
        self._pending: str | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="session-facts")

    def now(self) -> datetime:
        return self._now()

    def retry_later(self) -> None:
        """Nothing to re-arm here: the session keeper renews the session on its own."""

    def render_state(self) -> None:
        self._render_facts()

    def show_identity(self, identity: CallerIdentity) -> None:
        self._identity = identity
        self._render_facts()

    def show_pending(self, env_name: str) -> None:
        self._pending = env_name
        self.mark_fresh(None)
        self._render_facts()

    def show_session(self, session: RoleSession, at: datetime | None = None) -> None:
        self._session, self._pending = session, None
        self.mark_fresh(at)
        self._render_facts()

    def show_error(self, error: str) -> None:
        self._pending = None
        self.mark_stale(error, quiet=True)  # the failed assume was notified when it happened
        self._render_facts()

    def _render_facts(self) -> None:
        rows: list[tuple[str, str | Text]] = []
        if self._identity:
            rows += [("identity", self._identity.arn), ("identity account", self._identity.account)]
        if self._pending:
            rows.append(("role", Text(f"assuming the read role in {self._pending}…", style="italic")))
        if self._session:
            s = self._session
            stale = " (stale)" if self.error else ""
            rows += [
                ("environment", s.environment + stale),
                ("caller", s.identity.arn),
                ("account in use", s.identity.account),
                ("role", s.role_arn),
                ("tier", s.tier.value),
                ("session name", s.session_name),
                ("expires at", _clock(s.expires_at)),
            ]
        stale_text = self.stale_text()
        if stale_text:
            rows.append(("last error", Text(stale_text, style="bold red")))
        self.query_one("#session-facts", Static).update(_facts(rows))


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
