"""The workbench app (a placeholder screen until the TUI issue lands)."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Footer, Header, Static

from hermes_tui.core.home import Home


class WorkbenchApp(App[int]):
    TITLE = "hermes-tui"
    CSS = """
    #placeholder { padding: 1 2; }
    """
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", id="app.quit")]

    def __init__(self, home: Home, summary: str = "") -> None:
        super().__init__()
        self.home = home
        self.summary = summary

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with Vertical(id="placeholder"):
            yield Static(
                "[b]hermes-tui[/b] — a workbench for a self-improving agent\n\n"
                f"Home: {self.home.root}\n{self.summary}\n\n"
                "The full workbench (sessions, trace, memory browser, skill editor,\n"
                "approval queue) arrives with the TUI issue. Meanwhile the command line\n"
                "has it all: try `hermes-tui --help`.",
                id="welcome",
            )
        yield Footer()


def run_app(home: str | None = None) -> int:
    resolved = Home.resolve(home).ensure()
    app = WorkbenchApp(resolved)
    app.run()
    return 0
