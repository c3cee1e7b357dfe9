"""The Graylog pane: a live tail with pause, include and exclude filters, a colour per source.

A thread worker follows the tail (the tail dedupes and orders; this pane only shows) and posts a
batch per poll. Lines go into a bounded buffer and a bounded `Log`, which paints only what is on
screen, so a burst of 10,000 lines a second costs a list append per line, not a repaint.
A streaming follower, not a poll of rows: of the refreshing-pane base it takes only the stale
marker and the one place where its workers' failures arrive (`StalePane`).
"""

from __future__ import annotations

import re
from collections import deque
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import Input, Label, Log

from opsconsole.domain.errors import OpsError
from opsconsole.domain.logs import CountsLate, LogMessage, PartialFollower
from opsconsole.tui.format import plural
from opsconsole.tui.key_table import key_table
from opsconsole.tui.messages import PaneRefreshFailed
from opsconsole.tui.widgets.bound import LinkedPane, frame_css, show_text
from opsconsole.tui.widgets.log_lines import LineHighlighter, compile_filter, format_line
from opsconsole.tui.widgets.refreshing import StalePane

if TYPE_CHECKING:
    from opsconsole.links import Links
    from opsconsole.ports import ConsolePort, LogFollower

MAX_LINES = 5_000
LIVE_WINDOW = 300
"""New lines drawn per batch at most, after a tail's first (its backlog, up to MAX_LINES): at
thousands a second nobody reads them as they pass. The rest are skipped (the state line says how
many) and the buffer keeps the last MAX_LINES for a pause (p) or a filter to show."""
RETRY_SECONDS = 5.0
ANSWER_SECONDS = 2.0
"""A poll unanswered after the tail's interval marks the pane stale, never sooner than this: a
busy second of lines is a big search."""
BACKLOG = timedelta(minutes=2)
"""A new tail (a switch, a link) starts with this much history, as `tail -n` would."""


class LogBatch(Message, bubble=False):
    """One poll's newest MAX_LINES messages (how many came is `count`: after a stall of the UI
    thread a poll can bring a minute's worth, and only the buffer's worth is kept alive), and the
    newest `drawable` of them formatted (in the worker, off the UI thread: at 10,000 lines a second
    the formatting is most of a batch's cost)."""

    def __init__(
        self, generation: int, tail: LogFollower, messages: list[LogMessage], drawable: int = MAX_LINES
    ) -> None:
        super().__init__()
        self.generation = generation
        self.tail = tail
        self.count = len(messages)
        self.messages = messages[-MAX_LINES:]
        self.lines = [format_line(m) for m in self.messages[-drawable:]]


class LogSearchDone(Message, bubble=False):
    def __init__(self, title: str, messages: list[LogMessage], total: int) -> None:
        super().__init__()
        self.title = title
        self.messages = messages
        self.total = total


