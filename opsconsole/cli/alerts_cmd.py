"""`opsconsole alerts`: Zabbix problems of an environment; acknowledge, close, change severity,
unacknowledge; maintenance windows."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from opsconsole.cli.options import Confirm, Output, Reason
from opsconsole.cli.output import OutputFormat, emit, emit_table
from opsconsole.cli.state import state_of
from opsconsole.cli.targets import (
    AllEnvs,
    DryRun,
    EnvOpt,
    chosen_envs,
    exit_if_partial,
    gather,
    perform_action,
)
from opsconsole.domain.errors import InvalidInput

if TYPE_CHECKING:
    from opsconsole.app.changes import Change
    from opsconsole.app.console import Console
    from opsconsole.domain.environment import RoleTier
    from opsconsole.domain.problems import Problem, Severity

app = typer.Typer(
    help="Zabbix problems: list, acknowledge, close, severity; maintenance.", no_args_is_help=True
)
maintenance_app = typer.Typer(help="Zabbix maintenance windows: create, list, delete.", no_args_is_help=True)
app.add_typer(maintenance_app, name="maintenance")

EventIds = Annotated[list[str], typer.Argument(help="Event ids of the problems (see `alerts list`).")]
Message = Annotated[str | None, typer.Option("--message", "-m", help="A message for the problem's history.")]


def _severity(text: str) -> Severity:
    from opsconsole.domain.problems import Severity

    try:
        return Severity.parse(text)
    except ValueError as e:
        raise InvalidInput(str(e)) from None


def _tags(values: list[str]) -> dict[str, str]:
    tags = {}
    for value in values:
        name, sep, tag_value = value.partition("=")
        if not sep or not name:
            raise InvalidInput(f"--tag {value!r} is not NAME=VALUE", hint="e.g. --tag service=api")
        tags[name] = tag_value
    return tags


def _problem_row(p: Problem, now: datetime) -> dict[str, Any]:
    from opsconsole.tui.format import age  # plain text helper; imports no Textual

    return {
        "environment": p.environment,
        "eventid": p.eventid,
        "severity": p.severity.label,
        "age": age(p.started, now),
        "started": p.started,
        "hosts": [h.name for h in p.hosts],
        "name": p.name,
        "acknowledged": p.acknowledged,
        "suppressed": p.suppressed,
        "manual_close": p.manual_close,
        "tags": dict(p.tags),
        "history": [
            {
                "at": a.at,
                "user": a.user,
                "message": a.message,
                "acknowledged": a.acknowledged,
                "unacknowledged": a.unacknowledged,
                "closed": a.closed,
                "old_severity": a.old_severity.label if a.old_severity is not None else None,
                "new_severity": a.new_severity.label if a.new_severity is not None else None,
            }
            for a in p.history
        ],
    }


@app.command("list")
def list_problems(
    ctx: typer.Context,
    env: EnvOpt = None,
    all_envs: AllEnvs = False,
    min_severity: Annotated[
        str, typer.Option("--min-severity", "-s", help="Lowest severity shown: information … disaster.")
    ] = "not classified",
    unacked: Annotated[bool, typer.Option("--unacked", help="Only problems nobody acknowledged.")] = False,
    search: Annotated[
        str | None, typer.Option("--search", help="Only problems whose name has this text.")
    ] = None,
    host: Annotated[
        list[str], typer.Option("--host", help="Only problems of this host (name); repeatable.")
    ] = [],  # noqa: B006
    tag: Annotated[
        list[str], typer.Option("--tag", help="Only problems with this tag, NAME=VALUE; repeatable.")
    ] = [],  # noqa: B006
    output: Output = OutputFormat.TABLE,
) -> None:
    """Open problems of the environment's Zabbix host groups, newest first."""
    from opsconsole.domain.problems import ProblemFilter

    state = state_of(ctx)
    envs = chosen_envs(state, env, all_envs)
    alerts = state.console().alerts
    flt = ProblemFilter(
        tags=tuple(_tags(tag).items()),
        min_severity=_severity(min_severity),
        unacknowledged_only=unacked,
        text=search,
    )

    def read(e: str) -> list[Problem]:
        if not host:
            return alerts.problems(e, flt)
        wanted = set(host)
        hostids = tuple(h.hostid for h in alerts.hosts(e) if wanted & {h.host, h.name})
        if not hostids:
            return []
        import dataclasses

        return alerts.problems(e, dataclasses.replace(flt, hostids=hostids))

    now = datetime.now(UTC)
    rows = [_problem_row(p, now) for p in gather(state, envs, read)]
    columns = [
        ("environment", "ENV"),
        ("eventid", "EVENT"),
        ("severity", "SEVERITY"),
        ("age", "AGE"),
        ("hosts", "HOST"),
        ("name", "PROBLEM"),
        ("acknowledged", "ACK"),
    ]
    emit(rows, output, lambda: emit_table(rows, columns))
    exit_if_partial(state)


