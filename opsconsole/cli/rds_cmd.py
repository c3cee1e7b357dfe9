"""`opsconsole rds`: instances and events; reboot (with failover) and snapshot."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from opsconsole.cli.commands import Listing, Params, action_command, list_command
from opsconsole.domain.action_kinds import ActionKind

if TYPE_CHECKING:
    from opsconsole.app.console import Console

app = typer.Typer(help="RDS instances and events; reboot and snapshot.", no_args_is_help=True)
DbArg = Annotated[str, typer.Argument(help="DB instance identifier, e.g. prod-db.")]


@list_command(app, "list")
def list_instances(
    maintenance: Annotated[
        bool, typer.Option("--maintenance", help="Also ask for pending maintenance.")
    ] = False,
) -> Listing:
    """DB instances: status, class, engine, Multi-AZ, storage, endpoint."""
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
    return Listing(columns, lambda c, e: _db_rows(c, e, maintenance))


def _db_rows(console: Console, env: str, maintenance: bool) -> list[dict[str, Any]]:
    fleet = console.fleet
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
        for c in fleet.db_clusters(env)
    ]
    for db in fleet.databases(env):
        row = {"kind": "instance", **vars(db)}
        if maintenance:
            pending = fleet.pending_maintenance(env, db.identifier)
            row["maintenance"] = list(pending.actions) if pending.available else pending.note
        rows.append(row)
    return rows


@list_command(app)
def events(
    db: Annotated[str | None, typer.Argument(help="Only this instance's events.")] = None,
    since: Annotated[str, typer.Option("--since", help="How far back: 30m, 2h, 7d or an ISO date.")] = "24h",
) -> Listing:
    """Recent RDS events, oldest first."""
    from opsconsole.cli.audit_cmd import parse_since

    start = parse_since(since, datetime.now(UTC))
    columns = [("environment", "ENV"), ("at", "AT"), ("source", "DB"), ("message", "EVENT")]

    def read(console: Console, environment: str) -> list[dict[str, Any]]:
        return [
            {
                "environment": e.environment,
                "source": e.source,
                "at": e.at,
                "message": e.message,
                "categories": list(e.categories),
            }
            for e in console.fleet.db_events(environment, db, start)
        ]

    return Listing(columns, read)


# -- actions: the registry's RDS kinds ---------------------------------------------------------------


@action_command(app, ActionKind.RDS_REBOOT)
def reboot(
    db: DbArg,
    failover: Annotated[
        bool, typer.Option("--failover", help="Fail over to the standby (Multi-AZ only).")
    ] = False,
) -> Params:
    """Reboot a DB instance, failing over to its standby when asked."""
    return {"instance": db, "failover": failover}


@action_command(app, ActionKind.RDS_SNAPSHOT)
def snapshot(db: DbArg) -> Params:
    """Take a manual snapshot of a DB instance."""
    return {"instance": db}
