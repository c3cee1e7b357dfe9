"""`opsconsole accounts`: the configured environments, who you are in them, shell credentials."""

from __future__ import annotations

import shlex
from datetime import datetime
from typing import Annotated, Any

import typer

from opsconsole.cli.access import Access, with_access
from opsconsole.cli.options import Output, Role, parse_tier
from opsconsole.cli.output import OutputFormat, emit, emit_fields, emit_json, emit_table, info
from opsconsole.cli.state import state_of
from opsconsole.domain.environment import Environment, RoleTier
from opsconsole.domain.identity import RoleSession, TemporaryCredentials

app = typer.Typer(help="Environments and the roles you assume in them.", no_args_is_help=True)


@app.command("list")
def list_accounts(ctx: typer.Context, output: Output = OutputFormat.TABLE) -> None:
    """List the configured environments, their accounts and role tiers."""
    settings = state_of(ctx).settings()
    rows = [
        {
            "environment": env.name,
            "account_id": env.account_id,
            "region": env.region,
            "replica_region": env.replica_region,
            "protected": env.protected,
            "read_only": env.read_only or settings.read_only,
            "tiers": [tier.value for tier in env.tiers],
            "roles": {tier.value: arn for tier, arn in env.roles.items()},
        }
        for env in settings.environments.values()
    ]
    columns = [
        ("environment", "ENVIRONMENT"),
        ("account_id", "ACCOUNT"),
        ("region", "REGION"),
        ("replica_region", "REPLICA"),
        ("protected", "PROTECTED"),
        ("read_only", "READ-ONLY"),
        ("tiers", "TIERS"),
    ]
    emit(rows, output, lambda: emit_table(rows, columns))


@app.command()
@with_access
def whoami(
    ctx: typer.Context,
    env: Annotated[
        str | None,
        typer.Option(
            "--env", "-e", help="Environment to assume a role in; without it, the identity account."
        ),
    ] = None,
    role: Role = "read",
    *,
    access: Access,
    output: Output = OutputFormat.TABLE,
) -> None:
    """Show who you are: in the identity account, or in an environment after assuming a role."""
    state = state_of(ctx)
    tier = parse_tier(role)
    if env is not None:
        state.settings().environment(env)
    console = state.console(access.mfa_code)
    if env is None:
        identity = console.access.caller_identity()
        data = {
            "account": identity.account,
            "arn": identity.arn,
            "user_id": identity.user_id,
            "operator": console.access.operator,
        }
        emit(data, output, lambda: emit_fields(list(data.items()), title="identity"))
        return
    environment = console.settings.environment(env)
    if tier > RoleTier.READ:
        from opsconsole.cli.prompts import confirm_environment

        confirm_environment(environment, access.confirm, f"assume the {tier.value} role")
    session = console.access.session(env, tier, access.reason or f"accounts whoami --role {tier.value}")
    data = session_view(session, console.context.now())
    emit(data, output, lambda: emit_fields(list(data.items()), title=f"{env} ({tier.value})"))
    _note_memory_only(state)


def _note_memory_only(state: Any) -> None:
    """One line on stderr when the session will not outlive this command."""
    where = state.console().access.session_store
    if where.startswith("memory"):
        info(f"note: sessions are kept in {where}")


