"""A coloured diff of two texts: unified when narrow, side by side when there is room.

The rows come from the core (:mod:`hermes_tui.core.skills.diff`); this widget only
paints them: removed lines red, added lines green, the changed characters inside a
changed line in reverse, hunk headers blue. Invisible characters (zero-width, bidi
controls, the Tag block) are shown as ``⟦U+202E⟧``, never rendered invisibly.
"""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from hermes_tui.core.guard.unicode import reveal_invisible
from hermes_tui.core.skills.diff import DiffLine, SideRow, diff_lines, diff_stats, side_by_side

SIDE_BY_SIDE = 140  # columns of the terminal from which the two texts face each other
STYLE = {"delete": "#ff8787", "insert": "#87d787", "replace": "#ffd75f", "hunk": "bold #5fafff", "equal": ""}
MARK = {"delete": "bold reverse #ff8787", "insert": "bold reverse #87d787"}
SIGN = {"delete": "-", "insert": "+", "equal": " ", "hunk": ""}


def _marked(text: str, tag: str, spans: tuple[tuple[int, int], ...]) -> Text:
    line = Text(text, style=STYLE.get(tag, ""), no_wrap=False)
    for start, end in spans:
        line.stylize(MARK[tag], start, end)
    return line


def _number(value: int | None) -> str:
    return "" if value is None else str(value)


def unified_text(rows: list[DiffLine]) -> Text:
    out = Text()
    for row in rows:
        if row.tag == "hunk":
            out.append(row.text + "\n", style=STYLE["hunk"])
            continue
        number = row.old_no if row.tag == "delete" else row.new_no
        out.append(f"{_number(number):>4} ", style="dim")
        out.append(SIGN[row.tag], style=STYLE[row.tag])
        out.append_text(_marked(row.text, row.tag, row.spans))
        out.append("\n")
    return out


def side_table(rows: list[SideRow], old_label: str, new_label: str) -> Table:
    table = Table(box=None, expand=True, show_edge=False, pad_edge=False, padding=(0, 1))
    table.add_column("", style="dim", justify="right", width=4, no_wrap=True)
    table.add_column(old_label, ratio=1, overflow="fold")
    table.add_column("", style="dim", justify="right", width=4, no_wrap=True)
    table.add_column(new_label, ratio=1, overflow="fold")
    for row in rows:
        if row.tag == "hunk":
            table.add_row("", Text(row.old_text, style=STYLE["hunk"]), "", "")
            continue
        left_tag = "delete" if row.tag in ("delete", "replace") else "equal"
        right_tag = "insert" if row.tag in ("insert", "replace") else "equal"
        table.add_row(
            _number(row.old_no),
            _marked(row.old_text, left_tag, row.old_spans),
            _number(row.new_no),
            _marked(row.new_text, right_tag, row.new_spans),
        )
    return table


class DiffView(VerticalScroll):
    """``show(old, new, old_label, new_label)`` paints the diff; it is repainted as the terminal is resized."""

    DEFAULT_CSS = """
    DiffView { height: 1fr; }
    DiffView > .diff-summary { height: 1; color: $text-muted; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.old = self.new = ""
        self.labels = ("before", "after")
        self.side_by_side = False

    def compose(self):  # type: ignore[override]
        yield Static("", classes="diff-summary")
        yield Static("", classes="diff-body")

    def show(self, old: str, new: str, old_label: str, new_label: str) -> None:
        self.old, self.new, self.labels = old, new, (old_label, new_label)
        self._paint()

    def on_mount(self) -> None:
        self._paint()

    def on_resize(self, event: Any) -> None:
        if self.side_by_side != (self.app.size.width >= SIDE_BY_SIDE):
            self._paint()

    def _paint(self) -> None:
        if not self.is_mounted:
            return
        old_label, new_label = self.labels
        old, new = reveal_invisible(self.old), reveal_invisible(self.new)
        added, removed = diff_stats(old, new)
        self.side_by_side = self.app.size.width >= SIDE_BY_SIDE
        summary, body = self.query_one(".diff-summary", Static), self.query_one(".diff-body", Static)
        if not added and not removed:
            summary.update(Text(f"{old_label} → {new_label}: no differences"))
            body.update("")
            return
        summary.update(Text(f"{old_label} → {new_label}: +{added} -{removed} lines"))
        if self.side_by_side:
            body.update(side_table(side_by_side(old, new), old_label, new_label))
        else:
            body.update(unified_text(diff_lines(old, new)))
