"""`opsconsole ecs`: clusters, services, tasks, instances, task definition diffs, and actions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from opsconsole.cli.options import Confirm, MfaCode, Output, Reason
from opsconsole.cli.output import OutputFormat, emit, emit_table
from opsconsole.cli.state import state_of
from opsconsole.cli.targets import (
    ActionRole,
    AllEnvs,
    DryRun,
    EnvOpt,
    action_options,
    chosen_envs,
    exit_if_partial,
    gather,
    perform_action,
)
from opsconsole.domain.action_kinds import ActionKind
from opsconsole.domain.environment import RoleTier

if TYPE_CHECKING:
    from opsconsole.app.changes import Change
    from opsconsole.app.console import Console

app = typer.Typer(
    help="ECS clusters, services and tasks; scale, redeploy, roll back, stop.", no_args_is_help=True
)

ClusterOpt = Annotated[str | None, typer.Option("--cluster", "-c", help="Cluster; default: <env>-cluster.")]
ServiceArg = Annotated[str, typer.Argument(help="Service name, e.g. api.")]


def _cluster(env: str, cluster: str | None) -> str:
    return cluster or f"{env}-cluster"


@app.command()
def clusters(
    ctx: typer.Context, env: EnvOpt = None, all_envs: AllEnvs = False, output: Output = OutputFormat.TABLE
) -> None:
    """ECS clusters with their service, task and instance counts."""
    state = state_of(ctx)
    envs = chosen_envs(state, env, all_envs)
    fleet = state.console().fleet
    rows = [vars(c) for c in gather(state, envs, lambda e: fleet.clusters(e))]
    emit(
        rows,
        output,
        lambda: emit_table(
            rows,
            [
                ("environment", "ENV"),
                ("name", "CLUSTER"),
                ("status", "STATUS"),
                ("services", "SERVICES"),
                ("running_tasks", "RUNNING"),
                ("pending_tasks", "PENDING"),
                ("container_instances", "INSTANCES"),
            ],
        ),
    )
    exit_if_partial(state)


@app.command("services")
def list_services(
    ctx: typer.Context,
    env: EnvOpt = None,
    all_envs: AllEnvs = False,
    cluster: ClusterOpt = None,
    output: Output = OutputFormat.TABLE,
) -> None:
    """Services: desired, running, pending, rollout state, task definition revision."""
    state = state_of(ctx)
    envs = chosen_envs(state, env, all_envs)
    fleet = state.console().fleet
    found = gather(state, envs, lambda e: fleet.services(e, _cluster(e, cluster)))
    rows = [_service_row(s) for s in found]
    emit(
        rows,
        output,
        lambda: emit_table(
            rows,
            [
                ("environment", "ENV"),
                ("name", "SERVICE"),
                ("desired", "DESIRED"),
                ("running", "RUNNING"),
                ("pending", "PENDING"),
                ("rollout", "ROLLOUT"),
                ("task_definition", "TASK DEF"),
                ("scheduling", "TYPE"),
            ],
        ),
    )
    exit_if_partial(state)


def _service_row(service: Any) -> dict[str, Any]:
    return {
        "environment": service.environment,
        "cluster": service.cluster,
        "name": service.name,
        "status": service.status,
        "desired": service.desired,
        "running": service.running,
        "pending": service.pending,
        "rollout": service.rollout,
        "task_definition": service.task_definition.rsplit("/", 1)[-1],
        "revision": service.revision,
        "scheduling": service.scheduling,
        "deployments": [
            {
                "status": d.status,
                "task_definition": d.task_definition.rsplit("/", 1)[-1],
                "desired": d.desired,
                "running": d.running,
                "rollout": d.rollout_state,
            }
            for d in service.deployments
        ],
        "events": [{"at": e.at.isoformat(), "message": e.message} for e in service.events[:5]],
    }


@app.command()
def tasks(
    ctx: typer.Context,
    env: EnvOpt = None,
    all_envs: AllEnvs = False,
    cluster: ClusterOpt = None,
    service: Annotated[str | None, typer.Option("--service", "-s", help="Only this service's tasks.")] = None,
    stopped: Annotated[
        bool, typer.Option("--stopped", help="Include stopped tasks and why they stopped.")
    ] = False,
    output: Output = OutputFormat.TABLE,
) -> None:
    """Tasks: status, health, stopped reason and code, instance, start and stop times."""
    state = state_of(ctx)
    envs = chosen_envs(state, env, all_envs)
    fleet = state.console().fleet
    found = gather(state, envs, lambda e: fleet.tasks(e, _cluster(e, cluster), service, stopped=stopped))
    rows = [
        {
            "environment": t.environment,
            "id": t.id,
            "arn": t.arn,
            "service": t.service,
            "last_status": t.last_status,
            "desired_status": t.desired_status,
            "health": t.health,
            "stopped_reason": t.stopped_reason,
            "stop_code": t.stop_code,
            "container_instance": (t.container_instance or "").rsplit("/", 1)[-1] or None,
            "started_at": t.started_at,
            "stopped_at": t.stopped_at,
            "task_definition": t.task_definition.rsplit("/", 1)[-1],
            "containers": [vars(c) for c in t.containers],
        }
        for t in found
    ]
    emit(
        rows,
        output,
        lambda: emit_table(
            rows,
            [
                ("environment", "ENV"),
                ("id", "TASK"),
                ("service", "SERVICE"),
                ("last_status", "STATUS"),
                ("health", "HEALTH"),
                ("started_at", "STARTED"),
                ("stopped_reason", "STOPPED BECAUSE"),
            ],
        ),
    )
    exit_if_partial(state)


@app.command()
def instances(
    ctx: typer.Context,
    env: EnvOpt = None,
    all_envs: AllEnvs = False,
    cluster: ClusterOpt = None,
    output: Output = OutputFormat.TABLE,
) -> None:
    """Container instances: EC2 id, agent connected, tasks, and whether the Zabbix agent runs there."""
    state = state_of(ctx)
    envs = chosen_envs(state, env, all_envs)
    fleet = state.console().fleet
    rows = [
        vars(i) for i in gather(state, envs, lambda e: fleet.container_instances(e, _cluster(e, cluster)))
    ]
    emit(
        rows,
        output,
        lambda: emit_table(
            rows,
            [
                ("environment", "ENV"),
                ("ec2_instance_id", "EC2"),
                ("status", "STATUS"),
                ("agent_connected", "AGENT"),
                ("running_tasks", "TASKS"),
                ("zabbix_agent_running", "ZABBIX AGENT"),
            ],
        ),
    )
    exit_if_partial(state)


@app.command("taskdef-diff")
def taskdef_diff(
    ctx: typer.Context,
    family: Annotated[str, typer.Argument(help="Task definition family, e.g. prod-api.")],
    old: Annotated[
        int | None, typer.Option("--from", help="Older revision; default: the one before --to.")
    ] = None,
    new: Annotated[int | None, typer.Option("--to", help="Newer revision; default: the latest.")] = None,
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
    old = old or max(r for r in revisions if r < new)
    diff = fleet.taskdef_diff(environment, family, old, new)
    if output is OutputFormat.JSON:
        emit_json({"family": family, "from": old, "to": new, "diff": list(diff.lines)})
    else:
        typer.echo("\n".join(diff.lines) or f"{family}:{old} and :{new} do not differ")


# -- actions ---------------------------------------------------------------------------------------


def _ecs_action(
    ctx: typer.Context, action: str, target: str, options: dict[str, Any], **plan_args: Any
) -> None:
    """Plan an ECS action with the shared planner and perform it with the common options."""
    cluster = options.pop("cluster")
    kind = ActionKind.parse(f"ecs.{action}")

    def plan(console: Console, env: str, tier: RoleTier | None) -> Change:
        return console.operations.plan_ecs(env, kind, _cluster(env, cluster), target, tier=tier, **plan_args)

    perform_action(state_of(ctx), options.pop("env"), plan, **options)


@app.command()
def scale(
    ctx: typer.Context,
    service: ServiceArg,
    count: Annotated[int, typer.Argument(min=0, help="The new desired count.")],
    env: EnvOpt = None,
    cluster: ClusterOpt = None,
    dry_run: DryRun = False,
    confirm: Confirm = None,
    reason: Reason = None,
    role: ActionRole = "operate",
    mfa_code: MfaCode = None,
    output: Output = OutputFormat.TABLE,
) -> None:
    """Set a service's desired count."""
    options = action_options(locals())
    _ecs_action(ctx, "scale", service, options, count=count)


