"""`opsconsole timeline REF`: what happened around a resource, from every system, newest first."""

from __future__ import annotations

from typing import Annotated

import typer

from opsconsole.cli.audit_cmd import parse_duration
from opsconsole.cli.options import Output
from opsconsole.cli.output import OutputFormat, emit, emit_table, info
from opsconsole.cli.state import state_of
from opsconsole.domain.resources import REF_SYNTAX, ResourceRef


def timeline(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help=f"The resource: {REF_SYNTAX}.")],
    since: Annotated[str, typer.Option("--since", help="How far back: 30m, 2h, 1d.")] = "2h",
    output: Output = OutputFormat.TABLE,
) -> None:
    """Stack events, ECS deployments and task stops, Zabbix problems and acks, audit records and
    Graylog errors of a resource, merged by time, newest first."""

    state = state_of(ctx)
    parsed = ResourceRef.parse(ref)
    span = parse_duration(since, "--since")
    state.settings().environment(parsed.environment)
    found = state.console().correlation.timeline(parsed, span)
    for reason in found.unavailable:
        info(f"left out: {reason}")
    rows = [e.to_json_dict() for e in found.entries]
    emit(
        {
            "ref": found.ref,
            "since": found.since.isoformat(),
            "entries": rows,
            "unavailable": list(found.unavailable),
        },
        output,
        lambda: emit_table(
            rows, [("at", "time"), ("source", "source"), ("kind", "what"), ("text", "")], title=found.ref
        ),
    )
