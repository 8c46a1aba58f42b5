"""`hermes-tui episodes list | show ID`: the recorded agent episodes."""

from __future__ import annotations

import argparse
import time
from typing import Any

from hermes_tui.cli.common import Workspace, print_json
from hermes_tui.errors import HermesError, UsageError, one_line

LIST_KEYS = ("id", "started_at", "outcome", "task", "steps", "prompt_tokens", "completion_tokens", "cost")


def register(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    """Add the `episodes` commands to the parser."""
    group = sub.add_parser("episodes", parents=[parent], help="list and show recorded agent episodes")
    episodes_sub = group.add_subparsers(dest="episodes_command", metavar="COMMAND", parser_class=type(group))
    p = episodes_sub.add_parser("list", parents=[parent], help="list episodes, newest first")
    p.add_argument("--limit", type=int, default=50, metavar="N", help="at most N episodes (default 50)")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    p.set_defaults(func=cmd_list)
    p = episodes_sub.add_parser("show", parents=[parent], help="show one episode with its events")
    p.add_argument("id", metavar="ID", help="an episode id (see `episodes list`)")
    p.add_argument("--json", action="store_true", help="print a JSON object")
    p.set_defaults(func=cmd_show)


def list_row(row: dict[str, Any]) -> dict[str, Any]:
    out = {key: row.get(key) for key in LIST_KEYS}
    out["tokens"] = (row.get("prompt_tokens") or 0) + (row.get("completion_tokens") or 0)
    return out


def cmd_list(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise UsageError("--limit must be at least 1")
    with Workspace(args, sync=False) as ws:
        rows = [list_row(r) for r in ws.store.list_episodes(limit=args.limit)]
    if args.json:
        print_json(rows)
        return 0
    if not rows:
        print("no episodes yet (run one with: hermes-tui run \"TASK\")")
        return 0
    for row in rows:
        cost = f"${row['cost']:.4f}" if row["cost"] is not None else "-"
        print(
            f"{row['id']}  {_when(row['started_at'])}  {(row['outcome'] or 'running'):<11} "
            f"{row['steps'] or 0:>3} steps {row['tokens']:>7} tok {cost:>9}  {one_line(row['task'], 60)}"
        )
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    with Workspace(args, sync=False) as ws:
        episode = ws.store.get_episode(args.id)
    if episode is None:
        raise HermesError(f"no episode {args.id!r} (see `hermes-tui episodes list`)")
    if args.json:
        print_json(episode)
        return 0
    cost = f"${episode['cost']:.4f}" if episode.get("cost") is not None else "-"
    print(f"episode  {episode['id']}")
    print(f"task     {one_line(episode.get('task') or '', 200)}")
    print(f"model    {episode.get('model') or '-'}   cwd {episode.get('cwd') or '-'}")
    print(f"started  {_when(episode.get('started_at'))}   finished {_when(episode.get('finished_at'))}")
    print(
        f"outcome  {episode.get('outcome') or 'running'}"
        + (f": {episode['reason']}" if episode.get("reason") else "")
    )
    tokens = (episode.get("prompt_tokens") or 0) + (episode.get("completion_tokens") or 0)
    print(f"usage    {episode.get('steps') or 0} steps, {tokens} tokens, {cost}")
    if episode.get("skills_loaded"):
        print(f"skills   loaded: {', '.join(episode['skills_loaded'])}")
    print()
    for event in episode["events"]:
        print(f"{event['seq']:>4}  {event['type']:<18} {_summary(event)}")
    if episode.get("answer"):
        print()
        print(episode["answer"])
    return 0


def _summary(event: dict[str, Any]) -> str:
    data = event.get("data") or {}
    kind = event["type"]
    if kind == "tool_call":
        return f"{event.get('tool_name')} {one_line(event.get('arguments') or '', 120)}"
    if kind == "tool_result":
        mark = "error: " + data["error"] if data.get("error") else "ok"
        return f"{event.get('tool_name')} {mark} ({(event.get('duration_ms') or 0):.0f} ms) {one_line(event.get('result') or '', 100)}"
    if kind in ("turn_finished", "text_delta", "reasoning_delta"):
        return one_line(data.get("text") or "", 140)
    if kind == "episode_finished":
        return f"{data.get('outcome')} {data.get('reason') or ''}".strip()
    if kind in ("error", "retrying"):
        return one_line(data.get("message") or data.get("reason") or "", 140)
    if kind == "approval_requested":
        return f"{data.get('rule')}: {one_line(data.get('command') or '', 100)}"
    if kind == "approval_resolved":
        return str(data.get("decision"))
    if kind == "skill_loaded":
        return f"{data.get('name')} ({data.get('via')})"
    if kind == "skill_shown":
        return f"{len(data.get('relevant') or [])} relevant, {len(data.get('listed') or [])} listed, {data.get('tokens')} tokens"
    return ""


def _when(ts: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts)) if ts else "-"



