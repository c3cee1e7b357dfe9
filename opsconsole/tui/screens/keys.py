"""f1: every key of every pane, grouped by where it works, as the keymap has them now."""

from __future__ import annotations

from collections.abc import Iterable
from io import StringIO

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

EVERYWHERE = [
    Binding("tab", "focus_next", "Next pane", tooltip="Focus the next pane (shift+tab: the previous)."),
    Binding("ctrl+p", "command_palette", "Palette", tooltip="Every command, searchable."),
]


class KeysScreen(ModalScreen[None]):
    """The bindings of the app, the main screen and each pane, from their own BINDINGS."""

    DEFAULT_CSS = """
    KeysScreen { align: center middle; }
    KeysScreen > VerticalScroll {
        width: 90%; max-width: 110; height: 90%; border: round $accent; background: $panel; padding: 0 1;
    }
    KeysScreen #keys-hint { color: $text-muted; }
    """
    BINDINGS = [
        Binding("escape", "dismiss", "Close", id="keys-close"),
        Binding("f1", "dismiss", "Close", show=False),
    ]

    def __init__(self, groups: list[tuple[str, Iterable[BindingType]]]) -> None:
        super().__init__()
        self.groups = groups

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="keys-list"):
            yield Label("Keys · escape or f1 closes · the keymap setting can change them", id="keys-hint")
            for title, bindings in self.groups:
                yield Static(self._table(title, bindings), classes="keys-group")

    def _table(self, title: str, bindings: Iterable[BindingType]) -> Table:
        table = Table(
            title=title, title_justify="left", title_style="bold reverse", show_header=False, box=None
        )
        table.add_column("key", style="bold", no_wrap=True, width=8)
        table.add_column("does")
        table.add_column("how", style="dim")
        numbered = [b for b in Binding.make_bindings(bindings) if b.action.startswith("switch_env(")]
        if numbered:
            keys = f"1–{len(numbered)}" if len(numbered) > 1 else "1"
            table.add_row(keys, "Environment by number", "in the order of the config")
        for binding in Binding.make_bindings(bindings):
            if binding.action.startswith("switch_env("):
                continue
            table.add_row(self.app.get_key_display(binding), binding.description, binding.tooltip)
        return table

    def plain(self, width: int = 160) -> str:
        """The whole list as plain text (what a test or a copy sees)."""
        from rich.console import Console

        console = Console(width=width, record=True, file=StringIO())
        for title, bindings in self.groups:
            console.print(self._table(title, bindings))
        return console.export_text()

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)


def main_key_groups(
    app_bindings: list[BindingType], environments: int
) -> list[tuple[str, list[BindingType]]]:
    """The main screen's f1 list: the app's keys, the screen's (number keys only for the
    environments configured) and each pane's, from their own BINDINGS."""
    from opsconsole.tui.screens.main_keys import MAIN_BINDINGS
    from opsconsole.tui.widgets.ecs_pane import EcsPane
    from opsconsole.tui.widgets.log_pane import LogPane
    from opsconsole.tui.widgets.problems_pane import ProblemsPane
    from opsconsole.tui.widgets.rds_pane import RdsPane

    def bound(binding: BindingType) -> bool:
        action = binding.action if isinstance(binding, Binding) else binding[1]
        if action.startswith("switch_env("):
            return int(action.removeprefix("switch_env(").rstrip(")")) < environments
        return True

    return [
        ("Everywhere", [*app_bindings, *EVERYWHERE]),
        ("Main screen", [b for b in MAIN_BINDINGS if bound(b)]),
        ("ECS pane (f2)", list(EcsPane.BINDINGS)),
        ("Zabbix problems pane (f3)", list(ProblemsPane.BINDINGS)),
        ("RDS pane (f4)", list(RdsPane.BINDINGS)),
        ("Graylog pane (f5)", list(LogPane.BINDINGS)),
    ]
