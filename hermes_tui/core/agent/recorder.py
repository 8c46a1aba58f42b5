"""A sink that writes episodes and their events to the store.

``EpisodeStarted`` creates the episode; every other event becomes one row with
its timing (``ts``; ``duration_ms`` for tool results, turns and the episode);
``EpisodeFinished`` finishes the episode with its outcome, reason, answer, usage,
cost and the skills it carries (shown in the prompt's index, loaded in full).

Streamed deltas are coalesced, not stored one by one: the full text of a turn is
in ``TurnFinished.text``, so ``TextDelta`` rows are dropped when the turn finishes;
``ReasoningDelta`` pieces are joined into ONE ``reasoning_delta`` row per turn
(written just before its ``turn_finished``). When a turn never finishes (the
stream broke off), its partial reasoning and text are written as one coalesced
row each before the ``error`` (or ``episode_finished``) that ended it.

Tool calls are stored whole: ``tool_call`` rows with the arguments, ``tool_result``
rows with the arguments of their call and the result. Everything is redacted again
before it is stored (redaction is idempotent).

The recorder never breaks the loop: a store error stops recording of that episode,
is kept in :attr:`Recorder.errors` and is reported once as a non-fatal
:class:`ErrorEvent` ("episode ... not recorded: ...") when the recorder was
attached with :meth:`Recorder.attach`.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from hermes_tui.core.agent.events import (
    EpisodeFinished,
    EpisodeStarted,
    ErrorEvent,
    Event,
    EventStream,
    ReasoningDelta,
    TextDelta,
    ToolCallFinished,
    ToolCallStarted,
    TurnFinished,
    TurnStarted,
)
from hermes_tui.errors import one_line
from hermes_tui.core.guard.redact import redact, redact_obj


@dataclass
class _Open:
    """What the recorder keeps about an episode being recorded."""

    seq: int = 0
    failed: bool = False
    text: dict[int, list[str]] = field(default_factory=dict)  # step -> pending text deltas
    reasoning: dict[int, list[str]] = field(default_factory=dict)  # step -> pending reasoning deltas
    delta_ts: dict[tuple[str, int], float] = field(default_factory=dict)  # first delta's time
    turn_started: dict[int, float] = field(default_factory=dict)  # step -> ts
    arguments: dict[str, str] = field(default_factory=dict)  # call_id -> arguments text


class Recorder:
    """``Recorder(store)``; subscribe it to an :class:`EventStream` (or use :meth:`attach`)."""

    def __init__(self, store: Any, *, on_error: Callable[[Event], None] | None = None) -> None:
        self.store = store
        self.on_error = on_error
        self.errors: list[str] = []
        self._open: dict[str, _Open] = {}

    def attach(self, events: EventStream) -> Callable[[], None]:
        """Subscribe to ``events`` and report store failures on it; returns unsubscribe."""
        self.on_error = events.emit
        return events.subscribe(self)

    # -- the sink ---------------------------------------------------------------------
    def __call__(self, event: Event) -> None:
        # A failed episode records nothing more (not even our own ErrorEvent about it).
        if isinstance(event, EpisodeStarted):
            self._open[event.episode_id] = _Open()
        state = self._open.get(event.episode_id)
        if state is None or state.failed:
            if isinstance(event, EpisodeFinished):
                self._open.pop(event.episode_id, None)
            return
        try:
            self._record(event, state)
        except Exception as exc:  # the store failed: stop recording this episode, keep the loop going
            state.failed = True
            message = f"episode {event.episode_id} not recorded: {one_line(exc)}"
            self.errors.append(message)
            if self.on_error is not None:
                self.on_error(ErrorEvent(episode_id=event.episode_id, message=message, fatal=False))
        finally:
            if isinstance(event, EpisodeFinished):
                self._open.pop(event.episode_id, None)

    def _record(self, event: Event, state: _Open) -> None:
        eid = event.episode_id
        if isinstance(event, EpisodeStarted):
            self.store.create_episode(
                id=eid,
                task=redact(event.task),
                model=event.model,
                cwd=event.cwd,
                started_at=event.ts,
                session_id=event.session_id,
            )
            self._add(event, state)
        elif isinstance(event, TextDelta):
            state.text.setdefault(event.step, []).append(event.text)
            state.delta_ts.setdefault((event.type, event.step), event.ts)
        elif isinstance(event, ReasoningDelta):
            state.reasoning.setdefault(event.step, []).append(event.text)
            state.delta_ts.setdefault((event.type, event.step), event.ts)
        elif isinstance(event, TurnStarted):
            state.turn_started[event.step] = event.ts
            self._add(event, state)
        elif isinstance(event, TurnFinished):
            state.text.pop(event.step, None)  # the whole text is in the event
            self._flush_reasoning(eid, state, event.step)
            started = state.turn_started.pop(event.step, None)
            self._add(event, state, duration_ms=(event.ts - started) * 1000 if started is not None else None)
        elif isinstance(event, ToolCallStarted):
            arguments = _as_text(redact_obj(event.arguments))
            state.arguments[event.call_id] = arguments
            self._add(event, state, tool_name=event.name, arguments=arguments)
        elif isinstance(event, ToolCallFinished):
            self._add(
                event,
                state,
                tool_name=event.name,
                arguments=state.arguments.pop(event.call_id, None),
                result=redact(event.result),
                duration_ms=event.duration_ms,
            )
        elif isinstance(event, ErrorEvent):
            self._flush_pending(eid, state)  # a broken-off turn's partial text comes first
            self._add(event, state)
        elif isinstance(event, EpisodeFinished):
            self._flush_pending(eid, state)
            with self.store.transaction():
                self._add(event, state, duration_ms=event.duration_ms)
                self.store.finish_episode(
                    id=eid,
                    outcome=event.outcome,
                    reason=redact(event.reason),
                    answer=redact(event.answer),
                    steps=event.steps,
                    prompt_tokens=event.prompt_tokens,
                    completion_tokens=event.completion_tokens,
                    cost=event.cost,
                    skills_shown=list(event.skills_shown),
                    skills_loaded=list(event.skills_loaded),
                    finished_at=event.ts,
                )
        else:
            self._add(event, state)

    # -- helpers ----------------------------------------------------------------------
    def _add(
        self,
        event: Event,
        state: _Open,
        *,
        tool_name: str | None = None,
        arguments: str | None = None,
        result: str | None = None,
        duration_ms: float | None = None,
    ) -> None:
        state.seq += 1
        self.store.add_event(
            episode_id=event.episode_id,
            seq=state.seq,
            ts=event.ts,
            type=event.type,
            data=redact_obj(event.to_dict()),
            tool_name=tool_name,
            arguments=arguments,
            result=result,
            duration_ms=duration_ms,
        )

    def _flush_pending(self, eid: str, state: _Open) -> None:
        """Write the deltas of turns that never finished, coalesced (reasoning first)."""
        for step in sorted(set(state.text) | set(state.reasoning)):
            self._flush_reasoning(eid, state, step)
            self._flush_text(eid, state, step)

    def _flush_text(self, eid: str, state: _Open, step: int) -> None:
        pieces = state.text.pop(step, None)
        if pieces:
            ts = state.delta_ts.pop((TextDelta.type, step), time.time())
            self._add(TextDelta(episode_id=eid, ts=ts, step=step, text="".join(pieces)), state)

    def _flush_reasoning(self, eid: str, state: _Open, step: int) -> None:
        pieces = state.reasoning.pop(step, None)
        if pieces:
            ts = state.delta_ts.pop((ReasoningDelta.type, step), time.time())
            self._add(ReasoningDelta(episode_id=eid, ts=ts, step=step, text="".join(pieces)), state)


def _as_text(value: Any) -> str:
    """Tool arguments as stored: the JSON of parsed arguments, or the raw text."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
