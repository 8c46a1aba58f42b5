"""`hermes-tui pending list | show | approve | reject`: the approval queue on the command line."""

from __future__ import annotations

import argparse
import time

from hermes_tui.cli.common import Workspace, home_from_args, print_json
from hermes_tui.core.gate import PendingItem, PendingQueue
from hermes_tui.core.hermes import pending as hermes_pending
from hermes_tui.core.guard.unicode import has_invisible, reveal_invisible


def register(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    group = sub.add_parser("pending", parents=[parent], help="skill changes and memory writes waiting for approval")
    pending_sub = group.add_subparsers(dest="pending_command", metavar="ACTION")

    p = pending_sub.add_parser("list", parents=[parent], help="list pending changes")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_list)

    p = pending_sub.add_parser("show", parents=[parent], help="show one change (waiting, approved or rejected)")
    p.add_argument("id", metavar="ID")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_show)

    p = pending_sub.add_parser("approve", parents=[parent], help="apply a pending change to the library")
    p.add_argument("id", metavar="ID")
    p.set_defaults(func=cmd_approve)

    p = pending_sub.add_parser("reject", parents=[parent], help="reject a pending change (kept for the record)")
    p.add_argument("id", metavar="ID")
    p.add_argument("--reason", default="")
    p.set_defaults(func=cmd_reject)


def cmd_list(args: argparse.Namespace) -> int:
    with Workspace(args) as ws:
        items = hermes_pending.approval_items(ws.home, ws.library)
    if args.json:
        print_json(items)
        return 0
    for data in items:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(data["created_at"])) if data["created_at"] else "-"
        verdict = (data.get("scan") or {}).get("verdict")
        flag = f" [{verdict}]" if verdict in ("caution", "dangerous") else ""
        if data["origin"] == "workbench":
            print(f"{data['id']}  {when}  {data['summary']}{flag}  {data['reason']}".rstrip())
            continue
        what = data["problem"] and f"problem: {data['problem']}" or data["summary"] or f"{data['action']} {data['target']}"
        print(f"{data['id']}  {when}  [hermes {data['subsystem']}, {data['hermes_origin'] or '?'}] {what}{flag}")
    if not items:
        print("no pending changes")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    home = home_from_args(args)
    hermes_item = hermes_pending.find(home, args.id)
    if hermes_item is not None:
        return _show_hermes(args, hermes_item)
    queue = PendingQueue(home)
    item = queue.get(args.id)
    data = item.to_dict()
    evidence = queue.evidence(item)
    if evidence is not None:
        data["evidence"] = evidence
        data["diff"] = _diff_to_current(args, item) if item.status == "pending" else None
    if args.json:
        print_json(data)
        return 0
    print(f"{item.id}: {item.change.summary()} (by {item.change.author}, episode {item.change.episode_id or '-'})")
    if item.status != "pending":
        print(f"status: {item.status}" + (f" ({item.note})" if item.note else ""))
    if item.change.reason:
        print(f"reason: {reveal_invisible(item.change.reason)}")
    if item.change.files:
        print(f"support files (in {item.skill_folder}): {', '.join(item.change.files)}")
    texts = [item.change.old, item.change.new, item.change.content, item.change.reason]
    if any(has_invisible(t or "") for t in texts):
        print("warning: this change holds invisible characters, shown as ⟦...⟧ (a model never sees them)")
    if item.change.op == "patch":
        print("--- old\n" + reveal_invisible(item.change.old or "") + "\n+++ new\n" + reveal_invisible(item.change.new or ""))
    elif data.get("diff"):
        print(reveal_invisible(data["diff"]), end="")
    elif item.change.content is not None:
        print(reveal_invisible(item.change.content))
    if evidence is not None:
        _print_evidence(evidence)
    _print_scan(item)
    return 0


def _print_scan(item: PendingItem) -> None:
    """The scan's verdict and each finding (excerpts show invisible characters)."""
    report = item.report
    if report is None:
        print("scan: none (queued before the scanner)")
        return
    print(f"scan: {report.summary()}")
    for finding in report.findings:
        print("  " + finding.describe().replace("\n", "\n  "))


def _diff_to_current(args: argparse.Namespace, item: PendingItem) -> str | None:
    """A learned edit as a unified diff against the skill's current text (None for a create)."""
    from pathlib import Path

    from hermes_tui.core.skills.library import unified_diff

    if item.change.op != "edit":
        return None
    with Workspace(args, sync=False) as ws:
        path = Path(ws.library.row(item.change.skill)["path"])
    skill = item.change.skill
    return unified_diff(path.read_text("utf-8"), item.change.content or "", f"{skill} (now)", f"{skill} (proposed)")


def _print_evidence(evidence: dict) -> None:
    """The episodes a learned change comes from: outcome, task, each tool call."""
    print(f"evidence ({evidence.get('trigger', '?')}, distilled by {evidence.get('distiller', '?')}):")
    for episode in evidence.get("episodes") or []:
        print(f"  episode {episode.get('episode_id')} ({episode.get('outcome')}): {episode.get('task')}")
        for call in episode.get("tool_calls") or []:
            mark = "ok" if call.get("ok") else f"failed: {call.get('error', '')}"
            print(f"    {call.get('tool')}: {call.get('command')} [{mark}]")


def _show_hermes(args: argparse.Namespace, item: "hermes_pending.HermesPending") -> int:
    with Workspace(args) as ws:
        data = hermes_pending.item_dict(hermes_pending.find(ws.home, item.id, ws.library) or item, ws.library)
    if args.json:
        print_json(data)
        return 0
    print(f"{data['id']}: Hermes {data['subsystem']} write, {data['action']} {data['target']} ({data['hermes_origin']})")
    if data["summary"]:
        print(f"summary: {reveal_invisible(data['summary'])}")
    if data["problem"]:
        print(f"problem: {data['problem']}")
    if data["diff"]:
        print(reveal_invisible(data["diff"]), end="" if data["diff"].endswith("\n") else "\n")
    return 0


def cmd_approve(args: argparse.Namespace) -> int:
    with Workspace(args) as ws:
        if hermes_pending.find(ws.home, args.id) is not None:
            result = hermes_pending.approve(ws.home, args.id, ws.library)
        else:
            result = PendingQueue(ws.home).approve(args.id, ws.library)
    print(result)
    return 0


def cmd_reject(args: argparse.Namespace) -> int:
    home = home_from_args(args)
    if hermes_pending.find(home, args.id) is not None:
        kept = hermes_pending.reject(home, args.id, args.reason)
        print(f"rejected {args.id} (a copy is kept in {kept})")
        return 0
    PendingQueue(home).reject(args.id, args.reason)
    print(f"rejected {args.id}")
    return 0
