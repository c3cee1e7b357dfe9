"""`opsconsole logs`: Graylog streams, search and a live tail, scoped to an environment's streams."""

from __future__ import annotations

import json
import sys
import threading
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from opsconsole.cli.audit_cmd import parse_duration, parse_since
from opsconsole.cli.options import Output
from opsconsole.cli.output import OutputFormat, emit, emit_table, info
from opsconsole.cli.state import state_of
from opsconsole.cli.targets import EnvOpt, chosen_envs
from opsconsole.domain.durations import is_duration
from opsconsole.domain.errors import InvalidInput

if TYPE_CHECKING:
    from opsconsole.domain.errors import BackendError
    from opsconsole.domain.logs import LogMessage

app = typer.Typer(help="Graylog streams, search and live tail for an environment.", no_args_is_help=True)
QueryArg = Annotated[str, typer.Argument(help="Graylog query, e.g. 'service:api AND level:3' or \"*\".")]
Fields = Annotated[
    str | None, typer.Option("--fields", "-f", help="Extra fields to show or return, comma-separated.")
]
BASE_FIELDS = ("source", "message", "level", "env", "service")
"""Always asked for along --fields: a server returns only the fields asked for."""


@app.command("streams")
def streams(ctx: typer.Context, env: EnvOpt = None, output: Output = OutputFormat.TABLE) -> None:
    """The environment's Graylog streams (all message streams when its config names none)."""
    state = state_of(ctx)
    [environment] = chosen_envs(state, env, False)
    rows = [{"environment": environment, **vars(s)} for s in state.services().log_streams(environment)]
    columns = [("environment", "ENV"), ("title", "STREAM"), ("id", "ID"), ("description", "DESCRIPTION")]
    emit(rows, output, lambda: emit_table(rows, columns))


@app.command("search")
def search(
    ctx: typer.Context,
    query: QueryArg = "*",
    env: EnvOpt = None,
    since: Annotated[
        str | None, typer.Option("--since", help="How far back: 15m, 2h, 7d (default 15m), or an ISO date.")
    ] = None,
    start: Annotated[
        str | None, typer.Option("--from", help="Absolute start, ISO 8601 (UTC if no zone).")
    ] = None,
    end: Annotated[str | None, typer.Option("--to", help="Absolute end, ISO 8601; now when omitted.")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=10_000, help="Messages per page.")] = 150,
    offset: Annotated[int, typer.Option("--offset", min=0, help="Skip this many (paging).")] = 0,
    fields: Fields = None,
    output: Output = OutputFormat.TABLE,
) -> None:
    """Messages matching QUERY, newest first. JSON output is one message per line."""
    state = state_of(ctx)
    [environment] = chosen_envs(state, env, False)
    now = datetime.now(UTC)
    window: dict[str, Any] = {}
    if start or end:
        if since:
            raise InvalidInput("pass --since or --from/--to, not both")
        if not start:
            raise InvalidInput("--to needs --from", hint="e.g. --from 2026-11-26T08:00 --to 2026-11-26T09:00")
        window = {"start": _moment(start, "--from"), "end": _moment(end, "--to") if end else None}
    elif since is not None and not is_duration(since):
        window = {"start": parse_since(since, now)}
    else:
        window = {"since": parse_duration("15m" if since is None else since, "--since")}
    extra = _field_list(fields)
    wanted = (*BASE_FIELDS, *(f for f in extra if f not in BASE_FIELDS)) if extra else ()
    result = state.services().search_logs(
        environment, query, limit=limit, offset=offset, fields=wanted, **window
    )
    if output is OutputFormat.JSON:
        for message in result.messages:
            _json_line(environment, message)
    else:
        _table(environment, list(result.messages), extra)
        shown = len(result.messages)
        more = " (use --offset to page)" if result.total > offset + shown else ""
        info(f"{shown} of {result.total} message(s){more}")


