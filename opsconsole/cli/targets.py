"""Which environments a read covers (--env or --all-envs), fan-out, and action confirmation."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from opsconsole.cli.output import OutputFormat, emit, emit_table, info
from opsconsole.cli.state import CliState, state_of
from opsconsole.domain.environment import RoleTier
from opsconsole.domain.errors import ExitCode, InvalidInput, OpsError

if TYPE_CHECKING:
    from opsconsole.app.changes import Change
    from opsconsole.app.console import Console

T = TypeVar("T")

EnvOpt = Annotated[str | None, typer.Option("--env", "-e", help="Environment (dev, staging, prod).")]
AllEnvs = Annotated[bool, typer.Option("--all-envs", "-A", help="Every environment, queried in parallel.")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Show the calls the action would make; send none.")]
ActionRole = Annotated[str, typer.Option("--role", "-r", help="Role tier to act with (operate by default).")]


def chosen_envs(state: CliState, env: str | None, all_envs: bool) -> list[str]:
    settings = state.settings()
    if all_envs and env:
        raise InvalidInput("pass --env or --all-envs, not both")
    if all_envs:
        return list(settings.environments)
    if env is None:
        return [settings.first_environment.name]
    settings.environment(env)
    return [env]


def gather(state: CliState, envs: list[str], read: Callable[[str], list[T]]) -> list[T]:
    """Rows from every environment; failures go to stderr and make the exit code 1 at the end."""
    rows: list[T] = []
    failed: list[OpsError] = []
    for env, result in state.console().fan_out(envs, read):
        if isinstance(result, OpsError):
            failed.append(result)
            # One line naming the environment once (the message may name it already), then the hint.
            named = re.search(rf"(?<![\w-]){re.escape(env)}(?![\w-])", result.message)
            info(f"error: {result.message}" if named else f"error: {env}: {result.message}")
            if result.hint:
                info(f"  → {result.hint}")
        else:
            rows.extend(result)
    if failed and len(failed) == len(envs):
        codes = {int(e.exit_code) for e in failed}  # one cause everywhere (a config error: 2) keeps its code
        raise typer.Exit(codes.pop() if len(codes) == 1 else int(ExitCode.FAILED))
    if failed:
        state.partial_failure = True
    return rows


def exit_if_partial(state: CliState) -> None:
    if state.partial_failure:
        raise typer.Exit(int(ExitCode.FAILED))


Row = dict[str, Any]
Columns = list[tuple[str, str]]


def list_rows(
    ctx: typer.Context,
    env: str | None,
    all_envs: bool,
    output: OutputFormat,
    columns: Columns,
    read: Callable[[Console, str], list[Row]],
) -> None:
    """A list command: `read`'s rows from each chosen environment (in parallel), as a table or JSON;
    exit code 1 when an environment failed."""
    state = state_of(ctx)
    envs = chosen_envs(state, env, all_envs)
    console = state.console()
    rows = gather(state, envs, lambda e: read(console, e))
    emit(rows, output, lambda: emit_table(rows, columns))
    if not rows and output is OutputFormat.TABLE and not state.partial_failure:
        info(f"none found in {', '.join(envs)}")  # a bare header row reads like a failed read
    exit_if_partial(state)


def perform_action(
    state: CliState,
    env: str | None,
    plan: Callable[[Console, str, RoleTier | None], Change],
    *,
    dry_run: bool,
    confirm: str | None,
    reason: str | None,
    role: str | None = None,
    mfa_code: str | None = None,
    output: Any,
) -> None:
    """Plan a change (reads only), confirm it in protected environments, then send it or show it."""
    from opsconsole.cli.options import parse_tier
    from opsconsole.cli.prompts import confirm_environment

    [environment] = chosen_envs(state, env, False)
    tier = parse_tier(role) if role is not None else None
    if not dry_run:
        refuse_before_planning(state, environment, confirm)
    console = state.console(mfa_code)
    planned = plan(console, environment, tier)
    if not dry_run:
        confirm_environment(planned.environment, confirm, planned.summary)
    # Without --reason, the operator's own words (a Zabbix action's message) say why, not the kind's name.
    why = reason or str(planned.details.get("message") or "") or planned.kind.value
    result = console.changes.execute(planned, reason=why, dry_run=dry_run)
    action_output(result, output)


def refuse_before_planning(state: CliState, environment: str, confirm: str | None) -> None:
    """Refuse a change that could never be sent before anything is read or assumed: read-only
    mode, or a protected environment with no --confirm (or another name) and no terminal to ask."""
    from opsconsole.cli.prompts import interactive
    from opsconsole.domain.errors import NotConfirmed, ReadOnlyViolation

    settings = state.settings()
    target = settings.environment(environment)
    if settings.read_only or target.read_only:
        where = "the console is" if settings.read_only else f"{environment} is"
        raise ReadOnlyViolation(
            f"{where} read-only: no change is sent", hint="pass --dry-run to see the calls"
        )
    if not target.protected:
        return
    if confirm is not None and confirm != environment:
        raise NotConfirmed(
            f"--confirm {confirm} does not match the environment {environment}; nothing was sent",
            hint=f"pass --confirm {environment}",
        )
    if confirm is None and not interactive():
        raise NotConfirmed(
            f"{environment} is protected and no terminal is available to confirm; nothing was sent",
            hint=f"pass --confirm {environment}",
        )


def action_output(result: Any, output: Any) -> None:
    from opsconsole.cli.output import emit_json

    if output is OutputFormat.JSON:
        emit_json(result.to_json_dict())
        return
    prefix = "would call" if result.dry_run else "called"
    for call in result.calls:
        typer.echo(f"{prefix}: {call.describe()}")
    if result.dry_run:
        info("dry run: nothing was sent")
