"""`opsconsole console open`: a resource's AWS console page in the browser, signed in with the
environment's role session. The sign-in URL goes to the browser only; this prints what happened."""

from __future__ import annotations

from typing import Annotated

import typer

from opsconsole.cli.access import Access, with_access
from opsconsole.cli.options import Output, Role, parse_tier
from opsconsole.cli.output import OutputFormat, emit, emit_fields, info
from opsconsole.cli.state import state_of
from opsconsole.domain.environment import RoleTier
from opsconsole.domain.errors import ExitCode
from opsconsole.domain.resources import REF_SYNTAX, ResourceRef

app = typer.Typer(help="The AWS console, signed in with the current role.", no_args_is_help=True)


@app.command("open")
@with_access
def open_console(
    ctx: typer.Context,
    target: Annotated[
        str, typer.Argument(help=f"An environment (its console home) or a resource: {REF_SYNTAX}.")
    ],
    role: Role = "read",
    *,
    access: Access,
    output: Output = OutputFormat.TABLE,
) -> None:
    """Open the resource's AWS console page in the browser, signed in with the environment's role
    (read unless --role says). The sign-in link is a credential: it is never printed. Where no
    browser can be opened (ssh, no display) it prints the switch-role link instead and exits 1."""
    state = state_of(ctx)
    tier = parse_tier(role)
    ref: ResourceRef | str = ResourceRef.parse(target) if "/" in target else target
    environment = state.settings().environment(ref if isinstance(ref, str) else ref.environment)
    if tier > RoleTier.READ:
        from opsconsole.cli.prompts import confirm_environment

        confirm_environment(environment, access.confirm, f"sign in to the AWS console as {tier.value}")
    console = state.console(access.mfa_code)
    result = console.signin.open(ref, tier, access.reason or "console open")
    data = {
        "environment": result.environment,
        "role": result.role,
        "destination": result.destination,
        "opened": result.opened,
        "simulated": result.simulated,
        "sign-in url": result.shown_url,
        "why not": result.why_not or None,
        "switch role": result.switch_role.url if result.switch_role else None,
    }
    emit(data, output, lambda: emit_fields([(k, v) for k, v in data.items() if v not in (None, False)]))
    info(result.summary)
    if not result.opened and not result.simulated:
        raise typer.Exit(int(ExitCode.FAILED))
