"""Pieces the memory browser (F4) and the approvals queue (F6) share: a coloured diff with
invisible characters shown, a skill shown read-only (until the skill editor takes it), a
yes/no confirmation and a one-line question."""

from __future__ import annotations

from typing import Any

from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from hermes_tui.core.guard.unicode import reveal_invisible

DIFF_STYLES = (("+++", "bold"), ("---", "bold"), ("@@", "cyan"), ("+", "green"), ("-", "red"))


def diff_text(old: str, new: str, old_name: str, new_name: str) -> Text:
    """A unified diff of two texts, coloured, every invisible character shown as ``⟦U+...⟧``."""
    from hermes_tui.core.skills.library import unified_diff

    return unified_text(unified_diff(reveal_invisible(old), reveal_invisible(new), old_name, new_name))


def unified_text(diff: str) -> Text:
    """A unified diff's text, coloured, every invisible character shown as ``⟦U+...⟧``."""
    out = Text()
    for line in reveal_invisible(diff).splitlines():
        style = next((s for prefix, s in DIFF_STYLES if line.startswith(prefix)), "")
        out.append(line + "\n", style=style)
    if not out:
        out.append("(no difference)", style="dim")
    return out


def skill_syntax(text: str) -> Syntax:
    """Raw SKILL.md text, highlighted, invisible characters shown."""
    return Syntax(reveal_invisible(text) or " ", "markdown", theme="ansi_dark", word_wrap=True)


def open_skill(app: Any, skill: str, text: str | None = None) -> None:
    """Open a skill in the skill editor (F5: the app's ``open_skill_editor``); until it
    exists, show the skill read-only."""
    opener = getattr(app, "open_skill_editor", None)
    if opener is not None:
        opener(skill, text)
        return
    if text is None:
        from hermes_tui.errors import HermesError

        try:
            text = app.workspace.library.load(skill).text
        except (HermesError, OSError) as exc:
            app.notify(str(exc), severity="error")
            return
    app.push_screen(SkillViewScreen(skill, text or ""))


class SkillViewScreen(ModalScreen[None]):
    """A skill's SKILL.md, read-only."""

    BINDINGS = [Binding("escape,q", "close", "Close", id="skill_view.close")]

    def __init__(self, skill: str, text: str) -> None:
        super().__init__()
        self.skill, self.text = skill, text

    def compose(self) -> ComposeResult:
        with Vertical(classes="review-box"):
            yield Label(f"[b]{self.skill}[/b]  [dim]read-only · Esc closes[/dim]", classes="review-title")
            with VerticalScroll(classes="review-body"):
                yield Static(skill_syntax(self.text))

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()

    def action_close(self) -> None:
        self.dismiss(None)


class ConfirmScreen(ModalScreen[bool]):
    """A question with a body; y confirms, n or Esc declines."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str, body: str | Text = "") -> None:
        super().__init__()
        self.question, self.body = question, body

    def compose(self) -> ComposeResult:
        with Vertical(classes="review-box review-small"):
            yield Label(self.question, classes="review-title")
            with VerticalScroll(classes="review-body"):
                yield Static(self.body, markup=False)
            yield Static("[b]y[/b] yes   [b]n[/b]/[b]Esc[/b] no", classes="review-keys")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class AskScreen(ModalScreen[str | None]):
    """One line of text (Enter answers, Esc cancels: None)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="ask.cancel")]

    def __init__(self, question: str, placeholder: str = "") -> None:
        super().__init__()
        self.question, self.placeholder = question, placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="review-box review-small"):
            yield Label(self.question, classes="review-title")
            yield Input(placeholder=self.placeholder, id="ask-input")
            yield Static("[b]Enter[/b] ok   [b]Esc[/b] cancel", classes="review-keys")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)
