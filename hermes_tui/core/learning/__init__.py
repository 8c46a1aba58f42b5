"""The learning loop (issue 13): observe episodes, distill skills, dedupe, queue for approval.

``traces``: episodes as traces and task signatures; ``distill``: traces -> SKILL.md
(model, with a deterministic fallback); ``learner``: the loop after an episode.
Off by default: ``[learning] enabled``, ``run --learn`` or ``hermes-tui learn``.
"""

from __future__ import annotations

from typing import Any, Callable

from hermes_tui.core.learning.learner import Learner, Outcome

__all__ = ["Learner", "Outcome", "learner_for", "model_completer"]


def model_completer(config: Any) -> tuple[Callable[[list[dict[str, str]]], str] | None, str]:
    """``(complete, model)`` for the configured model; ``(None, "")`` when none is set."""
    from hermes_tui.core.agent.llm import ModelClient
    from hermes_tui.errors import ModelNotConfigured

    try:
        client = ModelClient(config.model)
    except ModelNotConfigured:
        return None, ""

    def complete(messages: list[dict[str, str]]) -> str:
        return client.stream_turn(messages, None).text

    return complete, client.model


def learner_for(home: Any, store: Any, library: Any, config: Any) -> Learner:
    """A learner that distills with the configured model (deterministic without one)."""
    complete, model = model_completer(config)
    return Learner(home, store, library, config, complete=complete, model=model)
