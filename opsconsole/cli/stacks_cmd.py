"""`opsconsole stacks`: validate, plan, deploy and inspect the environment stacks.

Every command parses, calls the stacks use case (opsconsole/app/stacks.py), renders and confirms;
the plan -> confirm -> execute flow and the change sets' lifecycle live in the use case.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from opsconsole.cli import stacks_view as view
from opsconsole.cli.access import Access, with_access
from opsconsole.cli.options import MfaCode, Output, Reason
from opsconsole.cli.output import OutputFormat, emit, emit_json, emit_table, info
from opsconsole.cli.stacks_confirm import confirm_change, deferred_review, refuse_unconfirmable
from opsconsole.cli.state import state_of
from opsconsole.domain.errors import ExitCode
from opsconsole.domain.stacks import EnvironmentPlan

if TYPE_CHECKING:
    from opsconsole.app.console import Console
    from opsconsole.app.stack_review import StackReview
    from opsconsole.domain.stacks import ApproveHook, StackEvent, StackOutcome

app = typer.Typer(help="CloudFormation stacks of an environment: plan, review, deploy.", no_args_is_help=True)

EnvArg = Annotated[str, typer.Argument(help="Environment (dev, staging, prod).")]
StacksArg = Annotated[
    list[str] | None, typer.Argument(help="Stacks to act on; all of them when none is named.")
]
StackArg = Annotated[str, typer.Argument(help="A stack of stacks/stacks.toml, e.g. network.")]
Yes = Annotated[bool, typer.Option("--yes", "-y", help="Deploy without asking (unprotected environments).")]
Diff = Annotated[bool, typer.Option("--diff", help="Show the full template diff of each stack.")]
Limit = Annotated[int, typer.Option("--limit", "-n", min=1, help="Newest events to show.")]

STATUS_COLUMNS = [
    ("stack_name", "STACK"),
    ("region", "REGION"),
    ("status", "STATUS"),
    ("updated_at", "UPDATED"),
    ("depends_on", "DEPENDS ON"),
    ("reason", "REASON"),
]
LIST_COLUMNS = [
    ("stack_name", "STACK"),
    ("template", "TEMPLATE"),
    ("region", "REGION"),
    ("depends_on", "DEPENDS ON"),
    ("capabilities", "CAPABILITIES"),
]
DRIFT_COLUMNS = [
    ("stack", "STACK"),
    ("drift", "DRIFT"),
    ("resource", "RESOURCE"),
    ("difference", "DIFFERENCE"),
]
OUTCOME_COLUMNS = [("stack", "STACK"), ("status", "RESULT"), ("outputs", "OUTPUTS"), ("message", "WHY")]
BASELINE_COLUMNS = [
    ("environment", "ENV"),
    ("account", "ACCOUNT"),
    ("region", "REGION"),
    ("status", "STATUS"),
    ("reason", "WHY"),
]


@app.callback()
def _options(
    ctx: typer.Context,
    root: Annotated[
        Path | None,
        typer.Option(
            "--root",
            help="The estate's folder (stacks.toml, params/, templates/) for this command; "
            "default: [stacks] root in the config (OPSCONSOLE_STACKS__ROOT), else the shipped stacks/.",
        ),
    ] = None,
) -> None:
    if root is not None:
        state = state_of(ctx)
        state._settings = dataclasses.replace(state.settings(), stacks_root=str(root.expanduser().resolve()))


def _console(ctx: typer.Context, env: str, mfa_code: str | None = None) -> Console:
    state = state_of(ctx)
    state.settings().environment(env)
    return state.console(mfa_code)


@app.command("validate")
def validate(ctx: typer.Context, env: EnvArg, output: Output = OutputFormat.TABLE) -> None:
    """Check the manifest, parameters and templates offline (cfn-lint included); no AWS call."""
    estate = _console(ctx, env).stacks.estate(env)
    data = {"environment": env, "valid": True, "order": estate.levels, "warnings": estate.warnings}
    emit(data, output, lambda: typer.echo(f"{env}: valid; deploy order: {view.order_line(estate.levels)}"))
    _warn(estate.warnings)


@app.command("list")
def list_stacks(ctx: typer.Context, env: EnvArg, output: Output = OutputFormat.TABLE) -> None:
    """The environment's stacks as the manifest defines them (no AWS call)."""
    estate = _console(ctx, env).stacks.estate(env, lint=False)
    rows = [view.spec_row(estate.specs[key]) for key in estate.order]
    emit(rows, output, lambda: emit_table(rows, LIST_COLUMNS))
    _warn(estate.warnings)


@app.command("status")
def status(
    ctx: typer.Context, env: EnvArg, stacks: StacksArg = None, output: Output = OutputFormat.TABLE
) -> None:
    """Deployed status of the stacks (read role)."""
    console = _console(ctx, env)
    _warn(console.stacks.estate(env, lint=False).warnings)
    found = console.stacks.status(env, stacks or [])
    rows = [view.status_row(spec, deployed) for spec, deployed in found]
    emit(rows, output, lambda: emit_table(rows, STATUS_COLUMNS))
    _warn_half_done(console.stacks.half_done(env, stacks or []), env)


