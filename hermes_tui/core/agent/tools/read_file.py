"""The ``read_file`` tool: a text file with line numbers, a page at a time."""

from __future__ import annotations

from typing import Any

from hermes_tui.core.fsutil import os_error_reason
from hermes_tui.core.agent.tools._common import (
    BINARY_SNIFF,
    display_path,
    int_arg,
    looks_binary,
    refuse_unreviewed,
    resolve_path,
    str_arg,
)
from hermes_tui.core.agent.tools.base import ToolContext, ToolError, ToolResult

DEFAULT_LINES = 2000
MAX_LINES = 5000
MAX_LINE_CHARS = 2000


class ReadFileTool:
    name = "read_file"
    description = (
        "Read a text file; lines come numbered like `cat -n`. Paths are relative to the session's working "
        "folder. Long files come a page at a time: pass offset (first line, from 1) and limit (number of "
        "lines) to read on. Use it before patching a file. Binary files are refused."
    )
    parameters: dict[str, Any] = {
        "type": "object",
        "properties": {
            "path": {"type": "string", "description": "The file to read."},
            "offset": {"type": "integer", "description": "The first line to show (1 = the start)."},
            "limit": {"type": "integer", "description": f"How many lines to show (default {DEFAULT_LINES})."},
        },
        "required": ["path"],
    }

    def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolResult:
        raw = str_arg(args, "path")
        assert raw is not None
        path = resolve_path(ctx, raw)
        refuse_unreviewed(ctx, path)
        shown = display_path(ctx, path)
        offset = int_arg(args, "offset", 1, low=1, high=10**9)
        limit = int_arg(args, "limit", DEFAULT_LINES, low=1, high=MAX_LINES)
        if path.is_dir():
            raise ToolError(f"{shown} is a folder, not a file; use search_files or the terminal (ls) to list it")
        try:
            with path.open("rb") as fh:
                if looks_binary(fh.read(BINARY_SNIFF)):
                    size = path.stat().st_size
                    raise ToolError(f"{shown} is a binary file ({size} bytes); read_file shows text files only")
        except FileNotFoundError:
            raise ToolError(f"{shown} does not exist") from None
        except OSError as exc:
            raise ToolError(f"cannot read {shown}: {os_error_reason(exc)}") from None
        lines: list[str] = []
        total = 0
        with path.open("r", encoding="utf-8", errors="replace", newline=None) as fh:
            for total, line in enumerate(fh, start=1):
                if offset <= total < offset + limit:
                    line = line.rstrip("\n")
                    if len(line) > MAX_LINE_CHARS:
                        line = line[:MAX_LINE_CHARS] + f" [... line cut: {len(line)} characters]"
                    lines.append(f"{total:6}\t{line}")
        if total == 0:
            return ToolResult(output=f"({shown} is empty)")
        if offset > total:
            raise ToolError(f"offset {offset} is past the end of {shown} ({total} lines)")
        last = offset + len(lines) - 1
        text = "\n".join(lines)
        if offset > 1 or last < total:
            more = f"; call again with offset={last + 1} to read on" if last < total else ""
            text += f"\n[lines {offset}-{last} of {total}{more}]"
        return ToolResult(output=text)
