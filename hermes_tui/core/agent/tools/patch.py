"""The ``patch`` tool: replace an exact piece of text in a file; returns a unified diff."""

from __future__ import annotations

from typing import Any

from hermes_tui.core.agent.tools._common import bool_arg, check_write, display_path, read_text, resolve_path, str_arg
from hermes_tui.core.agent.tools.base import ToolContext, ToolError, ToolResult
from hermes_tui.core.fsutil import atomic_write
from hermes_tui.core.skills.library import unified_diff


class PatchTool:
    name = "patch"
    description = (
        "Edit a file by replacing an exact piece of text: old_string must occur exactly once (include "
        "enough surrounding lines to make it unique) unless replace_all is true. Whitespace and "
        "indentation must match the file exactly (read_file first). Returns the diff."
    )
    parameters: dict[str, Any] = {
        "type": "object",
        "properties": {
            "path": {"type": "string", "description": "The file to edit."},
            "old_string": {"type": "string", "description": "The exact text to replace."},
            "new_string": {"type": "string", "description": "The text to put in its place."},
            "replace_all": {"type": "boolean", "description": "Replace every occurrence (default false)."},
        },
        "required": ["path", "old_string", "new_string"],
    }

    def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolResult:
        raw = str_arg(args, "path")
        old = str_arg(args, "old_string", allow_empty=True)
        new = str_arg(args, "new_string", allow_empty=True)
        assert raw is not None and old is not None and new is not None
        if old == "":
            raise ToolError("old_string is empty; give the exact text to replace (use write_file for a new file)")
        if old == new:
            raise ToolError("old_string and new_string are the same; nothing to change")
        path = resolve_path(ctx, raw)
        shown = display_path(ctx, path)
        before = read_text(path, what=shown)
        count = before.count(old)
        if count == 0:
            hint = ""
            if " ".join(old.split()) and " ".join(old.split()) in " ".join(before.split()):
                hint = " (it matches if whitespace is ignored: copy the exact indentation from read_file)"
            raise ToolError(f"old_string was not found in {shown}{hint}")
        replace_all = bool_arg(args, "replace_all")
        if count > 1 and not replace_all:
            raise ToolError(
                f"old_string occurs {count} times in {shown}; add surrounding lines to make it unique, "
                "or set replace_all to true"
            )
        refusal = check_write(ctx, path, tool=self.name)
        if refusal is not None:
            return refusal
        after = before.replace(old, new) if replace_all else before.replace(old, new, 1)
        atomic_write(path, after)
        done = f"{count} replacements" if replace_all and count > 1 else "1 replacement"
        diff = unified_diff(before, after, f"a/{shown}", f"b/{shown}")
        return ToolResult(output=f"patched {shown} ({done})\n{diff}")
