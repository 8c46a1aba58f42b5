"""The live tool-call trace: one row per tool call, updated in place by its call id.

A line-API scroll view: it renders only the visible rows and updates one row in
place, so 10,000 rows stay smooth. The newest row stays in view unless the user
moved up; Enter (or a double click) asks the app to open the call (:class:`OpenToolCall`).
"""

from __future__ import annotations

import json
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from hermes_tui.core.agent.events import ApprovalRequested, ApprovalResolved, ToolCallFinished, ToolCallStarted
from hermes_tui.ui.messages import OpenToolCall

ARGS_CHARS = 60
HARNESS_KEYS = frozenset({"timeout", "justification"})  # how to run a command, not what it does
BURST_REDRAW_SECONDS = 0.05  # a burst of rows redraws the trace at most 20 times a second
STATUS_STYLE = {"running": "bold #ffd75f", "ok": "#5fd787", "error": "bold #ff5f5f", "approval?": "bold #d787ff"}


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
    """Arguments on one line: the values of a dict (``command``, ``path`` ...), else the JSON.

    What says how to run a call rather than what it does is left out: flags (true/false),
    and the terminal's ``timeout`` and ``justification`` (the full call shows them)."""
    if isinstance(arguments, dict):
        text = " ".join(
            str(v) for k, v in arguments.items() if k not in HARNESS_KEYS and v is not None and not isinstance(v, bool)
        )
    elif isinstance(arguments, str):
        text = arguments
    else:
        text = json.dumps(arguments, ensure_ascii=False)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class TraceTable(ScrollView, can_focus=True):
    """``on_started(event)`` adds a row, ``on_finished(event)`` updates it in place.

    Rows are drawn line by line (the Line API): an update costs one row, whatever
    the number of rows, and only the visible rows are rendered.
    """

    BINDINGS = [
        Binding("enter", "open_call", "Open call", id="trace.open"),
        Binding("up", "move(-1)", "Up", show=False, id="trace.up"),
        Binding("down", "move(1)", "Down", show=False, id="trace.down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="trace.page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="trace.page_down"),
        Binding("home", "jump(0)", "First", show=False, id="trace.first"),
        Binding("end", "jump(-1)", "Last", show=False, id="trace.last"),
    ]
    COMPONENT_CLASSES = {"trace--header", "trace--cursor"}
    DEFAULT_CSS = """
    TraceTable { background: $surface; overflow-x: hidden; }
    TraceTable > .trace--header { text-style: bold; background: $panel; }
    TraceTable > .trace--cursor { background: $primary 25%; }
    TraceTable:focus > .trace--cursor { background: $primary 55%; }
    """
    COLUMNS = (("tool", 14), ("arguments", 0), ("status", 10), ("ms", 7), ("exit", 5))

    class Highlighted(Message):
        """The cursor moved to another row."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.calls: dict[str, CallRow] = {}
        self.order: list[str] = []
        self.cursor_row = 0
        self._strips: dict[str, Strip] = {}  # drawn rows (not the cursor's), until the row or the styles change
        self._in_bulk = False
        self._follow = False  # a burst's deferred redraw follows the newest row
        self._last_redraw = 0.0
        self._redraw_timer: Any = None
        self._styles: dict[str | None, Style] = {}

    # -- updates ----------------------------------------------------------------------
    @property
    def row_count(self) -> int:
        return len(self.order)

    def clear_calls(self) -> None:
        self._follow = False
        self.calls.clear()
        self.order.clear()
        self._strips.clear()
        self.cursor_row = 0
        self._resize()
        self.refresh()

    def on_started(self, event: ToolCallStarted) -> None:
        key = self._key(event.episode_id, event.call_id)
        if key in self.calls:  # the same call seen again (a replay)
            return
        follow = self._follow or self.cursor_row >= len(self.order) - 1
        self.calls[key] = CallRow(event.episode_id, event.call_id, event.name, event.arguments, event.ts)
        self.order.append(key)
        if self._in_bulk:
            return
        self._resize()
        if follow:
            self.move_cursor(row=len(self.order) - 1)
        else:
            self._refresh_row(len(self.order) - 1)

    def on_finished(self, event: ToolCallFinished) -> None:
        row = self.calls.get(self._key(event.episode_id, event.call_id))
        if row is None:
            return
        row.status = "error" if event.error else "ok"
        row.result, row.error = event.result, event.error
        row.exit_code, row.duration_ms = event.exit_code, event.duration_ms
        key = self._key(row.episode_id, row.call_id)
        self._strips.pop(key, None)
        if not self._in_bulk:
            self._refresh_key(key)

    def on_approval(self, event: ApprovalRequested | ApprovalResolved, call_id: str = "") -> None:
        key = self._key(event.episode_id, call_id or getattr(event, "call_id", ""))
        row = self.calls.get(key)
        if row is not None and row.status in ("running", "approval?"):
            row.status = "approval?" if isinstance(event, ApprovalRequested) else "running"
            self._refresh_key(key)

    @contextmanager
    def bulk(self) -> Iterator[None]:
        """Add and update many rows (a burst of events, a stored episode) with one redraw at the end."""
        if self._in_bulk:
            yield
            return
        self._follow = self._follow or self.cursor_row >= len(self.order) - 1
        self._in_bulk = True
        try:
            yield
        finally:
            self._in_bulk = False
            self._redraw_burst()

    def _redraw_burst(self) -> None:
        """Show a burst's rows: at once, or (a redraw was just done) once the interval has passed.

        Following the newest row moves every visible line, so each redraw renders the
        whole view; at the screen's 60 frames a second a flood of rows would spend the
        UI thread on frames nobody can read.
        """
        if self._redraw_timer is not None:
            return  # a redraw is due already
        wait = self._last_redraw + BURST_REDRAW_SECONDS - time.monotonic()
        if wait > 0:
            self._redraw_timer = self.set_timer(wait, self._redraw_now, name="trace redraw")
        else:
            self._redraw_now()

    def _redraw_now(self) -> None:
        self._redraw_timer = None
        self._last_redraw = time.monotonic()
        self._resize()
        if self._follow and self.order:
            self.move_cursor(row=len(self.order) - 1)
        self._follow = False
        self.refresh()

    @staticmethod
    def _key(episode_id: str, call_id: str) -> str:
        return f"{episode_id}/{call_id}"

    def _resize(self) -> None:
        """Grow the scrollable height (rows + the header line) without a layout pass.

        Setting ``virtual_size`` would lay the whole screen out again, per row; the
        scrollbars are updated here as ScrollView does on a resize.
        """
        size = Size(self.size.width, len(self.order) + 1)
        if size != self.virtual_size:
            self.set_reactive(ScrollView.virtual_size, size)
            self._scroll_update(size)
            self.refresh()

    def on_resize(self) -> None:
        self._strips.clear()
        self._resize()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()
        self._styles.clear()

    def _style(self, component: str | None) -> Style:
        style = self._styles.get(component)
        if style is None:
            style = self._styles[component] = self.get_component_rich_style(component) if component else self.rich_style
        return style

    def _refresh_key(self, key: str) -> None:
        self._strips.pop(key, None)
        # The row's index: the newest rows change most, so look from the end.
        for index in range(len(self.order) - 1, -1, -1):
            if self.order[index] == key:
                self._refresh_row(index)
                return

    def _refresh_row(self, index: int) -> None:
        y = index - self.scroll_offset.y + 1
        if 0 < y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    # -- drawing ------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y == 0:
            return self._strip([(label, "") for label, _w in self.COLUMNS], "trace--header", width)
        index = self.scroll_offset.y + y - 1
        if index >= len(self.order):
            return Strip.blank(width, self._style(None))
        key = self.order[index]
        cursor = index == self.cursor_row
        if not cursor and key in self._strips:
            return self._strips[key]
        row = self.calls[key]
        duration = "" if row.duration_ms is None else f"{row.duration_ms:.0f}"
        exit_code = "" if row.exit_code is None else str(row.exit_code)
        cells = [(row.name, "bold"), (short_arguments(row.arguments, 200), ""), (row.status, STATUS_STYLE.get(row.status, "")),
                 (duration, ""), (exit_code, "")]
        strip = self._strip(cells, "trace--cursor" if cursor else None, width)
        if not cursor:
            self._strips[key] = strip
        return strip

    def _strip(self, cells: list[tuple[str, str]], component: str | None, width: int) -> Strip:
        """One line: the cells cut and padded to their columns, in the row's style."""
        base = self._style(component) if component else self._style(None)
        fixed = sum(w for _l, w in self.COLUMNS)
        segments = []
        for (text, style), (_label, column) in zip(cells, self.COLUMNS):
            column = column or max(8, width - fixed)
            segments.append(Segment(text[: column - 1].ljust(column), base + Style.parse(style) if style else base))
        return Strip(segments).crop_extend(0, width, base)

    # -- selection --------------------------------------------------------------------
    @property
    def selected(self) -> CallRow | None:
        if not self.order or not 0 <= self.cursor_row < len(self.order):
            return None
        return self.calls[self.order[self.cursor_row]]

    def move_cursor(self, *, row: int, **_ignored: Any) -> None:
        """Put the cursor on ``row`` (clamped) and scroll it into view."""
        old = self.cursor_row
        self._follow = False  # a move (the user's or the newest row's) ends a burst's following
        self.cursor_row = max(0, min(len(self.order) - 1, row))
        if old != self.cursor_row:
            self.post_message(self.Highlighted())
        self._refresh_row(old)
        visible = max(1, self.size.height - 1)
        top = self.scroll_offset.y
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + visible:
            self.scroll_to(y=self.cursor_row - visible + 1, animate=False, immediate=True)
        self._refresh_row(self.cursor_row)

    def action_move(self, delta: int) -> None:
        self.move_cursor(row=self.cursor_row + delta)

    def action_page(self, direction: int) -> None:
        self.move_cursor(row=self.cursor_row + direction * max(1, self.size.height - 2))

    def action_jump(self, row: int) -> None:
        self.move_cursor(row=row if row >= 0 else len(self.order) - 1)

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self.refresh()

    def on_click(self, event: events.Click) -> None:
        index = self.scroll_offset.y + event.y - 1
        if 0 <= index < len(self.order):
            self.move_cursor(row=index)
            if event.chain == 2:
                self.action_open_call()

    def action_open_call(self) -> None:
        row = self.selected
        if row is not None:
            self.post_message(OpenToolCall(row))
