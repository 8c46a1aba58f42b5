"""`hermes-tui skills list | show | match | history | diff | restore` (the library side)."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from hermes_tui.cli.common import Workspace, plural, print_json, stdout_is_tty
from hermes_tui.core.skills.model import BROKEN, STATES
from hermes_tui.errors import HermesError, UsageError

ROW_KEYS = (
    "skill_id",
    "name",
    "category",
    "description",
    "state",
    "pinned",
    "source",
    "views",
    "uses",
    "successes",
    "failures",
    "last_used",
    "error",
    "path",
)


def public_row(row: dict[str, Any]) -> dict[str, Any]:
    return {key: row.get(key) for key in ROW_KEYS}


def _when(ts: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts)) if ts else "-"


def add_library_commands(skills_sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    p = skills_sub.add_parser("list", parents=[parent], help="list the skills in the library")
    p.add_argument("--state", choices=STATES, help="only skills in this state")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    p.set_defaults(func=cmd_list)

    p = skills_sub.add_parser("show", parents=[parent], help="show one skill")
    p.add_argument("name", metavar="NAME", help="a skill name or id (category/name)")
    p.add_argument("--json", action="store_true", help="print a JSON object")
    p.set_defaults(func=cmd_show)

    p = skills_sub.add_parser(
        "match",
        parents=[parent],
        help="the skills the prompt would offer for a task, best first",
        description=(
            "Rank the active skills for TASK exactly as the system prompt's skills index does "
            "(the skills it shows with their descriptions come first). Shows why a skill is, "
            "or is not, offered."
        ),
    )
    p.add_argument("task", metavar="TASK", help="the task, as you would give it to the agent")
    p.add_argument("--limit", type=int, default=None, metavar="N", help="at most N skills (default: [prompt] relevant_skills)")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    p.set_defaults(func=cmd_match)

    p = skills_sub.add_parser("history", parents=[parent], help="list a skill's recorded versions")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    p.set_defaults(func=cmd_history)

    p = skills_sub.add_parser(
        "diff",
        parents=[parent],
        help="diff two versions (V1 V2), a version and the latest (V1), or the last change (none)",
    )
    p.add_argument("name", metavar="NAME")
    p.add_argument("v1", metavar="V1", type=int, nargs="?")
    p.add_argument("v2", metavar="V2", type=int, nargs="?")
    p.set_defaults(func=cmd_diff)

    p = skills_sub.add_parser("restore", parents=[parent], help="restore a version (recorded as a new version)")
    p.add_argument("name", metavar="NAME")
    p.add_argument("version", metavar="VERSION", type=int)
    p.add_argument("--json", action="store_true", help="print a JSON object")
    p.set_defaults(func=cmd_restore)


def cmd_list(args: argparse.Namespace) -> int:
    from hermes_tui.core.gate import skills_with_pending

    from hermes_tui.core.learning.review import row_flags

    with Workspace(args) as ws:
        rows = [
            {**public_row(r), "flags": row_flags(r, ws.config.learning), "hermes": r.get("hermes")}
            for r in skills_with_pending(ws.library, args.state)
        ]
    if args.json:
        print_json(rows)
        return 0
    if not rows:
        print("no skills" + (f" in state {args.state}" if args.state else ""))
        return 0
    width = min(max(len(r["skill_id"]) for r in rows), 48)
    for r in rows:
        flag = "".join(f" [{f}]" for f in ([] if r["state"] == "active" else [r["state"]]) + r["flags"] + _hermes_flags(r))
        desc = " ".join((r["description"] or r["error"] or "").split())
        print(f"{r['skill_id']:<{width}}  {desc[:90]}{flag}")
    print(plural(len(rows), "skill"))
    return 0


def _hermes_flags(row: dict[str, Any]) -> list[str]:
    """Hermes's marks of a skill: its curator state (stale, archived), pinned, a hub install."""
    info = row.get("hermes") or {}
    flags = [f"hermes: {info['state']}"] if info.get("state") not in (None, "active") else []
    flags += ["pinned in hermes"] if info.get("pinned") else []
    hub = info.get("hub") or {}
    flags += [f"hub: {hub.get('trust_level') or '?'}, scan {hub.get('scan_verdict') or '?'}"] if hub else []
    return flags


def cmd_show(args: argparse.Namespace) -> int:
    """Show a skill; a broken one is shown too (what is known of it), then exit 1 with its error."""
    from hermes_tui.core.skills.validate import validate_skill

    with Workspace(args) as ws:
        row = _library_row(ws, args.name)
        versions = ws.library.history(row["skill_id"])
        try:
            skill = ws.library.load(row["skill_id"])
            problems = validate_skill(skill)
        except Exception as exc:  # shown, not raised: the row still has its last good version
            skill, problems, load_error = None, [], str(exc)
        else:
            load_error = None
        review = _review(ws, row["skill_id"])
    data = public_row(row)
    data.update(
        {
            "tags": row.get("tags") or [],
            "versions": len(versions),
            "load_error": load_error,
            "frontmatter": skill.frontmatter if skill else None,
            "support_files": skill.support_files if skill else [],
            "errors": [str(p) for p in problems if p.level == "error"],
            "warnings": [str(p) for p in problems if p.level == "warning"],
            "body": skill.body if skill else row.get("body", ""),
            "hermes": row.get("hermes"),
            **review,
        }
    )
    if args.json:
        print_json(data)
    else:
        _print_skill(data)
    if load_error or row.get("state") == BROKEN:
        raise HermesError(load_error or f"skill {row['skill_id']} is broken: {row.get('error') or 'it cannot be used'}")
    return 0


