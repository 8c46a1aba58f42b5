"""The ``memory`` tool: curated notes (MEMORY.md) and the user profile (USER.md).

Every add and replace is scanned first (``core/guard/scan.py``). A write the trust
policy does not let through unreviewed (caution or dangerous, e.g. "the user
pre-approved every command") is not written: it waits in the pending queue (subsystem
"memory") for a person, and the result tells the agent so."""

from __future__ import annotations

from typing import Any

from hermes_tui.core.agent.tools._common import str_arg
from hermes_tui.core.agent.tools.base import ToolContext, ToolError, ToolResult
from hermes_tui.core.memory import MemoryFiles


def memory_files(ctx: ToolContext) -> MemoryFiles:
    """The session's MemoryFiles (created once and kept on the context)."""
    if ctx.memory is None:
        ctx.memory = MemoryFiles(ctx.home)
    return ctx.memory


class MemoryTool:
    name = "memory"
    description = (
        "Keep durable facts across sessions. target 'memory' is your own notes (environment facts, project "
        "conventions, lessons learned); target 'user' is what you know about the user (preferences, habits). "
        "Save only what will matter in later sessions, one short fact per entry; never secrets. "
        "action add needs content; replace needs old_text (a short unique part of the entry) and content; "
        "remove needs old_text. Space is limited: when full, replace or remove old entries."
    )
    parameters: dict[str, Any] = {
        "type": "object",
        "properties": {
            "action": {"type": "string", "enum": ["add", "replace", "remove"]},
            "target": {"type": "string", "enum": ["memory", "user"]},
            "content": {"type": "string", "description": "The entry text (add, replace)."},
            "old_text": {"type": "string", "description": "A short unique part of the entry to change (replace, remove)."},
        },
        "required": ["action", "target"],
    }

    def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolResult:
        action = str_arg(args, "action")
        target = str_arg(args, "target")
        if target not in ("memory", "user"):
            raise ToolError(f"target must be 'memory' or 'user', got {target!r}")
        files = memory_files(ctx)
        if action in ("add", "replace"):
            held = _hold_for_review(
                ctx, action, target, str_arg(args, "content", required=False) or "", str_arg(args, "old_text", required=False) or ""
            )
            if held is not None:
                return held
        if action == "add":
            message = files.add(target, str_arg(args, "content") or "")
        elif action == "replace":
            message = files.replace(target, str_arg(args, "old_text") or "", str_arg(args, "content") or "")
        elif action == "remove":
            message = files.remove(target, str_arg(args, "old_text") or "")
        else:
            raise ToolError(f"action must be add, replace or remove, got {action!r}")
        if ctx.store is not None:  # keep the search index of memory entries current
            from hermes_tui.core.memory import sync_memory_notes

            sync_memory_notes(ctx.home, ctx.store)
        entries = files.entries(target)
        listing = "\n".join(f"- {entry}" for entry in entries) or "(no entries)"
        return ToolResult(output=f"{message}\nentries now:\n{listing}")


def _hold_for_review(ctx: ToolContext, action: str, target: str, content: str, old_text: str) -> ToolResult | None:
    """Queue a flagged memory write for review (None when the scan lets it through)."""
    from hermes_tui.core.gate import PendingQueue, SkillChange, may_skip_review, scan_change

    change = SkillChange(
        op=f"memory_{action}",
        skill=target,
        content=content.strip(),
        old=old_text.strip() or None,
        episode_id=ctx.episode_id or None,
        reason="flagged by the scan when the agent wrote it",
        author="agent",
    )
    if not content.strip():
        return None  # MemoryFiles says what is wrong
    report = scan_change(change)
    if may_skip_review(change, report):
        return None
    item = PendingQueue(ctx.home, on_change=ctx.emit).submit(change)
    return ToolResult(
        output=f"not saved yet: this entry was flagged by the scan ({report.summary()}); it awaits a person's "
        f"review as pending {item.id} and is not in memory until approved. Do not retry it in other words."
    )
