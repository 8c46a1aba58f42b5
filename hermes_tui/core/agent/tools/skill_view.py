"""The ``skill_view`` tool: load an active skill's SKILL.md (or one of its support files)."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

from hermes_tui.core.agent.events import SkillLoaded
from hermes_tui.core.agent.tools._common import read_text, str_arg
from hermes_tui.core.agent.tools.base import ToolContext, ToolError, ToolResult
from hermes_tui.core.agent.tools.skills_list import require_library


def find_active(library: Any, name: str) -> dict[str, Any]:
    """The active skill row whose name, id or folder name is ``name`` (only active skills are visible)."""
    key = name.strip().strip("/")
    rows = library.active()
    for field in ("skill_id", "name"):
        found = [row for row in rows if str(row.get(field, "")) == key]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            ids = ", ".join(sorted(row["skill_id"] for row in found))
            raise ToolError(f"{name!r} is ambiguous: give one of {ids}")
    found = [row for row in rows if PurePosixPath(row["skill_id"]).name == key]
    if len(found) == 1:
        return found[0]
    raise ToolError(f"no active skill named {name!r}; call skills_list to see the available skills")


class SkillViewTool:
    name = "skill_view"
    description = (
        "Load a skill: returns its full SKILL.md instructions and the list of its support files. Load a "
        "skill before doing a task it covers, then follow it. Pass file to read one support file "
        "(e.g. references/api.md) named in the list."
    )
    parameters: dict[str, Any] = {
        "type": "object",
        "properties": {
            "name": {"type": "string", "description": "The skill's name (or id, e.g. devops/docker)."},
            "file": {"type": "string", "description": "A support file of the skill to read instead of SKILL.md."},
        },
        "required": ["name"],
    }

    def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolResult:
        name = str_arg(args, "name")
        assert name is not None
        library = require_library(ctx)
        row = find_active(library, name)
        skill_id = row["skill_id"]
        skill = library.load(skill_id)
        wanted = str_arg(args, "file", required=False)
        if wanted and wanted.strip() and wanted.strip() not in ("SKILL.md", "./SKILL.md"):
            from hermes_tui.core.skills.library import safe_join

            path = safe_join(Path(skill.folder), wanted)
            if not path.is_file():
                files = ", ".join(skill.support_files) or "none"
                raise ToolError(f"skill {skill.name} has no file {wanted!r}; its files: {files}")
            return ToolResult(output=read_text(path, what=f"{skill.name}/{wanted}"))
        library.record_view(skill_id)
        # Skills are identified by skill_id everywhere in events and episodes.
        if skill_id not in ctx.loaded_skills:
            ctx.loaded_skills.append(skill_id)
        ctx.emit(SkillLoaded(episode_id=ctx.episode_id, name=skill_id, via="tool"))
        text = skill.text or Path(skill.path).read_text("utf-8", errors="replace")
        files = "\n".join(f"- {rel}" for rel in skill.support_files) or "(none)"
        return ToolResult(
            output=f"skill {skill.name} ({skill_id})\n\n{text.rstrip()}\n\nsupport files "
            f"(read one with skill_view name={skill.name!r} file=PATH):\n{files}"
        )
