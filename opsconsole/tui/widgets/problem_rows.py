"""What the problems pane shows of a problem: its filters, its row, its severity's colour."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from rich.text import Text

from opsconsole.domain.problems import Problem, Severity

# Severity -> theme variable, so every theme (and the prod chrome) colours problems its own way.
SEVERITY_VARIABLE = {
    Severity.DISASTER: "error",
    Severity.HIGH: "error",
    Severity.AVERAGE: "warning",
    Severity.WARNING: "warning",
    Severity.INFORMATION: "primary",
    Severity.NOT_CLASSIFIED: "foreground-muted",
}


def theme_colour(variables: dict[str, str], name: str) -> str:
    """A theme variable as a Rich colour, or "" when it is not a plain colour (e.g. "auto 60%")."""
    from rich.color import Color, ColorParseError

    value = variables.get(name, "")
    try:
        Color.parse(value)
    except ColorParseError:
        return ""
    return value


@dataclass(frozen=True)
class Filters:
    min_severity: Severity = Severity.NOT_CLASSIFIED
    unacknowledged_only: bool = False
    text: str = ""
    scope: Callable[[Problem], bool] | None = None
    """A linked resource's predicate (links.ProblemScope.matches), or None for all."""

    def keep(self, problem: Problem) -> bool:
        if problem.severity < self.min_severity:
            return False
        if self.unacknowledged_only and problem.acknowledged:
            return False
        if self.text and self.text.lower() not in f"{problem.name} {problem.host_names}".lower():
            return False
        return self.scope is None or self.scope(problem)

    def describe(self) -> str:
        parts = []
        if self.min_severity > Severity.NOT_CLASSIFIED:
            parts.append(f"≥ {self.min_severity.label}")
        if self.unacknowledged_only:
            parts.append("unacked")
        if self.text:
            parts.append(f"“{self.text}”")
        return " · ".join(parts)


Scope = Callable[[Problem], bool]
"""A linked resource's predicate over problems (links.ProblemScope.matches)."""


class RankedProblems:
    """The problems most severe and newest first, and what the filters ask of them worked out once:
    the scope's verdict per problem until the scope changes, the text searched per problem.

    A link (scope) is a predicate over tags and hosts, the costliest filter: a severity or text key
    narrows the problems already in scope instead of asking the predicate again of thousands."""

    def __init__(self, problems: Iterable[Problem] = (), scope: Scope | None = None) -> None:
        """Rank `problems` and, given the `scope` linked now, find those in it (in the pane's worker,
        so that the UI thread only diffs the rows it shows)."""
        self.ranked = sorted(problems, key=lambda p: (-p.severity, -p.started.timestamp()))
        self.by_id = {p.eventid: p for p in self.ranked}
        self._scoped: tuple[Scope | None, list[Problem]] = (None, self.ranked)
        self._text: dict[str, str] | None = None
        self._in_scope(scope)

    def matching(self, filters: Filters) -> list[Problem]:
        """The ranked problems `filters` keep (the same as `filters.keep`, in rank order)."""
        found = self._in_scope(filters.scope)
        if filters.min_severity > Severity.NOT_CLASSIFIED:
            found = [p for p in found if p.severity >= filters.min_severity]
        if filters.unacknowledged_only:
            found = [p for p in found if not p.acknowledged]
        if filters.text:
            text, searched = filters.text.lower(), self._searched()
            found = [p for p in found if text in searched[p.eventid]]
        return found

    def _in_scope(self, scope: Scope | None) -> list[Problem]:
        if scope is None:
            return self.ranked
        if self._scoped[0] != scope:
            self._scoped = (scope, [p for p in self.ranked if scope(p)])
        return self._scoped[1]

    def _searched(self) -> dict[str, str]:
        if self._text is None:
            self._text = {p.eventid: f"{p.name} {p.host_names}".lower() for p in self.ranked}
        return self._text


def problem_row(problem: Problem, when: str, marked: bool, colour: str) -> tuple[Any, ...]:
    """The table row: mark, severity, age, name, hosts, acknowledged, tags."""
    style = f"bold {colour}" if problem.severity >= Severity.HIGH else colour
    return (
        "●" if marked else " ",
        Text(problem.severity.label, style=style),
        when,
        Text(problem.name, style="dim" if problem.suppressed else ""),
        problem.host_names or "—",
        Text("yes", style="green") if problem.acknowledged else Text("no", style=style),
        " ".join(f"{t}:{v}" for t, v in problem.tags if t not in ("env",)),
    )
