"""`hermes-tui skills scan PATH... [--json]` and `skills approve NAME`: the scanner on the
command line, and a person clearing a quarantined skill.

``skills scan`` exits 0 when no skill is dangerous (safe or caution), 3 when any is,
1 on an error (a missing path, no skill found), 2 on a usage error. It does not use
(or create) the home.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from hermes_tui.cli.common import Workspace, plural, print_json
from hermes_tui.errors import HermesError

EXIT_DANGEROUS = 3
_MARK = {"safe": "✓", "caution": "!", "dangerous": "✗"}


def add_scan_commands(skills_sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    p = skills_sub.add_parser(
        "scan",
        parents=[parent],
        help="scan skills for injection, exfiltration, hidden text and other threats",
        description=(
            "Scan SKILL.md and every file of each skill folder. PATH is a skill folder, a SKILL.md "
            "(its folder is scanned), or a folder searched for skills. Exit 0 when no skill is "
            "dangerous (safe or caution), 3 when any is, 1 on an error."
        ),
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="a skill folder, a SKILL.md, or a folder of skills")
    p.add_argument("--json", action="store_true", help='print a JSON list of {"path", "name", "verdict", "findings"}')
    p.set_defaults(func=cmd_scan)

    p = skills_sub.add_parser(
        "approve",
        parents=[parent],
        help="let a quarantined skill in (a person read it)",
        description=(
            "Clear a skill the scan quarantined: its current text becomes active. The clearance "
            "holds for this text only; an edit is scanned again."
        ),
    )
    p.add_argument("name", metavar="NAME", help="a skill name or id")
    p.set_defaults(func=cmd_approve)


def skill_folders(raw: str) -> list[Path]:
    """The skill folders a PATH names (HermesError when it names none)."""
    from hermes_tui.core.skills.discover import find_skill_files
    from hermes_tui.core.skills.parse import find_skill_file

    path = Path(raw)
    if not os.path.lexists(path):
        raise HermesError(f"no such file or folder: {raw}")
    if path.is_file():
        if path.name.lower() != "skill.md":
            raise HermesError(f"not a SKILL.md or a folder: {raw}")
        return [path.parent]
    if find_skill_file(path) is not None:
        return [path]
    files, errors = find_skill_files(path)
    folders = sorted({p.parent for p in files} | {Path(e.path).parent for e in errors})
    if not folders:
        raise HermesError(f"no skills found (no SKILL.md) in: {raw}")
    return folders


def scan_result(folder: Path) -> dict[str, Any]:
    from hermes_tui.core.guard.scan import scan_folder

    report = scan_folder(folder)
    return {"path": str(folder), "name": _name(folder), **report.to_dict()}


def _name(folder: Path) -> str:
    from hermes_tui.core.skills.model import LoadError
    from hermes_tui.core.skills.parse import find_skill_file, load_skill

    path = find_skill_file(folder)
    loaded = load_skill(path, folder.parent) if path is not None else None
    return loaded.name if loaded is not None and not isinstance(loaded, LoadError) else folder.name


def cmd_scan(args: argparse.Namespace) -> int:
    folders = list(dict.fromkeys(f for raw in args.paths for f in skill_folders(raw)))
    results = [scan_result(folder) for folder in folders]
    if args.json:
        print_json(results)
    else:
        _print_results(results)
    return EXIT_DANGEROUS if any(r["verdict"] == "dangerous" for r in results) else 0


def _print_results(results: list[dict[str, Any]]) -> None:
    from hermes_tui.core.guard.scan import Finding

    for result in results:
        print(f"{_MARK[result['verdict']]} {result['verdict']:<9}  {result['name']}  {result['path']}")
        for data in result["findings"]:
            print("    " + Finding.from_dict(data).describe().replace("\n", "\n    "))
    counts = {v: sum(r["verdict"] == v for r in results) for v in _MARK}
    print(f"{plural(len(results), 'skill')}: {counts['safe']} safe, {counts['caution']} caution, {counts['dangerous']} dangerous")


def cmd_approve(args: argparse.Namespace) -> int:
    from hermes_tui.core.skills.model import QUARANTINED

    with Workspace(args) as ws:
        row = ws.library.row(args.name)
        if row.get("state") != QUARANTINED:
            raise HermesError(f"skill {row['skill_id']} is not quarantined (state {row.get('state')})")
        skill_id = ws.library.clear_quarantine(row["skill_id"])
    print(f"cleared {skill_id}: active again (this text only; an edit is scanned again)")
    return 0
