"""What a tool is, what it gets to work with, and the registry that runs them.

A tool never raises into the loop: :meth:`ToolRegistry.run` turns any exception
into an error result that goes back to the model, and cuts oversized output with
a marker.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Protocol

from hermes_tui.errors import HermesError, one_line

if TYPE_CHECKING:  # only for type checkers: keeps imports light
    from hermes_tui.core.agent.approvals import ApprovalBroker
    from hermes_tui.core.agent.events import Event
    from hermes_tui.core.config import Config
    from hermes_tui.core.home import Home


@dataclass
class ToolContext:
    home: "Home"
    config: "Config"
    cwd: Path
    episode_id: str
    approvals: "ApprovalBroker"
    emit: Callable[["Event"], None]
    store: Any = None  # hermes_tui.core.store.Store
    library: Any = None  # hermes_tui.core.skills.library.SkillLibrary
    memory: Any = None  # hermes_tui.core.memory.MemoryFiles
    cancel: threading.Event = field(default_factory=threading.Event)
    call_id: str = ""  # set by the loop for each call
    step: int = 0
    loaded_skills: list[str] = field(default_factory=list)  # skill_ids; skill_view appends here
    sandbox: Any = None  # hermes_tui.core.sandbox.Sandbox; None: from config ([sandbox])


@dataclass
class ToolResult:
    output: str
    exit_code: int | None = None
    error: str | None = None  # a one-line reason when the tool failed
    truncated: bool = False
    duration_ms: float = 0.0


class Tool(Protocol):
    name: str
    description: str
    parameters: dict[str, Any]  # a JSON schema of type "object"

    def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolResult: ...


class ToolError(HermesError):
    """Raised by a tool for an expected failure; becomes an error result."""


TRUNCATION_MARKER = "\n[... output cut: {cut} of {total} characters not shown ...]\n"


def cut_output(text: str, limit: int) -> tuple[str, bool]:
    """Keep the head and the tail of an oversized output, with a marker between."""
    if limit <= 0 or len(text) <= limit:
        return text, False
    head = int(limit * 0.7)
    tail = limit - head
    marker = TRUNCATION_MARKER.format(cut=len(text) - head - tail, total=len(text))
    return text[:head] + marker + (text[-tail:] if tail else ""), True


class ToolRegistry:
    def __init__(self, tools: list[Tool] | None = None, *, output_limit: int = 20000) -> None:
        self._tools: dict[str, Tool] = {}
        self.output_limit = output_limit
        for tool in tools or []:
            self.add(tool)

    def add(self, tool: Tool) -> None:
        self._tools[tool.name] = tool

    def names(self) -> list[str]:
        return list(self._tools)

    def get(self, name: str) -> Tool | None:
        return self._tools.get(name)

    def schemas(self) -> list[dict[str, Any]]:
        """OpenAI-style function tool schemas, as litellm takes them."""
        return [
            {
                "type": "function",
                "function": {"name": t.name, "description": t.description, "parameters": t.parameters},
            }
            for t in self._tools.values()
        ]

    def run(self, name: str, args: Any, ctx: ToolContext) -> ToolResult:
        start = time.perf_counter()
        tool = self._tools.get(name)
        if tool is None:
            result = ToolResult(
                output=f"error: no tool named {name!r}; available: {', '.join(self._tools)}",
                error=f"unknown tool {name!r}",
            )
        elif not isinstance(args, dict):
            result = ToolResult(
                output=f"error: the arguments for {name} must be a JSON object, got: {str(args)[:200]}",
                error="arguments are not a JSON object",
            )
        else:
            try:
                result = tool.run(args, ctx)
            except ToolError as exc:
                result = ToolResult(output=f"error: {exc.message}", error=exc.message)
            except HermesError as exc:
                result = ToolResult(output=f"error: {exc.message}", error=exc.message)
            except Exception as exc:  # a tool bug must not crash the loop
                reason = one_line(exc)
                result = ToolResult(output=f"error: {reason}", error=reason)
        output, cut = cut_output(result.output, self.output_limit)
        result.output = output
        result.truncated = result.truncated or cut
        result.duration_ms = (time.perf_counter() - start) * 1000
        return result
