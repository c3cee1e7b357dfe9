"""`opsconsole stacks`: validate, plan, deploy and inspect the environment stacks."""

from __future__ import annotations

import sys
import threading
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from opsconsole.cli.options import Confirm, MfaCode, Output, Reason
from opsconsole.cli.output import OutputFormat, emit, emit_json, emit_table, info
from opsconsole.cli.state import CliState, state_of
from opsconsole.domain.environment import RoleTier
from opsconsole.domain.errors import BackendError, ExitCode, InvalidInput, NotConfirmed

if TYPE_CHECKING:
    from opsconsole.domain.stacks import EnvironmentPlan, StackEvent, StackOutcome
    from opsconsole.services import Services
    from opsconsole.stacks.engine import DeployEngine

app = typer.Typer(help="CloudFormation stacks of an environment: plan, review, deploy.", no_args_is_help=True)

EnvArg = Annotated[str, typer.Argument(help="Environment (dev, staging, prod).")]
StacksArg = Annotated[
    list[str] | None, typer.Argument(help="Stacks to act on; all of them when none is named.")
]
StackArg = Annotated[str, typer.Argument(help="A stack of stacks/stacks.toml, e.g. network.")]
Yes = Annotated[bool, typer.Option("--yes", "-y", help="Deploy without asking (unprotected environments).")]
Diff = Annotated[bool, typer.Option("--diff", help="Show the full template diff of each stack.")]


def _services(ctx: typer.Context, env: str, mfa_code: str | None = None) -> tuple[CliState, Services]:
    state = state_of(ctx)
    state.settings().environment(env)
    return state, state.services(mfa_code)


@app.command("validate")
def validate(ctx: typer.Context, env: EnvArg, output: Output = OutputFormat.TABLE) -> None:
    """Check the manifest, parameters and templates offline (cfn-lint included); no AWS call."""
    _state, services = _services(ctx, env)
    estate = services.console.stacks.estate(env)
    data = {"environment": env, "valid": True, "order": estate.levels, "warnings": estate.warnings}
    emit(
        data,
        output,
        lambda: typer.echo(
            f"{env}: valid; deploy order: "
            + " → ".join(
                "{" + ", ".join(level) + "}" if len(level) > 1 else level[0] for level in estate.levels
            )
        ),
    )
    for warning in estate.warnings:
        info(f"warning: {warning}")


@app.command("list")
def list_stacks(ctx: typer.Context, env: EnvArg, output: Output = OutputFormat.TABLE) -> None:
    """The environment's stacks as the manifest defines them (no AWS call)."""
    _state, services = _services(ctx, env)
    estate = services.console.stacks.estate(env, lint=False)
    rows = [
        {
            "stack": key,
            "stack_name": spec.stack_name,
            "template": spec.template_path,
            "region": spec.region,
            "depends_on": list(spec.depends_on),
            "capabilities": list(spec.capabilities),
        }
        for key in estate.order
        for spec in [estate.specs[key]]
    ]
    columns = [
        ("stack_name", "STACK"),
        ("template", "TEMPLATE"),
        ("region", "REGION"),
        ("depends_on", "DEPENDS ON"),
        ("capabilities", "CAPABILITIES"),
    ]
    emit(rows, output, lambda: emit_table(rows, columns))


@app.command("status")
def status(
    ctx: typer.Context, env: EnvArg, stacks: StacksArg = None, output: Output = OutputFormat.TABLE
) -> None:
    """Deployed status of the stacks (read role)."""
    from opsconsole.cli.stacks_view import status_row

    _state, services = _services(ctx, env)
    engine = services.deploy_engine(env, RoleTier.READ, lint=False, select=stacks or [])
    rows = [status_row(spec, deployed) for spec, deployed in engine.status(stacks or [])]
    columns = [
        ("stack_name", "STACK"),
        ("region", "REGION"),
        ("status", "STATUS"),
        ("updated_at", "UPDATED"),
        ("depends_on", "DEPENDS ON"),
        ("reason", "REASON"),
    ]
    emit(rows, output, lambda: emit_table(rows, columns))


