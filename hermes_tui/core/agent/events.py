"""The one typed event stream out of the agent loop.

Every step of a session is an :class:`Event`. Sinks subscribe to an
:class:`EventStream`: the recorder writes episodes to the store, the TUI renders
the events, the headless command prints them (as JSON lines with ``--json``).
Events are plain data (``to_dict`` gives a JSON-ready dict with a ``"type"`` field);
they carry no callbacks. Answers to :class:`ApprovalRequested` go back through
:class:`hermes_tui.core.agent.approvals.ApprovalBroker`, not through the event.

Secrets never leave the stream: :meth:`EventStream.emit` redacts every event before
any sink sees it (``guard.redact``: the task, approval text, tool arguments and
results, errors ...), and passes streamed text (``TextDelta``, ``ReasoningDelta``)
through a :class:`~hermes_tui.core.guard.redact.StreamRedactor` per turn: a short
tail is held back, so a key split across deltas is masked before any sink shows it;
the held-back text is emitted as one more delta before the episode's next other event.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, Callable, ClassVar, Iterator

from hermes_tui.core.guard.redact import StreamRedactor, redact, redact_obj

from hermes_tui.errors import one_line

Sink = Callable[["Event"], None]

log = logging.getLogger("hermes_tui.events")


@dataclass(frozen=True, kw_only=True)
class Event:
    type: ClassVar[str] = "event"
    episode_id: str = ""
    ts: float = field(default_factory=time.time)

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, **asdict(self)}


@dataclass(frozen=True, kw_only=True)
class EpisodeStarted(Event):
    type: ClassVar[str] = "episode_started"
    task: str
    model: str
    cwd: str
    # The terminal's sandbox: {"active", "kind", "mode", "network", "detail"} (core/sandbox).
    sandbox: dict[str, Any] = field(default_factory=dict)
    session_id: str = ""  # the conversation this episode belongs to (one user message and its work)
    learning: bool = False  # whether the learning loop distills skills from this episode


@dataclass(frozen=True, kw_only=True)
class TurnStarted(Event):
    """One model request (a step) begins."""

    type: ClassVar[str] = "turn_started"
    step: int
    model: str


@dataclass(frozen=True, kw_only=True)
class TextDelta(Event):
    type: ClassVar[str] = "text_delta"
    step: int
    text: str


@dataclass(frozen=True, kw_only=True)
class ReasoningDelta(Event):
    type: ClassVar[str] = "reasoning_delta"
    step: int
    text: str


@dataclass(frozen=True, kw_only=True)
class ToolCallStarted(Event):
    type: ClassVar[str] = "tool_call"
    step: int
    call_id: str
    name: str
    arguments: Any  # the parsed JSON arguments (a dict), or the raw string when it did not parse


@dataclass(frozen=True, kw_only=True)
class ToolCallFinished(Event):
    type: ClassVar[str] = "tool_result"
    step: int
    call_id: str
    name: str
    result: str  # what goes back to the model (already cut and redacted)
    exit_code: int | None = None
    duration_ms: float = 0.0
    error: str | None = None  # set when the tool failed; the model still gets a result
    truncated: bool = False


@dataclass(frozen=True, kw_only=True)
class ApprovalRequested(Event):
    type: ClassVar[str] = "approval_requested"
    request_id: str
    call_id: str
    tool: str
    command: str
    rule: str  # the id of the approval rule that matched, e.g. "recursive-rm" (several: joined by ", ")
    reason: str  # why (several rules: joined by "; ")
    choices: tuple[str, ...] = ("once", "session", "always", "deny")
    rules: tuple[tuple[str, str], ...] = ()  # every (rule, reason) the one answer covers


@dataclass(frozen=True, kw_only=True)
class ApprovalResolved(Event):
    type: ClassVar[str] = "approval_resolved"
    request_id: str
    decision: str  # once, session, always, deny, timeout


@dataclass(frozen=True, kw_only=True)
class SkillShown(Event):
    """Skills put in the system prompt's index (relevant: with description)."""

    type: ClassVar[str] = "skill_shown"
    relevant: tuple[str, ...] = ()
    listed: tuple[str, ...] = ()
    tokens: int = 0


