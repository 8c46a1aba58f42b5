"""The command palette (Ctrl+P): every workbench action, grouped by area."""

from __future__ import annotations

from functools import partial
from typing import Any, Callable

from textual.command import DiscoveryHit, Hit, Hits, Provider


SKILL_ACTIONS = [  # (title, keys, the skill editor's action)
    ("new skill from the template", "Ctrl+N in F5", "action_new"),
    ("save the open skill", "Ctrl+S in F5", "action_save"),
    ("revert the open skill to its file", "Ctrl+R in F5", "action_revert"),
    ("diff the buffer against the file", "Ctrl+G in F5", "action_diff_buffer"),
    ("pin or unpin", "p in F5", "action_pin"),
    ("archive, or bring an archived skill back", "a in F5", "action_archive"),
    ("filter the tree", "/ in F5", "action_filter"),
    ("the open skill's record: runs, effect, provenance", "Record tab in F5", "show_record"),
]


def in_area(app: Any, area: str, action: str) -> Callable[[], Any]:
    """Show ``area`` and run one of its actions (the areas are mounted after the first frame)."""

    def run() -> Any:
        app.action_area(area)
        return getattr(app.query_one(f"#{area}"), action)()

    return run


def workbench_actions(app: Any) -> list[tuple[str, str, Callable[[], Any]]]:
    """(title, help, callback) of every action the palette offers."""
    actions: list[tuple[str, str, Callable[[], Any]]] = [
        ("Area: conversation and trace", "F2", partial(app.action_area, "work")),
        ("Area: episodes", "F3: list, open, step, compare", partial(app.action_area, "episodes")),
        ("Area: memory", "F4", partial(app.action_area, "memory")),
        ("Area: skills", "F5", partial(app.action_area, "skills")),
        ("Area: approvals", "F6", partial(app.action_area, "approvals")),
        ("Conversation: new session", "/new", app.new_session),
        ("Conversation: interrupt the running turn", "Esc", app.action_interrupt),
        ("Conversation: copy the last answer", "y in the conversation", app.conversation.action_copy_answer),
        ("Conversation: copy the last code block", "Y in the conversation", app.conversation.action_copy_code),
        ("Trace: show or hide", "Ctrl+T", app.action_toggle_trace),
        ("Trace: focus", "Ctrl+O; Enter opens a call", app.action_focus_trace),
        ("Help: keys of the focused area", "F1", app.action_toggle_help),
    ]
    actions += [(f"Skills: {title}", keys, in_area(app, "skills", name)) for title, keys, name in SKILL_ACTIONS]
    from hermes_tui.core.feedback.formats import FORMATS
    from hermes_tui.ui.feedback import export_in_worker

    for fmt in FORMATS:
        actions.append((f"Export: training data ({fmt})", "all episodes, to workbench/exports/", partial(export_in_worker, app, fmt)))
    for name in sorted(app.available_themes):
        if name.startswith("hermes-"):
            actions.append((f"Theme: {name}", "switch the colours", partial(setattr, app, "theme", name)))
    return actions


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