@app.command("outputs")
def outputs(
    ctx: typer.Context, env: EnvArg, stacks: StacksArg = None, output: Output = OutputFormat.TABLE
) -> None:
    """Outputs of deployed stacks."""
    _state, services = _services(ctx, env)
    engine = services.deploy_engine(env, RoleTier.READ, lint=False, select=stacks or [])
    data = {
        spec.key: dict(deployed.outputs) if deployed else None
        for spec, deployed in engine.status(stacks or [])
    }
    rows = [
        {"stack": key, "output": name, "value": value}
        for key, values in data.items()
        for name, value in (values if values is not None else {"(not deployed)": ""}).items()
    ]
    emit(
        data, output, lambda: emit_table(rows, [("stack", "STACK"), ("output", "OUTPUT"), ("value", "VALUE")])
    )


@app.command("events")
def events(
    ctx: typer.Context,
    env: EnvArg,
    stack: StackArg,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Newest events to show.")] = 30,
    output: Output = OutputFormat.TABLE,
) -> None:
    """Recent events of a stack, oldest first."""
    from opsconsole.cli.stacks_view import event_line

    _state, services = _services(ctx, env)
    engine = services.deploy_engine(env, RoleTier.READ, lint=False, select=[stack])
    spec = engine.estate.specs[stack]
    found = engine.cfn.events(spec.stack_name, spec.region)[-limit:]
    data = [
        {
            "time": e.timestamp.isoformat(),
            "stack": e.stack_name,
            "resource": e.logical_id,
            "type": e.resource_type,
            "status": e.status,
            "reason": e.reason,
        }
        for e in found
    ]
    emit(data, output, lambda: typer.echo("\n".join(event_line(e) for e in found)))


@app.command("plan")
def plan(
    ctx: typer.Context,
    env: EnvArg,
    stacks: StacksArg = None,
    diff: Diff = False,
    reason: Reason = None,
    mfa_code: MfaCode = None,
    output: Output = OutputFormat.TABLE,
) -> None:
    """Show what a deploy would change, from change sets that are then discarded."""
    _state, services = _services(ctx, env, mfa_code)
    engine = services.deploy_engine(env, RoleTier.DEPLOY, reason=reason or "stacks plan", select=stacks or [])
    result = engine.plan(stacks or [])
    engine.discard(result)
    _show_plan(result, output, diff)
    if not result.has_changes:
        info(f"{env}: no changes")


@app.command("deploy")
def deploy(
    ctx: typer.Context,
    env: EnvArg,
    stacks: StacksArg = None,
    yes: Yes = False,
    confirm: Confirm = None,
    diff: Diff = False,
    reason: Reason = None,
    mfa_code: MfaCode = None,
    output: Output = OutputFormat.TABLE,
) -> None:
    """Plan, review, confirm, then deploy in dependency order, streaming events.

    Protected environments need their name typed, or --confirm NAME when not on a terminal.
    """
    from opsconsole.cli.prompts import interactive

    _state, services = _services(ctx, env, mfa_code)
    environment = services.settings.environment(env)
    # Refuse before any API call when no one could confirm.
    if not interactive():
        if environment.protected and confirm is None:
            raise NotConfirmed(
                f"{env} is protected and no terminal is available to confirm the deploy",
                hint=f"pass --confirm {env}",
            )
        if not environment.protected and not yes:
            raise NotConfirmed("no terminal is available to confirm the deploy", hint="pass --yes")
    if confirm is not None and confirm != env:
        raise NotConfirmed(
            f"--confirm {confirm} does not match the environment {env}", hint=f"pass --confirm {env}"
        )
    engine = services.deploy_engine(
        env, RoleTier.DEPLOY, reason=reason or "stacks deploy", select=stacks or []
    )
    result = engine.plan(stacks or [])
    _show_plan(result, OutputFormat.TABLE if output is OutputFormat.TABLE else None, diff)
    if not result.has_changes:
        info(f"{env}: no changes")
        if output is OutputFormat.JSON:
            emit_json({"environment": env, "result": "no changes", "plan": _plan_json(result), "stacks": []})
        return
    try:
        _confirm(environment.name, environment.protected, confirm, yes)
    except NotConfirmed:
        engine.discard(result)
        raise
    outcomes = _execute(engine, result, env)
    failed = [o for o in outcomes if not o.succeeded]
    if output is OutputFormat.JSON:
        from opsconsole.cli.stacks_view import outcome_json

        emit_json(
            {
                "environment": env,
                "result": "failed" if failed else "deployed",
                "plan": _plan_json(result),
                "stacks": [outcome_json(o) for o in outcomes],
            }
        )
    else:
        _render_outcomes(outcomes)
    if failed:
        raise typer.Exit(int(ExitCode.FAILED))


