"""`hermes-tui episodes list | show ID`: the recorded agent episodes."""

from __future__ import annotations

import argparse
import time
from typing import Any

from hermes_tui.cli.common import Workspace, print_json
from hermes_tui.errors import HermesError, UsageError

LIST_KEYS = ("id", "started_at", "outcome", "task", "steps", "prompt_tokens", "completion_tokens", "cost")
# A mirrored Hermes session also has these (``"source": "hermes"``; the workbench's own: "workbench").
HERMES_KEYS = ("platform", "title", "model", "finished_at", "message_count", "tool_call_count", "archived")


def register(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    """Add the `episodes` commands to the parser."""
    group = sub.add_parser("episodes", parents=[parent], help="list and show recorded agent episodes")
    episodes_sub = group.add_subparsers(dest="episodes_command", metavar="COMMAND", parser_class=type(group))
    p = episodes_sub.add_parser("list", parents=[parent], help="list episodes, newest first")
    p.add_argument("--limit", type=int, default=50, metavar="N", help="at most N episodes (default 50)")
    p.add_argument("--all", action="store_true", help="also Hermes sessions archived in Hermes")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    p.set_defaults(func=cmd_list)
    p = episodes_sub.add_parser("show", parents=[parent], help="show one episode with its events")
    p.add_argument("id", metavar="ID", help="an episode id (see `episodes list`)")
    p.add_argument("--json", action="store_true", help="print a JSON object")
    p.set_defaults(func=cmd_show)
    p = episodes_sub.add_parser(
        "import-trajectories", parents=[parent], help="import Hermes trajectory files (trajectory_samples.jsonl)"
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="ShareGPT JSON lines as Hermes Agent saves them")
    p.add_argument("--json", action="store_true", help="print a JSON object")
    p.set_defaults(func=cmd_import_trajectories)


def list_row(row: dict[str, Any]) -> dict[str, Any]:
    out = {key: row.get(key) for key in LIST_KEYS}
    out["tokens"] = (row.get("prompt_tokens") or 0) + (row.get("completion_tokens") or 0)
    out["source"] = row.get("source") or "workbench"
    if out["source"] != "workbench":
        out.update({key: row.get(key) for key in HERMES_KEYS})
        out["ended_at"] = out.pop("finished_at")
        out["archived"] = bool(out["archived"])
        extra = row.get("extra") or {}
        out["cache_read_tokens"] = extra.get("cache_read_tokens")
        out["reasoning_tokens"] = extra.get("reasoning_tokens")
    return out


def cmd_list(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise UsageError("--limit must be at least 1")
    with Workspace(args, sync=False, hermes=True) as ws:
        rows = [list_row(r) for r in ws.store.list_episodes(limit=args.limit, archived=args.all)]
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
            f"{row['steps'] or 0:>3} steps {row['tokens']:>7} tok {cost:>9}  {_origin(row)}{_one_line(row['task'], 60)}"
        )
    return 0


def _origin(row: dict[str, Any]) -> str:
    return "" if row["source"] == "workbench" else f"[{row['source']}:{row.get('platform') or '?'}] "


def cmd_import_trajectories(args: argparse.Namespace) -> int:
    from pathlib import Path

    from hermes_tui.core.hermes.trajectories import import_trajectories

    with Workspace(args, sync=False) as ws:
        result = import_trajectories(ws.store, [Path(f) for f in args.files])
    if args.json:
        print_json(result.to_dict())
        return 0
    for problem in result.problems:
        print(f"skipped {problem}")
    print(f"imported {result.imported} trajectories as episodes ({result.skipped} already there)")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    with Workspace(args, sync=False, hermes=True) as ws:
        episode = ws.store.get_episode(args.id)
    if episode is None:
        raise HermesError(f"no episode {args.id!r} (see `hermes-tui episodes list`)")
    if args.json:
        print_json(episode)
        return 0
    cost = f"${episode['cost']:.4f}" if episode.get("cost") is not None else "-"
    print(f"episode  {episode['id']}")
    print(f"task     {_one_line(episode.get('task') or '', 200)}")
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
        return f"{event.get('tool_name')} {_one_line(event.get('arguments') or '', 120)}"
    if kind == "tool_result":
        mark = "error: " + data["error"] if data.get("error") else "ok"
        mark += " (untrusted tool result)" if data.get("untrusted") else ""
        return f"{event.get('tool_name')} {mark} ({(event.get('duration_ms') or 0):.0f} ms) {_one_line(event.get('result') or '', 100)}"
    if kind in ("turn_finished", "text_delta", "reasoning_delta", "user_message", "system_message"):
        return _one_line(data.get("text") or "", 140)
    if kind == "compression_summary":
        return "(summary of earlier messages) " + _one_line(data.get("text") or "", 120)
    if kind == "episode_finished":
        return f"{data.get('outcome')} {data.get('reason') or ''}".strip()
    if kind in ("error", "retrying"):
        return _one_line(data.get("message") or data.get("reason") or "", 140)
    if kind == "approval_requested":
        return f"{data.get('rule')}: {_one_line(data.get('command') or '', 100)}"
    if kind == "approval_resolved":
        return str(data.get("decision"))
    if kind == "skill_loaded":
        return f"{data.get('name')} ({data.get('via')})"
    if kind == "skill_shown":
        return f"{len(data.get('relevant') or [])} relevant, {len(data.get('listed') or [])} listed, {data.get('tokens')} tokens"
    return ""


def _when(ts: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts)) if ts else "-"


def _one_line(text: str, limit: int) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"

