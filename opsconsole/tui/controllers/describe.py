"""`d` on the main screen: read the selected row's whole object in a worker, then show it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.message import Message

from opsconsole.domain.errors import OpsError
from opsconsole.domain.resources import ResourceKind, ResourceRef
from opsconsole.tui.controllers.base import Controller
from opsconsole.tui.messages import ActionFailed

if TYPE_CHECKING:
    from opsconsole.ports import ConsolePort


class Described(Message, bubble=False):
    def __init__(self, title: str, value: Any) -> None:
        super().__init__()
        self.title = title
        self.value = value


class Describer(Controller):
    def __init__(self, console: ConsolePort) -> None:
        super().__init__(console)

    def describe_focused(self, env_name: str) -> None:
        """The row under the cursor of the focused pane (problems and RDS), else the ECS pane's."""
        from opsconsole.tui.widgets.ecs_pane import EcsPane
        from opsconsole.tui.widgets.problems_pane import ProblemsPane
        from opsconsole.tui.widgets.rds_pane import RdsPane

        screen = self.screen
        focused = screen.focused
        problems, rds = screen.query_one(ProblemsPane), screen.query_one(RdsPane)
        if focused is not None and problems in focused.ancestors_with_self:
            problem = problems.selected()
            if problem is not None:
                self.show(f"problem {problem.eventid} in {env_name}", problem)
            return
        if focused is not None and rds in focused.ancestors_with_self:
            db = rds.selected()
            ref = ResourceRef(env_name, ResourceKind.DB, db) if db else None
        else:
            ref = screen.query_one(EcsPane).selected_ref()
        if ref is None:
            self.notify("nothing selected to describe", severity="warning")
        else:
            self.read(ref)

    def show(self, title: str, value: Any) -> None:
        from opsconsole.tui.screens.describe import DescribeScreen

        self.app.push_screen(DescribeScreen(title, value))

    @work(thread=True, exclusive=True, exit_on_error=False, group="describe", description="Describing")
    def read(self, ref: ResourceRef) -> None:
        try:
            value = self._read(ref)
        except OpsError as e:
            self.post_message(ActionFailed(f"describe {ref.label}", str(e)))
            return
        if value is None:
            self.post_message(ActionFailed(f"describe {ref.label}", "it is gone"))
            return
        self.post_message(Described(f"{ref.kind.value} {ref.label}", value))

    def _read(self, ref: ResourceRef) -> Any:
        fleet, env = self.console.fleet, ref.environment
        if ref.kind is ResourceKind.CLUSTER:
            return next((c for c in fleet.clusters(env) if c.name == ref.name), None)
        if ref.kind is ResourceKind.SERVICE:
            cluster = ref.cluster or f"{env}-cluster"
            return next(iter(fleet.services(env, cluster, [ref.name])), None)
        if ref.kind is ResourceKind.TASK:
            cluster = ref.cluster or f"{env}-cluster"
            tasks = fleet.tasks(env, cluster, stopped=True)
            return next((t for t in tasks if t.arn.endswith(ref.name)), None)
        return next((db for db in fleet.databases(env) if db.identifier == ref.name), None)

    @on(Described)
    def _described(self, message: Described) -> None:
        self.show(message.title, message.value)
