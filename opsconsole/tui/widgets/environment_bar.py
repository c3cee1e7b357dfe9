"""The header: environments as tabs, the account and tier in force, time left on the session."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, Tab, Tabs

from opsconsole.domain.environment import Environment
from opsconsole.domain.identity import RoleSession
from opsconsole.tui.widgets.bound import show_text


def tab_id(env_name: str) -> str:
    return f"env-{env_name}"


def format_remaining(remaining: timedelta) -> str:
    seconds = max(0, int(remaining.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


NARROW = 110
"""Columns below which the header shows the environment's name instead of the tabs."""
WIDE = 180
"""Columns from which the header's lock line also shows the lock's purpose."""
PURPOSE_SHOWN = 24
"""Characters of a lock's purpose the header shows (the team screen shows it whole)."""


class EnvironmentBar(Horizontal):
    """Tabs for the environments (protected ones in the error colour) and the session's facts."""

    DEFAULT_CSS = """
    EnvironmentBar {
        height: 2;
        dock: top;
        padding-right: 1;
        background: $panel;
    }
    EnvironmentBar #brand {
        padding: 0 1; height: 2; text-style: bold; color: $accent; content-align: left middle;
    }
    EnvironmentBar Tabs { width: 1fr; height: 2; }
    EnvironmentBar Tab.protected { color: $error; text-style: bold; }
    EnvironmentBar Tab.protected.-active { color: $text; background: $error; }
    EnvironmentBar .fact { padding: 0 1; height: 2; content-align: center middle; }
    EnvironmentBar #tier.elevated { color: $warning; text-style: bold; }
    EnvironmentBar #countdown.expiring { color: $warning; text-style: bold; }
    EnvironmentBar .badge { width: auto; padding: 0 1; height: 1; margin: 0 1 0 0; text-style: bold; }
    EnvironmentBar .fact { width: auto; }
    EnvironmentBar #demo-badge { background: $accent; color: $text; }
    EnvironmentBar #env-name { display: none; width: auto; padding: 0 1; height: 1; text-style: bold; }
    EnvironmentBar #env-name.protected { background: $error; color: $text; }
    EnvironmentBar.narrow { height: 1; }
    EnvironmentBar.narrow #env-name { display: block; }
    EnvironmentBar.narrow #brand { display: none; }
    EnvironmentBar.narrow Tabs { display: none; }
    EnvironmentBar.narrow .fact { padding: 0 0 0 1; }
    EnvironmentBar.narrow .badge { margin: 0 0 0 1; }
    EnvironmentBar #readonly-badge { background: $secondary; color: $text; }
    EnvironmentBar #lock { display: none; }
    EnvironmentBar #lock.locked { display: block; color: $warning; text-style: bold; }
    EnvironmentBar #lock.mine { color: $success; }
    """

    def __init__(
        self, environments: Sequence[Environment], *, active: str, demo: bool, read_only: bool
    ) -> None:
        super().__init__()
        self._active = active
        self._environments = list(environments)
        self._demo = demo
        self._read_only = read_only
        self._estate: str | None = None

    def compose(self) -> ComposeResult:
        yield Label("opsconsole", id="brand")
        yield Label(self._active, id="env-name")
        tabs = []
        for env in self._environments:
            tab = Tab(env.name, id=tab_id(env.name))
            if env.protected:
                tab.add_class("protected")
            tabs.append(tab)
        yield Tabs(*tabs, active=tab_id(self._active))
        yield Label("account —", id="account", classes="fact")
        yield Label("tier —", id="tier", classes="fact")
        yield Label("session —", id="countdown", classes="fact")
        yield Label("", id="lock", classes="fact", markup=False)
        if self._read_only:
            yield Label("READ-ONLY", id="readonly-badge", classes="badge")
        if self._demo:
            yield Label("DEMO · simulated", id="demo-badge", classes="badge")

    def show_estate(self, progress: str | None) -> None:
        """The demo's estate deploy in the DEMO badge while it runs (None: done, back to normal)."""
        self._estate = progress
        self._fit()

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        """Below NARROW columns the tabs give way to the environment's name alone (always shown, in
        its protected colour) and the facts to their short forms: account and tier stay."""
        narrow = self.outer_size.width < NARROW
        self.set_class(narrow, "narrow")
        if self._demo:
            if self._estate:
                text = f"DEMO · estate {self._estate}"
            else:
                text = "DEMO" if narrow else "DEMO · simulated"
            self.query_one("#demo-badge", Label).update(text)

    def select(self, env_name: str) -> None:
        self.query_one(Tabs).active = tab_id(env_name)
        name = self.query_one("#env-name", Label)
        name.update(env_name)
        env = next((e for e in self._environments if e.name == env_name), None)
        name.set_class(env is not None and env.protected, "protected")

    def show_pending(self, env: Environment) -> None:
        show_text(self.query_one("#account", Label), f"account {env.account_id}")
        show_text(self.query_one("#tier", Label), "tier …")
        show_text(self.query_one("#countdown", Label), "assuming…")

    def show_session(self, session: RoleSession) -> None:
        show_text(self.query_one("#account", Label), f"account {session.identity.account}")
        tier = self.query_one("#tier", Label)
        show_text(tier, f"tier {session.tier.value}")
        tier.set_class(session.tier.value != "read", "elevated")

    def show_remaining(self, remaining: timedelta | None, *, expiring: bool) -> None:
        countdown = self.query_one("#countdown", Label)
        if remaining is None:
            show_text(countdown, "session —")
        else:
            prefix = "" if self.has_class("narrow") else "expires in "
            show_text(countdown, f"{prefix}{format_remaining(remaining)}")  # a layout only when it widens
        countdown.set_class(expiring, "expiring")

    def show_lock(self, holder: str | None, purpose: str = "", remaining: timedelta | None = None) -> None:
        """The team lock on the environment shown: who holds it (`you` for this operator), why,
        and when it expires unless renewed; None: nobody holds it (the label hides)."""
        lock = self.query_one("#lock", Label)
        lock.set_class(holder is not None, "locked")
        lock.set_class(holder == "you", "mine")
        if holder is None:
            show_text(lock, "")
            return
        left = format_remaining(remaining) if remaining is not None else "?"
        if self.has_class("narrow"):  # 80 columns: the DEMO badge and the session's facts stay
            minutes = -(-int(remaining.total_seconds()) // 60) if remaining is not None else "?"
            show_text(lock, f"lock {holder} {minutes}m")
        elif self.outer_size.width < WIDE:  # the tabs keep their room; the purpose is in the notice
            show_text(lock, f"locked by {holder} · {left}")
        else:
            why = purpose if len(purpose) <= PURPOSE_SHOWN else purpose[: PURPOSE_SHOWN - 1] + "…"
            show_text(lock, f"locked by {holder}: {why} · {left}")
