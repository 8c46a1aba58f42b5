"""The ``skills_list`` tool: the active skills, grouped by category."""

from __future__ import annotations

from typing import Any

from hermes_tui.core.agent.tools._common import str_arg
from hermes_tui.core.agent.tools.base import ToolContext, ToolError, ToolResult

NO_CATEGORY = "(no category)"


def require_library(ctx: ToolContext) -> Any:
    if ctx.library is None:
        raise ToolError("the skill library is not available in this session")
    return ctx.library


class SkillsListTool:
    name = "skills_list"
    description = (
        "List the skills you can load: `name — description` grouped by category. Use it when no skill "
        "in the system prompt fits the task, then load one with skill_view."
    )
    parameters: dict[str, Any] = {
        "type": "object",
        "properties": {"category": {"type": "string", "description": "Only this category."}},
        "required": [],
    }

    def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolResult:
        wanted = (str_arg(args, "category", required=False) or "").strip().strip("/")
        rows = require_library(ctx).active()
        groups: dict[str, list[str]] = {}
        for row in rows:
            category = row.get("category") or NO_CATEGORY
            if wanted and category.lower() != wanted.lower():
                continue
            description = " ".join(str(row.get("description") or "").split())
            groups.setdefault(category, []).append(f"{row['name']} — {description}")
        if not groups:
            if wanted:
                known = sorted({row.get("category") or NO_CATEGORY for row in rows})
                raise ToolError(f"no active skills in category {wanted!r}; categories: {', '.join(known) or 'none'}")
            return ToolResult(output="no active skills yet")
        parts = []
        for category in sorted(groups, key=lambda c: (c == NO_CATEGORY, c.lower())):
            parts.append(f"{category}:\n" + "\n".join(f"  {line}" for line in sorted(groups[category], key=str.lower)))
        count = sum(len(lines) for lines in groups.values())
        return ToolResult(output=f"{count} skills\n" + "\n".join(parts))
