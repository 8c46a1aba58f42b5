"""The skills area (F5), read-only for now (the memory browser F4 is screens/memory.py,
the approvals queue F6 screens/approvals.py).

Part 2 of the workbench turns it into the skill editor; until then it lists what the
core holds, kept current by the library events.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Label


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


class SkillsArea(ListArea):
    TITLE = "Skills"
    COLUMNS = ("skill", "state", "uses", "description")

    def rows(self, workspace: Any) -> list[tuple[str, ...]]:
        return [
            (r["skill_id"], r["state"], str(r.get("uses") or 0), (r.get("description") or "")[:80])
            for r in workspace.library.list()
        ]
