"""The live tool-call trace: one row per tool call, updated in place by its call id.

A :class:`~textual.widgets.DataTable` (it renders only the visible rows, so 10,000
rows stay smooth). The newest row stays in view unless the user moved up; Enter
asks the app to open the call (:class:`OpenToolCall`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable

from hermes_tui.core.agent.events import ApprovalRequested, ApprovalResolved, ToolCallFinished, ToolCallStarted
from hermes_tui.ui.messages import OpenToolCall

ARGS_CHARS = 60
STATUS_STYLE = {"running": "bold yellow", "ok": "green", "error": "bold red", "approval?": "bold magenta"}


@dataclass
class CallRow:
    episode_id: str
    call_id: str
    name: str
    arguments: Any
    ts: float
    status: str = "running"
    result: str = ""
    error: str | None = None
    exit_code: int | None = None
    duration_ms: float | None = None


def short_arguments(arguments: Any, limit: int = ARGS_CHARS) -> str:
    """Arguments on one line: the values of a dict (``command``, ``path`` ...), else the JSON."""
    if isinstance(arguments, dict):
        text = " ".join(str(v) for v in arguments.values())
    elif isinstance(arguments, str):
        text = arguments
    else:
        text = json.dumps(arguments, ensure_ascii=False)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class TraceTable(DataTable):
    """``on_started(event)`` adds a row, ``on_finished(event)`` updates it in place."""

    BINDINGS = [Binding("enter", "open_call", "Open call", id="trace.open")]
    COLUMNS = (("tool", "tool"), ("arguments", "args"), ("status", "status"), ("ms", "ms"), ("exit", "exit"))

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)
        self.calls: dict[str, CallRow] = {}
        self.order: list[str] = []

    def on_mount(self) -> None:
        for label, key in self.COLUMNS:
            self.add_column(label, key=key)

    # -- updates ----------------------------------------------------------------------
    def clear_calls(self) -> None:
        self.clear()
        self.calls.clear()
        self.order.clear()

    def on_started(self, event: ToolCallStarted) -> None:
        row = CallRow(event.episode_id, event.call_id, event.name, event.arguments, event.ts)
        follow = self._at_end()
        key = self._key(row.episode_id, row.call_id)
        if key in self.calls:  # the same call seen again (a replay): update in place
            self._update(self.calls[key])
            return
        self.calls[key] = row
        self.order.append(key)
        self.add_row(*self._cells(row), key=key)
        if follow:
            self.move_cursor(row=self.row_count - 1, animate=False, scroll=True)

    def on_finished(self, event: ToolCallFinished) -> None:
        row = self.calls.get(self._key(event.episode_id, event.call_id))
        if row is None:
            return
        row.status = "error" if event.error else "ok"
        row.result, row.error = event.result, event.error
        row.exit_code, row.duration_ms = event.exit_code, event.duration_ms
        self._update(row)

    def on_approval(self, event: ApprovalRequested | ApprovalResolved, call_id: str = "") -> None:
        key = self._key(event.episode_id, call_id or getattr(event, "call_id", ""))
        row = self.calls.get(key)
        if row is not None and row.status in ("running", "approval?"):
            row.status = "approval?" if isinstance(event, ApprovalRequested) else "running"
            self._update(row)

    def _update(self, row: CallRow) -> None:
        key = self._key(row.episode_id, row.call_id)
        for (_label, column), value in zip(self.COLUMNS, self._cells(row)):
            self.update_cell(key, column, value)

    @staticmethod
    def _key(episode_id: str, call_id: str) -> str:
        return f"{episode_id}/{call_id}"

    @staticmethod
    def _cells(row: CallRow) -> tuple[Any, ...]:
        status = Text(row.status, style=STATUS_STYLE.get(row.status, ""))
        duration = "" if row.duration_ms is None else f"{row.duration_ms:.0f}"
        exit_code = "" if row.exit_code is None else str(row.exit_code)
        return (Text(row.name, style="bold"), short_arguments(row.arguments), status, duration, exit_code)

    def _at_end(self) -> bool:
        return self.row_count == 0 or self.cursor_row >= self.row_count - 1

    # -- selection --------------------------------------------------------------------
    @property
    def selected(self) -> CallRow | None:
        if not self.order or self.cursor_row < 0 or self.cursor_row >= len(self.order):
            return None
        return self.calls[self.order[self.cursor_row]]

    def action_open_call(self) -> None:
        row = self.selected
        if row is not None:
            self.post_message(OpenToolCall(row))

    def on_data_table_row_selected(self, message: DataTable.RowSelected) -> None:
        message.stop()
        self.action_open_call()
