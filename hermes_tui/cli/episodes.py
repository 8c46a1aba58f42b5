"""`hermes-tui episodes list | show ID | rate ID VALUE | correct ID`: the recorded agent
episodes, and people's ratings and corrections of them (core/feedback)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from hermes_tui.cli.common import Workspace, print_json
from hermes_tui.core.hermes import outcome_label
from hermes_tui.errors import HermesError, UsageError, one_line

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
    p = episodes_sub.add_parser("rate", parents=[parent], help="rate an episode or one of its turns")
    p.add_argument("id", metavar="ID", help="an episode id (see `episodes list`)")
    p.add_argument("value", metavar="good|bad|1-5", help="the rating")
    p.add_argument("--note", metavar="TEXT", help="why (kept with the rating)")
    p.add_argument("--turn", type=int, metavar="N", help="rate model turn N (see `episodes show`), not the whole episode")
    p.add_argument("--json", action="store_true", help="print the stored rating as JSON")
    p.set_defaults(func=cmd_rate)
    p = episodes_sub.add_parser(
        "correct", parents=[parent], help="say what the agent should have answered or done",
        description="Keep a correction with the episode: the final answer by default, the text of turn N "
        "(--turn), or a tool step marked wrong (--event SEQ, the tool call's seq in `episodes show`). "
        "The original and the correction are kept as a rejected/chosen pair for preference exports.",
    )
    p.add_argument("id", metavar="ID", help="an episode id (see `episodes list`)")
    p.add_argument("--text", required=True, metavar="FILE|-", help="the correction: a file, or - for stdin")
    target = p.add_mutually_exclusive_group()
    target.add_argument("--turn", type=int, metavar="N", help="correct model turn N instead of the final answer")
    target.add_argument("--event", type=int, metavar="SEQ", help="mark the tool step at event SEQ as wrong")
    p.add_argument("--note", metavar="TEXT", help="why (kept with the correction)")
    p.add_argument("--json", action="store_true", help="print the stored correction as JSON")
    p.set_defaults(func=cmd_correct)
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
    from hermes_tui.core.feedback.ratings import polarity

    if args.limit < 1:
        raise UsageError("--limit must be at least 1")
    with Workspace(args, sync=False, hermes=True) as ws:
        rows = [list_row(r) for r in ws.store.list_episodes(limit=args.limit, archived=args.all)]
        ratings = ws.store.episode_ratings(r["id"] for r in rows)
    for row in rows:
        row["rating"] = ratings.get(row["id"])
        row["rated"] = polarity(row["rating"])
    if args.json:
        print_json(rows)
        return 0
    if not rows:
        print("no episodes yet (run one with: hermes-tui run \"TASK\")")
        return 0
    for row in rows:
        cost = f"${row['cost']:.4f}" if row["cost"] is not None else "-"
        print(
            f"{row['id']}  {_when(row['started_at'])}  {outcome_label(row):<11} "
            f"{row['steps'] or 0:>3} steps {row['tokens']:>7} tok {cost:>9} {rating_mark(row['rating']):>4}  "
            f"{_origin(row)}{one_line(row['task'], 60)}"
        )
    return 0


def rating_mark(rating: int | None) -> str:
    """How a rating shows in lists: "N/5" (good is 5/5, bad 1/5), "" when unrated."""
    return "" if rating is None else f"{rating}/5"


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
    from hermes_tui.core.feedback.ratings import episode_summary

    with Workspace(args, sync=False, hermes=True) as ws:
        episode = ws.store.get_episode(args.id)
        if episode is None:
            raise HermesError(f"no episode {args.id!r} (see `hermes-tui episodes list`)")
        episode["feedback"] = episode_summary(ws.store, episode["id"])
    if args.json:
        print_json(episode)
        return 0
    cost = f"${episode['cost']:.4f}" if episode.get("cost") is not None else "-"
    print(f"episode  {episode['id']}")
    print(f"task     {one_line(episode.get('task') or '', 200)}")
    print(f"model    {episode.get('model') or '-'}   cwd {episode.get('cwd') or '-'}")
    print(f"started  {_when(episode.get('started_at'))}   finished {_when(episode.get('finished_at'))}")
    print(
        f"outcome  {outcome_label(episode)}"
        + (f": {episode['reason']}" if episode.get("reason") else "")
    )
    tokens = (episode.get("prompt_tokens") or 0) + (episode.get("completion_tokens") or 0)
    print(f"usage    {episode.get('steps') or 0} steps, {tokens} tokens, {cost}")
    if episode.get("skills_loaded"):
        print(f"skills   loaded: {', '.join(episode['skills_loaded'])}")
    _print_feedback(episode["feedback"])
    print()
    for event in episode["events"]:
        print(f"{event['seq']:>4}  {event['type']:<18} {_summary(event)}")
    if episode.get("answer"):
        print()
        print(episode["answer"])
    return 0


def _print_feedback(feedback: dict[str, Any]) -> None:
    for r in feedback["ratings"]:
        where = f"turn {r['turn']}" if r["turn"] is not None else "episode"
        print(f"rating   {where}: {r['value']} ({r['rating']}/5)" + (f" - {r['note']}" if r["note"] else ""))
    for c in feedback["corrections"]:
        where = f"tool step {c['event']}" if c["event"] is not None else f"turn {c['turn']}" if c["turn"] is not None else "answer"
        print(f"correct  {where}: {one_line(c['chosen'], 120)}" + (f" - {c['note']}" if c["note"] else ""))


def cmd_rate(args: argparse.Namespace) -> int:
    from hermes_tui.core.feedback.ratings import rate

    with Workspace(args, sync=False) as ws:
        stored = rate(ws.store, args.id, args.value, note=args.note, turn=args.turn)
    if args.json:
        print_json(stored)
    else:
        where = f"turn {stored['turn']} of " if stored["turn"] is not None else ""
        print(f"rated {where}{stored['episode_id']} {stored['value']} ({stored['rating']}/5)")
    return 0


def read_text_arg(value: str) -> str:
    """``--text FILE|-``: the file's text, or stdin's."""
    if value == "-":
        return sys.stdin.read()
    try:
        return Path(value).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise HermesError(f"no such file: {value}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise HermesError(f"cannot read {value}: {getattr(exc, 'strerror', None) or exc}") from None


def cmd_correct(args: argparse.Namespace) -> int:
    from hermes_tui.core.feedback.ratings import correct

    text = read_text_arg(args.text)
    with Workspace(args, sync=False) as ws:
        stored = correct(ws.store, args.id, text, turn=args.turn, event_seq=args.event, note=args.note)
    if args.json:
        print_json(stored)
    else:
        where = (
            f"tool step {stored['event']}" if stored["event"] is not None
            else f"turn {stored['turn']}" if stored["turn"] is not None else "the final answer"
        )
        print(f"corrected {where} of {stored['episode_id']} (kept as a rejected/chosen pair)")
    return 0


def _summary(event: dict[str, Any]) -> str:
    data = event.get("data") or {}
    kind = event["type"]
    if kind == "tool_call":
        return f"{event.get('tool_name')} {one_line(event.get('arguments') or '', 120)}"
    if kind == "tool_result":
        mark = "error: " + data["error"] if data.get("error") else "ok"
        mark += " (untrusted tool result)" if data.get("untrusted") else ""
        return f"{event.get('tool_name')} {mark} ({(event.get('duration_ms') or 0):.0f} ms) {one_line(event.get('result') or '', 100)}"
    if kind == "turn_finished":  # "turn N" is what `rate --turn` and `correct --turn` take
        return f"turn {data.get('step')}: " + one_line(data.get("text") or "", 130)
    if kind in ("text_delta", "reasoning_delta", "user_message", "system_message"):
        return one_line(data.get("text") or "", 140)
    if kind == "compression_summary":
        return "(summary of earlier messages) " + one_line(data.get("text") or "", 120)
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



