"""Registered changes from the panes and the palette: plan with `console.plan` in a worker, confirm
(protected environments need the name typed), then send with `console.changes.execute`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from textual import on, work

from opsconsole.domain.action_kinds import ActionKind
from opsconsole.tui.controllers.base import Controller
from opsconsole.tui.messages import ActionDone, ActionPlanned
from opsconsole.tui.screens.confirm import ConfirmChange

if TYPE_CHECKING:
    from opsconsole.app.changes import Change


class ChangeActions(Controller):
    def request(self, kind: ActionKind, env_name: str, params: Mapping[str, Any]) -> None:
        self.plan_change(kind, env_name, dict(params))

    @work(thread=True, exclusive=True, exit_on_error=False, group="action-plan", description="Planning")
    def plan_change(self, kind: ActionKind, env_name: str, params: dict[str, Any]) -> None:
        what = f"{kind.spec.label} in {env_name}"
        self.attempt(what, lambda: self.console.plan(kind, env_name, params), ActionPlanned)

    @on(ActionPlanned)
    def _planned(self, message: ActionPlanned) -> None:
        plan = message.plan

        def confirmed(answer: bool | None) -> None:
            if answer:
                self.send(plan)
            else:
                self.notify("not confirmed; nothing was changed", title=plan.summary)

        summary = "\n".join(call.describe() for call in plan.calls)
        what = plan.summary[:1].upper() + plan.summary[1:]
        screen = ConfirmChange(plan.environment.name, protected=plan.protected, what=what, summary=summary)
        self.app.push_screen(screen, confirmed)

    @work(thread=True, exclusive=True, exit_on_error=False, group="action-run", description="Sending")
    def send(self, plan: Change) -> None:
        self.attempt(
            plan.summary,
            lambda: self.console.changes.execute(plan, reason="tui"),
            lambda result: ActionDone(plan.kind, result),
        )
