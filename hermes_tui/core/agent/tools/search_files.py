"""The ``search_files`` tool: a regular-expression search over text files, like grep -rn."""

from __future__ import annotations

import fnmatch
import os
import re
from pathlib import Path
from typing import Any, Iterator

from hermes_tui.core.agent.tools._common import (
    BINARY_SNIFF,
    display_path,
    int_arg,
    is_unreviewed,
    looks_binary,
    refuse_unreviewed,
    resolve_path,
    str_arg,
)
from hermes_tui.core.agent.tools.base import ToolContext, ToolError, ToolResult

SKIP_DIRS = frozenset({".git", "node_modules", "__pycache__", ".venv", "venv", ".tox", ".mypy_cache", ".pytest_cache"})
MAX_FILE_BYTES = 2_000_000
DEFAULT_RESULTS = 100
MAX_RESULTS = 1000
MAX_SHOWN_LINE = 300


def _files(root: Path, glob: str | None) -> Iterator[Path]:
    """Files under ``root`` in a stable order, skipping hidden and tool folders."""
    if root.is_file():
        yield root
        return
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIP_DIRS)
        for name in sorted(names):
            path = Path(folder) / name
            if glob:
                rel = path.relative_to(root).as_posix()
                if not (fnmatch.fnmatch(name, glob) or fnmatch.fnmatch(rel, glob) or path.match(glob)):
                    continue
            yield path


class SearchFilesTool:
    name = "search_files"
    description = (
        "Search text files for a regular expression (Python syntax; an invalid one is searched as plain "
        "text) and get matching lines as `path:line: text`. Searches the working folder unless path is "
        "given; glob filters file names (e.g. *.py). Hidden folders, .git, node_modules, binary and very "
        "large files are skipped. Use it to find where something is defined or used."
    )
    parameters: dict[str, Any] = {
        "type": "object",
        "properties": {
            "pattern": {"type": "string", "description": "The regular expression to look for."},
            "path": {"type": "string", "description": "A folder or file to search (default: the working folder)."},
            "glob": {"type": "string", "description": "Only files whose name matches, e.g. *.py or src/**/*.ts."},
            "max_results": {"type": "integer", "description": f"At most this many lines (default {DEFAULT_RESULTS})."},
        },
        "required": ["pattern"],
    }

    def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolResult:
        pattern = str_arg(args, "pattern")
        assert pattern is not None
        root = resolve_path(ctx, str_arg(args, "path", required=False) or ".")
        refuse_unreviewed(ctx, root)
        glob = str_arg(args, "glob", required=False) or None
        limit = int_arg(args, "max_results", DEFAULT_RESULTS, low=1, high=MAX_RESULTS)
        if not root.exists():
            raise ToolError(f"{display_path(ctx, root)} does not exist")
        note = ""
        try:
            regex = re.compile(pattern)
        except re.error as exc:
            regex = re.compile(re.escape(pattern))
            note = f"(not a valid regular expression: {exc}; searched as plain text)\n"
        results: list[str] = []
        more = False
        files = 0
        for path in _files(root, glob):
            try:
                if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_FILE_BYTES:
                    continue
                if is_unreviewed(ctx, path):
                    continue
                with path.open("rb") as fh:
                    if looks_binary(fh.read(BINARY_SNIFF)):
                        continue
                text = path.read_text("utf-8", errors="replace")
            except OSError:
                continue
            files += 1
            shown = display_path(ctx, path)
            for number, line in enumerate(text.splitlines(), start=1):
                if regex.search(line):
                    if len(results) >= limit:
                        more = True
                        break
                    line = line.strip()
                    if len(line) > MAX_SHOWN_LINE:
                        line = line[:MAX_SHOWN_LINE] + " [...]"
                    results.append(f"{shown}:{number}: {line}")
            if more:
                break
        if not results:
            return ToolResult(output=f"{note}no matches for {pattern!r} in {files} files")
        tail = f"\n[more matches not shown: narrow the pattern, path or glob]" if more else ""
        return ToolResult(output=note + "\n".join(results) + tail)
