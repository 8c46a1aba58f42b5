"""The training formats of ``hermes-tui export``: one JSON object per line.

Fine-tuning (one line per episode):

* ``openai``: ``{"messages": [...], "tools": [...]}``, OpenAI's chat fine-tuning
  shape: roles user / assistant / tool; an assistant's ``tool_calls`` (``id``,
  ``type`` "function", ``function.name``, ``function.arguments`` a JSON string), each
  answered by a ``{"role": "tool", "tool_call_id", "content"}`` message.
* ``sharegpt``: ``{"conversations": [{"from", "value"}], "system", "tools"}`` with
  ``from`` human | gpt | function_call | observation, alternating (human or
  observation, then gpt or function_call). A turn with tool calls is ONE
  function_call (the call's ``{"name", "arguments"}`` as JSON, a list for parallel
  calls; the turn's own text is left out) and ONE observation (the result, or a JSON
  list of the results). ``tools``: the tool schemas as a JSON string.
* ``hermes``: Hermes Agent's trajectory, ``{"conversations": [{"from": "system" |
  "human" | "gpt" | "tool", "value"}], "timestamp", "model", "completed"}``: the
  system turn lists the tools; every gpt value starts with a ``<think>`` block (the
  turn's reasoning, or empty) and carries its calls as ``<tool_call>`` blocks; all
  results of one turn are one tool entry of ``<tool_response>`` blocks
  (``{"tool_call_id", "name", "content"}``).

Preference (one line per pair; see :mod:`.export` for where pairs come from):

* ``dpo-trl``: TRL's conversational preference format, ``{"prompt": [...], "chosen":
  [...], "rejected": [...]}`` (messages as in ``openai``), plus ``"tools"`` when a
  message has tool calls.
* ``dpo-openai``: OpenAI's preference fine-tuning, ``{"input": {"messages": [...],
  "tools": [...]}, "preferred_output": [one assistant message],
  "non_preferred_output": [one assistant message]}``; OpenAI takes text outputs
  only, so a pair whose answer calls tools or spans several turns is skipped.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from hermes_tui.core.feedback.conversation import Conversation, Turn

SFT_FORMATS = ("openai", "sharegpt", "hermes")
PAIR_FORMATS = ("dpo-trl", "dpo-openai")
FORMATS = SFT_FORMATS + PAIR_FORMATS


class Tools:
    """The tool schemas an export lists (the workbench's tools, plus any other name
    an episode called, with an empty schema)."""

    def __init__(self, schemas: list[dict[str, Any]]) -> None:
        self.schemas = list(schemas)
        self._known = {s["function"]["name"] for s in self.schemas}

    def for_names(self, names: list[str]) -> list[dict[str, Any]]:
        extra = [
            {"type": "function", "function": {"name": n, "description": "", "parameters": {"type": "object", "properties": {}}}}
            for n in names if n not in self._known
        ]  # fmt: skip
        return self.schemas + extra

    @staticmethod
    def plain(schemas: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """``{"name", "description", "parameters"}`` per tool (ShareGPT, Hermes)."""
        return [
            {"name": s["function"]["name"], "description": s["function"].get("description", ""),
             "parameters": s["function"].get("parameters", {})}
            for s in schemas
        ]  # fmt: skip


def openai_line(conv: Conversation, tools: Tools, final_text: str | None) -> dict[str, Any]:
    return {"messages": conv.messages(final_text=final_text), "tools": tools.for_names(conv.tool_names())}


def sharegpt_line(conv: Conversation, tools: Tools, final_text: str | None) -> dict[str, Any]:
    entries = [{"from": "human", "value": conv.task}]
    turns = conv.answered
    for i, turn in enumerate(turns):
        if turn.user:
            entries.append({"from": "human", "value": turn.user})
        if turn.calls:
            calls = [{"name": c.name, "arguments": c.arguments} for c in turn.calls]
            results = [c.result or "" for c in turn.calls]
            entries.append({"from": "function_call", "value": _dumps(calls[0] if len(calls) == 1 else calls)})
            entries.append({"from": "observation", "value": results[0] if len(results) == 1 else _dumps(results)})
        else:
            text = final_text if final_text is not None and i == len(turns) - 1 else turn.text
            entries.append({"from": "gpt", "value": text})
    return {"conversations": entries, "system": "", "tools": _dumps(Tools.plain(tools.for_names(conv.tool_names())))}


def _think(turn: Turn) -> str:
    return f"<think>\n{turn.reasoning.strip()}\n</think>\n" if turn.reasoning.strip() else "<think>\n</think>\n"


def _tool_content(text: str) -> Any:
    """A result that is JSON goes in as JSON (as Hermes Agent does), else as text."""
    if text.strip().startswith(("{", "[")):
        try:
            return json.loads(text)
        except ValueError:
            pass
    return text


def hermes_line(conv: Conversation, tools: Tools, final_text: str | None) -> dict[str, Any]:
    from hermes_tui.core.agent.prompt import build_trajectory_system

    listed = Tools.plain(tools.for_names(conv.tool_names()))
    system = build_trajectory_system(_dumps([{**t, "required": None} for t in listed]))
    entries = [{"from": "system", "value": system}, {"from": "human", "value": conv.task}]
    turns = conv.answered
    for i, turn in enumerate(turns):
        if turn.user:
            entries.append({"from": "human", "value": turn.user})
        text = final_text if final_text is not None and i == len(turns) - 1 else turn.text
        value = _think(turn) + (text.strip() + "\n" if text.strip() else "")
        for call in turn.calls:
            value += f"<tool_call>\n{_dumps({'name': call.name, 'arguments': call.arguments})}\n</tool_call>\n"
        entries.append({"from": "gpt", "value": value.rstrip()})
        if turn.calls:
            blocks = [
                "<tool_response>\n"
                + _dumps({"tool_call_id": c.id, "name": c.name, "content": _tool_content(c.result or "")})
                + "\n</tool_response>"
                for c in turn.calls
            ]
            entries.append({"from": "tool", "value": "\n".join(blocks)})
    episode = conv.episode
    started = episode.get("started_at")
    stamp = datetime.fromtimestamp(started, timezone.utc).isoformat() if started else None
    return {
        "conversations": entries,
        "timestamp": stamp,
        "model": episode.get("model") or "",
        "completed": episode.get("outcome") == "success",
    }


def trl_pair(prompt: list[dict[str, Any]], chosen: list[dict[str, Any]], rejected: list[dict[str, Any]],
             tools: list[dict[str, Any]] | None) -> dict[str, Any]:
    line: dict[str, Any] = {"prompt": prompt, "chosen": chosen, "rejected": rejected}
    if tools:
        line["tools"] = tools
    return line


def openai_pair(prompt: list[dict[str, Any]], chosen: list[dict[str, Any]], rejected: list[dict[str, Any]],
                tools: list[dict[str, Any]] | None) -> dict[str, Any]:
    inputs: dict[str, Any] = {"messages": prompt}
    if tools:
        inputs["tools"] = tools
    return {"input": inputs, "preferred_output": chosen, "non_preferred_output": rejected}


SFT_LINES = {"openai": openai_line, "sharegpt": sharegpt_line, "hermes": hermes_line}
PAIR_LINES = {"dpo-trl": trl_pair, "dpo-openai": openai_pair}


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
