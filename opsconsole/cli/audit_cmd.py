"""`opsconsole audit`: read the audit journal."""

from __future__ import annotations

import enum
import re
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer

from opsconsole.cli.options import Output
from opsconsole.cli.output import OutputFormat, emit, emit_table
from opsconsole.cli.state import state_of
from opsconsole.domain.errors import InvalidInput

app = typer.Typer(help="The audit trail of elevations and changes.", no_args_is_help=True)

_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def _duration(text: str) -> timedelta | None:
    if match := re.fullmatch(r"\s*(\d+)\s*([smhdw])\s*", text):
        return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    return None


def parse_duration(text: str, option: str) -> timedelta:
    """`30m`, `2h`, `7d`: a positive span of time."""
    span = _duration(text)
    if span is None or span <= timedelta(0):
        raise InvalidInput(f"{option} {text!r} is not a duration", hint="use e.g. 30m, 2h or 1d")
    return span


def parse_since(text: str, now: datetime) -> datetime:
    """`30m`, `2h`, `7d` before now, or an ISO 8601 date/time (UTC when no zone is given)."""
    if (span := _duration(text)) is not None:
        return now - span
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"--since {text!r} is neither a duration nor a date",
            hint="use e.g. 30m, 2h, 7d or 2026-11-26T08:00",
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


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

    cutoff = parse_since(since, datetime.now(UTC)) if since else None
    journal = AuditJournal(journal_path(state_of(ctx).settings()))
    wanted = Outcome.UNKNOWN if outcome is OutcomeChoice.UNKNOWN else outcome
    rows = []
    for entry in pair_records(list(journal.records(cutoff))):
        if wanted is not None and entry.outcome != wanted:
            continue
        row = entry.record.to_json_dict()
        row.update(outcome=entry.outcome, error=entry.error)
        row["finished_at"] = entry.finished_at.isoformat() if entry.finished_at else None
        rows.append(row)
    columns = [
        ("at", "AT"),
        ("actor", "WHO"),
        ("action", "ACTION"),
        ("environment", "ENV"),
        ("tier", "TIER"),
        ("reason", "WHY"),
        ("outcome", "OUTCOME"),
        ("error", "ERROR"),
    ]
    emit(rows, output, lambda: emit_table(rows, columns))
