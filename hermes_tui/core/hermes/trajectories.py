"""Importing Hermes Agent's trajectory files (``trajectory_samples.jsonl``) as episodes.

Hermes appends one ShareGPT entry per run: ``{"conversations": [{"from": "system" |
"human" | "gpt" | "tool", "value": TEXT}], "timestamp": ISO, "model": M, "completed":
bool}``. A ``gpt`` value carries its reasoning in ``<think>...</think>`` and its tool
calls as ``<tool_call>{"name": ..., "arguments": ...}</tool_call>``; a ``tool`` value
its results as ``<tool_response>...</tool_response>``. Each line becomes one episode
(``source`` "hermes", ``platform`` "trajectory") with the events of a mirrored
session; its id is ``traj-`` + a hash of the line, so importing a file again adds
only what is new. A line that is not such an entry is reported and skipped.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable

from hermes_tui.core.fsutil import os_error_reason
from hermes_tui.core.guard.redact import secret_environment
from hermes_tui.core.hermes.mirror import conversation_episode, insert_episode
from hermes_tui.errors import HermesError

ROLES = {"human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant", "tool": "tool",
         "system": "system"}
_THINK = re.compile(r"<think>(.*?)</think>", re.S)
_CALL = re.compile(r"<tool_call>\s*(.*?)\s*</tool_call>", re.S)
_RESPONSE = re.compile(r"<tool_response>\s*(.*?)\s*</tool_response>", re.S)


@dataclass
class ImportResult:
    imported: int = 0
    skipped: int = 0  # already imported
    problems: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"imported": self.imported, "skipped": self.skipped, "problems": self.problems}


def _time(value: Any) -> float:
    try:
        return datetime.fromisoformat(str(value)).timestamp()
    except ValueError:
        return 0.0


def _messages(episode_id: str, turns: list[Any], ts: float) -> list[dict[str, Any]]:
    """The turns as state.db-like message rows (tool calls numbered call_1, call_2 ...)."""
    out: list[dict[str, Any]] = []
    calls = 0
    pending: list[str] = []  # call ids waiting for their responses
    for turn in turns:
        if not isinstance(turn, dict) or turn.get("from") not in ROLES:
            raise ValueError(f"a turn is not {{from, value}}: {str(turn)[:60]}")
        role, value = ROLES[turn["from"]], str(turn.get("value") or "")
        row: dict[str, Any] = {"id": len(out), "session_id": episode_id, "role": role, "timestamp": ts}
        if role == "assistant":
            thoughts = _THINK.findall(value)
            tool_calls = []
            for raw in _CALL.findall(value):
                calls += 1
                try:
                    call = json.loads(raw)
                except ValueError:
                    call = {"name": "?", "arguments": raw}
                call_id = f"call_{calls}"
                pending.append(call_id)
                arguments = call.get("arguments")
                tool_calls.append({"id": call_id, "function": {
                    "name": call.get("name") or "?",
                    "arguments": arguments if isinstance(arguments, str) else json.dumps(arguments)}})
            text = _CALL.sub("", _THINK.sub("", value)).strip()
            row.update(content=text, reasoning="\n".join(t.strip() for t in thoughts) or None,
                       tool_calls=json.dumps(tool_calls) if tool_calls else None)
            out.append(row)
        elif role == "tool":
            for response in _RESPONSE.findall(value) or [value]:
                try:
                    parsed = json.loads(response)
                except ValueError:
                    parsed = None
                name = parsed.get("name") if isinstance(parsed, dict) else None
                text = parsed.get("content") if isinstance(parsed, dict) and "content" in parsed else response
                text = text if isinstance(text, str) else json.dumps(text, ensure_ascii=False)
                out.append({**row, "id": len(out), "content": text, "tool_name": name,
                            "tool_call_id": pending.pop(0) if pending else ""})
        else:
            row["content"] = value
            out.append(row)
    return out


def _entry(line: str) -> tuple[str, dict[str, Any]]:
    entry = json.loads(line)
    if not isinstance(entry, dict) or not isinstance(entry.get("conversations"), list):
        raise ValueError("not a trajectory entry (no 'conversations' list)")
    return "traj-" + hashlib.sha256(line.encode("utf-8")).hexdigest()[:16], entry


def import_trajectories(store: Any, files: Iterable[Path]) -> ImportResult:
    """Import every entry of ``files`` (JSON lines) not imported before; one transaction per file."""
    result = ImportResult()
    env = secret_environment()
    for path in files:
        try:
            lines = path.read_text("utf-8").splitlines()
        except OSError as exc:
            raise HermesError(f"cannot read {path}: {os_error_reason(exc)}") from exc
        episodes: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                episode_id, entry = _entry(line)
                ts = _time(entry.get("timestamp"))
                session = {"id": episode_id, "source": "trajectory", "started_at": ts, "ended_at": ts,
                           "end_reason": "completed" if entry.get("completed") else "failed",
                           "model": entry.get("model")}
                built = conversation_episode([session], _messages(episode_id, entry["conversations"], ts), env)
                episode, events = built.episode, built.rows
            except ValueError as exc:
                result.problems.append(f"{path.name}:{number}: {exc}")
                continue
            if not entry.get("completed"):
                episode["outcome"] = "failure"
            episodes.append((episode, events))
        with store.transaction():
            present = {r[0] for r in store.execute("SELECT id FROM episodes WHERE id LIKE 'traj-%'")}
            rows: list[dict[str, Any]] = []
            for episode, events in episodes:
                if episode["id"] in present:
                    result.skipped += 1
                    continue
                present.add(episode["id"])
                insert_episode(store, episode)
                rows.extend(events)
                result.imported += 1
            if rows:
                store.add_events(rows)
    return result
