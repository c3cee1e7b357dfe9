"""`w`: the selected resource's web links (AWS console, switch role, Grafana, Zabbix), shown whole;
Enter copies the highlighted one to the clipboard, `o` opens it in the browser, `s` signs the
browser in to the resource's console page with the environment's read role (the screen closes
and returns SIGN_IN; the sign-in URL itself is never shown here)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Label, OptionList
from textual.widgets.option_list import Option

from opsconsole.tui.key_table import key_table

if TYPE_CHECKING:
    from opsconsole.app.console_links import WebLink


SIGN_IN = "sign-in"


class WebLinksScreen(ModalScreen[str | None]):
    DEFAULT_CSS = """
    WebLinksScreen { align: center middle; }
    WebLinksScreen > Vertical {
        width: 95%; height: auto; max-height: 90%; border: round $accent; background: $panel; padding: 0 1;
    }
    WebLinksScreen #links-title { text-style: bold; width: 100%; }
    WebLinksScreen OptionList { height: auto; max-height: 30; }
    """
    BINDINGS = key_table(
        "links",
        ("escape", "close", "Close", "close", ""),
        ("enter", "copy", "Copy", "copy", "Copy the highlighted link."),
        ("o", "open", "Open", "open", "Open the highlighted link in the browser."),
        (
            "s",
            "sign_in",
            "Sign in",
            "sign-in",
            "Open the resource's AWS console page signed in with the environment's read role.",
        ),
    )

    def __init__(self, title: str, links: list[WebLink], *, can_sign_in: bool = False) -> None:
        super().__init__()
        self.title_text = title
        self.links = links
        self.can_sign_in = can_sign_in

    def compose(self) -> ComposeResult:
        with Vertical():
            signs = " · s signs in to the console" if self.can_sign_in else ""
            yield Label(
                f"web links of {self.title_text} · enter copies · o opens{signs} · esc closes",
                id="links-title",
                markup=False,
            )
            yield OptionList(*(Option(_entry(link), id=str(n)) for n, link in enumerate(self.links)))
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def chosen(self) -> WebLink | None:
        index = self.query_one(OptionList).highlighted
        return self.links[index] if index is not None else None

    @on(OptionList.OptionSelected)
    def _selected(self) -> None:
        self.action_copy()  # Enter on the list selects its option: that is the copy

    def action_copy(self) -> None:
        link = self.chosen()
        if link is not None:
            self.app.copy_to_clipboard(link.url)
            self.notify(f"copied: {link.label}", title="Clipboard")

    def action_open(self) -> None:
        link = self.chosen()
        if link is not None:
            self.app.open_url(link.url)
            self.notify(f"opening: {link.label}")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.can_sign_in if action == "sign_in" else True

    def action_sign_in(self) -> None:
        self.dismiss(SIGN_IN)

    def action_close(self) -> None:
        self.dismiss(None)


def _entry(link: WebLink) -> Text:
    text = Text(link.label, style="bold")
    if link.note:
        text.append(f"  ({link.note})", style="dim")
    text.append("\n")
    text.append(link.url, style="underline")
    return text