@app.command("watch")
def watch(ctx: typer.Context, env: EnvArg, stack: StackArg) -> None:
    """Follow a stack's events until its operation ends (re-attaches to a running deploy)."""

    _state, services = _services(ctx, env)
    engine = services.deploy_engine(env, RoleTier.READ, lint=False, select=[stack])
    spec = engine.estate.specs[stack]
    stop = threading.Event()
    since = datetime.now(UTC).replace(year=2000)
    try:
        outcome = engine.watch(spec, since, print_events, stop)
    except KeyboardInterrupt:
        stop.set()
        info("stopped watching; the stack operation goes on")
        raise typer.Exit(130) from None
    _render_outcomes([outcome])
    if not outcome.succeeded:
        raise typer.Exit(int(ExitCode.FAILED))


@app.command("drift")
def drift(
    ctx: typer.Context, env: EnvArg, stacks: StacksArg = None, output: Output = OutputFormat.TABLE
) -> None:
    """Detect drift between the deployed resources and their templates (read role)."""
    _state, services = _services(ctx, env)
    engine = services.deploy_engine(env, RoleTier.READ, lint=False, select=stacks or [])
    stop = threading.Event()
    rows: list[dict[str, Any]] = []
    for spec, deployed in engine.status(stacks or []):
        if deployed is None:
            rows.append(
                {"stack": spec.stack_name, "drift": "NOT DEPLOYED", "resource": None, "difference": None}
            )
            continue
        try:
            stack_status, drifts = engine.cfn.detect_drift(spec.stack_name, spec.region, stop)
        except BackendError as e:
            if services.settings.demo:
                raise BackendError(
                    str(e.message),
                    hint="the demo's AWS emulator (moto) has no drift detection; "
                    "tests/stacks/test_engine_sequences.py shows it on recorded AWS answers",
                ) from e
            raise
        rows.append({"stack": spec.stack_name, "drift": stack_status, "resource": None, "difference": None})
        for item in drifts:
            differences = ", ".join(
                f"{d.get('PropertyPath')} ({d.get('DifferenceType')})"
                for d in item.get("PropertyDifferences") or []
            )
            rows.append(
                {
                    "stack": spec.stack_name,
                    "drift": item.get("StackResourceDriftStatus"),
                    "resource": item.get("LogicalResourceId"),
                    "difference": differences or None,
                }
            )
    emit(
        rows,
        output,
        lambda: emit_table(
            rows,
            [("stack", "STACK"), ("drift", "DRIFT"), ("resource", "RESOURCE"), ("difference", "DIFFERENCE")],
        ),
    )