@app.command("outputs")
def outputs(
    ctx: typer.Context, env: EnvArg, stacks: StacksArg = None, output: Output = OutputFormat.TABLE
) -> None:
    """Outputs of deployed stacks."""
    data = _console(ctx, env).stacks.outputs(env, stacks or [])
    rows = [
        {"stack": key, "output": name, "value": value}
        for key, values in data.items()
        for name, value in (values if values is not None else {"(not deployed)": ""}).items()
    ]
    columns = [("stack", "STACK"), ("output", "OUTPUT"), ("value", "VALUE")]
    emit(data, output, lambda: emit_table(rows, columns))


@app.command("events")
def events(
    ctx: typer.Context, env: EnvArg, stack: StackArg, limit: Limit = 30, output: Output = OutputFormat.TABLE
) -> None:
    """Recent events of a stack, oldest first."""
    found = _console(ctx, env).stacks.events(env, stack)[-limit:]
    data = [view.event_json(e) for e in found]
    emit(data, output, lambda: typer.echo("\n".join(view.event_line(e) for e in found)))


@app.command("plan")
@with_access
def plan(
    ctx: typer.Context,
    env: EnvArg,
    stacks: StacksArg = None,
    diff: Diff = False,
    *,
    access: Access,
    output: Output = OutputFormat.TABLE,
) -> None:
    """Show what a deploy would change, from change sets that are then discarded.

    A plan takes the deploy role and creates change sets: protected environments need their name
    typed, or --confirm NAME when not on a terminal.
    """
    console = _console(ctx, env, access.mfa_code)
    environment = console.settings.environment(env)
    if environment.protected:  # checked before any role is assumed or change set made
        refuse_unconfirmable(environment, access.confirm, True)
        confirm_change(
            environment, access.confirm, True, what="plan with the deploy role (it creates change sets)"
        )
    with console.stacks.plan(env, stacks or [], reason=access.reason or "stacks plan") as review:
        _warn(review.warnings)
        _show_plan(review.plan, output, diff)
    if not review.has_changes:
        info(f"{env}: no changes")


@app.command("deploy")
@with_access
def deploy(
    ctx: typer.Context,
    env: EnvArg,
    stacks: StacksArg = None,
    yes: Yes = False,
    *,
    access: Access,
    diff: Diff = False,
    output: Output = OutputFormat.TABLE,
) -> None:
    """Plan, review, confirm, then deploy in dependency order, streaming events.

    Protected environments need their name typed, or --confirm NAME when not on a terminal.
    """
    console = _console(ctx, env, access.mfa_code)
    environment = console.settings.environment(env)
    refuse_unconfirmable(environment, access.confirm, yes)
    with console.stacks.plan(env, stacks or [], reason=access.reason or "stacks deploy") as review:
        _warn(review.warnings)
        _show_plan(review.plan, OutputFormat.TABLE if output is OutputFormat.TABLE else None, diff)
        if not review.has_changes:
            info(f"{env}: no changes")
            if output is OutputFormat.JSON:
                data = {"environment": env, "result": "no changes", "plan": view.plan_json(review.plan)}
                emit_json({**data, "stacks": []})
            return
        confirm_change(environment, access.confirm, yes)
        outcomes = _execute(review, deferred_review(environment, access.confirm, output))
    failed = [o for o in outcomes if not o.succeeded]
    if output is OutputFormat.JSON:
        emit_json(
            {
                "environment": env,
                "result": "failed" if failed else "deployed",
                "plan": view.plan_json(review.plan),
                "stacks": [view.outcome_json(o) for o in outcomes],
            }
        )
    else:
        emit_table([view.outcome_row(o) for o in outcomes], OUTCOME_COLUMNS)
    if failed:
        raise typer.Exit(int(ExitCode.FAILED))


@app.command("watch")
def watch(ctx: typer.Context, env: EnvArg, stack: StackArg) -> None:
    """Follow a stack's events until its operation ends (re-attaches to a running deploy)."""
    import threading

    stop = threading.Event()
    try:
        outcome = _console(ctx, env).stacks.watch(env, stack, print_events, stop)
    except KeyboardInterrupt:
        stop.set()
        info("stopped watching; the stack operation goes on")
        raise typer.Exit(130) from None
    emit_table([view.outcome_row(outcome)], OUTCOME_COLUMNS)
    if not outcome.succeeded:
        raise typer.Exit(int(ExitCode.FAILED))


@app.command("drift")
def drift(
    ctx: typer.Context, env: EnvArg, stacks: StacksArg = None, output: Output = OutputFormat.TABLE
) -> None:
    """Detect drift between the deployed resources and their templates (read role)."""
    rows = _console(ctx, env).stacks.drift(env, stacks or [])
    emit(rows, output, lambda: emit_table(rows, DRIFT_COLUMNS))


