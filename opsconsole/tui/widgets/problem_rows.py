"""What the problems pane shows of a problem: its filters, its row, its severity's colour."""

from __future__ import annotations

from collections.abc import Callable
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
