"""The ``session_search`` tool: find past episodes and their steps in the store."""

from __future__ import annotations

import time
from typing import Any

from hermes_tui.core.agent.tools._common import int_arg, str_arg
from hermes_tui.core.agent.tools.base import ToolContext, ToolError, ToolResult

DEFAULT_HITS = 5
MAX_HITS = 20
GATED_TOOLS = frozenset({"skill_manage"})
GATED_SLACK = 10  # extra hits asked for, to fill the limit after filtering


class SessionSearchTool:
    name = "session_search"
    description = (
        "Search your past sessions (tasks, answers, tool calls and their results) by keywords. Use it when "
        "the user refers to earlier work or when a similar problem may have been solved before. Returns "
        "the best matches with their episode id and a snippet (matches marked «like this»)."
    )
    parameters: dict[str, Any] = {
        "type": "object",
        "properties": {
            "query": {"type": "string", "description": "Keywords to look for."},
            "limit": {"type": "integer", "description": f"At most this many results (default {DEFAULT_HITS})."},
        },
        "required": ["query"],
    }

    def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolResult:
        query = str_arg(args, "query")
        limit = int_arg(args, "limit", DEFAULT_HITS, low=1, high=MAX_HITS)
        if ctx.store is None:
            raise ToolError("no session store is open; past sessions cannot be searched now")
        from hermes_tui.core.store.search import search

        # The current session is left out (its text is already in the context), and
        # skill_manage calls carry skill text that may still wait for approval (or was
        # rejected): the agent never sees it again through its history.
        hits = [
            hit
            for hit in search(ctx.store, query, kinds={"episode", "event"}, limit=limit + GATED_SLACK)
            if not (hit.kind == "event" and hit.title in GATED_TOOLS)
            and (hit.episode_id or hit.id) != ctx.episode_id  # past sessions, not this one
        ][:limit]
        if not hits:
            return ToolResult(output=f"no past sessions match {query!r}")
        lines = []
        for number, hit in enumerate(hits, start=1):
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(hit.created_at)) if hit.created_at else "?"
            episode = hit.episode_id or hit.id
            snippet = " ".join(str(hit.snippet).split())
            lines.append(f"{number}. {hit.title} (episode {episode}, {hit.kind}, {when})\n   {snippet}")
        return ToolResult(output="\n".join(lines))