def _review(ws: Workspace, skill_id: str) -> dict[str, Any]:
    """The learning loop's view of a skill: "effect", "review_date" and "rot" flags."""
    from hermes_tui.core.learning.review import rot, skill_effect

    flags = rot(ws.store, ws.library, skill_id, ws.config.learning)
    return {"effect": skill_effect(ws.store, skill_id), "review_date": flags.pop("review_date"), "rot": flags}


def _library_row(ws: Workspace, name: str) -> dict[str, Any]:
    """The skill's row; for a skill that only waits for approval, an error that says so."""
    try:
        return ws.library.row(name)
    except HermesError:
        from hermes_tui.core.gate import PendingQueue

        for pending in PendingQueue(ws.home).pending_skills():
            if name.strip("/") in (pending["name"], pending["skill_id"]):
                raise HermesError(
                    f"skill {pending['skill_id']} waits for approval (see `hermes-tui pending show {pending['pending_id']}`)"
                ) from None
        raise


def _print_skill(data: dict[str, Any]) -> None:
    load_error = data["load_error"]
    print(f"{data['name']}  ({data['skill_id']})  state: {data['state']}  source: {data['source']}")
    print(f"path: {data['path']}")
    print(f"description: {' '.join((data['description'] or '').split())}")
    if data["tags"]:
        print(f"tags: {', '.join(data['tags'])}")
    print(
        f"usage: {data['views']} views, {data['uses']} uses, {data['successes']} successes, "
        f"{data['failures']} failures, last used {_when(data['last_used'])}; {plural(data['versions'], 'version')}"
    )
    if data["support_files"]:
        print("files: " + ", ".join(data["support_files"]))
    print(f"review date: {data['review_date']}" + "".join(f"; {flag}" for flag in ("stale", "failing") if data["rot"][flag]))
    usage = (data.get("hermes") or {}).get("usage")
    if usage:
        print(
            f"hermes: used {usage.get('use_count') or 0}x, viewed {usage.get('view_count') or 0}x, "
            f"patched {usage.get('patch_count') or 0}x, last used {usage.get('last_used_at') or '-'}"
            + "".join(f" [{f}]" for f in _hermes_flags(data))
        )
    effect = data["effect"]
    if effect["delta"] is not None:
        w, wo = effect["with"], effect["without"]
        print(
            f"effect: {w['episodes']} episodes with it vs {wo['episodes']} without: success {w['success_rate']} vs "
            f"{wo['success_rate']}, tool calls {w['tool_calls']} vs {wo['tool_calls']}, tokens {w['tokens']} vs {wo['tokens']}"
        )
    feedback = effect.get("feedback") or {}
    if any(feedback.get(k) for k in ("good", "bad", "corrections")):
        print(
            f"feedback: {feedback['good']} good, {feedback['bad']} bad, {feedback['corrections']} corrections "
            f"(score {feedback['score']:+d})"
        )
    for message in ([load_error] if load_error else []) + data["errors"]:
        print(f"error: {message}")
    for message in data["warnings"]:
        print(f"warning: {message}")
    print()
    print(data["body"].rstrip())


def cmd_match(args: argparse.Namespace) -> int:
    from hermes_tui.core.agent.prompt import match_skills
    from hermes_tui.core.config import Config

    if args.limit is not None and args.limit < 1:
        raise UsageError("--limit must be at least 1")
    if not args.task.strip():
        raise UsageError("give a task to match, e.g. skills match \"deploy the web app\"")
    with Workspace(args) as ws:
        config = Config.load(ws.home)
        limit = args.limit if args.limit is not None else max(config.prompt.relevant_skills, 1)
        active = ws.library.active()
        problems: list[str] = []
        matches = match_skills(ws.library, ws.store, args.task, limit=limit, config=config, rows=active, warnings=problems)
    rows = {r["skill_id"]: r for r in active}
    for problem in problems:
        print(f"hermes-tui: warning: {problem}", file=sys.stderr)
    found = [
        {
            "skill_id": m.skill_id,
            "name": rows[m.skill_id]["name"],
            "description": rows[m.skill_id]["description"],
            "score": round(m.score, 4),
        }
        for m in matches
    ]
    if args.json:
        print_json(found)
        return 0
    if not found:
        print("no skill matches this task")
        return 0
    width = min(max(len(f["skill_id"]) for f in found), 48)
    for f in found:
        desc = " ".join((f["description"] or "").split())
        print(f"{f['score']:>8.3f}  {f['skill_id']:<{width}}  {desc[:90]}")
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    with Workspace(args) as ws:
        skill_id = ws.library.resolve(args.name)
        versions = ws.library.history(skill_id)
    if args.json:
        print_json(versions)
        return 0
    for v in versions:
        print(f"v{v['version']:<4} {_when(v['created_at'])}  {v['author']:<8} {v['size']:>7} chars  {v['content_hash'][:12]}")
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    if args.v2 is not None and args.v1 is None:
        raise UsageError("give V1 before V2")
    with Workspace(args) as ws:
        diff = ws.library.diff(args.name, args.v1, args.v2)
    if not diff:
        print("no differences")
        return 0
    if stdout_is_tty():
        from rich.console import Console
        from rich.syntax import Syntax

        Console().print(Syntax(diff, "diff", theme="ansi_dark", word_wrap=True))
    else:
        print(diff, end="")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    with Workspace(args) as ws:
        skill_id = ws.library.resolve(args.name)
        before = ws.library.history(skill_id)[-1]["version"]
        version = ws.library.restore(skill_id, args.version)
    changed = version != before
    if args.json:
        print_json({"skill_id": skill_id, "restored": args.version, "version": version, "changed": changed})
    elif changed:
        print(f"restored {skill_id} to version {args.version} (recorded as version {version})")
    else:
        print(f"{skill_id} already has the text of version {args.version} (version {version}); nothing changed")
    return 0