@dataclass(frozen=True, kw_only=True)
class SkillLoaded(Event):
    """A skill's full body entered the context (``/skill-name`` or skill_view)."""

    type: ClassVar[str] = "skill_loaded"
    name: str
    via: str  # "slash" or "tool"


@dataclass(frozen=True, kw_only=True)
class Retrying(Event):
    type: ClassVar[str] = "retrying"
    step: int
    attempt: int
    delay: float
    reason: str


@dataclass(frozen=True, kw_only=True)
class TurnFinished(Event):
    type: ClassVar[str] = "turn_finished"
    step: int
    text: str = ""
    tool_calls: int = 0
    finish_reason: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cost: float | None = None


@dataclass(frozen=True, kw_only=True)
class ErrorEvent(Event):
    type: ClassVar[str] = "error"
    message: str
    fatal: bool = False


@dataclass(frozen=True, kw_only=True)
class EpisodeFinished(Event):
    """The final event of every episode, whatever happened."""

    type: ClassVar[str] = "episode_finished"
    outcome: str  # "success", "failure" or "interrupted"
    reason: str = ""
    answer: str = ""
    steps: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float | None = None
    duration_ms: float = 0.0
    skills_shown: tuple[str, ...] = ()  # skill_ids in the prompt's index (relevant first)
    skills_loaded: tuple[str, ...] = ()  # skill_ids whose full text entered the context


@dataclass(frozen=True, kw_only=True)
class LibraryChanged(Event):
    """The skill library changed: ``action`` is "saved", "archived", "pinned", "unpinned" or "reloaded" (hand edits)."""

    type: ClassVar[str] = "library_changed"
    action: str
    skill_ids: tuple[str, ...] = ()
    author: str = ""


@dataclass(frozen=True, kw_only=True)
class PendingChanged(Event):
    """The approvals queue changed: ``action`` is "submitted", "approved" or "rejected"."""

    type: ClassVar[str] = "pending_changed"
    action: str
    item_id: str
    skill: str = ""


@dataclass(frozen=True, kw_only=True)
class CandidateCreated(Event):
    """The learning loop proposed a new skill; it waits in the gate under ``pending_id``
    (``merged``: the evidence of a waiting candidate for the same pattern grew instead)."""

    type: ClassVar[str] = "candidate_created"
    pending_id: str
    skill: str
    trigger: str  # "repeated" (a pattern succeeded often), "long" (one long success) or "recovery"
    distiller: str  # the model's name or "deterministic"
    episodes: tuple[str, ...] = ()
    merged: bool = False
    approved: bool = False  # [learning] auto_approve applied it at once


@dataclass(frozen=True, kw_only=True)
class SkillPatchProposed(Event):
    """The learning loop proposed a change to an existing skill (waits under ``pending_id``)."""

    type: ClassVar[str] = "skill_patch_proposed"
    pending_id: str
    skill: str  # the skill_id it changes
    reason: str
    episodes: tuple[str, ...] = ()
    approved: bool = False


EVENT_TYPES: dict[str, type[Event]] = {
    cls.type: cls
    for cls in (
        EpisodeStarted,
        TurnStarted,
        TextDelta,
        ReasoningDelta,
        ToolCallStarted,
        ToolCallFinished,
        ApprovalRequested,
        ApprovalResolved,
        SkillShown,
        SkillLoaded,
        Retrying,
        TurnFinished,
        ErrorEvent,
        EpisodeFinished,
        LibraryChanged,
        PendingChanged,
        CandidateCreated,
        SkillPatchProposed,
    )
}


def event_from_dict(data: dict[str, Any]) -> Event | None:
    """Rebuild an event from its ``to_dict()`` (e.g. a stored row's data); None for an unknown type."""
    cls = EVENT_TYPES.get(str(data.get("type")))
    if cls is None:
        return None
    known = {f.name for f in fields(cls)}
    values = {k: tuple(v) if isinstance(v, list) and k not in ("arguments",) else v for k, v in data.items() if k in known}
    try:
        return cls(**values)
    except TypeError:  # a row from an older version without a required field
        return None


