"""Acknowledge, close, unacknowledge or re-rate Zabbix problems: the modal asks (and is the
confirmation), then the change is planned through the registry and sent in one worker."""

from __future__ import annotations

from textual import work

from opsconsole.domain.action_kinds import ActionKind
from opsconsole.domain.actions import ActionResult
from opsconsole.tui.controllers.base import Controller
from opsconsole.tui.messages import ActionDone
from opsconsole.tui.read_only import changes_hidden
from opsconsole.tui.screens.problem_action import ProblemActionScreen, ProblemDecision
from opsconsole.tui.widgets.problems_pane import ProblemActionRequested


class ProblemActions(Controller):
    def request(self, message: ProblemActionRequested) -> None:
        env = self.console.settings.environment(message.env_name)
        if changes_hidden(self.app, message.env_name):
            self.notify("read-only: nothing can be changed here", severity="warning")
            return
        if message.kind is ActionKind.ZABBIX_CLOSE:
            blocked = [p for p in message.problems if not p.manual_close]
            if blocked:
                self.notify(
                    f"{blocked[0].name}: its trigger does not allow manual closing; fix the cause or "
                    "acknowledge it instead",
                    title="Cannot close",
                    severity="warning",
                    timeout=8,
                )
                return
        eventids = [p.eventid for p in message.problems]

        def decided(decision: ProblemDecision | None) -> None:
            if decision is None:
                self.notify("nothing was changed", title=message.kind.spec.label)
            else:
                self.send(message.env_name, eventids, decision)

        screen = ProblemActionScreen(
            message.env_name, message.kind, message.problems, protected=env.protected
        )
        self.app.push_screen(screen, decided)

    @work(thread=True, exclusive=True, exit_on_error=False, group="zabbix-act", description="Zabbix")
    def send(self, env_name: str, eventids: list[str], decision: ProblemDecision) -> None:
        what = f"{decision.kind.spec.label} {len(eventids)} problem(s)"

        def plan_and_send() -> ActionResult:
            planned = self.console.plan(decision.kind, env_name, decision.params(eventids))
            return self.console.changes.execute(planned, reason="tui")

        self.attempt(what, plan_and_send, lambda result: ActionDone(decision.kind, result))
