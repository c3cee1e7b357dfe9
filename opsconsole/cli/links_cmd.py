"""`opsconsole links`: what a resource maps to in Graylog, Zabbix, CloudFormation and CloudWatch."""

from __future__ import annotations

from typing import Annotated

import typer

from opsconsole.cli.options import Output
from opsconsole.cli.output import OutputFormat, emit, emit_fields
from opsconsole.cli.state import state_of
from opsconsole.domain.resources import REF_SYNTAX, ResourceRef

app = typer.Typer(help="Links from one resource to the other systems.", no_args_is_help=True)


@app.command("show")
def show(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help=f"The resource: {REF_SYNTAX}.")],
    offline: Annotated[
        bool,
        typer.Option("--offline", help="Conventions only: do not read ECS for a service's instances."),
    ] = False,
    output: Output = OutputFormat.TABLE,
) -> None:
    """The Graylog query, Zabbix scope, stack, metrics and console URL of a resource."""
    state = state_of(ctx)
    parsed = ResourceRef.parse(ref)
    state.settings().environment(parsed.environment)  # an unknown environment fails before any call
    links = state.console().correlation.links(parsed, resolve=not offline)
    emit(
        links.to_json_dict(),
        output,
        lambda: emit_fields(
            [
                ("graylog query", links.log_query),
                ("zabbix problems", links.problems.describe()),
                ("stack", links.stack or "—"),
                ("metrics", ", ".join(f"{m.namespace} {m.name}" for m in links.metrics) or "—"),
                ("console", links.console_url or "—"),
            ],
            title=str(parsed),
        ),
    )