@app.command("hosts")
def list_hosts(
    ctx: typer.Context,
    env: EnvOpt = None,
    all_envs: AllEnvs = False,
    tag: Annotated[
        list[str], typer.Option("--tag", help="Only hosts with this tag, NAME=VALUE; repeatable.")
    ] = [],  # noqa: B006
    output: Output = OutputFormat.TABLE,
) -> None:
    """Zabbix hosts of the environment's host groups, with their tags."""
    state = state_of(ctx)
    envs = chosen_envs(state, env, all_envs)
    alerts = state.console().alerts
    tags = _tags(tag)

    def read(e: str) -> list[dict[str, Any]]:
        return [
            {"environment": e, "hostid": h.hostid, "host": h.host, "name": h.name, "tags": dict(h.tags)}
            for h in alerts.hosts(e, tags or None)
        ]

    rows = gather(state, envs, read)
    columns = [("environment", "ENV"), ("hostid", "ID"), ("host", "HOST"), ("name", "NAME"), ("tags", "TAGS")]
    emit(rows, output, lambda: emit_table(rows, columns))
    exit_if_partial(state)


def _problem_action(ctx: typer.Context, eventids: list[str], options: dict[str, Any], **flags: Any) -> None:
    """One problem command: its event ids, flags and the shared options (`locals()` at its top)."""

    def plan(console: Console, env: str, _tier: RoleTier | None) -> Change:
        return console.alerts.plan_problem_action(env, eventids, message=options["message"], **flags)

    perform_action(state_of(ctx), options["env"], plan, **_action_options(options))


def _action_options(options: dict[str, Any]) -> dict[str, Any]:
    return {name: options[name] for name in ("dry_run", "confirm", "reason", "output")}


@app.command()
def ack(
    ctx: typer.Context,
    eventids: EventIds,
    message: Message = None,
    env: EnvOpt = None,
    dry_run: DryRun = False,
    confirm: Confirm = None,
    reason: Reason = None,
    output: Output = OutputFormat.TABLE,
) -> None:
    """Acknowledge problems, with a message for their history."""
    _problem_action(ctx, eventids, locals(), acknowledge=True)


@app.command()
def close(
    ctx: typer.Context,
    eventids: EventIds,
    message: Message = None,
    env: EnvOpt = None,
    dry_run: DryRun = False,
    confirm: Confirm = None,
    reason: Reason = None,
    output: Output = OutputFormat.TABLE,
) -> None:
    """Close problems whose triggers allow manual closing."""
    _problem_action(ctx, eventids, locals(), close=True)


@app.command()
def severity(
    ctx: typer.Context,
    level: Annotated[
        str, typer.Argument(metavar="SEVERITY", help="information, warning, average, high, disaster.")
    ],
    eventids: EventIds,
    message: Message = None,
    env: EnvOpt = None,
    dry_run: DryRun = False,
    confirm: Confirm = None,
    reason: Reason = None,
    output: Output = OutputFormat.TABLE,
) -> None:
    """Change the severity of problems (their triggers keep theirs)."""
    new = _severity(level)
    _problem_action(ctx, eventids, locals(), severity=new)