@app.command("delete")
def delete(
    ctx: typer.Context,
    env: EnvArg,
    stacks: Annotated[list[str], typer.Argument(help="Stacks to delete (named explicitly).")],
    yes: Yes = False,
    confirm: Confirm = None,
    reason: Reason = None,
    mfa_code: MfaCode = None,
) -> None:
    """Delete stacks, downstream ones first. Protected environments need --confirm or the typed name."""
    _state, services = _services(ctx, env, mfa_code)
    environment = services.settings.environment(env)
    estate = services.console.stacks.estate(env, lint=False)
    order = list(reversed(estate.select(stacks)))
    dependents = {d for key in order for d, ups in estate.edges.items() if key in ups and d not in order}
    if dependents:
        raise InvalidInput(
            f"{', '.join(sorted(dependents))} depend on what you would delete",
            hint="delete those first, or name them too",
        )
    _confirm(environment.name, environment.protected, confirm, yes, what=f"delete {', '.join(order)}")
    engine = services.deploy_engine(env, RoleTier.DEPLOY, reason=reason or "stacks delete", lint=False)
    for key in order:
        spec = estate.specs[key]
        engine.cfn.delete(spec.stack_name, spec.region)
        services.record(
            "stacks-delete",
            session=services.session(env, RoleTier.DEPLOY),
            reason=reason,
            details={"stack": spec.stack_name, "region": spec.region},
        )
        info(f"deleting {spec.stack_name}")


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
        named = env.name if env.name in (confirm or []) else None
        _confirm(env.name, env.protected, named, yes, what="deploy the role baseline")
    services = state.services(mfa_code)
    results = services.console.stacks.deploy_baseline(
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
    columns = [
        ("environment", "ENV"),
        ("account", "ACCOUNT"),
        ("region", "REGION"),
        ("status", "STATUS"),
        ("reason", "WHY"),
    ]
    emit(rows, output, lambda: emit_table(rows, columns))
    if any(not r.succeeded for r in results):
        raise typer.Exit(int(ExitCode.FAILED))


# -- helpers ----------------------------------------------------------------------------------


def print_events(_stack: str, batch: list[StackEvent]) -> None:
    from opsconsole.cli.stacks_view import event_line

    for event in batch:
        info(event_line(event))


def _plan_json(result: EnvironmentPlan) -> dict[str, Any]:
    from opsconsole.cli.stacks_view import plan_json

    return plan_json(result)


def _show_plan(result: EnvironmentPlan, output: OutputFormat | None, diff: bool) -> None:
    from opsconsole.cli.stacks_view import render_plan

    if output is OutputFormat.JSON:
        emit_json(_plan_json(result))
    elif output is OutputFormat.TABLE:
        render_plan(result, show_diff=diff)


def _confirm(env: str, protected: bool, confirm: str | None, yes: bool, what: str = "deploy") -> None:
    from opsconsole.cli.prompts import interactive

    if protected:
        if confirm == env:
            return
        if not interactive():
            raise NotConfirmed(f"{env} is protected; nothing was changed", hint=f"pass --confirm {env}")
        sys.stderr.write(f"{env} is a protected environment. To {what}, type its name: ")
        sys.stderr.flush()
        answer = sys.stdin.readline().strip()
        if answer != env:
            raise NotConfirmed(f"not confirmed ({answer!r} is not {env!r}); nothing was changed")
        return
    if yes:
        return
    if not interactive():
        raise NotConfirmed("no terminal is available to confirm", hint="pass --yes")
    sys.stderr.write(f"{what.capitalize()} to {env}? [y/N] ")
    sys.stderr.flush()
    if sys.stdin.readline().strip().lower() not in ("y", "yes"):
        raise NotConfirmed("not confirmed; nothing was changed")


def _execute(engine: DeployEngine, result: EnvironmentPlan, env: str) -> list[StackOutcome]:
    """Run the deploy in a thread so Ctrl-C stops the watching, never the stack operations."""

    stop = threading.Event()
    outcomes: list[StackOutcome] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            outcomes.extend(
                engine.execute(
                    result,
                    on_events=print_events,
                    on_outcome=lambda o: info(
                        f"{o.stack_name}: {o.status.value}" + (f" — {o.message}" if not o.succeeded else "")
                    ),
                    stop=stop,
                )
            )
        except BaseException as e:  # re-raised on the main thread
            failure.append(e)

    worker = threading.Thread(target=run, name="stacks-deploy")
    worker.start()
    try:
        while worker.is_alive():
            worker.join(0.2)
    except KeyboardInterrupt:
        stop.set()
        info(
            f"stopped watching; stack operations already started go on in AWS. "
            f"Re-attach with `opsconsole stacks watch {env} STACK`."
        )
        worker.join()
        raise typer.Exit(130) from None
    if failure:
        raise failure[0]
    return outcomes


def _render_outcomes(outcomes: list[StackOutcome]) -> None:
    rows = [
        {
            "stack": o.stack_name,
            "status": o.status.value,
            "message": o.message if not o.succeeded else "",
            "outputs": len(o.outputs),
        }
        for o in outcomes
    ]
    emit_table(rows, [("stack", "STACK"), ("status", "RESULT"), ("outputs", "OUTPUTS"), ("message", "WHY")])
