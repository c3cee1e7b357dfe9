"""`opsconsole config`: validate and show the configuration, or write a starter file."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import typer

from opsconsole.cli.options import Output
from opsconsole.cli.output import OutputFormat, emit, emit_fields, emit_table, info
from opsconsole.cli.state import state_of
from opsconsole.domain.errors import InvalidInput

app = typer.Typer(help="Validate, show and create the configuration.", no_args_is_help=True)


@app.command()
def check(ctx: typer.Context, output: Output = OutputFormat.TABLE) -> None:
    """Validate the configuration and print what it resolves to (no secrets)."""
    import os

    from opsconsole.app.access import session_store_description
    from opsconsole.config import resolved_view
    from opsconsole.config.aws_profiles import check_identity

    settings = state_of(ctx).settings()
    identity = settings.identity
    checked = check_identity(
        identity.profile,
        identity.mfa_serial,
        (identity.aws_config_file, identity.aws_credentials_file),
        os.environ,
    )
    view = resolved_view(settings)
    view["origins"] = dict(settings.origins)
    view["aws"] = {
        "identity_profile_defined_in": checked.where,
        "mfa_device": checked.mfa_device,
        "mfa_device_from": checked.mfa_origin,
        "session_store": session_store_description(),
    }
    emit(view, output, lambda: _render(view))
    info(f"{view['source']}: valid, {len(view['environments'])} environments")


def _render(view: dict[str, Any]) -> None:
    emit_fields(
        [
            ("source", view["source"]),
            ("default environment", view["default_environment"]),
            ("read-only", view["read_only"]),
            ("demo", view["demo"]),
            ("aws endpoint", view["endpoint_url"] or "AWS (default endpoints)"),
            ("identity profile", view["identity"]["profile"] or "default credential chain"),
            ("identity defined in", view["aws"]["identity_profile_defined_in"]),
            ("mfa device", _device(view["aws"])),
            ("sessions kept in", view["aws"]["session_store"]),
            ("operator", view["identity"]["operator"] or "from the caller ARN"),
            ("audit journal", view["audit"]["journal"] or "user state directory"),
        ],
        title="configuration",
    )
    rows = [{"name": name, **env, "tiers": list(env["roles"])} for name, env in view["environments"].items()]
    emit_table(
        rows,
        [
            ("name", "ENVIRONMENT"),
            ("account_id", "ACCOUNT"),
            ("region", "REGION"),
            ("protected", "PROTECTED"),
            ("external_id", "EXTERNAL ID"),
            ("profile", "PROFILE"),
            ("mfa_serial", "MFA"),
            ("tiers", "TIERS"),
        ],
    )
    origins = [{"key": key, "from": where} for key, where in sorted(view["origins"].items())]
    if origins:
        info("values not from the config file (every other value is):")
        emit_table(origins, [("key", "KEY"), ("from", "FROM")])


def _device(aws: dict[str, Any]) -> str:
    if not aws["mfa_device"]:
        return "none for the identity (environments may name their own)"
    return f"{aws['mfa_device']} (from {aws['mfa_device_from']})"


@app.command()
def init(
    path: Annotated[
        Path | None, typer.Option("--path", help="Where to write; default: the user config file.")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented starter configuration to edit."""
    from opsconsole import paths

    target = path or paths.user_config_dir() / paths.USER_CONFIG_FILE_NAME
    if target.exists() and not force:
        raise InvalidInput(
            f"{target} already exists; nothing was written", hint="pass --force to overwrite it"
        )
    text = resources.files("opsconsole").joinpath("starter.toml").read_text(encoding="utf-8")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    except OSError as e:
        raise InvalidInput(f"cannot write {target}: {e.strerror}") from e
    typer.echo(str(target))
    info("edit the account ids and role ARNs, then run `opsconsole config check`")