@app.command("tail")
def tail(
    ctx: typer.Context,
    query: QueryArg = "*",
    env: EnvOpt = None,
    fields: Fields = None,
    max_messages: Annotated[
        int | None, typer.Option("--max", min=1, help="Stop after this many messages (for scripts).")
    ] = None,
    duration: Annotated[
        str | None, typer.Option("--for", help="Stop after this long, e.g. 30s or 5m (for scripts).")
    ] = None,
    output: Output = OutputFormat.TABLE,
) -> None:
    """Follow new messages as Graylog indexes them, oldest first, until Ctrl-C (or --max/--for).
    No message is shown twice and none is skipped (see README: Logs)."""
    state = state_of(ctx)
    [environment] = chosen_envs(state, env, False)
    deadline = None
    if duration is not None:
        deadline = time.monotonic() + parse_duration(duration, "--for").total_seconds()
    extra = _field_list(fields)
    follower = state.services().log_tail(environment, query)
    first = follower.poll()  # a wrong URL, token or query fails here, with its exit code
    stop = threading.Event()
    shown = 0

    def show(batch: list[LogMessage]) -> None:
        nonlocal shown
        if max_messages is not None:
            batch = batch[: max_messages - shown]
        for message in batch:
            if output is OutputFormat.JSON:
                _json_line(environment, message)
            else:
                _line(environment, message, extra)
        sys.stdout.flush()
        shown += len(batch)
        if max_messages is not None and shown >= max_messages:
            stop.set()

    def warn(error: BackendError) -> None:
        info(f"warning: {error.message}; retrying in {follower.interval:.0f} s")

    if deadline is not None:
        threading.Thread(target=_stop_at, args=(stop, deadline), daemon=True).start()
    try:
        if first:
            show(first)
        follower.follow(stop, show, warn)
    except KeyboardInterrupt:
        pass  # Ctrl-C is how a tail ends: exit 0, no traceback


def _stop_at(stop: threading.Event, deadline: float) -> None:
    stop.wait(max(0.0, deadline - time.monotonic()))
    stop.set()


def _field_list(fields: str | None) -> tuple[str, ...]:
    return tuple(f.strip() for f in (fields or "").split(",") if f.strip())


def _moment(text: str, option: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"{option} {text!r} is not an ISO 8601 date/time", hint="e.g. 2026-11-26T08:00"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def message_json(environment: str, message: LogMessage) -> dict[str, Any]:
    return {
        "environment": environment,
        "id": message.id,
        "timestamp": message.timestamp.isoformat(timespec="milliseconds"),
        "source": message.source,
        "level": message.level,
        "message": message.message,
        "fields": dict(message.fields),
    }


def _json_line(environment: str, message: LogMessage) -> None:
    sys.stdout.write(json.dumps(message_json(environment, message), default=str) + "\n")


def _line(environment: str, message: LogMessage, extra: tuple[str, ...]) -> None:
    service = message.service or message.source
    shown = " ".join(f"{name}={message.field(name)}" for name in extra if message.field(name) is not None)
    stamp = message.timestamp.isoformat(timespec="milliseconds")
    line = f"{stamp} {message.level_name:<7} {service:<12} {message.message}"
    sys.stdout.write(f"{line} {shown}\n" if shown else line + "\n")


def _table(environment: str, messages: list[LogMessage], extra: tuple[str, ...]) -> None:
    rows = [
        {
            "timestamp": m.timestamp.isoformat(timespec="milliseconds"),
            "level": m.level_name,
            "service": m.service or "",
            "source": m.source,
            "message": m.message,
            **{name: m.field(name) for name in extra},
        }
        for m in messages
    ]
    columns = [
        ("timestamp", "TIME"),
        ("level", "LEVEL"),
        ("service", "SERVICE"),
        ("source", "SOURCE"),
        *[(name, name.upper()) for name in extra],
        ("message", "MESSAGE"),
    ]
    emit_table(rows, columns, title=f"{environment} logs")
