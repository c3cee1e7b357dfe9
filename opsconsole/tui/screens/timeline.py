"""The incident timeline of the selected resource: every system's entries, newest first; Enter jumps."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label

from opsconsole.domain.errors import OpsError
from opsconsole.domain.resources import ResourceRef
from opsconsole.domain.timeline import TimelineEntry
from opsconsole.tui.format import plural
from opsconsole.tui.messages import ActionFailed, TimelineLoaded

if TYPE_CHECKING:
    from opsconsole.ports import ConsolePort

SOURCE_STYLES = {
    "stack": "magenta",
    "ecs": "cyan",
    "task": "yellow",
    "zabbix": "red",
    "audit": "green",
    "graylog": "bright_red",
}
SPANS = (timedelta(hours=2), timedelta(hours=6), timedelta(days=1), timedelta(minutes=30))


class TimelineScreen(Screen[TimelineEntry | None]):
    """Dismisses with the chosen entry, so the main screen can jump to its pane."""

    DEFAULT_CSS = """
    TimelineScreen #timeline-title { height: 1; padding: 0 1; text-style: bold; }
    TimelineScreen #timeline-state { height: 1; padding: 0 1; color: $text-muted; }
    TimelineScreen DataTable { height: 1fr; margin: 0 1; }
    """
    BINDINGS = [
        Binding("escape,q", "close", "Back", id="timeline-close", tooltip="Back to the panes."),
        Binding("t", "span", "Span", id="timeline-span", tooltip="Look further back: 2h, 6h, 1d, 30m."),
        Binding("r", "reload", "Reload", id="timeline-reload", tooltip="Read every system again."),
    ]

    def __init__(self, console: ConsolePort, ref: ResourceRef, span: timedelta = SPANS[0]) -> None:
        super().__init__()
        self.console = console
        self.ref = ref
        self.span = span
        self.entries: list[TimelineEntry] = []

    def compose(self) -> ComposeResult:
        yield Label(f"Timeline · {self.ref}", id="timeline-title")
        yield DataTable(id="timeline-table", cursor_type="row", zebra_stripes=True)
        yield Label("reading stacks, ECS, Zabbix, audit and Graylog…", id="timeline-state")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for column in ("time", "source", "what", "detail"):
            table.add_column(column, key=column)
        table.focus()
        self.action_reload()

    def action_reload(self) -> None:
        self.load(self.span)

    def action_span(self) -> None:
        self.span = SPANS[(SPANS.index(self.span) + 1) % len(SPANS)] if self.span in SPANS else SPANS[0]
        self.action_reload()

    @work(thread=True, exclusive=True, exit_on_error=False, group="timeline", description="Timeline")
    def load(self, span: timedelta) -> None:
        try:
            timeline = self.console.correlation.timeline(self.ref, span)
        except OpsError as e:
            self.post_message(ActionFailed("timeline", e.message))
            return
        self.post_message(TimelineLoaded(timeline))

    @on(TimelineLoaded)
    def _loaded(self, message: TimelineLoaded) -> None:
        table = self.query_one(DataTable)
        table.clear()
        self.entries = list(message.timeline.entries)
        for i, entry in enumerate(self.entries):
            style = SOURCE_STYLES.get(entry.source, "")
            table.add_row(
                entry.at.strftime("%H:%M:%S"),
                Text(entry.source, style=style),
                entry.kind,
                entry.text,
                key=str(i),
            )
        since = f"{message.timeline.since:%H:%M}"
        state = f"{plural(len(self.entries), 'entry')} since {since} · enter jumps · t span"
        if message.timeline.unavailable:
            state += " · left out: " + "; ".join(message.timeline.unavailable)
        self.query_one("#timeline-state", Label).update(state)

    @on(ActionFailed)
    def _failed(self, message: ActionFailed) -> None:
        self.query_one("#timeline-state", Label).update(f"cannot build the timeline: {message.error}")

    @on(DataTable.RowSelected)
    def _chosen(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.dismiss(self.entries[int(event.row_key.value)])

    def action_close(self) -> None:
        self.dismiss(None)
