"""The Graylog pane: a live tail with pause, include and exclude filters, a colour per source.

A thread worker follows the tail (the tail dedupes and orders; this pane only shows) and posts a
batch per poll. Lines go into a bounded buffer and a bounded `Log`, which paints only what is on
screen, so a burst of 10,000 lines a second costs a list append per line, not a repaint.
"""

from __future__ import annotations

import re
from collections import deque
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from rich.highlighter import Highlighter
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Label, Log

from opsconsole.domain.errors import OpsError
from opsconsole.domain.logs import LogMessage
from opsconsole.tui.format import first_line

if TYPE_CHECKING:
    from opsconsole.ports import ConsoleServices, LogFollower

MAX_LINES = 5_000
SOURCE_WIDTH = 16
RETRY_SECONDS = 5.0
BACKLOG = timedelta(minutes=2)
"""A new tail (a switch, a link) starts with this much history, as `tail -n` would."""
PALETTE = ("cyan", "magenta", "green", "yellow", "blue", "bright_cyan", "bright_magenta", "bright_green")
# Syslog levels 0..7 as five-letter labels, so the columns after them stay aligned.
LEVEL_LABELS = ("EMERG", "ALERT", "CRIT", "ERROR", "WARN", "NOTE", "INFO", "DEBUG")
LEVEL_STYLES = {
    "EMERG": "bold white on red",
    "ALERT": "bold white on red",
    "CRIT": "bold red",
    "ERROR": "bold red",
    "WARN": "yellow",
    "NOTE": "bold",
    "INFO": "",
    "DEBUG": "dim",
}
_TIME_WIDTH = 12  # "HH:MM:SS.mmm"
_LEVEL_AT = _TIME_WIDTH + 1
_SOURCE_AT = _LEVEL_AT + 6


def source_of(message: LogMessage) -> str:
    """Who wrote it, as on-call names it: the service (with its env when set), else the GELF source."""
    service = message.service
    if service:
        env = message.environment
        return f"{env}/{service}" if env else service
    return message.source


def format_line(message: LogMessage) -> str:
    t = message.timestamp  # strftime costs a third of a line's formatting at 10,000 lines a second
    stamp = f"{t.hour:02d}:{t.minute:02d}:{t.second:02d}.{t.microsecond // 1000:03d}"
    first = message.message.splitlines()[0] if message.message else ""
    level = LEVEL_LABELS[message.level] if message.level is not None and 0 <= message.level < 8 else "-"
    return f"{stamp} {level:<5} {source_of(message)[:SOURCE_WIDTH]:<{SOURCE_WIDTH}} {first}"


class LineHighlighter(Highlighter):
    """Styles the level and gives each source its own colour, from the line's fixed columns."""

    def highlight(self, text: Text) -> None:
        plain = text.plain
        level = plain[_LEVEL_AT : _LEVEL_AT + 5].strip()
        style = LEVEL_STYLES.get(level, "")
        if style:
            text.stylize(style, _LEVEL_AT, _LEVEL_AT + 5)
            if level in ("EMERG", "ALERT", "CRIT", "ERROR"):
                text.stylize("red", _SOURCE_AT + SOURCE_WIDTH + 1)
        source = plain[_SOURCE_AT : _SOURCE_AT + SOURCE_WIDTH].strip()
        if source:
            text.stylize(PALETTE[_stable_hash(source) % len(PALETTE)], _SOURCE_AT, _SOURCE_AT + SOURCE_WIDTH)
        text.stylize("dim", 0, _TIME_WIDTH)


def _stable_hash(text: str) -> int:
    # Python's hash() is salted per process; colours should not change between runs.
    return sum((i + 1) * ord(c) for i, c in enumerate(text))


def compile_filter(text: str) -> re.Pattern[str] | None:
    """A case-insensitive regex; text that is not a valid regex is matched literally."""
    if not text:
        return None
    try:
        return re.compile(text, re.IGNORECASE)
    except re.error:
        return re.compile(re.escape(text), re.IGNORECASE)


