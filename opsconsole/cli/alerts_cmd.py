"""`opsconsole alerts`: Zabbix problems of an environment; acknowledge, close, change severity,
unacknowledge; maintenance windows."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from opsconsole.cli.commands import Listing, Params, action_command, list_command
from opsconsole.domain.action_kinds import ActionKind
from opsconsole.domain.durations import age
from opsconsole.domain.errors import InvalidInput

if TYPE_CHECKING:
    from opsconsole.app.console import Console
    from opsconsole.domain.problems import Problem, ProblemFilter, Severity

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


def _tag_pairs(values: list[str]) -> list[tuple[str, str]]:
    """--tag NAME=VALUE, repeatable; one name given twice asks for either value (Zabbix's And/Or)."""
    pairs = []
    for value in values:
        name, sep, tag_value = value.partition("=")
        if not sep or not name:
            raise InvalidInput(f"--tag {value!r} is not NAME=VALUE", hint="e.g. --tag service=api")
        pairs.append((name, tag_value))
    return pairs


class Tag(dict[str, str]):
    """`{"tag": ..., "value": ...}` in JSON, `name=value` in a table cell."""

    def __str__(self) -> str:
        return f"{self['tag']}={self['value']}"


def tag_list(tags: tuple[tuple[str, str], ...]) -> list[dict[str, str]]:
    """Tags as Zabbix gives them: a list, so two values of one tag name are both kept."""
    return [Tag(tag=name, value=value) for name, value in tags]


def _problem_row(p: Problem, now: datetime) -> dict[str, Any]:
    """The problem's JSON plus what only the listing shows: its age and a MAINT cell."""
    return p.to_json_dict() | {
        "age": age(p.started, now),
        "maintenance": "in maintenance" if p.suppressed else "",
    }


@list_command(app, "list")
def list_problems(
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
    maintenance: Annotated[
        bool | None,
        typer.Option(
            "--maintenance/--no-maintenance",
            help="Only problems of hosts in maintenance, or (--no-maintenance) only those outside.",
        ),
    ] = None,
) -> Listing:
    """Open problems of the environment's Zabbix host groups, newest first; those of hosts in a
    maintenance window are marked in the MAINT column."""
    from opsconsole.domain.problems import ProblemFilter

    flt = ProblemFilter(
        tags=tuple(_tag_pairs(tag)),
        min_severity=_severity(min_severity),
        unacknowledged_only=unacked,
        text=search,
        include_suppressed=maintenance is not False,
    )
    now = datetime.now(UTC)
    columns = [
        ("environment", "ENV"),
        ("eventid", "EVENT"),
        ("severity", "SEVERITY"),
        ("age", "AGE"),
        ("hosts", "HOST"),
        ("name", "PROBLEM"),
        ("acknowledged", "ACK"),
        ("maintenance", "MAINT"),
    ]

    def rows(console: Console, env: str) -> list[dict[str, Any]]:
        problems = _problems(console, env, flt, host)
        if maintenance:
            problems = [p for p in problems if p.suppressed]  # 6.0 suppresses only for maintenance
        return [_problem_row(p, now) for p in problems]

    return Listing(columns, rows)


def _problems(console: Console, env: str, flt: ProblemFilter, host: list[str]) -> list[Problem]:
    """The environment's problems, of the named hosts when there are some."""
    import dataclasses

    if not host:
        return console.alerts.problems(env, flt)
    wanted = set(host)
    hostids = tuple(h.hostid for h in console.alerts.hosts(env) if wanted & {h.host, h.name})
    if not hostids:
        return []
    return console.alerts.problems(env, dataclasses.replace(flt, hostids=hostids))


@list_command(app, "hosts")
def list_hosts(
    tag: Annotated[
        list[str], typer.Option("--tag", help="Only hosts with this tag, NAME=VALUE; repeatable.")
    ] = [],  # noqa: B006
) -> Listing:
    """Zabbix hosts of the environment's host groups, with their tags."""
    tags = _tag_pairs(tag)
    columns = [("environment", "ENV"), ("hostid", "ID"), ("host", "HOST"), ("name", "NAME"), ("tags", "TAGS")]

    def read(console: Console, environment: str) -> list[dict[str, Any]]:
        return [
            {
                "environment": environment,
                "hostid": h.hostid,
                "host": h.host,
                "name": h.name,
                "tags": tag_list(h.tags),
            }
            for h in console.alerts.hosts(environment, tags or None)  # one name twice: either value
        ]

    return Listing(columns, read)


# -- actions: the registry's Zabbix kinds ------------------------------------------------------------


@action_command(app, ActionKind.ZABBIX_ACKNOWLEDGE, "ack")
def ack(eventids: EventIds, message: Message = None) -> Params:
    """Acknowledge problems, with a message for their history."""
    return {"eventids": eventids, "message": message}


@action_command(app, ActionKind.ZABBIX_CLOSE, "close")
def close(eventids: EventIds, message: Message = None) -> Params:
    """Close problems whose triggers allow manual closing."""
    return {"eventids": eventids, "message": message}


@action_command(app, ActionKind.ZABBIX_SEVERITY, "severity")
def severity(
    level: Annotated[
        str, typer.Argument(metavar="SEVERITY", help="information, warning, average, high, disaster.")
    ],
    eventids: EventIds,
    message: Message = None,
) -> Params:
    """Change the severity of problems (their triggers keep theirs)."""
    _severity(level)  # a wrong level is refused before anything is read
    return {"eventids": eventids, "severity": level, "message": message}


@action_command(app, ActionKind.ZABBIX_UNACKNOWLEDGE, "unack")
def unack(eventids: EventIds, message: Message = None) -> Params:
    """Take back the acknowledgement of problems."""
    return {"eventids": eventids, "message": message}


@action_command(app, ActionKind.ZABBIX_MESSAGE, "message")
def message(
    eventids: EventIds,
    text: Annotated[str, typer.Option("--message", "-m", help="The message for the problems' history.")],
) -> Params:
    """Add a message to problems' history without acknowledging them."""
    return {"eventids": eventids, "message": text}


@list_command(maintenance_app, "list")
def maintenance_list() -> Listing:
    """Maintenance windows on the environment's hosts and host groups."""
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
    return Listing(columns, lambda c, e: [{"environment": e, **vars(m)} for m in c.alerts.maintenances(e)])


def _with_host_ids(console: Console, env: str, params: Params) -> Params:
    """The window's hosts, given by name or id, as the ids Zabbix takes."""
    resolved = {name: value for name, value in params.items() if name != "hosts"}
    resolved["hostids"] = _host_ids(console, env, params["hosts"])
    return resolved


@action_command(maintenance_app, ActionKind.ZABBIX_MAINTENANCE_CREATE, "create", resolve=_with_host_ids)
def maintenance_create(
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
) -> Params:
    """Create a one-time maintenance window from now for hosts and/or host groups."""
    from opsconsole.cli.audit_cmd import parse_duration

    return {
        "name": name,
        "duration": parse_duration(duration, "--duration"),
        "hosts": host,
        "host_groups": group,
        "collect_data": not no_data,
        "description": description,
    }


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


@action_command(maintenance_app, ActionKind.ZABBIX_MAINTENANCE_DELETE, "delete")
def maintenance_delete(
    maintenanceid: Annotated[str, typer.Argument(help="Id of the window (see `alerts maintenance list`).")],
) -> Params:
    """Delete a maintenance window of the environment."""
    return {"maintenanceid": maintenanceid}
