"""The Zabbix problems pane: severity, age, host, name, acknowledged, tags.

A `RefreshingPane` (a re-armed thread worker, keyed diff updates, stale rows kept with the
reason). Filters apply in memory, so narrowing to a linked resource is instant;
space marks rows for actions on several problems at once.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import DataTable, Input, Label

from opsconsole.domain.action_kinds import ActionKind
from opsconsole.domain.durations import age
from opsconsole.domain.problems import Problem, Severity
from opsconsole.tui.key_table import key_table
from opsconsole.tui.read_only import changes_hidden
from opsconsole.tui.widgets.bound import LinkedPane, frame_css, show_text
from opsconsole.tui.widgets.fast_table import FastTable
from opsconsole.tui.widgets.keyed_rows import KeyedRows
from opsconsole.tui.widgets.problem_rows import SEVERITY_VARIABLE as SEVERITY_VARIABLE
from opsconsole.tui.widgets.problem_rows import Filters, RankedProblems, problem_row
from opsconsole.tui.widgets.problem_rows import theme_colour as theme_colour
from opsconsole.tui.widgets.refreshing import RefreshingPane

if TYPE_CHECKING:
    from opsconsole.links import Links
    from opsconsole.ports import ConsolePort

MAX_ROWS = 500
"""Rows in the table at most, the most severe and newest first: an incident with thousands of open
problems costs a bounded table, and the state line says how many more match (filter or link to
narrow them)."""
COLUMNS = ("", "severity", "age", "problem", "host", "ack", "tags")
COLUMN_KEYS = tuple(column or "mark" for column in COLUMNS)


class ProblemSelected(Message):
    """The cursor rests on a problem: the main screen may select what it is about."""

    def __init__(self, problem: Problem) -> None:
        super().__init__()
        self.problem = problem


class ProblemActionRequested(Message):
    """Acknowledge (and friends) on these problems; the main screen asks and sends."""

    def __init__(self, env_name: str, kind: ActionKind, problems: list[Problem]) -> None:
        super().__init__()
        self.env_name = env_name
        self.kind = kind
        self.problems = problems


class ProblemsPane(LinkedPane, RefreshingPane[RankedProblems]):
    DEFAULT_CSS = frame_css("ProblemsPane")
    BINDINGS = key_table(
        "problems",
        ("space", "mark", "Mark", "mark", "Mark for a multi-problem action."),
        ("a", ActionKind.ZABBIX_ACKNOWLEDGE, "Ack", "ack", "Acknowledge with a message."),
        ("c", ActionKind.ZABBIX_CLOSE, "Close", "close", "Close where allowed."),
        ("U", ActionKind.ZABBIX_UNACKNOWLEDGE, "Unack", "unack", "Take back an ack."),
        ("S", ActionKind.ZABBIX_SEVERITY, "Severity", "severity", "Change the severity."),
        (
            "m",
            ActionKind.ZABBIX_MESSAGE,
            "Message",
            "message",
            "Add a message to the history, changing nothing else.",
        ),
        ("v", "min_severity", "Min sev", "min-severity", "Raise the minimum."),
        ("n", "unacked", "Unacked", "unacked", "Only unacknowledged problems."),
        ("slash", "filter", "Filter", "filter", "Filter by text."),
        ("escape", "clear_filter", "Clear", "clear", ""),
        hidden={"unack", "severity", "message", "min-severity", "unacked", "clear"},
    )

    pane_id = "problems-pane"

    def __init__(self, console: ConsolePort, env_name: str) -> None:
        super().__init__(console, env_name)
        self.filters = Filters()
        self.problems: dict[str, Problem] = {}
        self._ranked = RankedProblems()
        """The problems, most severe and newest first: sorted once per read, filtered per key."""
        self.marked: set[str] = set()
        self.scope_label: str | None = None
        self._table: KeyedRows | None = None
        self._select_when_loaded: str | None = None
        self.matching = 0
        """Problems the filters let through (the table holds at most MAX_ROWS of them)."""
        self.shown_filters: Filters | None = None
        """The filters the table was last rendered with."""
        self._rows: dict[str, tuple[Problem, str, bool, tuple[Any, ...]]] = {}
        """Each shown problem's row, reused while the problem, its age and its mark are unchanged."""

    def compose(self) -> ComposeResult:
        yield Input(
            placeholder="text in problem or host; Escape clears", id="problems-filter", classes="pane-filter"
        )
        yield FastTable(id="problems-table", cursor_type="row")
        yield Label("loading…", id="problems-state", classes="pane-state")

    def on_mount(self) -> None:
        self.border_title = "Zabbix problems"
        table = self.query_one("#problems-table", DataTable)
        for column, key in zip(COLUMNS, COLUMN_KEYS, strict=True):
            table.add_column(column, key=key)
        self._table = KeyedRows(table, COLUMN_KEYS)
        self.refresh_rows()

    # -- what is shown ------------------------------------------------------------------------

    def follow(self, links: Links | None) -> None:
        self.link(links.problems.matches if links else None, links.ref.label if links else None)

    def switch_environment(self) -> None:
        self.problems.clear()
        self._ranked = RankedProblems()
        self.marked.clear()
        assert self._table is not None
        self._table.reset()
        self.forget()
        self.follow(self.own_link(self.linked_to))
        self.refresh_rows()

    def link(self, scope: Callable[[Problem], bool] | None, label: str | None) -> None:
        """Narrow to a linked resource's problems (None: all of the environment's)."""
        self.scope_label = label
        self._set_filters(scope=scope)

    def shown_problems(self) -> list[Problem]:
        return self._ranked.matching(self.filters)

    def select_when_loaded(self, eventid: str) -> None:
        """Put the cursor on a problem now, or when the next refresh brings it."""
        if not self.select_eventid(eventid):
            self._select_when_loaded = eventid

    def select_eventid(self, eventid: str) -> bool:
        return self._table is not None and self._table.select(eventid)

    # -- refresh ----------------------------------------------------------------------------------

    def context(self) -> Hashable:
        return self.env_name

    def fetch_job(self) -> Callable[[], RankedProblems]:
        read, env_name, scope = self.console.alerts.problems, self.env_name, self.filters.scope
        return lambda: RankedProblems(read(env_name), scope)

    def show(self, data: RankedProblems) -> None:
        self.problems = data.by_id
        self._ranked = data
        self.marked &= set(self.problems)
        self._render_rows()
        if self._select_when_loaded and self.select_eventid(self._select_when_loaded):
            self._select_when_loaded = None

    def _render_rows(self) -> None:
        """Problems that came, went or changed rank are laid out again; the cursor stays put. A
        row is built again only when its problem, age or mark changed."""
        assert self._table is not None
        now = self.now()
        shown = self.shown_problems()
        self.matching = len(shown)
        colours = {s: theme_colour(self.app.theme_variables, v) for s, v in SEVERITY_VARIABLE.items()}
        cache, rows = self._rows, {}
        for problem in shown[:MAX_ROWS]:
            when, marked = age(problem.started, now), problem.eventid in self.marked
            held = cache.get(problem.eventid)
            if held is None or held[1] != when or held[2] != marked or held[0] != problem:
                held = (problem, when, marked, problem_row(problem, when, marked, colours[problem.severity]))
            rows[problem.eventid] = held
        self._rows = rows
        self._table.update({key: held[3] for key, held in rows.items()}, ordered=True)
        self.shown_filters = self.filters
        self.render_state()

    def render_state(self) -> None:
        shown = len(self.query_one("#problems-table", DataTable).rows)
        parts = [f"{shown} of {len(self.problems)} problems"]
        if self.matching > shown:
            parts.append(f"{self.matching} match, the {shown} most severe shown: filter or link to narrow")
        if self.scope_label:
            parts.append(f"linked to {self.scope_label}")
        if self.filters.describe():
            parts.append(self.filters.describe())
        if self.marked:
            parts.append(f"{len(self.marked)} marked")
        stale = self.stale_text()
        if stale is not None:
            parts.insert(0, stale)
        elif self.loaded_at:
            parts.append(f"updated {self.loaded_at:%H:%M:%S}")
        show_text(self.query_one("#problems-state", Label), " · ".join(parts), fixed=True)

    # -- keys -----------------------------------------------------------------------------------

    def selected(self) -> Problem | None:
        table = self.query_one("#problems-table", DataTable)
        if not table.rows:
            return None
        key = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        return self.problems.get(key)

    def targets(self) -> list[Problem]:
        """The marked problems, or the one under the cursor."""
        marked = [p for p in self.shown_problems() if p.eventid in self.marked]
        if marked:
            return marked
        current = self.selected()
        return [current] if current else []

    @on(DataTable.RowHighlighted, "#problems-table")
    def _highlighted(self) -> None:
        problem = self.selected()
        if problem is not None:
            self.post_message(ProblemSelected(problem))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "act":
            return not changes_hidden(self.app, self.env_name)
        return True

    def action_mark(self) -> None:
        problem = self.selected()
        if problem is None:
            return
        self.marked ^= {problem.eventid}
        self._render_rows()
        self.query_one("#problems-table", DataTable).action_cursor_down()

    def action_act(self, action: str) -> None:
        targets = self.targets()
        if not targets:
            self.notify("no problem selected", severity="warning")
            return
        self.post_message(ProblemActionRequested(self.env_name, ActionKind(action), targets))

    def action_min_severity(self) -> None:
        following = Severity((self.filters.min_severity + 1) % (Severity.DISASTER + 1))
        self._set_filters(min_severity=following)

    def action_unacked(self) -> None:
        self._set_filters(unacknowledged_only=not self.filters.unacknowledged_only)

    def action_filter(self) -> None:
        box = self.query_one("#problems-filter", Input)
        box.add_class("shown")
        # Shown and focused now, not at the next refresh: keys typed right after must land in it.
        box.display = True
        self.screen.set_focus(box)

    @on(Input.Changed, "#problems-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self._set_filters(text=event.value.strip())

    @on(Input.Submitted, "#problems-filter")
    def _filter_done(self) -> None:
        self.query_one("#problems-table", DataTable).focus()

    def action_clear_filter(self) -> None:
        box = self.query_one("#problems-filter", Input)
        box.value = ""
        box.remove_class("shown")
        box.display = False
        self.query_one("#problems-table", DataTable).focus()

    def _set_filters(self, **changes: Any) -> None:
        self.filters = replace(self.filters, **changes)
        self._render_rows()

    def after_action(self) -> None:
        self.marked.clear()
        self.refresh_rows()