class MultiTail:
    """Several environments' tails as one: merged by time; a failing one is named, the rest go on."""

    def __init__(self, tails: dict[str, LogFollower]) -> None:
        self.tails = tails
        self.errors: dict[str, str] = {}

    @property
    def interval(self) -> float:
        return min(t.interval for t in self.tails.values())

    def poll(self) -> list[LogMessage]:
        batch: list[LogMessage] = []
        for env_name, tail in self.tails.items():
            try:
                batch += tail.poll()
                self.errors.pop(env_name, None)
            except OpsError as e:
                self.errors[env_name] = e.message
        batch.sort(key=lambda m: m.timestamp)
        return batch


class LogBatch(Message, bubble=False):
    def __init__(self, generation: int, tail: LogFollower, messages: list[LogMessage]) -> None:
        super().__init__()
        self.generation = generation
        self.tail = tail
        self.messages = messages


class LogTailFailed(Message, bubble=False):
    def __init__(self, generation: int, error: str) -> None:
        super().__init__()
        self.generation = generation
        self.error = error


class LogSearchDone(Message, bubble=False):
    def __init__(self, title: str, messages: list[LogMessage], total: int) -> None:
        super().__init__()
        self.title = title
        self.messages = messages
        self.total = total


class LogPane(Vertical):
    DEFAULT_CSS = """
    LogPane { border: round $secondary; height: 1fr; }
    LogPane:focus-within { border: round $accent; }
    LogPane.stale { border: round $warning; }
    LogPane.paused { border: round $primary; }
    LogPane #log-state { height: 1; padding: 0 1; color: $text-muted; }
    LogPane.stale #log-state { color: $warning; }
    LogPane #log-filter { display: none; height: 3; }
    LogPane #log-filter.shown { display: block; }
    LogPane Log { height: 1fr; scrollbar-size-vertical: 1; }
    """
    BINDINGS = [
        Binding("p", "pause", "Pause", id="logs-pause", tooltip="Pause or resume the live tail."),
        Binding("plus", "filter('include')", "Include", id="logs-include", tooltip="Only matching lines."),
        Binding(
            "minus",
            "filter('exclude')",
            "Exclude",
            id="logs-exclude",
            show=False,
            tooltip="Hide matching lines.",
        ),
        Binding("f", "full_screen", "Full", id="logs-full", tooltip="The log pane alone on the screen."),
        Binding("S", "search", "Search", id="logs-search", tooltip="Search Graylog over a time range."),
        Binding("escape", "back", "Live", show=False, id="logs-back"),
    ]

    def __init__(
        self, services: ConsoleServices, env_name: str, query: str = "*", *, envs: list[str] | None = None
    ) -> None:
        super().__init__(id="log-pane")
        self.services = services
        self.env_name = env_name
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
        self.error: str | None = None
        self.searching: str | None = None
        self._filter_mode = "include"
        self._generation = 0
        self._tail: LogFollower | None = None
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Input(id="log-filter")
        log = Log(id="log-view", max_lines=MAX_LINES, highlight=True, auto_scroll=True)
        log.highlighter = LineHighlighter()
        yield log
        yield Label("connecting…", id="log-state")

    def on_mount(self) -> None:
        self.border_title = "Graylog"
        self.follow_tail()

    # -- what is followed --------------------------------------------------------------------

    def switch_environment(self, env_name: str) -> None:
        self.env_name = env_name
        self.link(None, None)

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
        if self._timer is not None:
            self._timer.stop()
        self._generation += 1
        self._tail = None
        self.error = None
        self._render_state()
        self._poll()

    def _poll(self) -> None:
        self.poll_tail(self.env_name, self.log_query, self._generation, self._tail)

    @work(thread=True, exclusive=True, exit_on_error=False, group="log-tail", description="Graylog tail")
    def poll_tail(self, env_name: str, query: str, generation: int, tail: LogFollower | None) -> None:
        """One round of the tail; the handler re-arms the next at the interval the tail suggests."""
        try:
            if tail is None:
                tail = (
                    MultiTail({e: self.services.log_tail(e, query, backlog=BACKLOG) for e in self.envs})
                    if self.envs
                    else self.services.log_tail(env_name, query, backlog=BACKLOG)
                )
            batch = tail.poll()
        except OpsError as e:
            self.post_message(LogTailFailed(generation, e.message))
            return
        except Exception as e:  # an unreadable answer: keep what is shown, say why, retry
            self.post_message(LogTailFailed(generation, first_line(e)))
            return
        self.post_message(LogBatch(generation, tail, batch))

    @on(LogBatch)
    def _batch(self, message: LogBatch) -> None:
        if message.generation != self._generation:
            return
        self._tail = message.tail
        self._timer = self.set_timer(message.tail.interval, self._poll)
        partial = message.tail.errors if isinstance(message.tail, MultiTail) else {}
        error = "; ".join(f"{env}: {why}" for env, why in partial.items()) or None
        if error != self.error:
            self.error = error
            self.set_class(error is not None, "stale")
        if not message.messages:
            self._render_state()
            return
        self.received += len(message.messages)
        self.buffer.extend(message.messages)
        if self.paused or self.searching:
            self.held += len(message.messages)
        else:
            lines = [line for line in map(format_line, message.messages) if self._shows(line)]
            if lines:
                self.query_one("#log-view", Log).write_lines(lines)
        self._render_state()

    @on(LogTailFailed)
    def _failed(self, message: LogTailFailed) -> None:
        if message.generation != self._generation:
            return
        self.error = message.error
        self.add_class("stale")
        self._render_state()
        self._timer = self.set_timer(RETRY_SECONDS, self._poll)

    def _shows(self, line: str) -> bool:
        if self.include is not None and not self.include.search(line):
            return False
        return self.exclude is None or not self.exclude.search(line)

    def _redraw(self, messages: list[LogMessage] | None = None) -> None:
        log = self.query_one("#log-view", Log)
        log.clear()
        source = self.buffer if messages is None else messages
        log.write_lines([line for line in map(format_line, source) if self._shows(line)])

    def _render_state(self) -> None:
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
        parts.append(f"{len(self.buffer)} lines")
        if self.error:
            parts.insert(0, f"stale: {self.error} · retrying")
        self.query_one("#log-state", Label).update(" · ".join(parts))
        self.set_class(self.paused, "paused")

    # -- keys ---------------------------------------------------------------------------------

    def action_pause(self) -> None:
        self.paused = not self.paused
        if not self.paused:
            self.held = 0
            self._redraw()
        self._render_state()

    def action_filter(self, mode: str) -> None:
        self._filter_mode = mode
        box = self.query_one("#log-filter", Input)
        current = self.include if mode == "include" else self.exclude
        box.value = current.pattern if current is not None else ""
        box.placeholder = f"{mode} lines matching (regex or text); empty clears"
        box.add_class("shown")
        box.focus()

    @on(Input.Submitted, "#log-filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        pattern = compile_filter(event.value.strip())
        if self._filter_mode == "include":
            self.include = pattern
        else:
            self.exclude = pattern
        event.input.remove_class("shown")
        self.query_one("#log-view", Log).focus()
        self._redraw()
        self._render_state()

    def action_full_screen(self) -> None:
        if self.screen.maximized is self:
            self.screen.minimize()
        else:
            self.screen.maximize(self, container=False)

    def action_back(self) -> None:
        box = self.query_one("#log-filter", Input)
        if box.has_class("shown"):
            box.remove_class("shown")
            self.query_one("#log-view", Log).focus()
        elif self.searching:
            self.searching = None
            self.held = 0
            self._redraw()
            self._render_state()

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
            result = self.services.search_logs(
                self.env_name, query, since=since, start=start, end=end, limit=MAX_LINES
            )
        except OpsError as e:
            self.post_message(LogTailFailed(self._generation, e.message))
            return
        ordered = sorted(result.messages, key=lambda m: m.timestamp)
        title = f"search “{query}” · {span} · {len(ordered)} of {result.total} · Esc: back to live"
        self.post_message(LogSearchDone(title, ordered, result.total))

    @on(LogSearchDone)
    def _search_done(self, message: LogSearchDone) -> None:
        self.searching = message.title
        self.held = 0
        self._redraw(message.messages)
        self._render_state()
