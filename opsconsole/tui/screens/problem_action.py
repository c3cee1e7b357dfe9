"""Acknowledge, close, unacknowledge or re-rate Zabbix problems: a message, and the typed name in prod."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select

from opsconsole.domain.action_kinds import ActionKind
from opsconsole.domain.problems import Problem, Severity
from opsconsole.tui.screens.confirm import EnvironmentModal

TITLES = {
    ActionKind.ZABBIX_ACKNOWLEDGE: "Acknowledge",
    ActionKind.ZABBIX_CLOSE: "Close",
    ActionKind.ZABBIX_UNACKNOWLEDGE: "Unacknowledge",
    ActionKind.ZABBIX_SEVERITY: "Change severity of",
    ActionKind.ZABBIX_MESSAGE: "Comment on",
}


@dataclass(frozen=True)
class ProblemDecision:
    kind: ActionKind
    message: str
    severity: Severity | None = None

    def params(self, eventids: list[str]) -> dict[str, object]:
        """The registry's parameters for this decision on `eventids`."""
        params: dict[str, object] = {"eventids": eventids, "message": self.message or None}
        if self.severity is not None:
            params["severity"] = str(int(self.severity))
        return params


class ProblemActionScreen(EnvironmentModal[ProblemDecision | None]):
    """Returns the operator's decision, or None when they backed out."""

    DEFAULT_CSS = """
    ProblemActionScreen > Vertical { width: 84; max-width: 100%; }
    ProblemActionScreen #what { text-style: bold; margin-bottom: 1; }
    ProblemActionScreen #targets { color: $text-muted; margin-bottom: 1; }
    ProblemActionScreen #refused { color: $error; width: 100%; height: auto; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="problem-action-cancel", tooltip="Change nothing.")]

    def __init__(self, env_name: str, kind: ActionKind, problems: list[Problem], *, protected: bool) -> None:
        super().__init__(env_name, None, protected=protected)
        self.kind = kind
        self.problems = problems

    def compose(self) -> ComposeResult:
        count = len(self.problems)
        noun = "problem" if count == 1 else f"{count} problems"
        shown = "\n".join(f"• [{p.severity.label}] {p.name} — {p.host_names}" for p in self.problems[:8])
        more = f"\n… and {count - 8} more" if count > 8 else ""
        with Vertical():
            yield Label(f"{TITLES[self.kind]} {noun} — {self.env_name}", id="what")
            yield Label(shown + more, id="targets", markup=False)
            if self.kind is ActionKind.ZABBIX_SEVERITY:
                yield Select([(s.label, s) for s in reversed(Severity)], prompt="new severity", id="severity")
            yield Input(placeholder="message for the history (who you are is recorded)", id="message")
            yield from self.typed_name()
            with Horizontal():
                yield Button("Cancel", id="cancel", action="screen.cancel")
                yield Button(TITLES[self.kind].split()[0], id="go", variant="warning", disabled=True)

    def on_mount(self) -> None:
        self.query_one("#severity" if self.kind is ActionKind.ZABBIX_SEVERITY else "#message").focus()
        self._update()

    def _refused(self) -> str | None:
        """Why the action cannot go ahead yet, in a line; None when it can."""
        if self.kind is ActionKind.ZABBIX_SEVERITY and not isinstance(
            self.query_one("#severity", Select).value, Severity
        ):
            return "choose the new severity first"
        if self.kind is ActionKind.ZABBIX_MESSAGE and not self.query_one("#message", Input).value.strip():
            return "write the message first"
        return self.name_refused()

    @on(Input.Changed)
    @on(Select.Changed)
    def _update(self) -> None:
        self.query_one("#go", Button).disabled = self._refused() is not None
        self.say_refused("")

    @on(Input.Submitted)
    @on(Button.Pressed, "#go")
    def _go(self) -> None:
        if (refused := self._refused()) is not None:
            self.say_refused(refused)
            return
        severity = (
            self.query_one("#severity", Select).value if self.kind is ActionKind.ZABBIX_SEVERITY else None
        )
        self.dismiss(
            ProblemDecision(
                self.kind,
                self.query_one("#message", Input).value.strip(),
                severity if isinstance(severity, Severity) else None,
            )
        )
