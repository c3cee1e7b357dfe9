"""The application: every use case, built from one context. The TUI, the CLI and runbooks hold a
Console and call its use cases; none of them reaches a backend any other way."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from opsconsole.app.access import Access
from opsconsole.app.actions import plan_action
from opsconsole.app.alerts import Alerts
from opsconsole.app.audit import AuditTrail
from opsconsole.app.changes import Change, ChangeRunner
from opsconsole.app.console_signin import ConsoleSignin
from opsconsole.app.context import AppContext
from opsconsole.app.correlation import Correlation
from opsconsole.app.fleet import Fleet
from opsconsole.app.logs import Logs
from opsconsole.app.operations import Operations
from opsconsole.app.stacks import Stacks
from opsconsole.app.team import Team
from opsconsole.aws.session import utc_now
from opsconsole.config import Settings
from opsconsole.domain.action_kinds import ActionKind
from opsconsole.domain.environment import RoleTier
from opsconsole.domain.errors import OpsError
from opsconsole.domain.identity import Clock, MfaPrompt

T = TypeVar("T")


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
        self.stacks = Stacks(context)
        self.changes = ChangeRunner(context)
        self.signin = ConsoleSignin(context)
        """The AWS console signed in with a role session (the URL goes to the browser only)."""
        self.correlation = Correlation(context, self.fleet, self.alerts, self.logs, self.stacks)
        self.team = Team.of_context(context)
        """The team store of `[team] table` (locks, approvals, the team view), or None alone."""
        if self.team is not None:
            context.env_lock = self.team.guard
            context.audit.also_to(self.team.sink())

    @classmethod
    def build(
        cls, settings: Settings, *, mfa_prompt: MfaPrompt | None = None, clock: Clock = utc_now
    ) -> Console:
        return cls(AppContext.build(settings, mfa_prompt=mfa_prompt, clock=clock))

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

    @property
    def audit(self) -> AuditTrail:
        return self.context.audit

    def close(self) -> None:
        self.context.close()
