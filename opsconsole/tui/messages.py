"""Messages the TUI's workers post: past tense, typed, handled only on the UI thread."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual.message import Message

from opsconsole.domain.action_kinds import ActionKind
from opsconsole.domain.actions import ActionResult
from opsconsole.domain.identity import CallerIdentity, RoleSession
from opsconsole.domain.stacks import DeployedStack, EnvironmentPlan, StackEvent, StackOutcome, StackSpec
from opsconsole.links import Links

if TYPE_CHECKING:
    from opsconsole.app.changes import Change


class SessionResolved(Message, bubble=False):
    """A role session for an environment was assumed or renewed."""

    def __init__(self, session: RoleSession) -> None:
        super().__init__()
        self.session = session


class SessionFailed(Message, bubble=False):
    """Assuming a role failed; the screen keeps what it showed and marks it stale."""

    def __init__(self, env_name: str, error: str) -> None:
        super().__init__()
        self.env_name = env_name
        self.error = error


class IdentityResolved(Message, bubble=False):
    def __init__(self, identity: CallerIdentity) -> None:
        super().__init__()
        self.identity = identity


class StacksLoaded(Message, bubble=False):
    """The stacks of an environment with their deployed state (None: not deployed)."""

    def __init__(self, env_name: str, rows: list[tuple[StackSpec, DeployedStack | None]]) -> None:
        super().__init__()
        self.env_name = env_name
        self.rows = rows


class PlanReady(Message, bubble=False):
    def __init__(self, plan: EnvironmentPlan) -> None:
        super().__init__()
        self.plan = plan


class StackWorkFailed(Message, bubble=False):
    """Loading, planning or deploying failed before any stack outcome; `what` says which."""

    def __init__(self, what: str, error: str) -> None:
        super().__init__()
        self.what = what
        self.error = error


class StackEventsArrived(Message, bubble=False):
    def __init__(self, stack_key: str, events: list[StackEvent]) -> None:
        super().__init__()
        self.stack_key = stack_key
        self.events = events


class StackFinished(Message, bubble=False):
    def __init__(self, outcome: StackOutcome) -> None:
        super().__init__()
        self.outcome = outcome


class DeployFinished(Message, bubble=False):
    def __init__(self, outcomes: list[StackOutcome], stopped: bool) -> None:
        super().__init__()
        self.outcomes = outcomes
        self.stopped = stopped


class ActionRequested(Message):
    """The operator asked for a registered change (a key, the palette); the screen plans it with
    `console.plan(kind, env_name, params)`, confirms it, then sends it."""

    def __init__(self, kind: ActionKind, env_name: str, params: Mapping[str, Any]) -> None:
        super().__init__()
        self.kind = kind
        self.env_name = env_name
        self.params = dict(params)


class ActionPlanned(Message, bubble=False):
    """An action's calls are known; the screen asks the operator before sending them."""

    def __init__(self, plan: Change) -> None:
        super().__init__()
        self.plan = plan


class ActionDone(Message):
    """A change was sent; it bubbles to the screen, which refreshes the panes it touched."""

    def __init__(self, kind: ActionKind, result: ActionResult) -> None:
        super().__init__()
        self.kind = kind
        self.result = result


class ActionFailed(Message, bubble=False):
    def __init__(self, what: str, error: str) -> None:
        super().__init__()
        self.what = what
        self.error = error


class LinkResolved(Message):
    """What the selected resource links to, read in a worker."""

    def __init__(self, links: Links) -> None:
        super().__init__()
        self.links = links


class PaneLoaded(Message, bubble=False):
    """A refreshing pane's worker read its data for `context` (what the pane showed when it asked)."""

    def __init__(self, context: Hashable, data: object, at: datetime) -> None:
        super().__init__()
        self.context = context
        self.data = data
        self.at = at


class PaneRefreshFailed(Message, bubble=False):
    """A refreshing pane's backend answered with an error; the pane keeps its rows and goes stale."""

    def __init__(self, context: Hashable, error: str) -> None:
        super().__init__()
        self.context = context
        self.error = error
