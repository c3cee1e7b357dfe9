"""The environment's configuration as a modal, and the planning of pane actions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen

from opsconsole.domain.environment import Environment
from opsconsole.domain.operations import redeploy_calls, rollback_calls, scale_calls, stop_task_calls
from opsconsole.tui.messages import ActionPlanned
from opsconsole.tui.widgets.facts import EnvironmentPanel

if TYPE_CHECKING:
    from opsconsole.services import ConsoleServices
    from opsconsole.tui.widgets.ecs_pane import EcsActionRequested


class EnvironmentInfo(ModalScreen[None]):
    DEFAULT_CSS = """
    EnvironmentInfo { align: center middle; }
    EnvironmentInfo EnvironmentPanel { width: 100; background: $surface; }
    """
    BINDINGS = [Binding("escape,i,q", "dismiss", "Close", id="info-close", tooltip="Back to the panes.")]

    def __init__(self, env: Environment, *, console_read_only: bool) -> None:
        super().__init__()
        self.env = env
        self.console_read_only = console_read_only

    def compose(self) -> ComposeResult:
        yield EnvironmentPanel()

    def on_mount(self) -> None:
        self.query_one(EnvironmentPanel).show_environment(self.env, console_read_only=self.console_read_only)


def plan_ecs_action(services: ConsoleServices, request: EcsActionRequested) -> ActionPlanned:
    """The calls a pane action would make; reads the service it acts on (thread worker only)."""
    reader = services.ecs(request.env_name)
    cluster = request.level.cluster or f"{request.env_name}-cluster"
    if request.action == "stop-task":
        calls = stop_task_calls(cluster, request.key, "Stopped by opsconsole: operator request")
        return ActionPlanned(
            request.env_name,
            "ecs-stop-task",
            request.key,
            calls,
            f"stop task {request.key.rsplit('/', 1)[-1][:12]}",
        )
    service = reader.service(cluster, request.key)
    if request.action.startswith("scale"):
        count = max(0, service.desired + int(request.action.removeprefix("scale")))
        return ActionPlanned(
            request.env_name,
            "ecs-scale",
            service.name,
            scale_calls(service, count),
            f"scale {service.name} to {count}",
        )
    if request.action == "redeploy":
        return ActionPlanned(
            request.env_name,
            "ecs-redeploy",
            service.name,
            redeploy_calls(service),
            f"redeploy {service.name}",
        )
    revision = reader.previous_revision(service)
    return ActionPlanned(
        request.env_name,
        "ecs-rollback",
        service.name,
        rollback_calls(service, revision),
        f"roll back {service.name} to :{revision}",
    )
