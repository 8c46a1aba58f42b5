"""A recorded episode as a conversation: the user's task and the model's turns with
their tool calls and results, ready to render in a training format.

Built from the stored events only (never from the live loop): ``turn_finished``
gives a turn's text (its ``reasoning_delta`` row, when there is one, its reasoning),
``tool_call``/``tool_result`` rows its calls and their results. A conversation mirrored
from Hermes Agent holds several user messages (``user_message`` rows): the first is
the task, each later one is kept with the turn that answers it (:attr:`Turn.user`);
Hermes's compression summaries are harness text and left out. Repairs, so every
rendering keeps the formats' rules: a call without a result (the episode was stopped
mid-call) is dropped, a turn left with neither text nor calls is dropped, and a
trailing turn whose calls were the last thing that happened is dropped with its
results in :attr:`Conversation.answered` (a conversation ends with an assistant turn;
a preference pair's prompt may stop before any turn). What cannot be repaired is a
``problem`` (the exporter skips the episode and says why).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Call:
    id: str
    name: str
    arguments: Any  # parsed JSON (a dict, usually)
    result: str | None = None
    seq: int = 0

    @property
    def arguments_json(self) -> str:
        return json.dumps(self.arguments, ensure_ascii=False)


@dataclass
class Turn:
    step: int
    text: str = ""
    reasoning: str = ""
    calls: list[Call] = field(default_factory=list)
    user: str = ""  # a follow-up user message this turn answers (a Hermes conversation)

    def message(self, text: str | None = None) -> dict[str, Any]:
        """The OpenAI-shape assistant message (``text`` replaces the turn's)."""
        content = self.text if text is None else text
        message: dict[str, Any] = {"role": "assistant"}
        if content or not self.calls:
            message["content"] = content
        if self.calls:
            message["tool_calls"] = [
                {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments_json}}
                for c in self.calls
            ]
        return message

    def results(self) -> list[dict[str, Any]]:
        return [{"role": "tool", "tool_call_id": c.id, "content": c.result or ""} for c in self.calls]


@dataclass
class Conversation:
    episode: dict[str, Any]
    task: str
    turns: list[Turn]
    problems: list[str] = field(default_factory=list)

    @property
    def answered(self) -> list[Turn]:
        """The turns up to the last answer (without trailing turns of tool calls)."""
        end = len(self.turns)
        while end and self.turns[end - 1].calls:
            end -= 1
        return self.turns[:end]

    def tool_names(self) -> list[str]:
        return list(dict.fromkeys(c.name for t in self.turns for c in t.calls))

    def turn_index(self, step: int | None) -> int | None:
        """The index in :attr:`turns` of model turn ``step`` (None: the last turn)."""
        if not self.turns:
            return None
        if step is None:
            return len(self.turns) - 1
        return next((i for i, t in enumerate(self.turns) if t.step == step), None)

    def messages(self, *, upto: int | None = None, final_text: str | None = None) -> list[dict[str, Any]]:
        """OpenAI-shape messages: the user's task, then each turn (and its results).

        ``upto``: only the turns before index ``upto`` (a preference pair's prompt);
        else the :attr:`answered` turns. ``final_text`` replaces the last turn's text
        (a corrected final answer).
        """
        out: list[dict[str, Any]] = [{"role": "user", "content": self.task}]
        turns = self.answered if upto is None else self.turns[:upto]
        for i, turn in enumerate(turns):
            last = upto is None and i == len(turns) - 1
            if turn.user:
                out.append({"role": "user", "content": turn.user})
            out.append(turn.message(final_text if last and final_text is not None else None))
            out.extend(turn.results())
        if upto is not None and upto < len(self.turns) and self.turns[upto].user:
            out.append({"role": "user", "content": self.turns[upto].user})  # what the pair's answers answer
        return out


def conversation_of(episode: dict[str, Any]) -> Conversation:
    """The conversation of a stored episode (see the module doc)."""
    turns: dict[int, Turn] = {}
    reasoning: dict[int, str] = {}
    calls: dict[str, Call] = {}
    problems: list[str] = []
    users = 0
    follow_up = ""  # a later user message, waiting for the turn that answers it
    for event in episode.get("events") or ():
        data = event.get("data") or {}
        kind = event["type"]
        step = int(data.get("step") or 0)
        if kind == "user_message":
            users += 1
            if users > 1:
                follow_up = "\n\n".join(t for t in (follow_up, data.get("text") or "") if t)
        elif kind == "reasoning_delta":
            reasoning[step] = reasoning.get(step, "") + (data.get("text") or "")
        elif kind == "turn_finished":
            turns[step] = Turn(step=step, text=data.get("text") or "", reasoning=reasoning.pop(step, ""), user=follow_up)
            follow_up = ""
        elif kind == "tool_call":
            arguments = data.get("arguments")
            if isinstance(arguments, str):
                problems.append("malformed tool-call arguments")
            call = Call(id=str(data.get("call_id") or ""), name=str(data.get("name") or ""), arguments=arguments,
                        seq=int(event.get("seq") or 0))
            calls[call.id] = call
            if step in turns:
                turns[step].calls.append(call)
        elif kind == "tool_result":
            call = calls.get(str(data.get("call_id") or ""))
            if call is not None:
                result = event.get("result")
                call.result = result if isinstance(result, str) else str(data.get("result") or "")
    ordered = []
    for step in sorted(turns):
        turn = turns[step]
        turn.calls = [c for c in turn.calls if c.result is not None]
        if turn.text.strip() or turn.calls:
            ordered.append(turn)
    return Conversation(episode=episode, task=episode.get("task") or "", turns=ordered, problems=problems)
