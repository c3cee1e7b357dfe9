"""`opsconsole logs`: Graylog streams, search and a live tail, scoped to an environment's streams."""

from __future__ import annotations

import json
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any

import typer

from opsconsole.cli.audit_cmd import parse_duration, parse_since
from opsconsole.cli.options import Output
from opsconsole.cli.output import OutputFormat, emit, emit_table, info
from opsconsole.cli.state import state_of
from opsconsole.cli.targets import EnvOpt, chosen_envs, gather
from opsconsole.domain.durations import is_duration
from opsconsole.domain.errors import InvalidInput

if TYPE_CHECKING:
    from collections.abc import Callable

    from opsconsole.domain.errors import BackendError
    from opsconsole.domain.logs import LogMessage
    from opsconsole.graylog.tail import LogTail

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
    console = state.console()
    rows = gather(
        state, [environment], lambda e: [{"environment": e, **vars(s)} for s in console.logs.streams(e)]
    )
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
    result = state.console().logs.search(
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
    late_window: Annotated[
        str | None,
        typer.Option(
            "--late-window",
            help="How far back to look for messages Graylog indexes late, e.g. 30s or 2m "
            "(default: graylog.late_window, 5 s).",
        ),
    ] = None,
    output: Output = OutputFormat.TABLE,
) -> None:
    """Follow new messages as Graylog indexes them, oldest first, until Ctrl-C (or --max/--for).

    No message is shown twice. A message that becomes searchable more than the late window after
    newer ones (a buffering shipper, a sender whose clock is behind) is not shown; the tail counts
    such messages and says so on stderr ("N late messages, older than ..."), with the search that
    finds them. Widen --late-window if that happens (see README: Logs)."""
    state = state_of(ctx)
    [environment] = chosen_envs(state, env, False)
    window = _late_window(late_window)
    deadline = None
    if duration is not None:
        deadline = time.monotonic() + parse_duration(duration, "--for").total_seconds()
    follower = state.console().logs.tail(environment, query, late_window=window)
    printer = _Printer(environment, _field_list(fields), output, max_messages)
    if deadline is not None:
        threading.Thread(target=_stop_at, args=(printer.stop, deadline), daemon=True).start()
    try:
        first = follower.poll()  # a wrong URL, token or query fails here, with its exit code
        if first:
            printer.show(first)
        follower.follow(
            printer.stop, printer.show, printer.warn_with(follower), printer.late_with(follower, query)
        )
    except KeyboardInterrupt:
        pass  # Ctrl-C is how a tail ends: exit 0, no traceback


class _Printer:
    """What a tail prints: messages on stdout (up to --max), warnings and late counts on stderr."""

    def __init__(
        self, environment: str, extra: tuple[str, ...], output: OutputFormat, max_messages: int | None
    ) -> None:
        self.environment, self.extra, self.output, self.max_messages = (
            environment,
            extra,
            output,
            max_messages,
        )
        self.stop = threading.Event()
        self.shown = 0

    def show(self, batch: list[LogMessage]) -> None:
        if self.max_messages is not None:
            batch = batch[: self.max_messages - self.shown]
        for message in batch:
            if self.output is OutputFormat.JSON:
                _json_line(self.environment, message)
            else:
                _line(self.environment, message, self.extra)
        sys.stdout.flush()
        self.shown += len(batch)
        if self.max_messages is not None and self.shown >= self.max_messages:
            self.stop.set()

    @staticmethod
    def warn_with(follower: LogTail) -> Callable[[BackendError], None]:
        def warn(error: BackendError) -> None:
            info(f"warning: {error.message}; retrying in {follower.interval:.0f} s")

        return warn

    def late_with(self, follower: LogTail, query: str) -> Callable[[int, datetime], None]:
        def late(count: int, older_than: datetime) -> None:
            stamp = older_than.isoformat(timespec="seconds")
            info(
                f"warning: {count} late message(s), older than {stamp} (more than the "
                f"{follower.overlap.total_seconds():g} s late window behind newer ones), not shown "
                f"({follower.late} in all); see them with: opsconsole logs search {query!r} --env "
                f"{self.environment} --from <start> --to {stamp}; widen --late-window to show them live"
            )

        return late


def _late_window(text: str | None) -> timedelta | None:
    if text is None:
        return None
    window = parse_duration(text, "--late-window")
    if not timedelta(seconds=1) <= window <= timedelta(hours=1):
        raise InvalidInput(f"--late-window {text} is out of range", hint="use 1s to 1h")
    return window


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
