"""The memory (F4), skills (F5) and approvals (F6) areas, read-only for now.

Part 2 of the workbench turns them into the memory browser, the skill editor and
the approvals queue; until then each lists what the core holds, kept current by
the library and pending events.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Label

from hermes_tui.ui.screens.skills import SkillsArea  # noqa: F401 (the skill editor, F5; app.py imports it from here)


class ListArea(Vertical):
    """A title and a table of rows read from the workspace."""

    TITLE = ""
    COLUMNS: tuple[str, ...] = ()

    def compose(self) -> ComposeResult:
        yield Label(self.TITLE, classes="area-title")
        yield DataTable(cursor_type="row", classes="area-table")

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns(*self.COLUMNS)
        self.refresh_list()

    def focus_main(self) -> None:
        self.refresh_list()
        self.query_one(DataTable).focus()

    def refresh_list(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        for row in self.rows(self.app.workspace):  # type: ignore[attr-defined]
            table.add_row(*row)

    def rows(self, workspace: Any) -> list[tuple[str, ...]]:
        raise NotImplementedError


class MemoryArea(ListArea):
    TITLE = "Memory: MEMORY.md (notes) and USER.md (the user profile)"
    COLUMNS = ("file", "entry")

    def rows(self, workspace: Any) -> list[tuple[str, ...]]:
        return [
            (target, " ".join(entry.split())[:120])
            for target in ("memory", "user")
            for entry in workspace.memory.entries(target)
        ]


class ApprovalsArea(ListArea):
    TITLE = "Approvals: skill changes the agent proposed (/approve lists their ids)"
    COLUMNS = ("change", "by", "reason")

    def rows(self, workspace: Any) -> list[tuple[str, ...]]:
        return [(i.change.summary(), i.change.author, i.change.reason[:60]) for i in workspace.pending.list()]
