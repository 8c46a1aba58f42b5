"""`hermes-tui skills curate [--dry-run] [--json]`: archive long-stale skills the agent wrote;
`hermes-tui skills unarchive NAME`: bring an archived skill back.

A skill unused for twice ``[learning] stale_days`` is archived (moved to
workbench/archive/, never deleted) when the agent wrote it; pinned, bundled and
user-written skills are only listed ("kept"). A report of what was done and why is
written to ``workbench/curate/<time>.json``. ``--dry-run`` writes nothing at all.

``--json`` prints ``{"dry_run": bool, "report": path | null, "skills": [{skill_id,
idle_days, source, action, reason, archived_to?}]}``.
"""

from __future__ import annotations

import argparse
import json
import time

from hermes_tui.cli.common import Workspace, plural, print_json
from hermes_tui.core.fsutil import atomic_write


def add_curate(skills_sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    p = skills_sub.add_parser("curate", parents=[parent], help="archive long-stale skills the agent wrote (never deletes)")
    p.add_argument("--dry-run", action="store_true", help="say what would be done; write nothing")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_curate)
    p = skills_sub.add_parser("unarchive", parents=[parent], help="bring an archived skill back to skills/")
    p.add_argument("name", metavar="NAME")
    p.set_defaults(func=cmd_unarchive)


def cmd_unarchive(args: argparse.Namespace) -> int:
    with Workspace(args) as ws:
        skill_id = ws.library.unarchive(args.name)
    print(f"restored {skill_id}")
    return 0


def cmd_curate(args: argparse.Namespace) -> int:
    from hermes_tui.core.learning.review import curate

    with Workspace(args, sync=not args.dry_run) as ws:
        entries = curate(ws.store, ws.library, ws.config.learning, dry_run=args.dry_run)
        report = None
        if not args.dry_run:
            report = ws.home.workbench_dir / "curate" / (time.strftime("%Y%m%d-%H%M%S", time.gmtime()) + ".json")
            report.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(report, json.dumps({"at": time.time(), "skills": entries}, indent=2) + "\n")
    if args.json:
        print_json({"dry_run": args.dry_run, "report": str(report) if report else None, "skills": entries})
        return 0
    for entry in entries:
        print(f"{entry['skill_id']}: {entry['action']}: {entry['reason']}")
    done = sum(e["action"] in ("archived", "would archive") for e in entries)
    verb = "would archive" if args.dry_run else "archived"
    print(f"{verb} {plural(done, 'skill')}" + (f"; report: {report}" if report else ""))
    return 0
