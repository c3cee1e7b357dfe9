"""`opsconsole rds`: instances and events; reboot (with failover) and snapshot."""

from __future__ import annotations

from datetime import UTC, datetime
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

app = typer.Typer(help="RDS instances and events; reboot and snapshot.", no_args_is_help=True)
DbArg = Annotated[str, typer.Argument(help="DB instance identifier, e.g. prod-db.")]


@app.command("list")
def list_instances(
    ctx: typer.Context,
    env: EnvOpt = None,
    all_envs: AllEnvs = False,
    maintenance: Annotated[
        bool, typer.Option("--maintenance", help="Also ask for pending maintenance.")
    ] = False,
    output: Output = OutputFormat.TABLE,
) -> None:
    """DB instances: status, class, engine, Multi-AZ, storage, endpoint."""
    state = state_of(ctx)
    envs = chosen_envs(state, env, all_envs)
    fleet = state.console().fleet

    def read(e: str) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = [
            {
                "environment": c.environment,
                "kind": "cluster",
                "identifier": c.identifier,
                "status": c.status,
                "engine": c.engine,
                "engine_version": c.engine_version,
                "endpoint": c.endpoint,
                "members": list(c.members),
            }
            for c in fleet.db_clusters(e)
        ]
        for db in fleet.databases(e):
            row = {"kind": "instance", **vars(db)}
            if maintenance:
                pending = fleet.pending_maintenance(e, db.identifier)
                row["maintenance"] = list(pending.actions) if pending.available else pending.note
            rows.append(row)
        return rows

    rows = gather(state, envs, read)
    columns = [
        ("environment", "ENV"),
        ("kind", "KIND"),
        ("identifier", "DB"),
        ("status", "STATUS"),
        ("instance_class", "CLASS"),
        ("engine", "ENGINE"),
        ("engine_version", "VERSION"),
        ("multi_az", "MULTI-AZ"),
        ("storage_gb", "GB"),
        ("endpoint", "ENDPOINT"),
    ]
    if maintenance:
        columns.append(("maintenance", "MAINTENANCE"))
    emit(rows, output, lambda: emit_table(rows, columns))
    exit_if_partial(state)


@app.command()
def events(
    ctx: typer.Context,
    db: Annotated[str | None, typer.Argument(help="Only this instance's events.")] = None,
    env: EnvOpt = None,
    all_envs: AllEnvs = False,
    since: Annotated[str, typer.Option("--since", help="How far back: 30m, 2h, 7d or an ISO date.")] = "24h",
    output: Output = OutputFormat.TABLE,
) -> None:
    """Recent RDS events, oldest first."""
    from opsconsole.cli.audit_cmd import parse_since

    state = state_of(ctx)
    envs = chosen_envs(state, env, all_envs)
    now = datetime.now(UTC)
    start = parse_since(since, now)
    fleet = state.console().fleet
    found = gather(state, envs, lambda e: fleet.db_events(e, db, start))
    rows = [
        {
            "environment": e.environment,
            "source": e.source,
            "at": e.at,
            "message": e.message,
            "categories": list(e.categories),
        }
        for e in found
    ]
    emit(
        rows,
        output,
        lambda: emit_table(
            rows, [("environment", "ENV"), ("at", "AT"), ("source", "DB"), ("message", "EVENT")]
        ),
    )
    exit_if_partial(state)


def _rds_action(ctx: typer.Context, action: str, db: str, options: dict[str, Any], **plan_args: Any) -> None:
    """Plan an RDS action with the shared planner and perform it with the common options."""
    kind = ActionKind.parse(f"rds.{action}")

    def plan(console: Console, env: str, tier: RoleTier | None) -> Change:
        return console.operations.plan_rds(env, kind, db, tier=tier, **plan_args)

    perform_action(state_of(ctx), options.pop("env"), plan, **options)


@app.command()
def reboot(
    ctx: typer.Context,
    db: DbArg,
    failover: Annotated[
        bool, typer.Option("--failover", help="Fail over to the standby (Multi-AZ only).")
    ] = False,
    env: EnvOpt = None,
    dry_run: DryRun = False,
    confirm: Confirm = None,
    reason: Reason = None,
    role: ActionRole = "operate",
    mfa_code: MfaCode = None,
    output: Output = OutputFormat.TABLE,
) -> None:
    """Reboot a DB instance, failing over to its standby when asked."""
    options = action_options(locals())
    _rds_action(ctx, "reboot", db, options, failover=failover)


@app.command()
def snapshot(
    ctx: typer.Context,
    db: DbArg,
    env: EnvOpt = None,
    dry_run: DryRun = False,
    confirm: Confirm = None,
    reason: Reason = None,
    role: ActionRole = "operate",
    mfa_code: MfaCode = None,
    output: Output = OutputFormat.TABLE,
) -> None:
    """Take a manual snapshot of a DB instance."""
    options = action_options(locals())
    _rds_action(ctx, "snapshot", db, options)
