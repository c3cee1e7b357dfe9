"""The frame the question modals share: centred, a warning border (red in a protected environment),
the buttons in a row at the bottom right, and Escape or Cancel answering the dialog's `cancelled`."""

from __future__ import annotations

from typing import TypeVar

from textual.screen import ModalScreen

R = TypeVar("R")


class Dialog(ModalScreen[R]):
    """A subclass composes its content in a Vertical, with its buttons in a Horizontal at the end;
    its own DEFAULT_CSS (e.g. a narrower frame) wins over this one."""

    DEFAULT_CSS = """
    Dialog { align: center middle; }
    Dialog > Vertical {
        width: 90%; max-width: 120; height: auto; max-height: 90%;
        padding: 1 2; border: thick $warning; background: $surface;
    }
    Dialog.protected > Vertical { border: thick $error; }
    Dialog Horizontal { height: auto; align-horizontal: right; margin-top: 1; }
    Dialog Button { margin-left: 2; }
    """

    def __init__(self, cancelled: R, *, protected: bool = False) -> None:
        super().__init__(classes="protected" if protected else "")
        self.cancelled = cancelled
        self.protected = protected

    def action_cancel(self) -> None:
        """Escape and the Cancel button (`action="screen.cancel"`): the dialog changes nothing."""
        self.dismiss(self.cancelled)
