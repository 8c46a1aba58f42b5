"""The built-in scripted model of ``hermes-tui demo``: no network, no API key.

:class:`DemoModel` stands in for :class:`~hermes_tui.core.agent.llm.ModelClient`
(the same ``stream_turn``): it streams a short reasoning, calls real tools on the
demo's sample folder, then streams a Markdown answer. What it does follows from the
task's words (``clean`` asks to delete a folder, which needs an approval), or from
an explicit plan (the demo seeds its episodes that way). It is named as a scripted
model everywhere it shows (:data:`DEMO_MODEL_NAME`).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from hermes_tui.core.agent.llm import ToolCallRequest, TurnResult

DEMO_MODEL_NAME = "demo (built-in scripted model)"


@dataclass
class Step:
    """One scripted turn: tool calls, or (without calls) the final answer."""

    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    text: str = ""
    reasoning: str = ""


def default_plan(task: str) -> list[Step]:
    """What the demo model does with a task typed by a person."""
    words = task.lower()
    if "clean" in words or "delete" in words:
        return [
            Step(reasoning="The build folder is generated, and it is inside the working folder.",
                 calls=[("terminal", {"command": "rm -r build"})]),
            Step(text="I removed `build/`. Inside the working folder the sandbox lets ordinary work run "
                      "unasked (where no sandbox can be had, you were asked first)."),
        ]
    if "push" in words or "deploy" in words or "publish" in words:
        return [
            Step(reasoning="Publishing needs the network, which the sandbox keeps off: I must ask.",
                 calls=[("terminal", {"command": "git push --force origin main", "outside_sandbox": True,
                                      "justification": "publishing needs the network"})]),
            Step(text="I asked to force-push outside the sandbox (it needs the network and rewrites "
                      "history, so it needs your approval). Whatever you answered is in the trace."),
        ]
    return [
        Step(reasoning="Let me look at the sample project first.", calls=[("terminal", {"command": "ls -la"})]),
        Step(calls=[("read_file", {"path": "README.md"}), ("search_files", {"pattern": "ERROR", "path": "."})]),
        Step(
            text=(
                f"Here is what I found for **{task.strip()[:60] or 'your task'}**:\n\n"
                "- `README.md` describes a small service with a log in `app.log`.\n"
                "- `app.log` has two `ERROR` lines, both timeouts talking to the database.\n\n"
                "A first thing to try:\n\n"
                "```sh\ngrep -n ERROR app.log | tail -5\n```\n\n"
                "_(This is hermes-tui's built-in scripted demo model: no network, no API key.)_"
            )
        ),
    ]


class DemoModel:
    """A scripted stand-in for ModelClient; ``plans`` (one per episode) override :func:`default_plan`."""

    model = DEMO_MODEL_NAME

    def __init__(self, *, delay: float = 0.02, plans: list[list[Step]] | None = None) -> None:
        self.delay = delay
        self.plans = list(plans or ())
        self._current: list[Step] | None = None
        self._calls = 0
        self._lock = threading.Lock()

    def stream_turn(
        self,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]] | None = None,
        *,
        cancel: threading.Event | None = None,
        on_text: Callable[[str], None] | None = None,
        on_reasoning: Callable[[str], None] | None = None,
        on_retry: Any = None,
    ) -> TurnResult:
        cancel = cancel or threading.Event()
        last_user = max(i for i, m in enumerate(messages) if m.get("role") == "user")
        step_index = sum(1 for m in messages[last_user:] if m.get("role") == "assistant")
        with self._lock:
            if step_index == 0 or self._current is None:
                self._current = self.plans.pop(0) if self.plans else default_plan(str(messages[last_user]["content"]))
            plan = self._current
        step = plan[min(step_index, len(plan) - 1)]
        if step_index >= len(plan) - 1 and not step.text:
            step = Step(text="Done.")
        result = TurnResult(prompt_tokens=len(json.dumps(messages)) // 4, finish_reason="stop")
        if not self._stream(step.reasoning, on_reasoning, cancel) or not self._stream(step.text, on_text, cancel):
            return TurnResult(interrupted=True, finish_reason="interrupted")
        result.text, result.reasoning = step.text, step.reasoning
        for name, arguments in step.calls:
            self._calls += 1
            result.tool_calls.append(ToolCallRequest(id=f"demo_{self._calls}", name=name, arguments=json.dumps(arguments)))
        if result.tool_calls:
            result.finish_reason = "tool_calls"
        result.completion_tokens = max(1, (len(step.text) + len(step.reasoning) + 40 * len(step.calls)) // 4)
        return result

    def _stream(self, text: str, sink: Callable[[str], None] | None, cancel: threading.Event) -> bool:
        """Send ``text`` in word-sized pieces; False when cancelled."""
        pieces = text.split(" ")
        for i, piece in enumerate(pieces):
            if cancel.is_set():
                return False
            if sink is not None and (piece or i):
                sink(piece if i == len(pieces) - 1 else piece + " ")
            if self.delay:
                time.sleep(self.delay)
        return True
