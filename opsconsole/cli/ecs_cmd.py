"""`opsconsole ecs`: clusters, services, tasks, instances, task definition diffs, and actions."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from opsconsole.cli.commands import Listing, Params, action_command, list_command
from opsconsole.cli.options import Output, not_blank
from opsconsole.cli.output import OutputFormat
from opsconsole.cli.state import state_of
from opsconsole.cli.targets import Columns, EnvOpt, chosen_envs
from opsconsole.domain.action_kinds import ActionKind

app = typer.Typer(
    help="ECS clusters, services and tasks; scale, redeploy, roll back, stop.", no_args_is_help=True
)

ClusterOpt = Annotated[
    str | None,
    typer.Option("--cluster", "-c", help="Cluster; default: <env>-cluster.", callback=not_blank),
]
ServiceArg = Annotated[str, typer.Argument(help="Service name, e.g. api.")]


def _cluster(env: str, cluster: str | None) -> str:
    return cluster or f"{env}-cluster"


def _columns(spec: str) -> Columns:
    """The ENV column, then one column per `key:HEADER` of the comma-separated `spec`."""
    pairs = (item.strip().split(":", 1) for item in spec.split(","))
    return [("environment", "ENV"), *((key, header) for key, header in pairs)]


@list_command(app)
def clusters() -> Listing:
    """ECS clusters with their service, task and instance counts."""
    columns = _columns(
        "name:CLUSTER, status:STATUS, services:SERVICES, "
        "running_tasks:RUNNING, pending_tasks:PENDING, container_instances:INSTANCES"
    )
    return Listing(columns, lambda c, e: [vars(x) for x in c.fleet.clusters(e)])


@list_command(app, "services")
def list_services(cluster: ClusterOpt = None) -> Listing:
    """Services: desired, running, pending, rollout state, task definition revision."""
    columns = _columns(
        "name:SERVICE, desired:DESIRED, running:RUNNING, pending:PENDING, "
        "rollout:ROLLOUT, task_definition:TASK DEF, scheduling:TYPE"
    )
    return Listing(columns, lambda c, e: [_service_row(s) for s in c.fleet.services(e, _cluster(e, cluster))])


def _fields(item: Any, names: str) -> dict[str, Any]:
    """`item`'s attributes named in the space-separated `names`, as fields of a JSON row."""
    return {name: getattr(item, name) for name in names.split()}


def _short(arn: str | None) -> str | None:
    """The last part of an ARN (`family:revision`, an instance id), None for none."""
    return (arn or "").rsplit("/", 1)[-1] or None


def _service_row(service: Any) -> dict[str, Any]:
    return {
        **_fields(service, "environment cluster name status desired running pending rollout"),
        "task_definition": _short(service.task_definition) or "",
        **_fields(service, "revision scheduling"),
        "deployments": [
            {
                **_fields(d, "status"),
                "task_definition": _short(d.task_definition) or "",
                **_fields(d, "desired running"),
                "rollout": d.rollout_state,
            }
            for d in service.deployments
        ],
        "events": [{"at": e.at.isoformat(), "message": e.message} for e in service.events[:5]],
    }


@list_command(app)
def tasks(
    cluster: ClusterOpt = None,
    service: Annotated[str | None, typer.Option("--service", "-s", help="Only this service's tasks.")] = None,
    stopped: Annotated[
        bool, typer.Option("--stopped", help="Include stopped tasks and why they stopped.")
    ] = False,
) -> Listing:
    """Tasks: status, health, stopped reason and code, instance, start and stop times."""
    columns = _columns(
        "id:TASK, service:SERVICE, last_status:STATUS, "
        "health:HEALTH, started_at:STARTED, stopped_reason:STOPPED BECAUSE"
    )
    return Listing(
        columns,
        lambda c, e: [_task_row(t) for t in c.fleet.tasks(e, _cluster(e, cluster), service, stopped=stopped)],
    )


def _task_row(task: Any) -> dict[str, Any]:
    return {
        **_fields(
            task, "environment id arn service last_status desired_status health stopped_reason stop_code"
        ),
        "container_instance": _short(task.container_instance),
        **_fields(task, "started_at stopped_at"),
        "task_definition": _short(task.task_definition) or "",
        "containers": [vars(c) for c in task.containers],
    }


@list_command(app)
def instances(cluster: ClusterOpt = None) -> Listing:
    """Container instances: EC2 id, agent connected, tasks, and whether the Zabbix agent runs there."""
    columns = _columns(
        "ec2_instance_id:EC2, status:STATUS, agent_connected:AGENT, "
        "running_tasks:TASKS, zabbix_agent_running:ZABBIX AGENT"
    )
    return Listing(
        columns, lambda c, e: [vars(i) for i in c.fleet.container_instances(e, _cluster(e, cluster))]
    )


@app.command("taskdef-diff")
def taskdef_diff(
    ctx: typer.Context,
    family: Annotated[str, typer.Argument(help="Task definition family, e.g. prod-api.", callback=not_blank)],
    old: Annotated[
        int | None, typer.Option("--from", min=1, help="Older revision; default: the one before --to.")
    ] = None,
    new: Annotated[
        int | None, typer.Option("--to", min=1, help="Newer revision; default: the latest.")
    ] = None,
    env: EnvOpt = None,
    output: Output = OutputFormat.TABLE,
) -> None:
    """A readable diff between two revisions of a task definition."""
    from opsconsole.cli.output import emit_json
    from opsconsole.domain.errors import InvalidInput

    state = state_of(ctx)
    [environment] = chosen_envs(state, env, False)
    fleet = state.console().fleet
    revisions = fleet.revisions(environment, family)
    if len(revisions) < 2 and (old is None or new is None):
        raise InvalidInput(f"{family} has {len(revisions)} active revision(s); nothing to compare")
    new = new or revisions[-1]
    older = [r for r in revisions if r < new]
    if old is None and not older:
        raise InvalidInput(f"{family} has no active revision before {new}", hint="pass --from")
    old = old or max(older)
    diff = fleet.taskdef_diff(environment, family, old, new)
    if output is OutputFormat.JSON:
        emit_json({"family": family, "from": old, "to": new, "diff": list(diff.lines)})
    else:
        typer.echo("\n".join(diff.lines) or f"{family}:{old} and :{new} do not differ")


# -- actions: the registry's ECS kinds ---------------------------------------------------------------


@action_command(app, ActionKind.ECS_SCALE)
def scale(
    service: ServiceArg,
    count: Annotated[int, typer.Argument(min=0, help="The new desired count.")],
    cluster: ClusterOpt = None,
) -> Params:
    """Set a service's desired count."""
    return {"service": service, "count": count, "cluster": cluster}


@action_command(app, ActionKind.ECS_REDEPLOY)
def redeploy(service: ServiceArg, cluster: ClusterOpt = None) -> Params:
    """Force a new deployment of a service (same task definition, fresh tasks)."""
    return {"service": service, "cluster": cluster}


@action_command(app, ActionKind.ECS_ROLLBACK)
def rollback(service: ServiceArg, cluster: ClusterOpt = None) -> Params:
    """Roll a service back to the task definition revision before the one it runs."""
    return {"service": service, "cluster": cluster}


@action_command(app, ActionKind.ECS_STOP_TASK, "stop-task")
def stop_task(
    task: Annotated[str, typer.Argument(help="Task id or ARN.")], cluster: ClusterOpt = None
) -> Params:
    """Stop a task; its service starts a replacement."""
    return {"task": task, "cluster": cluster}
