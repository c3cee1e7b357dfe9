"""`opsconsole team`: the team's locks, pending approvals, runs and recent actions; lock, unlock,
break; and `opsconsole runbook approve RUN STEP` (registered on the runbook group by main.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from opsconsole.cli.options import MfaCode, Output
from opsconsole.cli.output import OutputFormat, emit, emit_table, info
from opsconsole.cli.state import state_of
from opsconsole.domain.errors import InvalidInput

if TYPE_CHECKING:
    from opsconsole.app.team import Team
    from opsconsole.domain.team import TeamView

app = typer.Typer(
    help="The team: locks, approvals, runs and recent actions (needs a team table in the config)."
)

Env = Annotated[str, typer.Argument(help="The environment (any name the team agrees on, e.g. prod).")]


def team_of(ctx: typer.Context, mfa_code: str | None = None) -> Team:
    from opsconsole.app.team import Team

    team = Team.of_context(state_of(ctx).console(mfa_code).context)
    if team is None:
        raise InvalidInput(
            "no team store is configured: the console works alone",
            hint='add [team] table = "opsconsole-team" (a DynamoDB table in the identity account)',
        )
    return team


@app.callback(invoke_without_command=True)
def show(ctx: typer.Context, output: Output = OutputFormat.TABLE, mfa_code: MfaCode = None) -> None:
    """Locks, pending approvals, running and waiting runs, and the last actions per environment."""
    if ctx.invoked_subcommand is not None:
        return
    view = team_of(ctx, mfa_code).view()
    emit(view_data(view), output, lambda: _render(view))
    if view.notes:
        raise typer.Exit(1)


@app.command("lock")
def lock(
    ctx: typer.Context,
    env: Env,
    purpose: Annotated[str, typer.Option("--purpose", "-p", help="Why; shown to anyone refused.")],
    mfa_code: MfaCode = None,
) -> None:
    """Take an environment's lock (it expires after the team lock_minutes unless renewed)."""
    lease = team_of(ctx, mfa_code).take(env, purpose)
    info(f"{env} locked by {lease.holder} until {lease.expires_at:%H:%M:%S} UTC")


@app.command("unlock")
def unlock(ctx: typer.Context, env: Env, mfa_code: MfaCode = None) -> None:
    """Release your own lock on an environment."""
    lease = team_of(ctx, mfa_code).release_mine(env)
    info(f"{env} unlocked ({lease.purpose})")


@app.command("break")
def break_lock(
    ctx: typer.Context,
    env: Env,
    reason: Annotated[str, typer.Option("--reason", help="Why; kept in the audit trail.")],
    mfa_code: MfaCode = None,
) -> None:
    """Break someone else's lock: needs a reason, audited as intent and outcome."""
    lease = team_of(ctx, mfa_code).break_lock(env, reason)
    info(f"broke {lease.holder}'s lock on {env} ({lease.purpose})")


def approve(
    ctx: typer.Context,
    run_id: Annotated[str, typer.Argument(help="The run waiting for approval (see `opsconsole team`).")],
    step_id: Annotated[str, typer.Argument(help="The step to approve.")],
    mfa_code: MfaCode = None,
) -> None:
    """Approve a step of someone else's run, signed as yourself (an STS-verifiable proof)."""
    team = team_of(ctx, mfa_code)
    request = team.pending_approval(run_id, step_id)
    if request is not None:
        info(f"approving {run_id}/{step_id} in {request.environment}: {request.summary}")
    team.give_approval(run_id, step_id)
    info("approval signed and stored: the run checks it with STS when it continues")


def view_data(view: TeamView) -> dict[str, Any]:
    return {
        "locks": [
            {
                "environment": x.environment,
                "holder": x.holder,
                "purpose": x.purpose,
                "expires_at": x.expires_at,
            }
            for x in view.locks
        ],
        "approvals": [
            {
                "run": a.binding.run_id,
                "step": a.binding.step_id,
                "digest": a.binding.digest,
                "environment": a.environment,
                "summary": a.summary,
                "starter": a.starter,
                "requested_at": a.requested_at,
                "signed": a.proof is not None,
            }
            for a in view.approvals
        ],
        "runs": [r.__dict__ for r in view.runs],
        "actions": [a.__dict__ for a in view.actions],
        "unsent": view.unsent,
        "notes": list(view.notes),
    }


def _render(view: TeamView) -> None:
    data = view_data(view)
    for note in view.notes:
        info(f"warning: {note}")
    if view.unsent:
        info(f"{view.unsent} record(s) kept locally until the team store is reachable")
    emit_table(
        data["locks"],
        [("environment", "ENV"), ("holder", "HOLDER"), ("purpose", "PURPOSE"), ("expires_at", "UNTIL")],
        "Locks",
    )
    emit_table(
        data["approvals"],
        [
            ("run", "RUN"),
            ("step", "STEP"),
            ("environment", "ENV"),
            ("summary", "WHAT"),
            ("starter", "STARTED BY"),
        ],
        "Pending approvals",
    )
    emit_table(
        data["runs"],
        [
            ("run_id", "RUN"),
            ("environment", "ENV"),
            ("status", "STATUS"),
            ("starter", "BY"),
            ("waiting_step", "WAITS AT"),
            ("waiting_for", "FOR"),
        ],
        "Runs",
    )
    emit_table(
        data["actions"],
        [
            ("environment", "ENV"),
            ("at", "AT"),
            ("actor", "WHO"),
            ("action", "ACTION"),
            ("outcome", "OUTCOME"),
        ],
        "Last actions",
    )