@app.command("delete")
@with_access
def delete(
    ctx: typer.Context,
    env: EnvArg,
    stacks: Annotated[list[str], typer.Argument(help="Stacks to delete (named explicitly).")],
    yes: Yes = False,
    *,
    access: Access,
) -> None:
    """Delete deployed stacks, downstream ones first; refused while a deployed stack depends on one.
    Protected environments need --confirm or the typed name."""
    console = _console(ctx, env, access.mfa_code)
    deletion = console.stacks.plan_delete(env, stacks)
    for name in deletion.absent:
        info(f"{name} is not deployed; nothing to delete")
    if not deletion.stacks:
        return
    confirm_change(
        console.settings.environment(env), access.confirm, yes, what=f"delete {', '.join(deletion.names)}"
    )
    console.stacks.delete(deletion, reason=access.reason or "stacks delete", on_progress=info)


@app.command("discard")
@with_access
def discard(
    ctx: typer.Context,
    env: EnvArg,
    stacks: StacksArg = None,
    yes: Yes = False,
    *,
    access: Access,
) -> None:
    """Delete change sets that never ran (a plan or a deploy that ended midway left them), and the
    empty stack a create left. Protected environments need --confirm or the typed name."""
    console = _console(ctx, env, access.mfa_code)
    leftovers = console.stacks.leftovers(env, stacks or [])
    if not leftovers:
        info(f"{env}: no change set is waiting to run")
        return
    names = ", ".join(f"{left.stack_name}/{left.name}" for left in leftovers)
    confirm_change(console.settings.environment(env), access.confirm, yes, what=f"discard {names}")
    deleted = console.stacks.discard(env, leftovers, reason=access.reason or "stacks discard")
    info(f"discarded: {names}")
    if deleted:
        info(f"deleted the empty stacks they had created: {', '.join(deleted)}")


@app.command("baseline")
def baseline(
    ctx: typer.Context,
    envs: Annotated[
        list[str] | None, typer.Argument(help="Environments to cover; all when none is named.")
    ] = None,
    yes: Yes = False,
    confirm: Annotated[
        list[str] | None, typer.Option("--confirm", help="Name each protected environment.")
    ] = None,
    reason: Reason = None,
    mfa_code: MfaCode = None,
    output: Output = OutputFormat.TABLE,
) -> None:
    """Deploy the role trio (stacks/templates/baseline.yaml) as a StackSet from the identity account."""
    state = state_of(ctx)
    settings = state.settings()
    names = envs or list(settings.environments)
    for env in [settings.environment(name) for name in names]:
        confirm_change(
            env, env.name if env.name in (confirm or []) else None, yes, what="deploy the role baseline"
        )
    results = state.console(mfa_code).stacks.deploy_baseline(
        names, reason=reason or "stacks baseline", on_progress=info
    )
    rows = [
        {
            "environment": r.environment,
            "account": r.account_id,
            "region": r.region,
            "status": r.status,
            "reason": r.reason,
        }
        for r in results
    ]
    emit(rows, output, lambda: emit_table(rows, BASELINE_COLUMNS))
    if any(not r.succeeded for r in results):
        raise typer.Exit(int(ExitCode.FAILED))


# -- helpers ----------------------------------------------------------------------------------


def _warn_half_done(notes: list[str], env: str) -> None:
    """A deploy that ended midway is not "all is well": name what it left and how to go on."""
    for note in notes:
        info(f"warning: {note}")
    if notes:
        info(
            "  → check `opsconsole audit list --outcome unknown`, then finish with"
            f" `opsconsole stacks deploy {env}` (it plans again); change sets that never ran go with"
            f" `opsconsole stacks discard {env}`"
        )


def _warn(warnings: list[str]) -> None:
    for warning in warnings:
        info(f"warning: {warning}")


def print_events(_stack: str, batch: list[StackEvent]) -> None:
    for event in batch:
        info(view.event_line(event))


def _show_plan(result: EnvironmentPlan, output: OutputFormat | None, diff: bool) -> None:
    if output is OutputFormat.JSON:
        emit_json(view.plan_json(result))
    elif output is OutputFormat.TABLE:
        view.render_plan(result, show_diff=diff)


def _execute(review: StackReview, approve: ApproveHook) -> list[StackOutcome]:
    """Run the reviewed plan, streaming events; Ctrl-C stops the watching, never the stack operations."""
    try:
        return review.execute(
            on_events=print_events,
            on_outcome=lambda o: info(view.outcome_line(o)),
            approve_deferred=approve,
        )
    except KeyboardInterrupt:
        info(
            "stopped watching; stack operations already started go on in AWS. "
            f"Re-attach with `opsconsole stacks watch {review.environment} STACK`."
        )
        raise typer.Exit(130) from None