class EventStream:
    """Fan an event out to every subscribed sink, in order, on the emitting thread.

    A sink that raises is unsubscribed and reported once: in the log, on ``errors``,
    and as a non-fatal :class:`ErrorEvent` to the remaining sinks (so a UI shows it).
    It never stops the loop or the other sinks.
    """

    def __init__(self) -> None:
        self._sinks: list[Sink] = []
        self._lock = threading.Lock()
        self._redactor = _EventRedactor()
        self.errors: list[str] = []

    def subscribe(self, sink: Sink) -> Callable[[], None]:
        with self._lock:
            self._sinks.append(sink)

        def unsubscribe() -> None:
            with self._lock:
                if sink in self._sinks:
                    self._sinks.remove(sink)

        return unsubscribe

    def emit(self, event: Event) -> None:
        with self._lock:
            sinks = list(self._sinks)
            safe = list(self._redactor(event))
        for redacted in safe:
            for sink in sinks:
                try:
                    sink(redacted)
                except Exception as exc:  # a broken sink must not break the loop
                    self._drop(sink, exc, redacted)

    def _drop(self, sink: Sink, exc: Exception, event: Event) -> None:
        with self._lock:
            if sink not in self._sinks:
                return  # already reported
            self._sinks.remove(sink)
        name = getattr(sink, "__qualname__", None) or type(sink).__qualname__
        message = f"an event sink failed and was removed ({name}): {one_line(str(exc)) or type(exc).__name__}"
        self.errors.append(message)
        log.error("%s", message, exc_info=exc)
        self.emit(ErrorEvent(episode_id=event.episode_id, message=message, fatal=False))


#: Fields that name things (ids, kinds, tools, skills, models, outcomes): never secret, not redacted.
_PLAIN_FIELDS = frozenset({
    "type", "episode_id", "ts", "call_id", "request_id", "session_id", "step", "model", "rule", "name", "tool",
    "via", "action", "outcome", "decision", "choices", "trigger", "distiller", "finish_reason", "author",
    "pending_id", "item_id", "skill", "skill_ids", "relevant", "listed", "skills_shown", "skills_loaded",
    "episodes", "sandbox",
})


class _EventRedactor:
    """The redaction of :class:`EventStream`: ``self(event)`` yields the events to deliver."""

    def __init__(self) -> None:
        self._streams: dict[tuple[str, str, int], StreamRedactor] = {}

    def __call__(self, event: Event) -> Iterator[Event]:
        if isinstance(event, (TextDelta, ReasoningDelta)):
            key = (event.episode_id, event.type, event.step)
            stream = self._streams.get(key)
            if stream is None:
                stream = self._streams[key] = StreamRedactor()
            text = stream.feed(event.text)
            if text:
                yield replace(event, text=text)
            return
        yield from self._flush(event.episode_id)
        yield _redacted(event)

    def _flush(self, episode_id: str) -> Iterator[Event]:
        """The held-back text of the episode's streams, before any other event of it."""
        for key in [key for key in self._streams if key[0] == episode_id]:
            text = self._streams.pop(key).flush()
            if text:
                cls = TextDelta if key[1] == TextDelta.type else ReasoningDelta
                yield cls(episode_id=episode_id, step=key[2], text=text)


def _redacted(event: Event) -> Event:
    """``event`` with every text in it redacted (the same object when nothing changed)."""
    changes = {}
    for f in fields(event):
        if f.name in _PLAIN_FIELDS:
            continue
        value = getattr(event, f.name)
        if isinstance(value, str):
            new = redact(value)
        elif isinstance(value, (dict, list, tuple)):
            new = redact_obj(value)
        else:
            continue
        if new != value:
            changes[f.name] = new
    return replace(event, **changes) if changes else event
