"""Small dialogs: an error in one line."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static


class ErrorDialog(ModalScreen[None]):
    DEFAULT_CSS = """
    ErrorDialog { align: center middle; }
    #error-box { width: 70; max-width: 95%; height: auto; border: thick $error; background: $surface; padding: 1 2; }
    #error-title { color: $error; text-style: bold; }
    #error-keys { color: $text-muted; margin-top: 1; }
    """
    BINDINGS = [Binding("escape,enter,q", "close", "Close", id="error.close")]

    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical(id="error-box"):
            yield Label("Something went wrong", id="error-title")
            yield Static(self.message, markup=False, id="error-message")
            yield Static("Enter or Esc closes; the workbench keeps running.", id="error-keys")

    def action_close(self) -> None:
        self.dismiss(None)