class LogPane(LinkedPane, StalePane):
    DEFAULT_CSS = (
        frame_css("LogPane")
        + """
    LogPane.paused { border: round $primary; }
    LogPane Log { height: 1fr; scrollbar-size-vertical: 1; }
    """
    )
    BINDINGS = key_table(
        "logs",
        ("p", "pause", "Pause", "pause", "Pause or resume the live tail."),
        ("plus", "filter('include')", "Include", "include", "Only matching lines."),
        ("minus", "filter('exclude')", "Exclude", "exclude", "Hide matching lines."),
        ("f", "full_screen", "Full", "full", "The log pane alone on the screen."),
        ("S", "search", "Search", "search", "Search Graylog over a time range."),
        ("escape", "back", "Live", "back", ""),
        hidden={"exclude", "back"},
    )
    pane_id = "log-pane"

    def __init__(
        self, console: ConsolePort, env_name: str, query: str = "*", *, envs: list[str] | None = None
    ) -> None:
        super().__init__(console, env_name)
        self.envs = envs
        """Every environment's tail at once (the all-environments view), or None for `env_name`'s."""
        self.log_query = query
        self.link_label: str | None = None
        self.buffer: deque[LogMessage] = deque(maxlen=MAX_LINES)
        self.paused = False
        self.held = 0
        self.include: re.Pattern[str] | None = None
        self.exclude: re.Pattern[str] | None = None
        self.received = 0
        self.skipped = 0
        """New lines of the last batch not drawn (beyond LIVE_WINDOW)."""
        self.searching: str | None = None
        self._filter_mode = "include"
        self._generation = 0
        self._tail: LogFollower | None = None
        self.refresh_seconds = ANSWER_SECONDS
        """A poll is late after the tail's interval or this, whichever is longer."""
        self.retry_seconds = RETRY_SECONDS
        """After a failed poll, the next one."""

    def compose(self) -> ComposeResult:
        yield Input(id="log-filter", classes="pane-filter")
        log = Log(id="log-view", max_lines=MAX_LINES, highlight=True, auto_scroll=True)
        log.highlighter = LineHighlighter()
        yield log
        yield Label("connecting…", id="log-state", classes="pane-state")

    loop_group = "log-tail"

    def on_mount(self) -> None:
        self.border_title = "Graylog"
        self.follow_tail()

    def retry_later(self) -> None:
        self.schedule(self.retry_seconds, self._poll)

    # -- what is followed --------------------------------------------------------------------

    def switch_environment(self) -> None:
        self.follow(self.own_link(self.linked_to))

    def own_link(self, links: Links | None) -> Links | None:
        return None if self.envs else super().own_link(links)  # all environments: none narrows it

    def follow(self, links: Links | None) -> None:
        self.link(links.log_query if links else None, links.ref.label if links else None)

    def link(self, query: str | None, label: str | None) -> None:
        """Follow a linked resource's query (None: the whole environment)."""
        self.log_query = query or "*"
        self.link_label = label
        self.buffer.clear()
        self.held = 0
        self.searching = None
        self.query_one("#log-view", Log).clear()
        self.follow_tail()

    def follow_tail(self) -> None:
        """Start a new tail; answers of the previous one are recognised by generation and dropped."""
        self.unschedule()
        self._generation += 1
        self._tail = None
        self.forget()
        self.render_state()
        self._poll()

    def _poll(self) -> None:
        interval = self._tail.interval if self._tail is not None else 0.0
        self.expect_answer(max(interval, self.refresh_seconds))
        filtered = self.include is not None or self.exclude is not None
        # A filter picks among all of them; a new tail's backlog is drawn whole.
        drawable = MAX_LINES if filtered or self._tail is None else LIVE_WINDOW
        self.poll_tail(self.env_name, self.log_query, self._generation, self._tail, drawable)

    @work(thread=True, exclusive=True, exit_on_error=False, group="log-tail", description="Graylog tail")
    def poll_tail(
        self, env_name: str, query: str, generation: int, tail: LogFollower | None, drawable: int = MAX_LINES
    ) -> None:
        """One round of the tail; the handler re-arms the next at the interval the tail suggests."""
        try:
            if tail is None:
                tail = (
                    self.console.logs.merged_tail(self.envs, query, backlog=BACKLOG)
                    if self.envs
                    else self.console.logs.tail(env_name, query, backlog=BACKLOG)
                )
            batch = tail.poll()
        except OpsError as e:
            self.post_message(PaneRefreshFailed(generation, e.message))
            return
        self.post_message(LogBatch(generation, tail, batch, drawable))

    @on(LogBatch)
    def _batch(self, message: LogBatch) -> None:
        if message.generation != self._generation:
            return
        self.answered()
        window = MAX_LINES if self._tail is not message.tail else LIVE_WINDOW
        self._tail = message.tail
        self.schedule(message.tail.interval, self._poll)
        partial = message.tail.errors if isinstance(message.tail, PartialFollower) else {}
        if partial:
            self.mark_stale("; ".join(f"{env}: {why}" for env, why in partial.items()))
        else:
            self.mark_fresh(self.now())
        if not message.messages:
            self.render_state()
            return
        self.received += message.count
        self.buffer.extend(message.messages)
        if self.paused or self.searching:
            self.held += message.count
        else:
            self._draw_live(message, window)
        self.render_state()

    def _draw_live(self, message: LogBatch, window: int) -> None:
        """The newest `window` lines of the batch that the filters let through; the others are
        counted as skipped (the buffer keeps them for a pause or a filter)."""
        lines = message.lines
        if self.include is not None or self.exclude is not None:
            lines = [line for line in lines if self._shows(line)]
        self.skipped = message.count - len(message.lines) + max(0, len(lines) - window)
        if lines:
            self.query_one("#log-view", Log).write_lines(lines[-window:])

    def on_pane_refresh_failed(self, message: PaneRefreshFailed) -> None:
        if message.context == ("search", self._generation):
            self.notify(message.error, title="Graylog search failed", severity="warning")
        elif message.context == self._generation:
            self.answered()
            self.mark_stale(message.error)
            self.render_state()
            self.retry_later()

    def _shows(self, line: str) -> bool:
        if self.include is not None and not self.include.search(line):
            return False
        return self.exclude is None or not self.exclude.search(line)

    def _redraw(self, messages: list[LogMessage] | None = None) -> None:
        log = self.query_one("#log-view", Log)
        log.clear()
        source = self.buffer if messages is None else messages
        log.write_lines([line for line in map(format_line, source) if self._shows(line)])

    def render_state(self) -> None:
        parts: list[str] = []
        if self.searching:
            parts.append(self.searching)
        elif self.paused:
            parts.append(f"paused · {self.held} new")
        else:
            parts.append("live")
        where = "all environments" if self.envs else self.env_name
        parts.append(f"linked to {self.link_label}" if self.link_label else f"{where} · {self.log_query}")
        if self.include is not None:
            parts.append(f"+{self.include.pattern}")
        if self.exclude is not None:
            parts.append(f"-{self.exclude.pattern}")
        total = plural(len(self.buffer), "line")
        if self.include is not None or self.exclude is not None:
            total = f"{self.query_one('#log-view', Log).line_count} of {total} match"
        parts.append(total)
        late = self._tail.late if isinstance(self._tail, CountsLate) else 0
        if late:
            parts.append(
                f"{plural(late, 'late message')} not shown (indexed after the late window): S finds them"
            )
        if self.skipped and not (self.paused or self.searching):
            parts.append(f"{self.skipped:,} new lines skipped, showing the newest: p pauses to read")
        stale = self.stale_text()
        if stale is not None:
            parts.insert(0, f"{stale} · retrying")
        show_text(self.query_one("#log-state", Label), " · ".join(parts), fixed=True)
        self.set_class(self.paused, "paused")

    # -- keys ---------------------------------------------------------------------------------

    def action_pause(self) -> None:
        self.paused = not self.paused
        if not self.paused:
            self.held = 0
            self._redraw()
        self.render_state()

    def action_filter(self, mode: str) -> None:
        self._filter_mode = mode
        box = self.query_one("#log-filter", Input)
        current = self.include if mode == "include" else self.exclude
        box.value = current.pattern if current is not None else ""
        box.placeholder = f"{mode} lines matching (regex or text); empty clears"
        box.add_class("shown")
        # Shown and focused now, not at the next refresh: keys typed right after must land in it.
        box.display = True
        self.screen.set_focus(box)

    @on(Input.Submitted, "#log-filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        pattern = compile_filter(event.value.strip())
        if self._filter_mode == "include":
            self.include = pattern
        else:
            self.exclude = pattern
        event.input.remove_class("shown")
        event.input.display = False
        self.query_one("#log-view", Log).focus()
        self._redraw()
        self.render_state()

    def action_full_screen(self) -> None:
        if self.screen.maximized is self:
            self.screen.minimize()
        else:
            self.screen.maximize(self, container=False)

    def action_back(self) -> None:
        box = self.query_one("#log-filter", Input)
        if box.has_class("shown"):
            box.remove_class("shown")
            box.display = False
            self.query_one("#log-view", Log).focus()
        elif self.searching:
            self.searching = None
            self.held = 0
            self._redraw()
            self.render_state()

    def action_search(self) -> None:
        from opsconsole.tui.screens.log_search import LogSearchRequest, LogSearchScreen

        def chosen(request: LogSearchRequest | None) -> None:
            if request is not None:
                self.search(request.query, request.since, request.start, request.end)

        self.app.push_screen(LogSearchScreen(self.env_name, self.log_query), chosen)

    @work(thread=True, exclusive=True, exit_on_error=False, group="log-search", description="Graylog search")
    def search(
        self, query: str, since: timedelta | None, start: datetime | None, end: datetime | None
    ) -> None:
        span = f"last {since}" if since else f"{start:%Y-%m-%d %H:%M} – {end:%H:%M}"
        try:
            result = self.console.logs.search(
                self.env_name, query, since=since, start=start, end=end, limit=MAX_LINES
            )
        except OpsError as e:
            self.post_message(PaneRefreshFailed(("search", self._generation), e.message))
            return
        ordered = sorted(result.messages, key=lambda m: m.timestamp)
        title = f"search “{query}” · {span} · {len(ordered)} of {result.total} · Esc: back to live"
        self.post_message(LogSearchDone(title, ordered, result.total))

    @on(LogSearchDone)
    def _search_done(self, message: LogSearchDone) -> None:
        self.searching = message.title
        self.held = 0
        self._redraw(message.messages)
        self.render_state()
