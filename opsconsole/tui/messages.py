"""Messages the TUI's workers post: past tense, typed, handled only on the UI thread."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
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
    from opsconsole.app.console_signin import Signin
    from opsconsole.domain.resources import ResourceRef
    from opsconsole.domain.team import TeamView
    from opsconsole.domain.timeline import Timeline
    from opsconsole.runbooks.events import RunEvent
    from opsconsole.runbooks.state import RunState


@dataclass
class SessionResolved(Message, bubble=False):
    """A role session for an environment was assumed or renewed."""

    session: RoleSession


@dataclass
class SessionFailed(Message, bubble=False):
    """Assuming a role failed; the screen keeps what it showed and marks it stale."""

    env_name: str
    error: str


@dataclass
class IdentityResolved(Message, bubble=False):
    identity: CallerIdentity


@dataclass
class StacksLoaded(Message, bubble=False):
    """The stacks of an environment with their deployed state (None: not deployed)."""

    env_name: str
    rows: list[tuple[StackSpec, DeployedStack | None]]


@dataclass
class PlanReady(Message, bubble=False):
    plan: EnvironmentPlan


@dataclass
class StackEventsArrived(Message, bubble=False):
    stack_key: str
    events: list[StackEvent]


@dataclass
class StackFinished(Message, bubble=False):
    outcome: StackOutcome


@dataclass
class DeployFinished(Message, bubble=False):
    outcomes: list[StackOutcome]
    stopped: bool


class ActionRequested(Message):
    """The operator asked for a registered change (a key, the palette); the screen plans it with
    `console.plan(kind, env_name, params)`, confirms it, then sends it."""

    def __init__(self, kind: ActionKind, env_name: str, params: Mapping[str, Any]) -> None:
        super().__init__()
        self.kind = kind
        self.env_name = env_name
        self.params = dict(params)


@dataclass
class ActionPlanned(Message, bubble=False):
    """An action's calls are known; the screen asks the operator before sending them."""

    plan: Change


@dataclass
class ActionDone(Message):
    """A change was sent; it bubbles to the screen, which refreshes the panes it touched."""

    kind: ActionKind
    result: ActionResult


@dataclass
class ActionFailed(Message, bubble=False):
    """Work a worker did for the operator failed: an action, a read, a stacks load, plan or deploy,
    a sign-in; `what` names it (a controller tells it in a notice, a screen in its state line)."""

    what: str
    error: str


@dataclass
class LinkResolved(Message):
    """What the selected resource links to, read in a worker."""

    links: Links


@dataclass
class PaneLoaded(Message, bubble=False):
    """A refreshing pane's worker read its data for `context` (what the pane showed when it asked)."""

    context: Hashable
    data: object
    at: datetime
    final: bool = True
    """False for an early stage (rows before their metrics): the read goes on."""


@dataclass
class PaneRefreshFailed(Message, bubble=False):
    """A refreshing pane's backend answered with an error; the pane keeps its rows and goes stale."""

    context: Hashable
    error: str


@dataclass
class Described(Message, bubble=False):
    """`d`: the selected row's whole object, read, to show under `title`."""

    title: str
    value: Any


@dataclass
class SignedIn(Message, bubble=False):
    """The console sign-in for `ref` ended: opened, simulated, or why not."""

    ref: ResourceRef
    result: Signin


@dataclass
class TimelineLoaded(Message, bubble=False):
    timeline: Timeline


@dataclass
class TeamRead(Message, bubble=False):
    """The team's view, the operator's ARN ("" when unknown) and when it was read."""

    view: TeamView
    me: str
    at: datetime


@dataclass
class SsoCodeShown(Message, bubble=False):
    """The device flow's URL and code, to show while the sign-in waits for approval."""

    url: str
    code: str


@dataclass
class SsoSignedIn(Message, bubble=False):
    expires: datetime


@dataclass
class RunEventArrived(Message, bubble=False):
    """A runbook run's event, relayed from the engine's thread to the runbook screen."""

    event: RunEvent


@dataclass
class RunEnded(Message, bubble=False):
    """A runbook run ended in `state`, or did not start (`error`)."""

    state: RunState | None
    error: str | None = None
