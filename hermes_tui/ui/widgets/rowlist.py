"""A list of rows in fixed columns that draws only the rows in view (the Line API).

A DataTable measures every cell of every row it is given; 500 rows cost it a visible
fraction of a second. :class:`RowList` keeps the rows as data and renders the lines on
screen, so filling it costs nothing per row. Up/Down/PageUp/PageDown/Home/End move the
cursor (:class:`RowList.Highlighted`); Enter or a double click selects
(:class:`RowList.Selected`).
"""

from __future__ import annotations

from typing import Any, Sequence

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

Cell = str | Text


class RowList(ScrollView, can_focus=True):
    BINDINGS = [
        Binding("enter", "select", "Open", show=False, id="rows.select"),
        Binding("up", "move(-1)", "Up", show=False, id="rows.up"),
        Binding("down", "move(1)", "Down", show=False, id="rows.down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="rows.page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="rows.page_down"),
        Binding("home", "jump(0)", "First", show=False, id="rows.first"),
        Binding("end", "jump(-1)", "Last", show=False, id="rows.last"),
    ]
    COMPONENT_CLASSES = {"rows--header", "rows--cursor"}
    DEFAULT_CSS = """
    RowList { background: $surface; }
    RowList > .rows--header { text-style: bold; background: $panel; }
    RowList > .rows--cursor { background: $primary 25%; }
    RowList:focus > .rows--cursor { background: $primary 55%; }
    """

    class Highlighted(Message):
        def __init__(self, rows: "RowList", row: int) -> None:
            super().__init__()
            self.rows, self.row = rows, row

    class Selected(Message):
        def __init__(self, rows: "RowList", row: int) -> None:
            super().__init__()
            self.rows, self.row = rows, row

    def __init__(self, columns: Sequence[tuple[str, int]], **kwargs: Any) -> None:
        """``columns``: (label, width) each; one width 0 takes the room left."""
        super().__init__(**kwargs)
        self.columns = list(columns)
        self.rows: list[list[Cell]] = []
        self.cursor_row = 0

    @property
    def row_count(self) -> int:
        return len(self.rows)

    def set_rows(self, rows: list[list[Cell]], cursor: int = 0) -> None:
        self.rows = rows
        self.cursor_row = max(0, min(len(rows) - 1, cursor))
        size = Size(self.size.width, len(rows) + 1)
        if size != self.virtual_size:
            self.set_reactive(ScrollView.virtual_size, size)
            self._scroll_update(size)
        self._scroll_to_cursor()
        self.refresh()

    def set_cell(self, row: int, column: int, value: Cell) -> None:
        self.rows[row][column] = value
        self._refresh_row(row)

    # -- drawing ------------------------------------------------------------------------
    def _widths(self, width: int) -> list[int]:
        fixed = sum(w for _label, w in self.columns)
        return [w or max(8, width - fixed) for _label, w in self.columns]

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        if y == 0:
            return self._strip([label for label, _w in self.columns], base + self.get_component_rich_style("rows--header"), width)
        index = self.scroll_offset.y + y - 1
        if index >= len(self.rows):
            return Strip.blank(width, base)
        style = base + self.get_component_rich_style("rows--cursor") if index == self.cursor_row else base
        return self._strip(self.rows[index], style, width)

    def _strip(self, cells: Sequence[Cell], style: Style, width: int) -> Strip:
        console = self.app.console
        strips = []
        for cell, column in zip(cells, self._widths(width)):
            text = cell if isinstance(cell, Text) else Text(str(cell))
            text = text.copy()
            text.truncate(max(0, column - 1), overflow="ellipsis", pad=True)
            text.append(" ")  # a gap before the next column
            if text.style:  # render() leaves the base style to its caller: make it a span
                text.stylize(text.style, 0, len(text) - 1)
            strips.append(Strip(list(text.render(console))).apply_style(style))
        return Strip.join(strips).crop_extend(0, width, style)

    def _refresh_row(self, index: int) -> None:
        y = index - self.scroll_offset.y + 1
        if 0 < y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self.refresh()

    # -- the cursor ---------------------------------------------------------------------
    def move_cursor(self, *, row: int) -> None:
        """Put the cursor on ``row`` (clamped) and scroll it into view."""
        old = self.cursor_row
        self.cursor_row = max(0, min(len(self.rows) - 1, row))
        self._refresh_row(old)
        self._scroll_to_cursor()
        self._refresh_row(self.cursor_row)
        if old != self.cursor_row:
            self.post_message(self.Highlighted(self, self.cursor_row))

    def _scroll_to_cursor(self) -> None:
        visible = max(1, self.size.height - 1)
        top = self.scroll_offset.y
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + visible:
            self.scroll_to(y=self.cursor_row - visible + 1, animate=False, immediate=True)

    def action_move(self, delta: int) -> None:
        self.move_cursor(row=self.cursor_row + delta)

    def action_page(self, direction: int) -> None:
        self.move_cursor(row=self.cursor_row + direction * max(1, self.size.height - 2))

    def action_jump(self, row: int) -> None:
        self.move_cursor(row=row if row >= 0 else len(self.rows) - 1)

    def action_select(self) -> None:
        if 0 <= self.cursor_row < len(self.rows):
            self.post_message(self.Selected(self, self.cursor_row))

    def on_click(self, event: events.Click) -> None:
        index = self.scroll_offset.y + event.y - 1
        if 0 <= index < len(self.rows):
            self.move_cursor(row=index)
            if event.chain == 2:
                self.action_select()
