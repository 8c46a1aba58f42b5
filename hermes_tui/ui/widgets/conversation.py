"""The conversation: the user's messages, the agent's streamed Markdown answers,
its reasoning (collapsed) and notices; and the multi-line prompt.

The answers' Markdown widget (:mod:`hermes_tui.ui.widgets.answer`, with its parser) is
imported with the first answer, not before the first frame."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from textual import events
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Static, TextArea

if TYPE_CHECKING:
    from hermes_tui.ui.widgets.answer import Answer

from hermes_tui.ui.feedback import correct_in_editor, rate_with_note, rating_bindings

CODE_BLOCK = re.compile(r"```[^\n]*\n(.*?)```", re.S)


class UserMessage(Static):
    pass


class Notice(Static):
    """A one-line note in the conversation (an error, an interruption, a hint)."""


class Conversation(VerticalScroll):
    """A column of messages; follows the newest unless the user scrolled up."""

    BINDINGS = [
        Binding("y", "copy_answer", "Copy answer", id="conversation.copy"),
        Binding("Y", "copy_code", "Copy code", id="conversation.copy_code"),
        *rating_bindings("conversation"),
    ]
    can_focus = True

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.answer: Answer | None = None
        self.reasoning: Static | None = None
        self._reasoning_text = ""
        self.episode_id: str | None = None  # a replayed episode; else the session's latest is rated

    def on_mount(self) -> None:
        self.anchor()

    async def add_user(self, text: str) -> None:
        self.end_turn()
        await self.mount(UserMessage(text, markup=False, classes="user"))

    async def add_notice(self, text: str, kind: str = "info") -> None:
        await self.mount(Notice(text, markup=False, classes=f"notice {kind}"))

    async def add_text(self, fragment: str) -> None:
        if self.answer is None:
            from hermes_tui.ui.widgets.answer import Answer

            self.answer = Answer(classes="answer")
            await self.mount(self.answer)
        await self.answer.add(fragment)

    async def add_reasoning(self, fragment: str) -> None:
        if self.reasoning is None:
            from textual.widgets import Collapsible

            self._reasoning_text = ""
            self.reasoning = Static("", markup=False, classes="reasoning-text")
            await self.mount(Collapsible(self.reasoning, title="reasoning", collapsed=True, classes="reasoning"))
        self._reasoning_text += fragment
        self.reasoning.update(self._reasoning_text)

    async def finish_answer(self, full_text: str | None = None) -> None:
        if self.answer is not None:
            await self.answer.finish(full_text)
        self.end_turn()

    def end_turn(self) -> None:
        self.answer = None
        self.reasoning = None

    def rated_episode(self) -> str | None:
        """The episode the feedback keys act on: the replayed one, else the session's latest."""
        session = getattr(self.app, "session", None)
        latest = session.episodes[-1] if session is not None and session.episodes else None
        return self.episode_id or latest

    def action_rate(self, value: str) -> None:
        """Rate the episode shown (+ / - / 1-5), then ask for a note."""
        rate_with_note(self.app, self.rated_episode(), value)

    def action_correct(self) -> None:
        """Edit the answer: the edited text is kept as its correction."""
        correct_in_editor(self.app, self.rated_episode())

    # -- copy (OSC 52) ------------------------------------------------------------------
    def last_answer(self) -> str:
        answers = list(self.query(".answer"))
        return answers[-1].text if answers else ""  # type: ignore[attr-defined]

    def action_copy_answer(self) -> None:
        text = self.last_answer()
        if text:
            self.app.copy_to_clipboard(text)
            self.app.notify("answer copied", timeout=2)

    def action_copy_code(self) -> None:
        blocks = CODE_BLOCK.findall(self.last_answer())
        if blocks:
            self.app.copy_to_clipboard(blocks[-1])
            self.app.notify("code block copied", timeout=2)


class PromptArea(TextArea):
    """The multi-line prompt: Enter sends; Shift+Enter or Ctrl+J adds a line; Up recalls."""

    BINDINGS = [
        Binding("enter", "submit", "Send", id="prompt.send"),
        Binding("shift+enter,ctrl+j", "newline", "New line", id="prompt.newline"),
        Binding("up", "recall_previous", "Earlier prompt", show=False, id="prompt.recall"),
        Binding("down", "recall_next", "Later prompt", show=False, id="prompt.recall_next"),
        Binding("tab", "complete", "Complete", show=False, id="prompt.complete"),
    ]

    class Submitted(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(soft_wrap=True, show_line_numbers=False, tab_behavior="focus", **kwargs)
        self.sent: list[str] = []
        self._recall: int | None = None
        self.completions: list[str] = []  # slash commands offered by Tab (set by the app)

    async def _on_key(self, event: events.Key) -> None:
        # Our keys are handled here, in order with the typed characters (a priority
        # binding would run before characters still queued, e.g. text and Enter in one read).
        for binding in self._bindings.key_to_bindings.get(event.key, ()):
            if binding.action in ("submit", "newline"):
                event.stop()
                event.prevent_default()
                await self.run_action(binding.action)
                return
        await super()._on_key(event)

    def action_submit(self) -> None:
        text = self.text.strip()
        if not text:
            return
        if not self.sent or self.sent[-1] != text:
            self.sent.append(text)
        self._recall = None
        self.clear()
        self.post_message(self.Submitted(text))

    def action_newline(self) -> None:
        self.insert("\n")

    def action_recall_previous(self) -> None:
        if self.cursor_location[0] > 0 or not self.sent:
            self.action_cursor_up()
            return
        self._recall = len(self.sent) - 1 if self._recall is None else max(0, self._recall - 1)
        self._show(self.sent[self._recall])

    def action_recall_next(self) -> None:
        if self._recall is None or self.cursor_location[0] < self.document.line_count - 1:
            self.action_cursor_down()
            return
        self._recall += 1
        if self._recall >= len(self.sent):
            self._recall = None
            self._show("")
        else:
            self._show(self.sent[self._recall])

    def action_complete(self) -> None:
        matches = self.matches()
        if matches:
            self._show(matches[0] + " ")
        else:
            self.app.action_focus_next()

    def matches(self) -> list[str]:
        text = self.text
        if not text.startswith("/") or " " in text or "\n" in text:
            return []
        return [c for c in self.completions if c.startswith(text)]

    def _show(self, text: str) -> None:
        self.load_text(text)
        self.move_cursor(self.document.end)


def __getattr__(name: str) -> Any:
    if name == "Answer":  # imported on first use (it brings the Markdown parser)
        from hermes_tui.ui.widgets.answer import Answer

        return Answer
    raise AttributeError(name)
