"""`opsconsole audit`: read the audit journal."""

from __future__ import annotations

import enum
import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import typer

from opsconsole.cli.options import Output
from opsconsole.cli.output import OutputFormat, emit, emit_table
from opsconsole.cli.state import state_of
from opsconsole.domain.errors import InvalidInput

app = typer.Typer(help="The audit trail of elevations and changes.", no_args_is_help=True)


def parse_duration(text: str, option: str) -> timedelta:
    """`30m`, `2h`, `7d`: a positive span of time, at most ten years (domain/durations.py).

    Raises:
        InvalidInput: naming the option.
    """
    from opsconsole.domain.durations import DurationError, parse_span

    try:
        return parse_span(text)
    except DurationError as e:
        raise InvalidInput(f"{option}: {e}", hint="use e.g. 30m, 2h or 1d") from None


def parse_since(text: str, now: datetime, option: str = "--since") -> datetime:
    """`30m`, `2h`, `7d` before now, or an ISO 8601 date/time (UTC when no zone is given).

    Raises:
        InvalidInput: naming the option.
    """
    from opsconsole.domain.durations import DurationError
    from opsconsole.domain.durations import parse_since as since

    try:
        return since(text, now)
    except DurationError as e:
        raise InvalidInput(f"{option}: {e}", hint="use e.g. 30m, 2h, 7d or 2026-11-26T08:00") from None


class OutcomeChoice(enum.StrEnum):
    OK = "ok"
    FAILED = "failed"
    INTERRUPTED = "interrupted"
    UNKNOWN = "unknown"


@app.command("list")
def list_records(
    ctx: typer.Context,
    since: Annotated[
        str | None, typer.Option("--since", help="Only records after this: 2h, 7d, or an ISO date.")
    ] = None,
    outcome: Annotated[
        OutcomeChoice | None,
        typer.Option(
            "--outcome",
            help="Only entries with this outcome (unknown: an intent whose outcome was never written).",
        ),
    ] = None,
    output: Output = OutputFormat.TABLE,
) -> None:
    """List the audit trail, oldest first: each change once, with its outcome (ok, failed with the
    error, interrupted, or "outcome unknown" when the console died between the call and its answer)."""
    from opsconsole.app.audit import journal_path
    from opsconsole.audit import AuditJournal
    from opsconsole.domain.audit import Outcome, pair_records

    cutoff = parse_since(since, datetime.now(UTC)) if since is not None else None
    journal = AuditJournal(journal_path(state_of(ctx).settings()))
    wanted = Outcome.UNKNOWN if outcome is OutcomeChoice.UNKNOWN else outcome
    rows = []
    for entry in pair_records(list(journal.records(cutoff))):
        if wanted is not None and entry.outcome != wanted:
            continue
        row = entry.record.to_json_dict()
        row.update(target=entry.record.target, outcome=entry.outcome, error=entry.error)
        row["finished_at"] = entry.finished_at.isoformat() if entry.finished_at else None
        rows.append(row)
    columns = [
        ("at", "AT"),
        ("actor", "WHO"),
        ("action", "ACTION"),
        ("environment", "ENV"),
        ("target", "TARGET"),
        ("tier", "TIER"),
        ("reason", "WHY"),
        ("outcome", "OUTCOME"),
        ("error", "ERROR"),
    ]
    emit(rows, output, lambda: emit_table(rows, columns))
    _say_what_may_be_half_done(rows)


_RUN_STEP = re.compile(r"^runbook \S+ run (\S+) step (\w+)")


def _say_what_may_be_half_done(rows: list[dict[str, Any]]) -> None:
    """On stderr, for each change whose outcome is unknown, what to check and how to go on."""
    from opsconsole.cli.output import info
    from opsconsole.domain.audit import Outcome

    for row in rows:
        if row["outcome"] != Outcome.UNKNOWN:
            continue
        what = f"{row['action']} in {row['environment']} at {row['at']} may be half-done"
        run = _RUN_STEP.match(str(row.get("reason") or ""))
        if run:
            info(
                f"note: {what} (runbook run {run.group(1)}, step {run.group(2)}): check it, then "
                f"`opsconsole runbook resume {run.group(1)} --rerun-step` or `--skip-step`"
            )
        else:
            info(f"note: {what}: check it in the system before doing it again")
