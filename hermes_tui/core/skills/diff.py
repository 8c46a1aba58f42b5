"""Diffs of skill text for people: pure functions over two texts (no I/O).

The skill editor, the approvals queue and the command line share them:

* :func:`unified_diff` - the classic text form (``skills diff``, ``pending show``);
* :func:`diff_lines` - the same hunks as rows (tag, line numbers, text), with the
  changed characters inside a changed line marked (:func:`intraline`);
* :func:`side_by_side` - the hunks as rows of (old, new) pairs;
* :func:`merge_by_hand` - two texts in one, every difference between conflict
  markers (``<<<<<<< mine`` ... ``=======`` ... ``>>>>>>> on disk``), for a person
  to resolve; :func:`has_conflict_markers` says whether any are left.

Lines are compared with :class:`difflib.SequenceMatcher` (no autojunk: a skill's
repeated lines are content, not noise); the changes inside a pair of changed lines
are found the same way over their characters.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Iterator

Span = tuple[int, int]  # [start, end) character offsets in a line
CONTEXT = 3  # unchanged lines shown around each change
SIMILAR = 0.4  # below this ratio two changed lines are unrelated: no intra-line marks
MINE_MARK, SPLIT_MARK, THEIRS_MARK = "<<<<<<<", "=======", ">>>>>>>"
_CONFLICT_RE = re.compile(rf"^(?:{MINE_MARK}|{THEIRS_MARK})(?: |$)", re.MULTILINE)


@dataclass(frozen=True)
class DiffLine:
    """One row of a unified diff. ``tag``: "equal", "delete", "insert" or "hunk"
    (the ``@@ -a,b +c,d @@`` line, in ``text``); ``spans``: the changed characters."""

    tag: str
    old_no: int | None
    new_no: int | None
    text: str
    spans: tuple[Span, ...] = ()


@dataclass(frozen=True)
class SideRow:
    """One row of a side-by-side diff. ``tag``: "equal", "replace", "delete",
    "insert" or "hunk"; a side without a line has number None and text ""."""

    tag: str
    old_no: int | None
    old_text: str
    new_no: int | None
    new_text: str
    old_spans: tuple[Span, ...] = ()
    new_spans: tuple[Span, ...] = ()


def _lines(text: str) -> list[str]:
    return text.splitlines()


def unified_diff(old: str, new: str, old_name: str, new_name: str) -> str:
    """The unified diff of two texts as text ("" when they are equal)."""
    lines = difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True), fromfile=old_name, tofile=new_name
    )
    out = []
    for line in lines:
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)


def diff_stats(old: str, new: str) -> tuple[int, int]:
    """(lines added, lines removed) from ``old`` to ``new``."""
    added = removed = 0
    for tag, i1, i2, j1, j2 in _matcher(_lines(old), _lines(new)).get_opcodes():
        if tag != "equal":
            removed += i2 - i1
            added += j2 - j1
    return added, removed


def intraline(a: str, b: str) -> tuple[tuple[Span, ...], tuple[Span, ...]]:
    """The characters that differ between two changed lines: (spans in ``a``, spans in ``b``).

    Lines with too little in common (ratio under :data:`SIMILAR`) get no marks: the
    whole line changed."""
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if matcher.ratio() < SIMILAR:
        return (), ()
    old: list[Span] = []
    new: list[Span] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if i2 > i1:
            old.append((i1, i2))
        if j2 > j1:
            new.append((j1, j2))
    return tuple(old), tuple(new)


def _matcher(old: list[str], new: list[str]) -> difflib.SequenceMatcher:
    return difflib.SequenceMatcher(None, old, new, autojunk=False)


def _hunk_header(group: list[tuple[str, int, int, int, int]]) -> str:
    first, last = group[0], group[-1]
    i1, i2, j1, j2 = first[1], last[2], first[3], last[4]
    return f"@@ -{i1 + 1},{i2 - i1} +{j1 + 1},{j2 - j1} @@"


def _groups(old: list[str], new: list[str], context: int) -> Iterator[list[tuple[str, int, int, int, int]]]:
    if old == new:
        return iter(())
    return _matcher(old, new).get_grouped_opcodes(context)


def diff_lines(old: str, new: str, context: int = CONTEXT) -> list[DiffLine]:
    """The unified diff of two texts as rows; a changed block lists its old lines, then
    its new ones, each pair of lines marked where their characters differ."""
    a, b = _lines(old), _lines(new)
    rows: list[DiffLine] = []
    for group in _groups(a, b, context):
        rows.append(DiffLine("hunk", None, None, _hunk_header(group)))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                rows.extend(DiffLine("equal", i + 1, j1 + k + 1, a[i]) for k, i in enumerate(range(i1, i2)))
                continue
            marks = [intraline(a[i1 + k], b[j1 + k]) for k in range(min(i2 - i1, j2 - j1))] if tag == "replace" else []
            for k, i in enumerate(range(i1, i2)):
                rows.append(DiffLine("delete", i + 1, None, a[i], marks[k][0] if k < len(marks) else ()))
            for k, j in enumerate(range(j1, j2)):
                rows.append(DiffLine("insert", None, j + 1, b[j], marks[k][1] if k < len(marks) else ()))
    return rows


def side_by_side(old: str, new: str, context: int = CONTEXT) -> list[SideRow]:
    """The unified diff's hunks as (old, new) rows: changed lines face each other."""
    a, b = _lines(old), _lines(new)
    rows: list[SideRow] = []
    for group in _groups(a, b, context):
        rows.append(SideRow("hunk", None, _hunk_header(group), None, ""))
        for tag, i1, i2, j1, j2 in group:
            for k in range(max(i2 - i1, j2 - j1)):
                i, j = i1 + k, j1 + k
                left = a[i] if i < i2 else None
                right = b[j] if j < j2 else None
                if tag == "equal":
                    rows.append(SideRow("equal", i + 1, a[i], j + 1, b[j]))
                elif left is not None and right is not None:
                    old_spans, new_spans = intraline(left, right)
                    rows.append(SideRow("replace", i + 1, left, j + 1, right, old_spans, new_spans))
                elif left is not None:
                    rows.append(SideRow("delete", i + 1, left, None, ""))
                else:
                    rows.append(SideRow("insert", None, "", j + 1, right or ""))
    return rows


def merge_by_hand(mine: str, theirs: str, *, mine_label: str = "mine", theirs_label: str = "on disk") -> str:
    """Both texts in one: the lines they share once, each difference between conflict markers."""
    a, b = _lines(mine), _lines(theirs)
    out: list[str] = []
    for tag, i1, i2, j1, j2 in _matcher(a, b).get_opcodes():
        if tag == "equal":
            out.extend(a[i1:i2])
        else:
            out += [f"{MINE_MARK} {mine_label}", *a[i1:i2], SPLIT_MARK, *b[j1:j2], f"{THEIRS_MARK} {theirs_label}"]
    return "\n".join(out) + ("\n" if mine.endswith("\n") or theirs.endswith("\n") else "")


def has_conflict_markers(text: str) -> bool:
    """True while a merge by hand left a ``<<<<<<<`` or ``>>>>>>>`` line in ``text``."""
    return bool(_CONFLICT_RE.search(text))
