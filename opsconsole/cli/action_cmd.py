"""Action commands built from the registry of action kinds: a command declares only its own
arguments and turns them into the kind's parameters; the options every action shares, the plan
(`Console.plan`), the confirmation and the send are written here once."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import typer

from opsconsole.cli.options import Confirm, MfaCode, Output, Reason
from opsconsole.cli.output import OutputFormat
from opsconsole.cli.state import state_of
from opsconsole.cli.targets import ActionRole, DryRun, EnvOpt, perform_action
from opsconsole.domain.action_kinds import ActionKind, Backend

if TYPE_CHECKING:
    from opsconsole.app.changes import Change
    from opsconsole.app.console import Console
    from opsconsole.domain.environment import RoleTier

Params = dict[str, Any]
ParamsOf = Callable[..., Params]
"""A command's own arguments in, the action kind's parameters out."""
Resolve = Callable[["Console", str, Params], Params]
"""Parameters completed against the environment before planning (host names to ids)."""


def _option(name: str, annotation: Any, default: Any) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=default)


def shared_options(kind: ActionKind) -> list[inspect.Parameter]:
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
) -> Callable[[ParamsOf], Callable[..., None]]:
    """Register `kind` as a command of `app`, named after the decorated function unless `name` says.

    The decorated function declares the command's own arguments (typer annotations) and its
    docstring is the command's help; it returns the parameters `Console.plan` takes for `kind`.
    """

    def register(params_of: ParamsOf) -> Callable[..., None]:
        own = inspect.signature(params_of, eval_str=True).parameters
        shared = shared_options(kind)
        context = inspect.Parameter("ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=typer.Context)

        @functools.wraps(params_of)
        def command(ctx: typer.Context, **values: Any) -> None:
            options = {option.name: values.pop(option.name) for option in shared}
            params = params_of(**values)

            def plan(console: Console, env: str, tier: RoleTier | None) -> Change:
                resolved = resolve(console, env, params) if resolve is not None else params
                return console.plan(kind, env, resolved, tier)

            perform_action(state_of(ctx), options.pop("env"), plan, **options)

        command.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            [context, *(p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own.values()), *shared],
            return_annotation=None,
        )
        command.__annotations__ = {}
        app.command(name)(command)
        return command

    return register