@app.command()
def unack(
    ctx: typer.Context,
    eventids: EventIds,
    message: Message = None,
    env: EnvOpt = None,
    dry_run: DryRun = False,
    confirm: Confirm = None,
    reason: Reason = None,
    output: Output = OutputFormat.TABLE,
) -> None:
    """Take back the acknowledgement of problems."""
    _problem_action(ctx, eventids, locals(), unacknowledge=True)


@maintenance_app.command("list")
def maintenance_list(
    ctx: typer.Context, env: EnvOpt = None, all_envs: AllEnvs = False, output: Output = OutputFormat.TABLE
) -> None:
    """Maintenance windows on the environment's hosts and host groups."""
    state = state_of(ctx)
    alerts = state.console().alerts

    def read(e: str) -> list[dict[str, Any]]:
        return [{"environment": e, **vars(m)} for m in alerts.maintenances(e)]

    rows = gather(state, chosen_envs(state, env, all_envs), read)
    columns = [
        ("environment", "ENV"),
        ("maintenanceid", "ID"),
        ("name", "NAME"),
        ("active_since", "FROM"),
        ("active_till", "TILL"),
        ("collect_data", "DATA"),
        ("hosts", "HOSTS"),
        ("host_groups", "GROUPS"),
    ]
    emit(rows, output, lambda: emit_table(rows, columns))
    exit_if_partial(state)


@maintenance_app.command("create")
def maintenance_create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Name of the window, unique in Zabbix.")],
    duration: Annotated[str, typer.Option("--duration", "-d", help="How long from now: 30m, 2h, 1d.")] = "1h",
    host: Annotated[list[str], typer.Option("--host", help="A host (name or id); repeatable.")] = [],  # noqa: B006
    group: Annotated[
        list[str], typer.Option("--group", help="A host group of the environment; repeatable.")
    ] = [],  # noqa: B006
    no_data: Annotated[
        bool, typer.Option("--no-data", help="Stop collecting data during the window.")
    ] = False,
    description: Annotated[str, typer.Option("--description", help="Why the window exists.")] = "",
    env: EnvOpt = None,
    dry_run: DryRun = False,
    confirm: Confirm = None,
    reason: Reason = None,
    output: Output = OutputFormat.TABLE,
) -> None:
    """Create a one-time maintenance window from now for hosts and/or host groups."""
    from opsconsole.cli.audit_cmd import parse_duration

    span = parse_duration(duration, "--duration")

    def plan(console: Console, e: str, _tier: RoleTier | None) -> Change:
        hostids = _host_ids(console, e, host)
        return console.alerts.plan_maintenance(
            e, name, hostids=hostids, host_groups=group, duration=span, collect_data=not no_data,
            description=description,
        )  # fmt: skip

    perform_action(state_of(ctx), env, plan, **_action_options(locals()))


def _host_ids(console: Console, env: str, given: list[str]) -> list[str]:
    if not given:
        return []
    hosts = console.alerts.hosts(env)
    ids = []
    for value in given:
        match = next((h.hostid for h in hosts if value in (h.hostid, h.host, h.name)), None)
        if match is None:
            raise InvalidInput(
                f"no Zabbix host {value!r} in {env}",
                hint=f"list them with `opsconsole alerts hosts --env {env}`",
            )
        ids.append(match)
    return ids


@maintenance_app.command("delete")
def maintenance_delete(
    ctx: typer.Context,
    maintenanceid: Annotated[str, typer.Argument(help="Id of the window (see `alerts maintenance list`).")],
    env: EnvOpt = None,
    dry_run: DryRun = False,
    confirm: Confirm = None,
    reason: Reason = None,
    output: Output = OutputFormat.TABLE,
) -> None:
    """Delete a maintenance window of the environment."""

    def plan(console: Console, e: str, _tier: RoleTier | None) -> Change:
        return console.alerts.plan_end_maintenance(e, maintenanceid)

    perform_action(state_of(ctx), env, plan, **_action_options(locals()))
