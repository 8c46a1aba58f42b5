"""Observe: recorded episodes as traces of tool calls, and their task signatures.

A :class:`Trace` is what the learning loop knows about one episode: the task, the
outcome, the skills it loaded, and its tool calls in order (each with what was run,
whether it worked, and the error when it did not). A task's signature is its
normalised text (lower case, content words only, in order) plus the shape of its
tool-call sequence (the tool names, repeats collapsed): similar episodes are the
ones whose task text matches through the one search API and whose shape is alike.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

# Words that say nothing about what a task is about.
STOP_WORDS = frozenset(
    """a an and are as at be by can could do does for from how i in into is it its me my of on or
    our please should so that the their them then there these this to us was we what when where which
    who will with would you your all any some just also now""".split()
)
_WORD_RE = re.compile(r"[a-z0-9][a-z0-9_.+-]*")

# Tools that only look: exploration, never a step of a procedure.
READ_ONLY_TOOLS = frozenset({"read_file", "search_files", "skill_view", "skills_list", "session_search"})
# Shell commands that only look, when they write nothing (no redirection).
READ_ONLY_COMMANDS = frozenset(
    "ls pwd cat head tail less more find tree which whereis file stat wc du df echo env printenv "
    "type id whoami uname date grep rg ag diff".split()
)


@dataclass
class Call:
    """One tool call of an episode."""

    tool: str
    command: str  # the shell command (terminal) or the arguments as text
    ok: bool
    error: str = ""  # the error or the tail of a failing command's output
    result: str = ""

    @property
    def read_only(self) -> bool:
        if self.tool in READ_ONLY_TOOLS:
            return True
        if self.tool != "terminal":
            return False
        if ">" in self.command or ("|" in self.command and "tee" in self.command):
            return False
        try:
            words = shlex.split(self.command)
        except ValueError:
            words = self.command.split()
        return bool(words) and words[0] in READ_ONLY_COMMANDS


@dataclass
class Trace:
    episode_id: str
    task: str
    outcome: str
    calls: list[Call] = field(default_factory=list)
    skills_loaded: list[str] = field(default_factory=list)
    steps: int = 0
    tokens: int = 0
    duration_ms: float = 0.0
    started_at: float = 0.0

    @property
    def succeeded(self) -> bool:
        return self.outcome == "success"

    @property
    def failed_calls(self) -> list[Call]:
        return [c for c in self.calls if not c.ok]

    def shape(self) -> list[str]:
        return tool_shape(self.calls)

    def evidence(self) -> dict[str, Any]:
        """What a person reviewing a candidate sees of this episode."""
        return {
            "episode_id": self.episode_id,
            "task": self.task,
            "outcome": self.outcome,
            "tool_calls": [
                {"tool": c.tool, "command": c.command, "ok": c.ok, **({"error": c.error} if c.error else {})}
                for c in self.calls
            ],
        }


def normalise_task(task: str) -> str:
    """The content words of a task, lower case, in order (the text part of the signature)."""
    words = _WORD_RE.findall(task.lower())
    return " ".join(w.strip(".-") for w in words if w not in STOP_WORDS and w.strip(".-"))


def tool_shape(calls: list[Call]) -> list[str]:
    """The tool names in order, consecutive repeats collapsed (the shape of the sequence)."""
    shape: list[str] = []
    for call in calls:
        if not shape or shape[-1] != call.tool:
            shape.append(call.tool)
    return shape


def shape_similarity(a: list[str], b: list[str]) -> float:
    if not a and not b:
        return 1.0
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def trace_of(episode: dict[str, Any]) -> Trace:
    """A stored episode (``Store.get_episode``) as a trace."""
    calls: list[Call] = []
    for event in episode.get("events") or []:
        if event.get("type") != "tool_result":
            continue
        data = event.get("data") or {}
        tool = event.get("tool_name") or data.get("name") or ""
        command = _command_text(tool, event.get("arguments"))
        result = event.get("result") or data.get("result") or ""
        exit_code = data.get("exit_code")
        error = data.get("error") or ""
        ok = not error and exit_code in (None, 0)
        if not ok and not error:
            error = _error_line(result, exit_code)
        calls.append(Call(tool=tool, command=command, ok=ok, error=error, result=result))
    return Trace(
        episode_id=episode["id"],
        task=episode.get("task") or "",
        outcome=episode.get("outcome") or "",
        calls=calls,
        skills_loaded=list(_as_list(episode.get("skills_loaded"))),
        steps=int(episode.get("steps") or 0),
        tokens=int(episode.get("prompt_tokens") or 0) + int(episode.get("completion_tokens") or 0),
        duration_ms=_duration_ms(episode),
        started_at=float(episode.get("started_at") or 0.0),
    )


def _command_text(tool: str, arguments: Any) -> str:
    if not arguments:
        return ""
    try:
        value = json.loads(arguments) if isinstance(arguments, str) else arguments
    except ValueError:
        return str(arguments)
    if isinstance(value, dict):
        if tool == "terminal" and isinstance(value.get("command"), str):
            return value["command"]
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _error_line(text: str, exit_code: Any) -> str:
    """The last line of a failing command's output that is not a marker, with its exit code."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip() and not line.startswith("[")]
    code = f"exit code {exit_code}"
    return f"{lines[-1][:200]} ({code})" if lines else code


def _as_list(value: Any) -> list[str]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    return [str(v) for v in value or []]


def _duration_ms(episode: dict[str, Any]) -> float:
    started, finished = episode.get("started_at"), episode.get("finished_at")
    if started is None or finished is None:
        return 0.0
    return max(0.0, (float(finished) - float(started)) * 1000)
