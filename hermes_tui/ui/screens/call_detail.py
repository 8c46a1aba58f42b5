"""One tool call in full: its arguments and result, syntax-highlighted, with a search."""

from __future__ import annotations

import json
from typing import Any

from rich.syntax import Syntax
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

EXTENSIONS = {".py": "python", ".json": "json", ".sh": "bash", ".toml": "toml", ".yaml": "yaml", ".yml": "yaml", ".md": "markdown"}


def guess_language(text: str, arguments: Any = None) -> str:
    """A lexer for a tool result: JSON, a diff, the file type of a path argument, or plain text."""
    stripped = text.lstrip()
    if stripped[:1] in "{[":
        try:
            json.loads(stripped)
            return "json"
        except ValueError:
            pass
    lines = stripped.splitlines()[:40]
    if any(line.startswith("@@ ") for line in lines) and any(line.startswith(("--- ", "+++ ")) for line in lines):
        return "diff"
    path = str(arguments.get("path", "")) if isinstance(arguments, dict) else ""
    for suffix, language in EXTENSIONS.items():
        if path.endswith(suffix):
            return language
    return "text"


def arguments_text(arguments: Any) -> tuple[str, str]:
    """The arguments as shown: a shell command as shell, anything else as pretty JSON."""
    if isinstance(arguments, dict) and set(arguments) <= {"command", "timeout", "workdir"} and "command" in arguments:
        return str(arguments["command"]), "bash"
    if isinstance(arguments, str):
        return arguments, "text"
    return json.dumps(arguments, indent=2, ensure_ascii=False), "json"


class CodeView(Static):
    """Highlighted text with search matches marked."""

    def __init__(self, text: str, language: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.text = text
        self.language = language
        self.query_text = ""
        self.matches: list[int] = []  # character offsets

    def on_mount(self) -> None:
        self.show()

    def search(self, query: str) -> list[int]:
        self.query_text = query
        self.matches = []
        if query:
            lowered, needle, start = self.text.lower(), query.lower(), 0
            while (found := lowered.find(needle, start)) >= 0:
                self.matches.append(found)
                start = found + max(1, len(needle))
        self.show()
        return self.matches

    def line_of(self, offset: int) -> int:
        return self.text.count("\n", 0, offset)

    def show(self) -> None:
        syntax = Syntax(self.text or " ", self.language, theme="ansi_dark", word_wrap=True, line_numbers=False)
        for offset in self.matches:
            line = self.line_of(offset)
            column = offset - (self.text.rfind("\n", 0, offset) + 1)
            syntax.stylize_range("black on yellow", (line + 1, column), (line + 1, column + len(self.query_text)))
        self.update(syntax)


class CallDetailScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q", "close", "Close", id="call.close"),
        Binding("slash,ctrl+f", "search", "Search", id="call.search"),
        Binding("n", "next_match", "Next match", id="call.next"),
        Binding("N", "previous_match", "Previous match", id="call.previous"),
    ]

    def __init__(self, *, name: str, arguments: Any, result: str, status: str, duration_ms: float | None,
                 exit_code: int | None, error: str | None) -> None:
        super().__init__()
        self.call_name = name
        self.arguments = arguments
        self.result = result
        self.summary = " · ".join(
            part
            for part in (
                status,
                f"{duration_ms:.0f} ms" if duration_ms is not None else "",
                f"exit {exit_code}" if exit_code is not None else "",
                f"error: {error}" if error else "",
            )
            if part
        )
        self._hits: list[tuple[CodeView, int]] = []
        self._hit = -1

    def compose(self) -> ComposeResult:
        args_text, args_language = arguments_text(self.arguments)
        with Vertical(id="call-box"):
            yield Label(f"{self.call_name}  [dim]{self.summary}[/dim]", id="call-title")
            yield Input(placeholder="search the arguments and the result (Enter: next)", id="call-search")
            with VerticalScroll(id="call-body"):
                yield Label("arguments", classes="call-section")
                yield CodeView(args_text, args_language, id="call-arguments")
                yield Label("result", classes="call-section")
                yield CodeView(self.result, guess_language(self.result, self.arguments), id="call-result")
            yield Static("[b]/[/b] search  [b]n[/b]/[b]N[/b] next/previous  [b]Esc[/b] close", id="call-keys")

    def on_mount(self) -> None:
        self.query_one("#call-body").focus()

    def action_close(self) -> None:
        self.dismiss(None)

    def action_search(self) -> None:
        self.query_one("#call-search", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self._hits = [(view, offset) for view in self.query(CodeView) for offset in view.search(event.value)]
        self._hit = -1
        self.query_one("#call-title", Label).update(
            f"{self.call_name}  [dim]{self.summary}[/dim]" + (f"  [b]{len(self._hits)} matches[/b]" if event.value else "")
        )

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_next_match()

    def action_next_match(self) -> None:
        self._go(1)

    def action_previous_match(self) -> None:
        self._go(-1)

    def _go(self, step: int) -> None:
        if not self._hits:
            return
        self._hit = (self._hit + step) % len(self._hits)
        view, offset = self._hits[self._hit]
        body = self.query_one("#call-body", VerticalScroll)
        body.scroll_to(y=view.virtual_region.y - body.virtual_region.y + view.line_of(offset), animate=False)
