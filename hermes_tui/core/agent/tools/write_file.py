"""The ``write_file`` tool: create or replace a whole file, atomically."""

from __future__ import annotations

from typing import Any

from hermes_tui.core.agent.tools._common import check_write, display_path, resolve_path, str_arg
from hermes_tui.core.agent.tools.base import ToolContext, ToolError, ToolResult
from hermes_tui.core.fsutil import atomic_write


class WriteFileTool:
    name = "write_file"
    description = (
        "Create a file or replace its whole content (parent folders are created). Paths are relative to "
        "the session's working folder. To change part of an existing file use patch instead. Writing "
        "~/.ssh, shell start-up files or .env files needs the user's approval; skills and memory have "
        "their own tools."
    )
    parameters: dict[str, Any] = {
        "type": "object",
        "properties": {
            "path": {"type": "string", "description": "The file to write."},
            "content": {"type": "string", "description": "The complete new content of the file."},
        },
        "required": ["path", "content"],
    }

    def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolResult:
        raw = str_arg(args, "path")
        content = str_arg(args, "content", allow_empty=True)
        assert raw is not None and content is not None
        path = resolve_path(ctx, raw)
        shown = display_path(ctx, path)
        if path.is_dir():
            raise ToolError(f"{shown} is a folder")
        refusal = check_write(ctx, path, tool=self.name)
        if refusal is not None:
            return refusal
        existed = path.exists()
        atomic_write(path, content)
        lines = content.count("\n") + (1 if content and not content.endswith("\n") else 0)
        verb = "replaced" if existed else "created"
        return ToolResult(output=f"{verb} {shown}: {len(content)} characters, {lines} lines")
