"""`d` on the main screen: read the selected row's whole object in a worker, then show it; `w`: the
row's web links, and from them (`s`) the AWS console signed in with the environment's read role."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.message import Message

from opsconsole.domain.errors import OpsError
from opsconsole.domain.problems import Problem
from opsconsole.domain.resources import ResourceKind, ResourceRef
from opsconsole.tui.controllers.base import Controller
from opsconsole.tui.messages import ActionFailed, Described, SignedIn

if TYPE_CHECKING:
    from opsconsole.domain.ecs import TargetHealth
    from opsconsole.domain.rds import DbEvent
    from opsconsole.ports import ConsolePort


class Describer(Controller):
    def __init__(self, console: ConsolePort) -> None:
        super().__init__(console)

    def describe_focused(self, env_name: str, what: str = "object") -> None:
        """`d`: the focused pane's selected row whole; `w` (what="links"): its web links."""
        ref, problem = self.focused(env_name)
        if what == "links":
            self.show_links(ref, problem)
        elif problem is not None:
            self.show(f"problem {problem.eventid} in {env_name}", problem)
        elif ref is None:
            self.notify("nothing selected to describe", severity="warning")
        else:
            self.read(ref)

    def focused(self, env_name: str) -> tuple[ResourceRef | None, Problem | None]:
        """The row under the cursor of the focused pane (problems and RDS), else the ECS pane's."""
        from opsconsole.tui.widgets.ecs_pane import EcsPane
        from opsconsole.tui.widgets.problems_pane import ProblemsPane
        from opsconsole.tui.widgets.rds_pane import RdsPane

        screen = self.screen
        focused = screen.focused
        problems, rds = screen.query_one(ProblemsPane), screen.query_one(RdsPane)
        if focused is not None and problems in focused.ancestors_with_self:
            problem = problems.selected()
            return (_problem_ref(problem) if problem else None), problem
        if focused is not None and rds in focused.ancestors_with_self:
            db = rds.selected()
            return (ResourceRef(env_name, ResourceKind.DB, db) if db else None), None
        return screen.query_one(EcsPane).selected_ref(), None

    def show_links(self, ref: ResourceRef | None, problem: Problem | None) -> None:
        from opsconsole.app.console_links import web_links
        from opsconsole.tui.screens.web_links import WebLinksScreen

        links = web_links(self.console.settings, ref, problem)
        if not links:
            self.notify("no web link for the selection: select a row first", severity="warning")
            return
        title = ref.label if ref else f"problem {problem.eventid}" if problem else ""
        screen = WebLinksScreen(title, links, can_sign_in=ref is not None)
        self.app.push_screen(screen, lambda chosen: self._links_closed(ref, chosen))

    def _links_closed(self, ref: ResourceRef | None, chosen: str | None) -> None:
        from opsconsole.tui.screens.web_links import SIGN_IN

        if chosen == SIGN_IN and ref is not None:
            self.notify(f"signing in to the AWS console for {ref.label} …")
            self.sign_in(ref)

    @work(thread=True, exclusive=True, exit_on_error=False, group="console-sign-in", description="Signing in")
    def sign_in(self, ref: ResourceRef) -> None:
        """The console page of `ref` in the browser, signed in with the read role (app/console_signin.py)."""
        what = f"console sign-in for {ref.environment}"
        self.attempt(what, lambda: self.console.signin.open(ref), lambda result: SignedIn(ref, result))

    @on(SignedIn)
    def _signed_in(self, message: SignedIn) -> None:
        from opsconsole.app.console_links import WebLink
        from opsconsole.tui.screens.web_links import WebLinksScreen

        result = message.result
        if result.opened:
            self.notify(result.summary, title="AWS console")
        elif result.simulated:
            link = WebLink("simulated: the demo would open (token redacted)", result.shown_url)
            self.app.push_screen(WebLinksScreen(f"{message.ref.label} (simulated sign-in)", [link]))
        else:
            self.notify(f"{result.summary}; sign in by hand with the switch-role link", severity="warning")
            links = [result.switch_role] if result.switch_role else []
            self.app.push_screen(WebLinksScreen(f"{message.ref.label}: {result.why_not}", links))

    def show(self, title: str, value: Any) -> None:
        from opsconsole.tui.screens.describe import DescribeScreen

        self.app.push_screen(DescribeScreen(title, value))

    @work(thread=True, exclusive=True, exit_on_error=False, group="describe", description="Describing")
    def read(self, ref: ResourceRef) -> None:
        what = f"describe {ref.label}"

        def described(value: Any) -> Message:
            if value is None:
                return ActionFailed(what, "it is gone")
            return Described(f"{ref.kind.value} {ref.label}", value)

        self.attempt(what, lambda: self._read(ref), described)

    def _read(self, ref: ResourceRef) -> Any:
        fleet, env = self.console.fleet, ref.environment
        cluster = ref.cluster or f"{env}-cluster"
        if ref.kind is ResourceKind.CLUSTER:
            return next((c for c in fleet.clusters(env) if c.name == ref.name), None)
        if ref.kind is ResourceKind.SERVICE:
            service = next(iter(fleet.services(env, cluster, [ref.name])), None)
            if service is None:
                return None
            health = _extra(lambda: _targets(fleet.target_health(env, service)) or "no targets registered")
            return {
                "service": service,
                "target health": health if service.target_groups else "no load balancer",
            }
        if ref.kind in (ResourceKind.TASK, ResourceKind.CONTAINER):
            return self._read_task(ref, cluster)
        db = next((db for db in fleet.databases(env) if db.identifier == ref.name), None)
        if db is None:
            return None
        since = self.console.correlation.now() - timedelta(hours=24)
        return {
            "database": db,
            "events (24h)": _extra(lambda: _db_events(fleet.db_events(env, ref.name, since))),
            "pending maintenance": _extra(lambda: fleet.pending_maintenance(env, ref.name)),
        }

    def _read_task(self, ref: ResourceRef, cluster: str) -> Any:
        """A task with its EC2 instance and the revision its service runs; a container alone."""
        fleet, env = self.console.fleet, ref.environment
        task_id = ref.task if ref.kind is ResourceKind.CONTAINER else ref.name
        task = next((t for t in fleet.tasks(env, cluster, stopped=True) if t.id == task_id), None)
        if task is None:
            return None
        if ref.kind is ResourceKind.CONTAINER:
            return next((c for c in task.containers if c.name == ref.name), None)
        ec2 = _extra(lambda: fleet.ec2_instance_ids(env, cluster).get(task.container_instance or "", "—"))
        current: Any = "—"
        if task.service is not None:
            name: str = task.service
            current = _extra(lambda: fleet.service(env, cluster, name).task_definition)
        return {"task": task, "ec2 instance": ec2, "service runs": current}

    @on(Described)
    def _described(self, message: Described) -> None:
        self.show(message.title, message.value)


def _extra(read: Callable[[], Any]) -> Any:
    """A part of the description read on its own: its failure is shown in its place, not raised."""
    try:
        return read()
    except OpsError as e:
        return f"unreadable: {e}"


def _targets(targets: list[TargetHealth]) -> list[dict[str, Any]]:
    return [
        {
            "group": t.group_name,
            "target": f"{t.target}:{t.port}" if t.port else t.target,
            "state": t.state,
            "reason": t.reason or t.description or "",
        }
        for t in targets
    ]


def _db_events(events: list[DbEvent]) -> list[str] | str:
    return [f"{e.at:%Y-%m-%d %H:%M} {e.message}" for e in events[-20:]] or "none"


def _problem_ref(problem: Problem) -> ResourceRef | None:
    """The ECS service or database a problem is tagged with, in its environment."""
    if db := problem.tag("rds_instance"):
        return ResourceRef(problem.environment, ResourceKind.DB, db)
    if service := problem.tag("service"):
        return ResourceRef(problem.environment, ResourceKind.SERVICE, service, cluster=problem.tag("cluster"))
    return None
