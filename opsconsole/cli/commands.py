"""Commands built from a declaration of their own arguments; the options they share are written here
once. A list command returns a Listing (columns, and how to read one environment); an action
command returns the parameters of a registered action kind (planned by `Console.plan`)."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import typer

from opsconsole.app.action_params import check_params
from opsconsole.cli.options import Confirm, MfaCode, Output, Reason
from opsconsole.cli.output import OutputFormat
from opsconsole.cli.state import state_of
from opsconsole.cli.targets import (
    ActionRole,
    AllEnvs,
    Columns,
    DryRun,
    EnvOpt,
    Row,
    list_rows,
    perform_action,
)
from opsconsole.domain.action_kinds import ActionKind, Backend

if TYPE_CHECKING:
    from opsconsole.app.changes import Change
    from opsconsole.app.console import Console
    from opsconsole.domain.environment import RoleTier

Params = dict[str, Any]
Resolve = Callable[["Console", str, Params], Params]
"""Parameters completed against the environment before planning (host names to ids)."""
Command = Callable[..., None]


@dataclass(frozen=True)
class Listing:
    """What a list command shows: its columns, and the rows of one environment."""

    columns: Columns
    read: Callable[[Console, str], list[Row]]


def _option(name: str, annotation: Any, default: Any) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=default)


def _register(
    app: typer.Typer,
    name: str | None,
    declared: Callable[..., Any],
    command: Command,
    shared: tuple[list[inspect.Parameter], list[inspect.Parameter]],
) -> Command:
    """`command` under `declared`'s name and help, taking its arguments between the shared ones."""
    own = inspect.signature(declared, eval_str=True).parameters.values()
    before, after = shared
    context = inspect.Parameter("ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=typer.Context)
    wrapped = functools.wraps(declared)(command)
    wrapped.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [context, *before, *(p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own), *after]
    )
    wrapped.__annotations__ = {}
    app.command(name)(wrapped)
    return wrapped


def list_command(app: typer.Typer, name: str | None = None) -> Callable[[Callable[..., Listing]], Command]:
    """Register a list command (--env or --all-envs, --output); the decorated function takes the
    command's own options, checks them, and returns its Listing. Its docstring is the help."""
    before = [_option("env", EnvOpt, None), _option("all_envs", AllEnvs, False)]
    after = [_option("output", Output, OutputFormat.TABLE)]

    def register(listing_of: Callable[..., Listing]) -> Command:
        def command(
            ctx: typer.Context, *, env: str | None, all_envs: bool, output: OutputFormat, **own: Any
        ) -> None:
            listing = listing_of(**own)
            list_rows(ctx, env, all_envs, output, listing.columns, listing.read)

        return _register(app, name, listing_of, command, (before, after))

    return register


def action_options(kind: ActionKind) -> list[inspect.Parameter]:
    """The options of every action command; --role only where the kind acts with an AWS role."""
    options = [
        _option("env", EnvOpt, None),
        _option("dry_run", DryRun, False),
        _option("confirm", Confirm, None),
        _option("reason", Reason, None),
    ]
    if kind.spec.backend is Backend.AWS:
        options.append(_option("role", ActionRole, kind.spec.tier.value))
    options += [_option("mfa_code", MfaCode, None), _option("output", Output, OutputFormat.TABLE)]
    return options


def action_command(
    app: typer.Typer, kind: ActionKind, name: str | None = None, *, resolve: Resolve | None = None
) -> Callable[[Callable[..., Params]], Command]:
    """Register `kind` as a command of `app`, named after the decorated function unless `name` says.

    The decorated function declares the command's own arguments (typer annotations) and returns
    the parameters `Console.plan` takes for `kind`; its docstring is the command's help.
    """
    shared = action_options(kind)

    def register(params_of: Callable[..., Params]) -> Command:
        def command(ctx: typer.Context, **values: Any) -> None:
            options = {option.name: values.pop(option.name) for option in shared}
            params = params_of(**values)
            check_params(kind, params)

            def plan(console: Console, env: str, tier: RoleTier | None) -> Change:
                resolved = resolve(console, env, params) if resolve is not None else params
                return console.plan(kind, env, resolved, tier)

            perform_action(state_of(ctx), options.pop("env"), plan, **options)

        return _register(app, name, params_of, command, ([], shared))

    return register
