"""What a runbook step may name: the console's actions with the parameters each takes (the
application registry's own table, app/action_params.py, which app/actions.py plans from), and the
sources a query or wait step reads."""

from __future__ import annotations

from opsconsole.app.action_params import PARAMS, ActionParams
from opsconsole.domain.action_kinds import ActionKind

_STACKS = ActionParams((), ("stacks",))
"""Stacks have a flow of their own (change sets, events), run by the step itself."""

ACTIONS: dict[str, ActionParams] = {
    **{kind.value: entry for kind, entry in PARAMS.items()},
    ActionKind.STACKS_PLAN.value: _STACKS,
    ActionKind.STACKS_DEPLOY.value: _STACKS,
}

SOURCES: dict[str, ActionParams] = {
    "aws": ActionParams(("service", "operation"), ("params", "region")),
    "logs": ActionParams(("query",), ("window",)),
    "problems": ActionParams((), ("tags", "min_severity", "unacknowledged", "text")),
}
"""What a query or wait step may read; AWS reads always run at the read tier."""


def action_name(text: object) -> str | None:
    """The registered name of the action `text` names (older aliases included), or None."""
    try:
        name = ActionKind.parse(str(text)).value
    except ValueError:
        return None
    return name if name in ACTIONS else None


def iam_action(service: str, operation: str) -> str:
    """`ecs`, `describe_services` -> `ecs:DescribeServices`."""
    return f"{service}:{''.join(part.capitalize() for part in operation.split('_'))}"
