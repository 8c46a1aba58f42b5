"""The command palette (Ctrl+P): one provider per area, each offering what makes sense there.

:class:`WorkbenchCommands` is everywhere (the areas, the trace, help, themes); an area's
provider (``AREA`` = its id in the app's area switcher) offers its commands only while
that area is shown: the conversation's (new session, resume a recent one, interrupt,
copy) and the episodes' (open, mark, compare, filter). An area added later brings its
own subclass of :class:`AreaCommands` and adds it to :data:`PROVIDERS`.
"""

from __future__ import annotations

from functools import partial
from typing import Any, Callable

from textual.command import DiscoveryHit, Hit, Hits, Provider

Command = tuple[str, str, Callable[[], Any]]  # title, help, callback


class AreaCommands(Provider):
    """The commands of one area (``AREA``), offered while it is shown; ``AREA = None``: always."""

    AREA: str | None = None

    def commands(self) -> list[Command]:
        return []

    def _offered(self) -> list[Command]:
        if self.AREA is not None and getattr(self.app, "current_area", None) != self.AREA:
            return []
        return self.commands()

    async def discover(self) -> Hits:
        for title, help_text, callback in self._offered():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._offered():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)


class WorkbenchCommands(AreaCommands):
    """Everywhere: go to an area, the trace, help, the themes."""

    def commands(self) -> list[Command]:
        app: Any = self.app
        commands: list[Command] = [
            ("Area: conversation and trace", "F2", partial(app.action_area, "work")),
            ("Area: episodes", "F3: list, open, step, compare", partial(app.action_area, "episodes")),
            ("Area: memory", "F4: search everything as you type", partial(app.action_area, "memory")),
            ("Memory: MEMORY.md and USER.md entries", "Ctrl+G in F4: add, edit, remove, reorder", partial(memory_entries, app)),
            ("Area: skills", "F5", partial(app.action_area, "skills")),
            ("Area: approvals", "F6: approve, reject, edit then approve", partial(app.action_area, "approvals")),
            ("Trace: show or hide", "Ctrl+T", app.action_toggle_trace),
            ("Help: keys of the focused area", "F1", app.action_toggle_help),
        ]
        from hermes_tui.core.feedback.formats import FORMATS
        from hermes_tui.ui.feedback import export_in_worker

        for fmt in FORMATS:
            commands.append((f"Export: training data ({fmt})", "all episodes, to workbench/exports/",
                             partial(export_in_worker, app, fmt)))
        for name in sorted(app.available_themes):
            if name.startswith("hermes-"):
                commands.append((f"Theme: {name}", "switch the colours", partial(setattr, app, "theme", name)))
        return commands


def memory_entries(app: Any) -> None:
    app.action_area("memory")
    area = app.query_one("#memory")
    if area.pane == "memory-search":
        area.action_toggle_pane()


class ConversationCommands(AreaCommands):
    """The conversation (F2): sessions, the running turn, copying, the trace."""

    AREA = "work"
    RECENT = 8  # recent sessions offered to resume

    def commands(self) -> list[Command]:
        app: Any = self.app
        conversation = app.conversation
        commands: list[Command] = [
            ("Conversation: new session", "/new", partial(app.slash.run, "/new")),
            ("Conversation: interrupt the running turn", "Esc", app.action_interrupt),
            ("Conversation: copy the last answer", "y in the conversation", conversation.action_copy_answer),
            ("Conversation: copy the last code block", "Y in the conversation", conversation.action_copy_code),
            ("Trace: focus", "Ctrl+O; Enter opens a call", app.action_focus_trace),
        ]
        current = app.session.id if app.session is not None else None
        for row in app.workspace.store.list_sessions(limit=self.RECENT):
            if row["session_id"] == current:
                continue
            task = " ".join(str(row.get("task") or "").split())[:50]
            count = row.get("episodes") or 0
            commands.append((f"Conversation: resume {task!r}", f"/resume {row['session_id']} ({count} messages)",
                             partial(app.slash.run, f"/resume {row['session_id']}")))  # says errors
        return commands


class EpisodesCommands(AreaCommands):
    """The episodes (F3): open the selected one, mark, compare two, filter."""

    AREA = "episodes"

    def commands(self) -> list[Command]:
        area: Any = self.app.query_one("#episodes")
        commands: list[Command] = [("Episodes: filter", "/", area.action_filter)]
        current = area._current()
        if current is not None:
            task = " ".join(str(current.get("task") or "").split())[:50]
            commands.append((f"Episodes: open {task!r}", "Enter: its conversation and trace, j/k step", area.action_open))
            marked = current["id"] in area.marked
            commands.append((f"Episodes: {'unmark' if marked else 'mark'} {task!r}", "Space", area.action_mark))
        if len(area.marked) == 2:
            commands.append(("Episodes: compare the two marked", "c: tool calls side by side", area.action_compare))
        return commands


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


class SkillsCommands(AreaCommands):
    """The skill editor (F5): save, revert, diff, new, pin, archive, filter, the record."""

    AREA = "skills"

    def commands(self) -> list[Command]:
        return [(f"Skills: {title}", keys, in_area(self.app, "skills", name)) for title, keys, name in SKILL_ACTIONS]


def in_area(app: Any, area: str, action: str) -> Callable[[], Any]:
    """Show ``area`` and run one of its actions (the areas are mounted after the first frame)."""

    def run() -> Any:
        app.action_area(area)
        return getattr(app.query_one(f"#{area}"), action)()

    return run


PROVIDERS = {WorkbenchCommands, ConversationCommands, EpisodesCommands, SkillsCommands}


def workbench_actions(app: Any) -> list[Command]:
    """Every command of every area, whichever area is shown (for tests and the docs)."""
    return [command for provider in PROVIDERS for command in provider(app.screen).commands()]
