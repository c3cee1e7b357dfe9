"""`opsconsole runbook`: list, show, validate, run, resume and look back at runbooks.

Progress goes to stderr as it happens; the run's result goes to stdout (a table, or JSON).
Exit codes: 0 the run succeeded, 1 it failed, 2 bad runbook or inputs, 3 waiting for an approval.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from opsconsole.cli import team_cmd
from opsconsole.cli.options import MfaCode, Output, Reason
from opsconsole.cli.output import OutputFormat, emit_fields, emit_json, emit_table, info
from opsconsole.cli.state import CliState, state_of
from opsconsole.domain.errors import ExitCode, InvalidInput

if TYPE_CHECKING:
    from opsconsole.runbooks.engine import RunbookEngine
    from opsconsole.runbooks.events import ApprovalRequest, RunEvent
    from opsconsole.runbooks.library import RunbookLibrary
    from opsconsole.runbooks.state import RunState

app = typer.Typer(help="On-call runbooks: validate, run (or dry-run), resume, history.", no_args_is_help=True)

Inputs = Annotated[
    list[str] | None, typer.Option("--input", "-i", help="An input as KEY=VALUE; repeat for each input.")
]
ApproveAs = Annotated[
    str | None,
    typer.Option(
        "--approve-as",
        help="Approve the run's approval steps as this person (in a protected environment, not the "
        "person who started the run).",
    ),
]


def _library() -> RunbookLibrary:
    from opsconsole.runbooks.library import RunbookLibrary

    return RunbookLibrary()


@app.command("list")
def list_runbooks(output: Output = OutputFormat.TABLE) -> None:
    """List the shipped runbooks."""
    rows = [
        {
            "name": entry.name,
            "title": entry.book.title if entry.book else f"({entry.invalid})",
            "inputs": [i.name for i in entry.book.inputs] if entry.book else [],
            "steps": len(entry.book.steps) if entry.book else 0,
            "valid": entry.book is not None,
        }
        for entry in _library().listed()
    ]
    if output is OutputFormat.JSON:
        emit_json(rows)
    else:
        emit_table(rows, [("name", "NAME"), ("title", "TITLE"), ("inputs", "INPUTS"), ("steps", "STEPS")])


@app.command("show")
def show(
    name: Annotated[str, typer.Argument(help="A shipped runbook's name, or a file.")],
    output: Output = OutputFormat.TABLE,
) -> None:
    """Show a runbook's inputs and steps."""
    book = _library().load(name)
    data: dict[str, Any] = {
        "name": book.name,
        "title": book.title,
        "description": book.description,
        "path": book.path,
        "inputs": [
            {
                "name": i.name,
                "type": i.type,
                "default": i.default,
                "required": i.required,
                "from_selection": i.from_selection,
                "description": i.description,
            }
            for i in book.inputs
        ],
        "steps": [
            {"id": s.id, "kind": s.kind, "title": s.title, "action": s.action, "line": s.line}
            for s in book.steps
        ],
    }
    if output is OutputFormat.JSON:
        emit_json(data)
        return
    emit_fields([("title", book.title), ("file", book.path), ("description", book.description.strip())])
    emit_table(
        data["inputs"],
        [
            ("name", "INPUT"),
            ("type", "TYPE"),
            ("default", "DEFAULT"),
            ("from_selection", "FROM SELECTION"),
            ("description", "WHAT"),
        ],
    )
    emit_table(data["steps"], [("id", "STEP"), ("kind", "KIND"), ("action", "ACTION"), ("title", "TITLE")])


@app.command("validate")
def validate(
    files: Annotated[list[str], typer.Argument(help="Runbook files or shipped names.")],
    output: Output = OutputFormat.TABLE,
) -> None:
    """Check runbooks without running them; every problem with its line. Exit 2 when any is invalid."""
    library = _library()
    results: list[dict[str, Any]] = []
    for name in files:
        entry = library.check(name)
        problems = [{"line": p.line, "message": p.message} for p in entry.problems]
        results.append({"file": str(entry.path), "valid": entry.book is not None, "problems": problems})
    if output is OutputFormat.JSON:
        emit_json(results)
    else:
        for result in results:
            if result["valid"]:
                typer.echo(f"{result['file']}: ok")
            for problem in result["problems"]:
                typer.echo(f"{result['file']}:{problem['line']}: {problem['message']}")
    if not all(r["valid"] for r in results):
        raise typer.Exit(int(ExitCode.INVALID_INPUT))


@app.command("run")
def run(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A shipped runbook's name, or a file.")],
    inputs: Inputs = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show every call; send no change.")] = False,
    approve_as: ApproveAs = None,
    reason: Reason = None,
    mfa_code: MfaCode = None,
    output: Output = OutputFormat.TABLE,
) -> None:
    """Run a runbook (or dry-run it). Stops at an approval it cannot get (exit 3); resume later."""
    book = _library().load(name)
    given = _parse_inputs(inputs or [])
    state = state_of(ctx)
    _refuse_read_only(state, dry_run)
    engine, calls = _engine(state, mfa_code, approve_as, output)
    _finish(engine.start(book, given, dry_run=dry_run, reason=reason), calls, output)


