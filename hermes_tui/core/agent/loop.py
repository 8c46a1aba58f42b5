"""The agent loop: one task in, one episode of typed events out.

:meth:`Agent.run` emits, in order::

    EpisodeStarted
    SkillShown                       (the skills index put in the system prompt)
    SkillLoaded(via="slash")*        (``/skill-name`` at the start of the task)
    per step, up to config.agent.max_steps:
        TurnStarted, Retrying*, ReasoningDelta*, TextDelta*, TurnFinished
        per tool call, in the order the model gave them:
            ToolCallStarted, (ApprovalRequested, ApprovalResolved)*,
            SkillLoaded(via="tool")* (emitted by the tool), ToolCallFinished
    ErrorEvent                       (when something failed)
    EpisodeFinished                  (ALWAYS last)

A turn without tool calls ends the episode with success and its text as the
answer. The step limit, a model error or any other exception ends it with failure
and a one-line reason; the cancel event (or Ctrl+C) ends it as "interrupted".

Parallel tool calls (several in one turn) run one after the other, in the model's
order, so events and results are deterministic. Tool arguments and results are
redacted (``guard.redact``) before they are emitted or sent back to the model, and
so are the turn's full text and the answer; the event stream redacts every event
again (streamed deltas with a held-back tail, see ``events.EventStream``), so the
task and approval text are masked for every sink too.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hermes_tui.core.agent.approvals import POLICIES, ApprovalBroker
from hermes_tui.core.agent.events import (
    EpisodeFinished,
    EpisodeStarted,
    ErrorEvent,
    EventStream,
    Retrying,
    ReasoningDelta,
    SkillLoaded,
    SkillShown,
    TextDelta,
    ToolCallFinished,
    ToolCallStarted,
    TurnFinished,
    TurnStarted,
)
from hermes_tui.core.agent.llm import ModelClient, ToolCallRequest, TurnResult
from hermes_tui.core.agent.tools.base import ToolContext, ToolRegistry, ToolResult
from hermes_tui.core.guard.redact import redact, redact_obj
from hermes_tui.core.guard.unicode import strip_invisible
from hermes_tui.core.sandbox import sandbox_for
from hermes_tui.errors import HermesError, one_line

if TYPE_CHECKING:
    from hermes_tui.core.config import Config
    from hermes_tui.core.home import Home

OUTCOMES = ("success", "failure", "interrupted")


def new_episode_id() -> str:
    """A sortable, unique episode id: ``20250101-120000-a1b2c3``."""
    return time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(3)


#: What :meth:`Agent.run` returns: the episode's final event.
EpisodeResult = EpisodeFinished


class _NoSkills:
    """A library with no skills, for an agent run without a skill library."""

    def active(self) -> list[dict[str, Any]]:
        return []


class _Interrupted(Exception):
    """The cancel event was set; unwinds to :meth:`Agent.run`."""


@dataclass
class _Episode:
    """The running totals of one episode."""

    id: str
    cancel: threading.Event
    started: float = field(default_factory=time.perf_counter)
    steps: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float | None = None
    shown: list[str] = field(default_factory=list)
    loaded: list[str] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)  # earlier messages of the session
    messages: list[dict[str, Any]] = field(default_factory=list)  # this episode's, after the system prompt

    def add_usage(self, turn: TurnResult) -> None:
        self.prompt_tokens += turn.prompt_tokens or 0
        self.completion_tokens += turn.completion_tokens or 0
        if turn.cost is not None:
            self.cost = (self.cost or 0.0) + turn.cost


class Agent:
    """Runs tasks with a model and tools, emitting events on ``events``.

    ``approval_policy``: None asks through the event stream (a sink answers with
    :attr:`approvals`), "all" approves, "deny" denies, "unattended" denies because
    nobody can be asked. Raises
    :class:`~hermes_tui.errors.ModelNotConfigured` at once when no model is set.
    ``client`` replaces the :class:`ModelClient` built from ``config.model``.
    """

    def __init__(
        self,
        home: "Home",
        config: "Config",
        *,
        events: EventStream,
        tools: ToolRegistry,
        store: Any = None,
        library: Any = None,
        approval_policy: str | None = None,
        cwd: str | os.PathLike[str] | None = None,
        memory: Any = None,
        client: ModelClient | None = None,
    ) -> None:
        if approval_policy is not None and approval_policy not in POLICIES:
            raise HermesError(f"unknown approval policy {approval_policy!r}; use {', '.join(map(repr, POLICIES))}")
        self.home = home
        self.config = config
        self.events = events
        self.tools = tools
        self.store = store
        self.library = library
        self.approval_policy = approval_policy
        self.cwd = Path(cwd or os.getcwd()).absolute()
        self.memory = memory
        self.client = client or ModelClient(config.model)
        self.approvals: ApprovalBroker | None = None  # the running episode's broker
        self.sandbox = sandbox_for(config, home)  # the terminal's sandbox ([sandbox] in config)

    @property
    def model(self) -> str:
        return self.client.model

    def emit(self, event: Any) -> None:
        self.events.emit(event)

    # -- one episode ----------------------------------------------------------------
    def run(
        self,
        task: str,
        *,
        cancel: threading.Event | None = None,
        session_id: str = "",
        history: list[dict[str, Any]] | None = None,
    ) -> EpisodeResult:
        """Do ``task`` to completion; never raises for a failure (see the outcome).

        ``history`` is the conversation so far (messages after the system prompt, as
        sent to the model); the episode's messages are appended to it when it ends,
        so the next call continues the conversation (see :class:`core.session.Session`).
        """
        episode = _Episode(id=new_episode_id(), cancel=cancel or threading.Event())
        episode.history = list(history or ())
        self.approvals = ApprovalBroker(
            self.emit,
            episode_id=episode.id,
            timeout=self.config.agent.approval_timeout,
            policy=self.approval_policy,
            always_rules=list(self.config.approvals.always),
            on_always=self._save_always_rule,
            cancel=episode.cancel,
        )
        self.emit(
            EpisodeStarted(
                episode_id=episode.id, task=task, model=self.model, cwd=str(self.cwd),
                session_id=session_id, sandbox=dict(self.sandbox.status),
                learning=bool(self.config.learning.enabled),
            )
        )
        outcome, reason, answer = "failure", "", ""
        try:
            answer, reason = self._steps(episode, task)
            outcome = "success"
        except (_Interrupted, KeyboardInterrupt):
            outcome, reason = "interrupted", "interrupted by the user"
        except _StepLimit as exc:
            reason = str(exc)
        except Exception as exc:  # every failure ends the episode with a one-line reason
            reason = one_line(exc)
            if not isinstance(exc, HermesError):
                reason = f"internal error: {reason}"
            self.emit(ErrorEvent(episode_id=episode.id, message=reason, fatal=True))
        finally:
            self._record_skill_use(episode, outcome)
        if history is not None:
            history.extend(_conversation_tail(episode, task, outcome, reason, answer))
        result = EpisodeFinished(
            episode_id=episode.id,
            outcome=outcome,
            reason=reason,
            answer=answer,
            steps=episode.steps,
            prompt_tokens=episode.prompt_tokens,
            completion_tokens=episode.completion_tokens,
            cost=episode.cost,
            duration_ms=(time.perf_counter() - episode.started) * 1000,
            skills_shown=tuple(episode.shown),
            skills_loaded=tuple(episode.loaded),
        )
        self.emit(result)
        return result

    def _steps(self, episode: _Episode, task: str) -> tuple[str, str]:
        """Run the steps; returns (answer, reason) on success, raises otherwise."""
        from hermes_tui.core.agent.prompt import build_system_prompt, expand_slash_command

        parts = build_system_prompt(
            home=self.home,
            config=self.config,
            library=self.library if self.library is not None else _NoSkills(),
            store=self.store,
            task=task,
            tool_names=self.tools.names(),
            # The session's frozen snapshot, when the session has memory files.
            memory_snapshot=self.memory.snapshot() if self.memory is not None else None,
        )
        episode.shown = list(dict.fromkeys([*parts.relevant, *parts.listed]))
        self.emit(
            SkillShown(
                episode_id=episode.id,
                relevant=tuple(parts.relevant),
                listed=tuple(parts.listed),
                tokens=parts.index_tokens,
            )
        )
        user_text = task
        if self.library is not None:
            user_text, loaded = expand_slash_command(task, self.library)
            for skill_id in loaded:
                self._skill_loaded(episode, skill_id, "slash")

        messages: list[dict[str, Any]] = [
            {"role": "system", "content": parts.system},
            *episode.history,
            {"role": "user", "content": user_text},
        ]
        first_new = len(messages) - 1
        episode.messages = messages[first_new:]
        schemas = self.tools.schemas() or None
        ctx = ToolContext(
            home=self.home,
            config=self.config,
            cwd=self.cwd,
            episode_id=episode.id,
            approvals=self.approvals,  # type: ignore[arg-type]
            emit=self.emit,
            store=self.store,
            library=self.library,
            memory=self.memory,
            cancel=episode.cancel,
            sandbox=self.sandbox,
        )
        max_steps = max(1, int(self.config.agent.max_steps))
        for step in range(1, max_steps + 1):
            if episode.cancel.is_set():
                raise _Interrupted()
            episode.steps = step
            turn = self._turn(episode, step, messages, schemas)
            episode.messages = messages[first_new:]
            if not turn.tool_calls:
                if not turn.text.strip():
                    raise HermesError("the model returned an empty answer")
                reason = "the answer was cut at the token limit" if turn.finish_reason == "length" else ""
                return redact(turn.text), reason
            messages.append(_assistant_message(turn))
            for call in turn.tool_calls:
                if episode.cancel.is_set():
                    raise _Interrupted()
                output = self._call_tool(episode, ctx, step, call)
                messages.append({"role": "tool", "tool_call_id": call.id, "content": output})
        raise _StepLimit(f"step limit of {max_steps} reached")

    def _turn(
        self, episode: _Episode, step: int, messages: list[dict[str, Any]], schemas: list[dict[str, Any]] | None
    ) -> TurnResult:
        eid = episode.id
        self.emit(TurnStarted(episode_id=eid, step=step, model=self.model))
        turn = self.client.stream_turn(
            messages,
            schemas,
            cancel=episode.cancel,
            on_text=lambda text: self.emit(TextDelta(episode_id=eid, step=step, text=text)),
            on_reasoning=lambda text: self.emit(ReasoningDelta(episode_id=eid, step=step, text=text)),
            on_retry=lambda attempt, delay, reason: self.emit(
                Retrying(episode_id=eid, step=step, attempt=attempt, delay=delay, reason=reason)
            ),
        )
        episode.add_usage(turn)
        self.emit(
            TurnFinished(
                episode_id=eid,
                step=step,
                text=redact(turn.text),
                tool_calls=len(turn.tool_calls),
                finish_reason=turn.finish_reason,
                prompt_tokens=turn.prompt_tokens,
                completion_tokens=turn.completion_tokens,
                cost=turn.cost,
            )
        )
        if turn.interrupted:
            raise _Interrupted()
        return turn

    def _call_tool(self, episode: _Episode, ctx: ToolContext, step: int, call: ToolCallRequest) -> str:
        """Run one tool call, emitting its events; returns what goes back to the model."""
        arguments, parse_error = parse_arguments(call.arguments)
        self.emit(
            ToolCallStarted(
                episode_id=episode.id,
                step=step,
                call_id=call.id,
                name=call.name,
                arguments=redact_obj(arguments),
            )
        )
        if parse_error is not None:
            result = ToolResult(
                output=f"error: the arguments for {call.name or 'the tool'} are not valid JSON ({parse_error}): "
                f"{call.arguments[:200]!r}; call it again with a JSON object",
                error="malformed arguments JSON",
            )
        else:
            ctx.call_id, ctx.step = call.id, step
            loaded_before = len(ctx.loaded_skills)
            result = self.tools.run(call.name, arguments, ctx)
            # A tool that loads a skill (skill_view) emits SkillLoaded itself; the loop
            # only collects it for the episode's totals and usage counts.
            for skill_id in ctx.loaded_skills[loaded_before:]:
                if skill_id not in episode.loaded:
                    episode.loaded.append(skill_id)
        output = strip_invisible(redact(result.output))  # no hidden text goes back to the model
        self.emit(
            ToolCallFinished(
                episode_id=episode.id,
                step=step,
                call_id=call.id,
                name=call.name,
                result=output,
                exit_code=result.exit_code,
                duration_ms=result.duration_ms,
                error=redact(result.error) if result.error else None,
                truncated=result.truncated,
            )
        )
        return output

    # -- skills and settings ----------------------------------------------------------
    def _skill_loaded(self, episode: _Episode, skill_id: str, via: str) -> None:
        if skill_id not in episode.loaded:
            episode.loaded.append(skill_id)
        self.emit(SkillLoaded(episode_id=episode.id, name=skill_id, via=via))

    def _record_skill_use(self, episode: _Episode, outcome: str) -> None:
        """Count a use for each skill loaded in the episode: a success, or a failure (an
        interruption counts against the skill too: the learning loop's outcome counters)."""
        if self.library is None or not episode.loaded:
            return
        success = outcome == "success"
        for skill_id in episode.loaded:
            try:
                self.library.record_use(skill_id, success)
            except Exception as exc:  # counting must never change the episode's outcome
                self.emit(ErrorEvent(episode_id=episode.id, message=f"cannot count a use of {skill_id}: {one_line(exc)}"))

    def _save_always_rule(self, rule: str) -> None:
        """Save an "always" approval to config.toml (the file's values, not env overrides)."""
        from hermes_tui.core.config import Config

        if rule not in self.config.approvals.always:
            self.config.approvals.always.append(rule)
        on_disk = Config.load(self.home, env={})
        if rule not in on_disk.approvals.always:
            on_disk.approvals.always.append(rule)
            on_disk.save(self.home)


class _StepLimit(Exception):
    """The episode used all its steps."""


def _conversation_tail(episode: _Episode, task: str, outcome: str, reason: str, answer: str) -> list[dict[str, Any]]:
    """What an episode adds to its session's history.

    A success adds its whole exchange (the user message, the tool calls and results,
    the answer). Otherwise the tool calls may be half done (a call without its result
    is refused by providers), so only the user message and a note of how it ended go in.
    """
    if outcome == "success" and episode.messages:
        return [*episode.messages, {"role": "assistant", "content": answer}]
    from hermes_tui.core.session import ended_note

    user = episode.messages[0] if episode.messages else {"role": "user", "content": task}
    return [user, {"role": "assistant", "content": ended_note(outcome, reason)}]


def parse_arguments(raw: str) -> tuple[Any, str | None]:
    """Parse a tool call's JSON arguments: (value, None), or (raw text, why it is not JSON).

    An empty string means no arguments (``{}``), as some providers send for tools
    without parameters.
    """
    if not raw or not raw.strip():
        return {}, None
    try:
        return json.loads(raw), None
    except ValueError as exc:
        detail = f"{exc.msg} at position {exc.pos}" if isinstance(exc, json.JSONDecodeError) else str(exc)
        return raw, detail


def _assistant_message(turn: TurnResult) -> dict[str, Any]:
    """The model's turn as it goes back in the history. Malformed arguments are sent
    as ``{}`` (some providers reject a request whose history holds bad JSON); the tool
    result quotes what the model sent."""
    return {
        "role": "assistant",
        "content": turn.text or None,
        "tool_calls": [
            {"id": call.id, "type": "function", "function": {"name": call.name, "arguments": _json_or_empty(call.arguments)}}
            for call in turn.tool_calls
        ],
    }


def _json_or_empty(raw: str) -> str:
    return raw if parse_arguments(raw)[1] is None and raw.strip() else "{}"


__all__ = [
    "Agent",
    "EpisodeResult",
    "OUTCOMES",
    "new_episode_id",
    "one_line",
    "parse_arguments",
]
