"""The ``skill_manage`` tool: propose a new or changed skill (through the gate)."""

from __future__ import annotations

from typing import Any

from hermes_tui.core.agent.tools._common import str_arg
from hermes_tui.core.agent.tools.base import ToolContext, ToolError, ToolResult

ACTIONS = ("create", "patch", "edit", "delete", "write_file")


class SkillManageTool:
    name = "skill_manage"
    description = (
        "Save what you learned as a reusable skill (Agent Skills SKILL.md: YAML frontmatter with name and "
        "description, then Markdown instructions). Actions: create (content = the full SKILL.md, "
        "category optional), edit (full new content), patch (old_string -> new_string, exact and unique), "
        "delete (archives it), write_file (file_path + file_content: a support file such as "
        "references/notes.md). Give a short reason. Changes usually wait for a person's approval before "
        "they take effect."
    )
    parameters: dict[str, Any] = {
        "type": "object",
        "properties": {
            "action": {"type": "string", "enum": list(ACTIONS)},
            "name": {"type": "string", "description": "The skill's name (lowercase-with-dashes) or id."},
            "content": {"type": "string", "description": "create/edit: the whole SKILL.md text."},
            "old_string": {"type": "string", "description": "patch: the exact text to replace."},
            "new_string": {"type": "string", "description": "patch: the replacement."},
            "file_path": {"type": "string", "description": "write_file: a path inside the skill folder."},
            "file_content": {"type": "string", "description": "write_file: the file's text."},
            "category": {"type": "string", "description": "create: the category folder, e.g. devops."},
            "reason": {"type": "string", "description": "Why this change is useful (shown to the reviewer)."},
        },
        "required": ["action", "name"],
    }

    def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolResult:
        from hermes_tui.core.gate import PendingQueue, SkillChange, apply_change, may_skip_review, scan_change

        action = str_arg(args, "action")
        name = str_arg(args, "name")
        assert action is not None and name is not None
        if action not in ACTIONS:
            raise ToolError(f"action must be one of {', '.join(ACTIONS)}, got {action!r}")
        optional = {key: str_arg(args, key, required=False) for key in (
            "content", "old_string", "new_string", "file_path", "file_content", "category", "reason")}
        change = SkillChange(
            op=action,
            skill=name.strip(),
            category=(optional["category"] or "").strip().strip("/") or None,
            content=optional["file_content"] if action == "write_file" else optional["content"],
            old=optional["old_string"],
            new=optional["new_string"],
            file_path=optional["file_path"],
            episode_id=ctx.episode_id or None,
            reason=(optional["reason"] or "").strip(),
            author="agent",
        )
        change.check()
        refusal = _pinned_in_hermes(change.skill, ctx) if action != "create" else None
        if refusal:
            raise ToolError(refusal)
        if ctx.config.approvals.skill_gate or not may_skip_review(change, scan_change(change)):
            item = PendingQueue(ctx.home, on_change=ctx.emit).submit(change)
            return ToolResult(
                output=f"saved for review as pending {item.id}; a person must approve it before it is used "
                f"({change.summary()})"
            )
        if ctx.library is None:
            raise ToolError("the skill library is not available in this session")
        return ToolResult(output=apply_change(change, ctx.library))


def _pinned_in_hermes(name: str, ctx: ToolContext) -> str | None:
    """Hermes refuses skill_manage on a skill pinned in its .usage.json; so does the workbench's
    agent (a person may still change it: F5, the ``skills`` CLI). The one line, or None."""
    from pathlib import PurePosixPath

    from hermes_tui.core.hermes.usage import HermesSkillInfo, pin_refusal

    skill_id = ctx.library.find(name) if ctx.library is not None else None
    if skill_id is not None:
        return pin_refusal(ctx.library.row(skill_id))
    key = PurePosixPath(name).name  # no library here: Hermes's own key, the skill's name
    return pin_refusal({"skill_id": key, "name": key, "hermes": HermesSkillInfo(ctx.home).of(key)})
