"""The application: every use case, built from one context. The TUI, the CLI and runbooks hold a
Console and call its use cases; none of them reaches a backend any other way.

The stacks and team use cases (the deploy engine's regex and template checks, the
team store's modules) are built on first use: `alerts list` imports none of them. So are the
console sign-in (it imports requests and webbrowser, a fifth of an `ecs services` start-up) and
the correlation of the four backends, which no CLI read needs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, TypeVar, Unpack

from opsconsole.app.access import Access
from opsconsole.app.actions import plan_action
from opsconsole.app.alerts import Alerts
from opsconsole.app.audit import AuditTrail
from opsconsole.app.changes import Change, ChangeRunner
from opsconsole.app.context import AppContext, ContextOptions
from opsconsole.app.fleet import Fleet
from opsconsole.app.logs import Logs
from opsconsole.app.operations import Operations
from opsconsole.config import Settings
from opsconsole.domain.action_kinds import ActionKind
from opsconsole.domain.audit import AuditRecord
from opsconsole.domain.environment import RoleTier
from opsconsole.domain.errors import OpsError

if TYPE_CHECKING:
    from opsconsole.app.console_signin import ConsoleSignin
    from opsconsole.app.correlation import Correlation
    from opsconsole.app.stacks import Stacks
    from opsconsole.app.team import Team

T = TypeVar("T")
_UNSET: Any = object()


class Console:
    """One console session's use cases (a CLI command, a TUI session, a runbook run)."""

    def __init__(self, context: AppContext) -> None:
        self.context = context
        self.settings = context.settings
        self.access = Access(context)
        self.fleet = Fleet(context)
        self.operations = Operations(context, self.fleet)
        self.alerts = Alerts(context)
        self.logs = Logs(context)
        self.changes = ChangeRunner(context)
        self._building = threading.RLock()
        self._stacks: Stacks | None = None
        self._signin: ConsoleSignin | None = None
        self._correlation: Correlation | None = None
        self._team: Team | None = _UNSET
        if context.settings.team.table:
            # The team is built when a change first takes a lock or writes a record, not before.
            context.env_lock = lambda env, purpose: self._the_team().guard(env, purpose)
            context.audit.also_to(_TeamSink(self))

    def _once(self, attr: str, make: Callable[[], T]) -> T:
        """The use case kept in `attr`, built by `make` on its first use, by one thread only."""
        with self._building:
            if getattr(self, attr) is None:
                setattr(self, attr, make())
            built: T = getattr(self, attr)
            return built

    @property
    def stacks(self) -> Stacks:
        from opsconsole.app.stacks import Stacks

        return self._once("_stacks", lambda: Stacks(self.context))

    @property
    def signin(self) -> ConsoleSignin:
        """The AWS console signed in with a role session (the URL goes to the browser only)."""
        from opsconsole.app.console_signin import ConsoleSignin

        return self._once("_signin", lambda: ConsoleSignin(self.context))

    @signin.setter
    def signin(self, signin: ConsoleSignin) -> None:
        self._signin = signin

    @property
    def correlation(self) -> Correlation:
        """What links the four backends' views of one resource, over this console's reads."""
        from opsconsole.app.correlation import Correlation

        def make() -> Correlation:
            return Correlation(self.context, self.fleet, self.alerts, self.logs, lambda: self.stacks)

        return self._once("_correlation", make)

    @correlation.setter
    def correlation(self, correlation: Correlation) -> None:
        self._correlation = correlation

    @property
    def team(self) -> Team | None:
        """The team store of `[team] table` (locks, approvals, the team view), or None alone."""
        with self._building:
            if self._team is _UNSET:
                from opsconsole.app.team import Team

                self._team = Team.of_context(self.context)
            return self._team

    @team.setter
    def team(self, team: Team | None) -> None:
        self._team = team

    def _the_team(self) -> Team:
        team = self.team
        assert team is not None, "only wired when [team] table is set"
        return team

    @classmethod
    def build(cls, settings: Settings, **options: Unpack[ContextOptions]) -> Console:
        """A console over a new context (`ready`: the demo's world starting behind the TUI blocks
        the first AWS read until it is up)."""
        return cls(AppContext.build(settings, **options))

    def plan(
        self, kind: ActionKind, env_name: str, params: Mapping[str, Any], tier: RoleTier | None = None
    ) -> Change:
        """The Change a registered action kind makes with `params` (key bindings, runbook steps).

        Raises:
            InvalidInput: a kind with no registered planner, or a missing parameter.
        """
        return plan_action(self, kind, env_name, params, tier)

    def fan_out(self, env_names: list[str], read: Callable[[str], T]) -> list[tuple[str, T | OpsError]]:
        """`read` for each environment at once (bounded); a failure stays with its environment."""
        return self.context.fan_out(env_names, read)

    def fan_out_stream(
        self, env_names: list[str], read: Callable[[str], T], *, lead: int = 0
    ) -> Iterator[tuple[str, T | OpsError]]:
        """`read` for each environment at once, each answer as it arrives; `lead` environments
        first, the others once one of them answered (app/fanout.py)."""
        return self.context.fan_out_stream(env_names, read, lead=lead)

    @property
    def audit(self) -> AuditTrail:
        return self.context.audit

    def close(self) -> None:
        self.context.close()


class _TeamSink:
    """The audit trail's sink for the team index, building the team on the first record."""

    def __init__(self, console: Console) -> None:
        self._console = console

    def send(self, record: AuditRecord) -> None:
        self._console._the_team().sink().send(record)

    def close(self) -> None:
        return None