@app.command("resume")
def resume(
    ctx: typer.Context,
    run_id: Annotated[str, typer.Argument(help="The run's id (see `runbook history`).")],
    approve_as: ApproveAs = None,
    rerun_step: Annotated[
        bool, typer.Option("--rerun-step", help="Send again the change the run was sending when it stopped.")
    ] = False,
    skip_step: Annotated[
        bool, typer.Option("--skip-step", help="Go on past the change the run was sending when it stopped.")
    ] = False,
    mfa_code: MfaCode = None,
    output: Output = OutputFormat.TABLE,
) -> None:
    """Continue a stopped, failed or waiting run at the step it stands on."""
    if rerun_step and skip_step:
        raise InvalidInput("pass --rerun-step or --skip-step, not both")
    state = state_of(ctx)
    _refuse_read_only(state, False)
    engine, calls = _engine(state, mfa_code, approve_as, output)
    _finish(engine.resume(run_id, rerun=rerun_step, skip=skip_step), calls, output)


@app.command("history")
def history(
    run_id: Annotated[str | None, typer.Argument(help="One run's steps; without it, every run.")] = None,
    output: Output = OutputFormat.TABLE,
) -> None:
    """Past and paused runs, newest first; or one run's steps."""
    from dataclasses import asdict

    store = _library().runs
    if run_id is None:
        rows = [store.summary(s) for s in store.runs()]
        if output is OutputFormat.JSON:
            emit_json(rows)
        else:
            emit_table(
                rows,
                [
                    ("run_id", "RUN"),
                    ("runbook", "RUNBOOK"),
                    ("status", "STATUS"),
                    ("step", "AT STEP"),
                    ("started_by", "BY"),
                    ("started_at", "STARTED"),
                    ("error", "NOTE"),
                ],
            )
        return
    run_state = store.load(run_id)
    summary = store.summary(run_state)
    steps = [asdict(h) for h in run_state.history]
    if output is OutputFormat.JSON:
        emit_json(
            {
                **summary,
                "inputs": run_state.inputs,
                "steps": steps,
                "approvals": run_state.approvals,
            }
        )
    else:
        emit_table(
            steps,
            [
                ("step", "STEP"),
                ("kind", "KIND"),
                ("status", "STATUS"),
                ("actor", "ACTOR"),
                ("started", "STARTED"),
                ("finished", "FINISHED"),
                ("error", "ERROR"),
            ],
            title=f"{run_state.run_id} {run_state.title}: {summary['status']}",
        )
        if summary["error"]:
            info(summary["error"])


# -- helpers ----------------------------------------------------------------------------------


def _parse_inputs(pairs: list[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InvalidInput(f"--input {pair!r} is not KEY=VALUE", hint="e.g. --input env=dev")
        values[key.strip()] = value
    return values


def _refuse_read_only(state: CliState, dry_run: bool) -> None:
    if state.settings().read_only and not dry_run:
        from opsconsole.domain.errors import ReadOnlyViolation

        raise ReadOnlyViolation("read-only mode: runbooks may only be dry-run", hint="pass --dry-run")


def _engine(
    state: CliState, mfa_code: str | None, approve_as: str | None, output: OutputFormat
) -> tuple[RunbookEngine, list[dict[str, Any]]]:
    from opsconsole.app.runbooks import Runbooks

    calls: list[dict[str, Any]] = []

    def listen(event: RunEvent) -> None:
        if event.kind == "call":
            calls.append({"step": event.step, "call": event.message, **event.data})
        info(_describe(event))

    engine = Runbooks(state.console(mfa_code)).engine(on_event=listen, approver=_approver(approve_as))
    return engine, calls


def _approver(approve_as: str | None) -> Any:
    from opsconsole.cli.prompts import interactive

    def approve(request: ApprovalRequest) -> None:
        if approve_as:
            request.approve(approve_as, "approved with --approve-as")
            return
        if not interactive():
            return  # left pending: the run stops and says how to resume
        who = "a second person (not " + request.started_by + ")" if request.protected else "you"
        sys.stderr.write(f"approval needed from {who}: {request.message}\napprover's name: ")
        sys.stderr.flush()
        name = sys.stdin.readline().strip()
        sys.stderr.write("approve? [y/N] ")
        sys.stderr.flush()
        if sys.stdin.readline().strip().lower() in ("y", "yes"):
            request.approve(name)
        else:
            request.reject(name or request.started_by, "declined at the prompt")

    return approve


def _describe(event: RunEvent) -> str:
    step = f"[{event.step}] " if event.step else ""
    return f"{event.kind:>15}  {step}{event.message}"


def _finish(run_state: RunState, calls: list[dict[str, Any]], output: OutputFormat) -> None:
    from opsconsole.runbooks.state import AWAITING_APPROVAL, SUCCEEDED

    if output is OutputFormat.JSON:
        emit_json(
            {
                **run_state.summary(),
                "inputs": run_state.inputs,
                "outputs": run_state.outputs,
                "calls": calls,
                "steps": [h.step for h in run_state.history],
            }
        )
    else:
        emit_fields(
            [
                ("run", run_state.run_id),
                ("runbook", run_state.title),
                ("status", run_state.status),
                ("at step", run_state.cursor),
                ("error", run_state.error),
            ]
        )
    if run_state.status == SUCCEEDED:
        return
    if run_state.status == AWAITING_APPROVAL:
        # With a team store a signed approval from another identity; alone, a person's name.
        info(f"run {run_state.run_id} {run_state.waiting_note()}")
        raise typer.Exit(int(ExitCode.DENIED))
    raise typer.Exit(int(ExitCode.FAILED))


app.command("approve")(team_cmd.approve)  # four-eyes approval, signed as yourself
