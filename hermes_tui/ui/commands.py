"""The command palette (Ctrl+P): every workbench action, grouped by area."""

from __future__ import annotations

from functools import partial
from typing import Any, Callable

from textual.command import DiscoveryHit, Hit, Hits, Provider


def workbench_actions(app: Any) -> list[tuple[str, str, Callable[[], Any]]]:
    """(title, help, callback) of every action the palette offers."""
    actions: list[tuple[str, str, Callable[[], Any]]] = [
        ("Area: conversation and trace", "F2", partial(app.action_area, "work")),
        ("Area: episodes", "F3: list, open, step, compare", partial(app.action_area, "episodes")),
        ("Area: memory", "F4: search everything as you type", partial(app.action_area, "memory")),
        ("Memory: MEMORY.md and USER.md entries", "Ctrl+G in F4: add, edit, remove, reorder", partial(memory_entries, app)),
        ("Area: skills", "F5", partial(app.action_area, "skills")),
        ("Area: approvals", "F6: approve, reject, edit then approve", partial(app.action_area, "approvals")),
        ("Conversation: new session", "/new", app.new_session),
        ("Conversation: interrupt the running turn", "Esc", app.action_interrupt),
        ("Conversation: copy the last answer", "y in the conversation", app.conversation.action_copy_answer),
        ("Conversation: copy the last code block", "Y in the conversation", app.conversation.action_copy_code),
        ("Trace: show or hide", "Ctrl+T", app.action_toggle_trace),
        ("Trace: focus", "Ctrl+O; Enter opens a call", app.action_focus_trace),
        ("Help: keys of the focused area", "F1", app.action_toggle_help),
    ]
    for name in sorted(app.available_themes):
        if name.startswith("hermes-"):
            actions.append((f"Theme: {name}", "switch the colours", partial(setattr, app, "theme", name)))
    return actions


def memory_entries(app: Any) -> None:
    app.action_area("memory")
    area = app.query_one("#memory")
    if area.pane == "memory-search":
        area.action_toggle_pane()


class WorkbenchCommands(Provider):
    async def discover(self) -> Hits:
        for title, help_text, callback in workbench_actions(self.app):
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in workbench_actions(self.app):
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)
