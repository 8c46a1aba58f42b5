"""A policy model on the scripted HTTP server: a repeated task, long without a skill,
short with one (for the learning loop's tests and benchmarks/bench_learning.py).

The task: count the TODO markers under ``src/`` and write the total to
``todo_count.txt`` (:func:`make_project` writes such a project). The policy reads each
request and answers like a model that learns nothing by itself:

* a distill request (the system prompt starts with ``prompt.DISTILL_MARKER``):
  ``distiller="fenced"`` answers with a SKILL.md holding the working commands inside
  a Markdown fence with text around it; ``"refuse"`` refuses; ``"invalid"`` answers
  with broken frontmatter;
* the agent's task, when a loaded skill (a ``skill_view`` result in the history)
  really contains the working command: the short path (the command, a check,
  the answer);
* when the prompt's skills index offers a skill about TODO markers not yet loaded:
  ``skill_view`` of it first;
* otherwise the long exploratory path: looking around, two failing attempts, then
  the working command, a check, the answer (8 tool calls).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from hermes_tui.core.agent.prompt import DISTILL_MARKER
from tests.llm_server import Call, Reply, ScriptedServer

TASK = "Count the TODO markers under src and write the total to todo_count.txt"
WORKING = "grep -ro TODO src | wc -l > todo_count.txt"
CHECK = "cat todo_count.txt"
LONG_PATH: list[tuple[str, dict[str, Any]]] = [
    ("terminal", {"command": "ls"}),
    ("terminal", {"command": "ls src"}),
    ("read_file", {"path": "src/a.py"}),
    ("read_file", {"path": "src/b.py"}),
    ("terminal", {"command": "todo-count src > todo_count.txt"}),  # no such program
    ("terminal", {"command": "grep -c TODO src > todo_count.txt"}),  # src is a folder
    ("terminal", {"command": WORKING}),
    ("terminal", {"command": CHECK}),
]
SHORT_PATH: list[tuple[str, dict[str, Any]]] = [("terminal", {"command": WORKING}), ("terminal", {"command": CHECK})]

FENCED_SKILL = f"""Sure! Here is the skill I distilled from the episodes:

```markdown
---
name: count-todo-markers
description: Count the TODO markers in a project's source folder and write the total to a file. Use when asked how many TODO comments there are.
---
# Count TODO markers

## When to use
When someone asks to count TODO markers (comments) under a folder and save the number.

## Procedure
1. Run `{WORKING}` in the project folder.

## Pitfalls
- `todo-count src` does not exist (command not found); use grep instead.
- `grep -c TODO src` fails because src is a directory; use `grep -ro` with `wc -l`.

## Verification
- Run `{CHECK}` and check it holds one number.
```

Let me know if you want changes."""

REFUSAL = "I'm sorry, but I can't help with writing that."
INVALID = "---\nname: Not A Valid Name!\ndescription: [unclosed\n---\nbody"


def make_project(folder: Path) -> None:
    """A small project with 5 TODO markers under src/."""
    src = folder / "src"
    src.mkdir(parents=True, exist_ok=True)
    (src / "a.py").write_text("# TODO: one\nx = 1  # TODO two\n", "utf-8")
    (src / "b.py").write_text("# TODO three\n# TODO four\n# TODO five\n", "utf-8")


class PolicyServer(ScriptedServer):
    """A :class:`ScriptedServer` whose replies come from the policy above."""

    def __init__(self, distiller: str = "fenced") -> None:
        super().__init__()
        self.distiller = distiller
        self.distill_requests = 0

    def _next(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            self.requests.append(body)
        messages = body.get("messages") or []
        system = str(messages[0].get("content") or "") if messages else ""
        if system.startswith(DISTILL_MARKER):
            with self._lock:
                self.distill_requests += 1
            return Reply(text={"fenced": FENCED_SKILL, "refuse": REFUSAL}.get(self.distiller, INVALID))
        return self._agent_reply(system, messages)

    @staticmethod
    def _agent_reply(system: str, messages: list[dict[str, Any]]) -> Reply:
        made = [call for m in messages if m.get("role") == "assistant" for call in m.get("tool_calls") or []]
        loaded = [str(m.get("content") or "") for m in messages if m.get("role") == "tool" and _is_skill_view(m, made)]
        if any(WORKING in text for text in loaded):
            plan = [("skill_view", {})] + SHORT_PATH  # the skill_view already made counts as step 0
        else:
            offered = _offered_skill(system)
            if offered and not loaded:
                return Reply(tool_calls=[Call("skill_view", {"name": offered}, id="call_view")])
            plan = LONG_PATH
        done = len(made)
        if done >= len(plan):
            return Reply(text="There are 5 TODO markers; the total is in todo_count.txt.")
        name, args = plan[done]
        return Reply(tool_calls=[Call(name, args, id=f"call_{done}")])


def _is_skill_view(message: dict[str, Any], calls: list[dict[str, Any]]) -> bool:
    for call in calls:
        if call.get("id") == message.get("tool_call_id"):
            return (call.get("function") or {}).get("name") == "skill_view"
    return False


def _offered_skill(system: str) -> str | None:
    """The name of a skill the index describes as about TODO markers."""
    for line in system.splitlines():
        match = re.match(r"^- ([\w./-]+): (.*)$", line)
        if match and "todo" in match.group(2).lower():
            return match.group(1)
    return None


def tool_calls(events: list[dict[str, Any]]) -> int:
    return sum(1 for e in events if e.get("type") == "tool_call")


def json_events(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]
