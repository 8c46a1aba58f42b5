"""`hermes-tui memory import FILE.jsonl`: bulk ingest of memory notes.

One JSON object a line: ``{"text": "...", "title": "...", "kind": "note", "created_at": 1700000000}``
(``created_at``: unix seconds or an ISO-8601 string; a time without a zone is UTC).
Blank lines are ignored.

Malformed lines: the whole file is checked before anything is written. By default a
file with a bad line imports nothing (each bad line is reported with its number,
exit 1), so a fixed file can simply be imported again without duplicates. With
``--skip-bad`` the good lines are imported and the bad ones reported and skipped.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

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


def read_notes(path: Path) -> tuple[list[dict[str, Any]], list[tuple[int, str]]]:
    """All good rows of a JSONL file and the (line number, reason) of every bad line."""
    rows: list[dict[str, Any]] = []
    bad: list[tuple[int, str]] = []
    try:
        with path.open("r", encoding="utf-8", errors="strict", newline=None) as fh:
            for number, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    rows.append(parse_note_line(line))
                except ValueError as exc:
                    bad.append((number, str(exc)))
    except UnicodeDecodeError as exc:
        raise HermesError(f"{path} is not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise HermesError(f"cannot read {path}: {exc.strerror or exc}") from None
    return rows, bad


def _with_progress(rows: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Yield rows, showing a progress bar on stderr when it is a terminal."""
    if not sys.stderr.isatty():
        yield from rows
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("importing", total=len(rows))
        for i, row in enumerate(rows, 1):
            yield row
            if i % 1000 == 0 or i == len(rows):
                progress.update(task, completed=i)


def cmd_import(args: argparse.Namespace) -> int:
    from hermes_tui.core.store import Store

    path = Path(args.file)
    if not path.is_file():
        raise UsageError(f"no such file: {path}")
    rows, bad = read_notes(path)
    for number, reason in bad[:MAX_REPORTED]:
        print(f"hermes-tui: warning: {path}:{number}: {reason}", file=sys.stderr)
    if len(bad) > MAX_REPORTED:
        print(f"hermes-tui: warning: ... and {len(bad) - MAX_REPORTED} more bad lines", file=sys.stderr)
    if bad and not args.skip_bad:
        print(
            f"imported 0 notes: {len(bad)} bad line(s) in {path}; fix them or use --skip-bad",
            file=sys.stderr,
        )
        return 1
    home = home_from_args(args)
    with Store.open(home.db_path) as store:
        started = time.perf_counter()
        imported = store.add_notes(_with_progress(rows))
        seconds = max(time.perf_counter() - started, 1e-9)
        if imported >= OPTIMIZE_AFTER:
            store.optimize()
    print(f"imported {imported} notes, skipped {len(bad)} ({imported / seconds:,.0f} docs/s)")
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
    imp.add_argument("--skip-bad", action="store_true", help="import the good lines even if some are malformed")
    imp.set_defaults(func=cmd_import)
