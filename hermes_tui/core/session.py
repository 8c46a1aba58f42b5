"""Conversations: a session holds episodes.

A :class:`Session` is one conversation with the agent. Each user message and the
work done on it is one episode (the unit that learning and exports use), recorded
with the session's id; a follow-up message continues with the history of the
earlier ones. A past session is resumed from the store: its history is rebuilt
from each episode's task and answer (the tool calls stay in the episodes).
"""

from __future__ import annotations

import secrets
import threading
import time
from typing import TYPE_CHECKING, Any, Callable

from hermes_tui.errors import HermesError

if TYPE_CHECKING:
    from hermes_tui.core.agent.events import EpisodeFinished
    from hermes_tui.core.agent.loop import Agent


def new_session_id() -> str:
    """A sortable, unique session id: ``s-20250101-120000-a1b2c3``."""
    return "s-" + time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(3)


class Session:
    """``Session(agent)`` starts a new conversation; :meth:`resume` continues a past one."""

    def __init__(
        self,
        agent: "Agent",
        *,
        id: str | None = None,
        messages: list[dict[str, Any]] | None = None,
        learn: Callable[[str], None] | None = None,
    ) -> None:
        self.agent = agent
        self.learn = learn  # the learning loop, run after each episode while learning is on
        self.id = id or new_session_id()
        self.messages: list[dict[str, Any]] = list(messages or ())
        self.episodes: list[str] = []
        self.prompt_tokens = 0
        self.completion_tokens = 0
        self.cost: float | None = None

    @classmethod
    def resume(
        cls, agent: "Agent", store: Any, session_id: str, *, learn: Callable[[str], None] | None = None
    ) -> "Session":
        """Continue a recorded session; HermesError when the store has no such session."""
        episodes = store.session_episodes(session_id)
        if not episodes:
            raise HermesError(f"no session {session_id!r}")
        session = cls(agent, id=session_id, messages=history_from_episodes(episodes), learn=learn)
        for episode in episodes:
            session.episodes.append(episode["id"])
            session._count(episode.get("prompt_tokens"), episode.get("completion_tokens"), episode.get("cost"))
        return session

    def send(self, text: str, *, cancel: threading.Event | None = None) -> "EpisodeFinished":
        """Run one message as an episode of this session (blocks; never raises for a failure)."""
        result = self.agent.run(text, cancel=cancel, session_id=self.id, history=self.messages)
        self.episodes.append(result.episode_id)
        self._count(result.prompt_tokens, result.completion_tokens, result.cost)
        if self.learn is not None and self.agent.config.learning.enabled and result.outcome != "interrupted":
            self.learn(result.episode_id)
        return result

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def _count(self, prompt: int | None, completion: int | None, cost: float | None) -> None:
        self.prompt_tokens += prompt or 0
        self.completion_tokens += completion or 0
        if cost is not None:
            self.cost = (self.cost or 0.0) + cost


def history_from_episodes(episodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The conversation of recorded episodes: each task and its answer (or how it ended)."""
    messages: list[dict[str, Any]] = []
    for episode in episodes:
        messages.append({"role": "user", "content": episode.get("task") or ""})
        if episode.get("outcome") == "success" and episode.get("answer"):
            answer = episode["answer"]
        else:
            answer = ended_note(episode.get("outcome") or "unfinished", episode.get("reason") or "")
        messages.append({"role": "assistant", "content": answer})
    return messages


def ended_note(outcome: str, reason: str) -> str:
    """The assistant's place in the history for a request that got no answer."""
    return f"(this request ended: {outcome}; {reason or 'no answer'})"
