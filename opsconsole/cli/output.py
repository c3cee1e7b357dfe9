"""Rendering for the CLI: data on stdout as a table or JSON, diagnostics on stderr."""

from __future__ import annotations

import enum
import json
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from opsconsole.domain.errors import OpsError

if TYPE_CHECKING:
    from rich.console import Console


class OutputFormat(enum.StrEnum):
    TABLE = "table"
    JSON = "json"


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=_json_default) + "\n")


def emit_table(
    rows: Sequence[dict[str, Any]], columns: Sequence[tuple[str, str]], title: str | None = None
) -> None:
    """A table with one row per dict; `columns` are (key, header) pairs."""
    from rich.table import Table

    table = Table(title=title, title_justify="left", header_style="bold", box=None, pad_edge=False)
    for _key, header in columns:
        table.add_column(header, overflow="fold")
    for row in rows:
        table.add_row(*(_cell(row.get(key)) for key, _ in columns))
    console().print(table)


def emit_fields(fields: Sequence[tuple[str, Any]], title: str | None = None) -> None:
    """A two-column key/value listing, for a single object."""
    from rich.table import Table

    table = Table(title=title, title_justify="left", show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for name, value in fields:
        table.add_row(name, _cell(value))
    console().print(table)


def console() -> Console:
    """A console for stdout; piped output gets a wide page instead of 80 columns."""
    from rich.console import Console

    return Console(soft_wrap=False, width=None if sys.stdout.isatty() else 200)


def emit(data: Any, output: OutputFormat, render_table: Any) -> None:
    if output is OutputFormat.JSON:
        emit_json(data)
    else:
        render_table()


def info(message: str) -> None:
    """A diagnostic line for the operator, never mixed into the data on stdout."""
    sys.stderr.write(message + "\n")


def report_error(error: OpsError) -> None:
    sys.stderr.write(f"error: {error.message}\n")
    if error.hint:
        sys.stderr.write(f"  → {error.hint}\n")


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or "—"
    return str(value)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    raise TypeError(f"cannot encode {type(value).__name__}")
