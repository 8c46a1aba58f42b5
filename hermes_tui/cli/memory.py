"""`hermes-tui memory import FILE.jsonl`: bulk ingest of memory notes.

One JSON object a line: ``{"text": "...", "title": "...", "kind": "note", "created_at": 1700000000}``
(``created_at``: unix seconds or an ISO-8601 string; a time without a zone is UTC).
Blank lines are ignored. A line may hold at most 10 MB; a note longer than 8,192
characters is stored as parts ("TITLE (2/7)"), each found by search. Notes already
in the store (the same kind, title and text) are skipped and counted.

Every note (title and text) goes through the scanner and the trust policy as text a
person wrote (source "user", whatever the line's "source" says): a note the scan
judges dangerous (prompt injection, exfiltration, invisible characters ...) is
refused like a malformed line, its finding named, so nothing dangerous lands in
memory search unseen.

Malformed or refused lines (not JSON, not UTF-8, no text, too long, dangerous): by
default a file with such a line imports nothing (each is reported with its number,
exit 1), so a fixed file can simply be imported again. With ``--skip-bad`` the good
lines are imported and the others reported and skipped. The file is read as a
stream, in one transaction: all or nothing, whatever its size.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

from hermes_tui.core.fsutil import os_error_reason
from hermes_tui.core.guard.policy import note_refusal
from hermes_tui.cli.common import home_from_args
from hermes_tui.errors import HermesError, UsageError

MAX_REPORTED = 20
OPTIMIZE_AFTER = 5000  # merge the index segments after an import this large


def parse_created_at(value: Any) -> float | None:
    """Unix seconds from a number or an ISO-8601 string; ValueError when it is neither."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError("created_at must be a number or an ISO-8601 string")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"created_at {value[:40]!r} is not an ISO-8601 time") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        return moment.timestamp()
    raise ValueError("created_at must be a number or an ISO-8601 string")