@app.command()
def redeploy(
    ctx: typer.Context,
    service: ServiceArg,
    env: EnvOpt = None,
    cluster: ClusterOpt = None,
    dry_run: DryRun = False,
    confirm: Confirm = None,
    reason: Reason = None,
    role: ActionRole = "operate",
    mfa_code: MfaCode = None,
    output: Output = OutputFormat.TABLE,
) -> None:
    """Force a new deployment of a service (same task definition, fresh tasks)."""
    options = action_options(locals())
    _ecs_action(ctx, "redeploy", service, options)


@app.command()
def rollback(
    ctx: typer.Context,
    service: ServiceArg,
    env: EnvOpt = None,
    cluster: ClusterOpt = None,
    dry_run: DryRun = False,
    confirm: Confirm = None,
    reason: Reason = None,
    role: ActionRole = "operate",
    mfa_code: MfaCode = None,
    output: Output = OutputFormat.TABLE,
) -> None:
    """Roll a service back to the task definition revision before the one it runs."""
    options = action_options(locals())
    _ecs_action(ctx, "rollback", service, options)


@app.command("stop-task")
def stop_task(
    ctx: typer.Context,
    task: Annotated[str, typer.Argument(help="Task id or ARN.")],
    env: EnvOpt = None,
    cluster: ClusterOpt = None,
    dry_run: DryRun = False,
    confirm: Confirm = None,
    reason: Reason = None,
    role: ActionRole = "operate",
    mfa_code: MfaCode = None,
    output: Output = OutputFormat.TABLE,
) -> None:
    """Stop a task; its service starts a replacement."""
    options = action_options(locals())
    _ecs_action(ctx, "stop-task", task, options)