@app.command()
@with_access
def assume(
    ctx: typer.Context,
    env: Annotated[str, typer.Argument(help="Environment to assume a role in.")],
    role: Role = "read",
    export: Annotated[
        bool,
        typer.Option(
            "--export",
            help="Print the credentials as shell export lines (with -o json: the credential_process format).",
        ),
    ] = False,
    *,
    access: Access,
    output: Output = OutputFormat.TABLE,
) -> None:
    """Assume a role in an environment; with --export, print its credentials for a shell.

    eval "$(opsconsole accounts assume dev --export)" signs the current shell in, as awsume does.
    """
    state = state_of(ctx)
    tier = parse_tier(role)
    environment = state.settings().environment(env)
    console = state.console(access.mfa_code)
    if tier > RoleTier.READ or export:
        from opsconsole.cli.prompts import confirm_environment

        what = f"export {tier.value} credentials" if export else f"assume the {tier.value} role"
        confirm_environment(environment, access.confirm, what)
    if not export:
        session = console.access.session(env, tier, access.reason or f"accounts assume --role {tier.value}")
        data = session_view(session, console.context.now())
        emit(data, output, lambda: emit_fields(list(data.items()), title=f"{env} ({tier.value})"))
        info("credentials not shown; pass --export to print them as shell export lines")
        return
    credentials = console.access.export_credentials(env, tier, access.reason or "accounts assume --export")
    if output is OutputFormat.JSON:
        emit_json(
            {
                "Version": 1,
                "AccessKeyId": credentials.access_key_id,
                "SecretAccessKey": credentials.secret_access_key,
                "SessionToken": credentials.session_token,
                "Expiration": credentials.expires_at.isoformat(),
            }
        )
        return
    _print_exports(credentials, environment, tier, console.settings.endpoint_url)
    session = console.access.session(env, tier)
    info(f"# {session.identity.arn} until {session.expires_at.isoformat(timespec='seconds')}")


def _print_exports(
    credentials: TemporaryCredentials, environment: Environment, tier: RoleTier, endpoint_url: str | None
) -> None:
    """Shell lines that sign a shell in with `credentials` (`eval "$(...)"`)."""
    variables = {
        "AWS_ACCESS_KEY_ID": credentials.access_key_id,
        "AWS_SECRET_ACCESS_KEY": credentials.secret_access_key,
        "AWS_SESSION_TOKEN": credentials.session_token,
        "AWS_REGION": environment.region,
        "AWS_DEFAULT_REGION": environment.region,
        "OPSCONSOLE_ENV": environment.name,
        "OPSCONSOLE_ROLE": tier.value,
    }
    if endpoint_url:
        variables["AWS_ENDPOINT_URL"] = endpoint_url
    typer.echo("unset AWS_PROFILE")
    for name, value in variables.items():
        typer.echo(f"export {name}={shlex.quote(value)}")


def session_view(session: RoleSession, now: datetime) -> dict[str, Any]:
    return {
        "environment": session.environment,
        "account": session.identity.account,
        "arn": session.identity.arn,
        "user_id": session.identity.user_id,
        "tier": session.tier.value,
        "role_arn": session.role_arn,
        "session_name": session.session_name,
        "expires_at": session.expires_at.isoformat(timespec="seconds"),
        "expires_in_seconds": max(0, int((session.expires_at - now).total_seconds())),
    }


@app.command()
def logout(ctx: typer.Context) -> None:
    """Forget every cached session (role sessions, MFA sessions) in the keyring or the session file."""
    access = state_of(ctx).console().access
    where = access.session_store
    count = access.logout()
    typer.echo(f"{count} cached session entries removed from {where}")


@app.command()
def login(
    ctx: typer.Context,
    sso: Annotated[bool, typer.Option("--sso", help="Sign in to IAM Identity Center (device code).")] = False,
    profile: Annotated[
        str | None, typer.Option("--profile", help="The SSO profile; default: [identity] profile.")
    ] = None,
) -> None:
    """Sign in: with --sso, the device authorization flow (prints a URL and a code, waits for approval)."""
    from opsconsole.app.access import sso_login
    from opsconsole.domain.errors import InvalidInput

    if not sso:
        raise InvalidInput(
            "only --sso is supported: other profiles sign in with their own keys or credential_process",
            hint="opsconsole accounts login --sso [--profile NAME]",
        )

    def show(code: Any) -> None:
        info(f"open {code.verification_uri_complete} and confirm the code {code.user_code}")
        info(f"(the code expires in {code.expires_in // 60} minutes; waiting for approval)")

    expires_at = sso_login(state_of(ctx).settings(), profile, show)
    typer.echo(f"signed in; the SSO session lasts until {expires_at.isoformat(timespec='seconds')}")