def parse_note_line(line: str) -> dict[str, Any]:
    """One JSONL line -> a note row for ``Store.add_notes``; ValueError with the reason."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc.msg})") from None
    if not isinstance(obj, dict):
        raise ValueError("not a JSON object")
    text = obj.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ValueError('no "text" string')
    row: dict[str, Any] = {"text": text, "source": "import"}
    for key in ("title", "kind", "source"):
        value = obj.get(key)
        if value is not None and not isinstance(value, str):
            raise ValueError(f'"{key}" must be a string')
        if value:
            row[key] = value
    row["created_at"] = parse_created_at(obj.get("created_at"))
    return row


MAX_LINE_BYTES = 10 * 1024 * 1024  # a longer line is a bad line (as `skills validate` refuses larger files)
# Notes handed to the store at a time (whichever limit comes first): memory stays flat
# whatever the file's size.
BATCH_ROWS = 5000
BATCH_CHARS = 8_000_000


class BadLine(ValueError):
    """A line that cannot be imported (the message is the reason)."""


def read_lines(path: Path, progress: Callable[[int], None] | None = None) -> Iterator[tuple[int, str | BadLine]]:
    """(line number, text or :class:`BadLine`) for every non-blank line, streamed.

    A line over :data:`MAX_LINE_BYTES` or not valid UTF-8 is a BadLine; the rest of
    the file is still read. ``progress`` gets the bytes read so far. A file with a
    NUL byte in its first 8 KB is not text: HermesError.
    """
    try:
        with path.open("rb") as fh:
            if b"\0" in fh.read(8192):
                raise HermesError(f"{path} is not UTF-8 text (it holds NUL bytes)")
            fh.seek(0)
            done = 0
            number = 0
            while raw := fh.readline(MAX_LINE_BYTES + 1):
                number += 1
                done += len(raw)
                if len(raw) > MAX_LINE_BYTES:
                    while raw and not raw.endswith(b"\n"):  # skip the rest of the line
                        raw = fh.readline(1 << 20)
                        done += len(raw)
                    yield number, BadLine(f"longer than {MAX_LINE_BYTES // (1024 * 1024)} MB")
                elif raw.strip():
                    try:
                        yield number, raw.decode("utf-8")
                    except UnicodeDecodeError as exc:
                        yield number, BadLine(f"not UTF-8 (byte {exc.start + 1} of the line)")
                if progress is not None and number % 1000 == 0:
                    progress(done)
    except OSError as exc:
        raise HermesError(f"cannot read {path}: {os_error_reason(exc)}") from None


def split_note(row: dict[str, Any], size: int) -> list[dict[str, Any]]:
    """A note whose text is longer than ``size`` characters as parts of at most ``size``
    (cut at a line end, else a space, in the second half of a part), titled "TITLE (i/n)"."""
    text = row["text"]
    if len(text) <= size:
        return [row]
    pieces: list[str] = []
    start = 0
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            cut = text.rfind("\n", start + size // 2, end)
            cut = cut if cut >= 0 else text.rfind(" ", start + size // 2, end)
            end = cut + 1 if cut >= 0 else end
        pieces.append(text[start:end])
        start = end
    title = row.get("title") or " ".join(text[:60].split())
    return [{**row, "text": piece, "title": f"{title} ({i}/{len(pieces)})"} for i, piece in enumerate(pieces, 1)]


class ImportReport:
    """What one import did: counted while the file streams by."""

    def __init__(self) -> None:
        self.bad: list[tuple[int, str]] = []
        self.rows = 0  # rows handed to the store (parts counted)
        self.split = 0  # notes stored as parts

    def rows_of(self, lines: Iterator[tuple[int, str | BadLine]], size: int, keep_going: bool) -> Iterator[dict[str, Any]]:
        """The note rows of the good lines; bad lines are recorded. After a bad line,
        unless ``keep_going``, the rest is only checked (no rows: nothing will be kept)."""
        for number, text in lines:
            try:
                if isinstance(text, BadLine):
                    raise text
                row = parse_note_line(text)
                refusal = note_refusal(row["text"], row.get("title"))
                if refusal is not None:
                    raise BadLine(refusal)
            except ValueError as exc:
                self.bad.append((number, str(exc)))
                continue
            if self.bad and not keep_going:
                continue
            parts = split_note(row, size)
            self.split += len(parts) > 1
            self.rows += len(parts)
            yield from parts


class _Refused(Exception):
    """Raised inside the import transaction to roll it back."""


def import_notes(store: Any, path: Path, *, skip_bad: bool, progress: Callable[[int], None] | None = None) -> tuple[int, ImportReport]:
    """Stream ``path`` into the store in one transaction; returns (notes added, report).

    Rows go to ``Store.add_notes`` in batches of :data:`BATCH_ROWS`, skipping notes
    already present. A bad line without ``skip_bad`` rolls everything back (the
    report lists the bad lines; added is 0).
    """
    from hermes_tui.core.store.schema import NOTE_INDEX_CHARS

    report = ImportReport()
    rows = report.rows_of(read_lines(path, progress), NOTE_INDEX_CHARS, skip_bad)
    added = 0
    try:
        with store.transaction():
            for batch in _batches(rows):
                added += store.add_notes(batch, skip_present=True)
            if report.bad and not skip_bad:
                raise _Refused
    except _Refused:
        return 0, report
    return added, report


def _batches(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    """Lists of at most :data:`BATCH_ROWS` rows and about :data:`BATCH_CHARS` characters."""
    batch: list[dict[str, Any]] = []
    chars = 0
    for row in rows:
        batch.append(row)
        chars += len(row["text"])
        if len(batch) >= BATCH_ROWS or chars >= BATCH_CHARS:
            yield batch
            batch, chars = [], 0
    if batch:
        yield batch


def _progress_bar(path: Path) -> tuple[Callable[[int], None] | None, Any]:
    """A byte-progress callback and its context (a rich bar on a terminal, else none)."""
    from contextlib import nullcontext

    if not sys.stderr.isatty():
        return None, nullcontext()
    from rich.console import Console
    from rich.progress import Progress

    bar = Progress(console=Console(stderr=True), transient=True)
    task = bar.add_task("importing", total=path.stat().st_size)
    return (lambda done: bar.update(task, completed=done)), bar


def cmd_import(args: argparse.Namespace) -> int:
    from hermes_tui.core.store import Store

    path = Path(args.file)
    if path.is_dir():
        raise UsageError(f"{path} is a folder; give a JSONL file")
    if not path.is_file():
        raise UsageError(f"no such file: {path}")
    home = home_from_args(args)
    progress, bar = _progress_bar(path)
    with Store.open(home.db_path) as store, bar:
        # The import and the index merge after it read much of the database: pages
        # mapped into memory count as this process's memory (a 300,000-note import
        # peaked at 317 MB with them, 132 MB without), so they are read, not mapped.
        store.execute("PRAGMA mmap_size=0")
        started = time.perf_counter()
        imported, report = import_notes(store, path, skip_bad=args.skip_bad, progress=progress)
        seconds = max(time.perf_counter() - started, 1e-9)
        if imported >= OPTIMIZE_AFTER:
            store.optimize()
    bad = report.bad
    for number, reason in bad[:MAX_REPORTED]:
        print(f"hermes-tui: warning: {path}:{number}: {reason}", file=sys.stderr)
    if len(bad) > MAX_REPORTED:
        print(f"hermes-tui: warning: ... and {len(bad) - MAX_REPORTED} more bad lines", file=sys.stderr)
    if bad and not args.skip_bad:
        print(
            f"imported 0 notes: {len(bad)} bad or refused line(s) in {path}; fix them or use --skip-bad",
            file=sys.stderr,
        )
        return 1
    message = f"imported {imported} notes, skipped {len(bad)} ({report.rows / seconds:,.0f} docs/s)"
    if report.rows > imported:
        message += f"; {report.rows - imported} already present, not added again"
    if report.split:
        message += f"; {report.split} long note(s) stored in parts"
    print(message)
    return 0


def register(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    """Add the `memory` command(s) to the parser."""
    p = sub.add_parser("memory", parents=[parent], help="memory notes")
    msub = p.add_subparsers(dest="memory_command", metavar="SUBCOMMAND")
    imp = msub.add_parser(
        "import",
        parents=[parent],
        help="bulk-import notes from a JSONL file",
        description=__doc__.split("\n", 2)[2],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    imp.add_argument("file", metavar="FILE.jsonl")
    imp.add_argument("--skip-bad", action="store_true", help="import the good lines even if some are malformed or refused")
    imp.set_defaults(func=cmd_import)
