"""`hermes-tui export --format F [filters] [--out FILE.jsonl] [--json]`: episodes as training data."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from hermes_tui.cli.common import Workspace, print_json
from hermes_tui.errors import UsageError

PROGRESS_MIN = 500  # a progress bar (stderr, a terminal only) from this many items


def register(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    """Add the `export` command to the parser."""
    from hermes_tui.core.feedback.formats import FORMATS

    p = sub.add_parser(
        "export",
        parents=[parent],
        help="export episodes as fine-tuning or preference training data (JSONL)",
        description=(
            "Write recorded episodes as JSON lines: openai (chat fine-tuning), sharegpt, hermes (Hermes Agent "
            "trajectories), dpo-trl and dpo-openai (preference pairs from corrections and differently rated "
            "answers to the same task). Every text is redacted; episodes still running or without an answer "
            "are skipped (--json says why). Without --out the lines go to stdout."
        ),
    )
    p.add_argument("--format", required=True, choices=FORMATS, metavar="F", help=" | ".join(FORMATS))
    p.add_argument("--rated", choices=("good", "bad"), help="only episodes rated good (4-5) or bad (1-2)")
    p.add_argument("--min-rating", type=int, metavar="N", help="only episodes rated at least N (1-5)")
    p.add_argument("--since", metavar="DATE", help="only episodes started on or after DATE (YYYY-MM-DD or ISO 8601)")
    p.add_argument("--skill", metavar="NAME", help="only episodes that loaded this skill (name or id)")
    p.add_argument("--outcome", choices=("success", "failure", "interrupted"), help="only episodes that ended so")
    p.add_argument("--out", metavar="FILE.jsonl", help="write here (atomically) instead of stdout")
    p.add_argument("--json", action="store_true", help="print a JSON report (counts, skipped and why); needs --out")
    p.set_defaults(func=cmd_export)


def parse_since(value: str | None) -> float | None:
    """``--since DATE``: local midnight of a YYYY-MM-DD day, or an ISO 8601 moment."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"--since wants a date like 2026-11-30 or 2026-11-30T08:00, not {value!r}") from None
    return moment.timestamp() if moment.tzinfo else moment.astimezone().timestamp()


def _progress_bar() -> tuple[Any, Callable[[int, int], None]]:
    """A rich progress bar on stderr, shown once there are :data:`PROGRESS_MIN` items."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    progress = Progress(
        TextColumn("exporting"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=Console(stderr=True), transient=True,
    )
    task: list[Any] = []

    def update(done: int, total: int) -> None:
        if total < PROGRESS_MIN:
            return
        if not task:
            progress.start()
            task.append(progress.add_task("export", total=total))
        progress.update(task[0], completed=done)

    return progress, update


def cmd_export(args: argparse.Namespace) -> int:
    from hermes_tui.core.feedback.export import ExportOptions, Exporter, default_tools, export_file

    if args.json and not args.out:
        raise UsageError("--json reports on an export to a file: add --out FILE.jsonl")
    options = ExportOptions(
        format=args.format, rated=args.rated, min_rating=args.min_rating, since=parse_since(args.since),
        skill=args.skill, outcome=args.outcome,
    )
    options.check()
    out = Path(args.out) if args.out else None
    if out is not None and out.is_dir():
        raise UsageError(f"--out {out} is a folder; give a file name")
    bar, progress = _progress_bar() if sys.stderr.isatty() else (None, None)
    try:
        with Workspace(args, sync=False, hermes=True) as ws:
            tools = default_tools(ws.config)
            if out is not None:
                report = export_file(ws.store, options, tools, out, progress=progress)
            else:
                report = Exporter(ws.store, options, tools, progress=progress).run(sys.stdout.write)
    finally:
        if bar is not None:
            bar.stop()
    if args.json:
        print_json(report.to_dict())
    elif out is not None:
        skipped = sum(report.skipped.values())
        print(f"wrote {report.written} lines to {out}" + (f" ({skipped} skipped: see --json)" if skipped else ""))
    return 0
