"""Approvals: a dangerous command waits for a person's answer.

The tool asks the :class:`ApprovalBroker`; the broker emits an
:class:`ApprovalRequested` event and blocks the loop's thread until a sink (the
TUI, the headless CLI) calls :meth:`ApprovalBroker.answer`, or the timeout passes
(no answer means deny). Answers: ``once`` (this call), ``session`` (this rule for the
rest of the session), ``always`` (saved to config.toml), ``deny``. A command that
matches several rules is asked once for all of them (:meth:`ApprovalBroker.request_all`):
the answer applies to each rule.
:meth:`ApprovalBroker.refusal` words a no for the model and the user: who said it.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from typing import Callable, Sequence

from hermes_tui.core.agent.events import ApprovalRequested, ApprovalResolved, Event

DECISIONS = ("once", "session", "always", "deny")
#: ``all`` approves, ``deny`` denies (the user chose so), ``unattended`` denies because
#: nobody can be asked (no terminal); None asks through the event stream.
POLICIES = ("all", "deny", "unattended")


@dataclass
class _Waiting:
    done: threading.Event = field(default_factory=threading.Event)
    decision: str = "deny"


class ApprovalBroker:
    """One per session.

    ``policy`` answers at once without asking: "all" approves (``--approve all``),
    "deny" denies (``--approve deny``), "unattended" denies (nobody to ask);
    None asks through the event stream.
    ``always_rules`` are rule ids the user approved for good (from config);
    ``on_always`` is called with a rule id to save it.
    """

    def __init__(
        self,
        emit: Callable[[Event], None],
        *,
        episode_id: str = "",
        timeout: float = 300.0,
        policy: str | None = None,
        always_rules: list[str] | None = None,
        on_always: Callable[[str], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> None:
        if policy is not None and policy not in POLICIES:
            raise ValueError(f"unknown approval policy {policy!r}")
        self._emit = emit
        self.episode_id = episode_id
        self.timeout = timeout
        self.policy = policy
        self.always_rules = set(always_rules or ())
        self.session_rules: set[str] = set()
        self._on_always = on_always
        self._cancel = cancel
        self._waiting: dict[str, _Waiting] = {}
        self._lock = threading.Lock()

    def is_preapproved(self, rule: str) -> bool:
        return rule in self.always_rules or rule in self.session_rules

    def request(self, *, call_id: str, tool: str, command: str, rule: str, reason: str) -> str:
        """Ask for approval under one rule; returns the decision (``deny`` or ``timeout`` mean no)."""
        return self.request_all(call_id=call_id, tool=tool, command=command, matches=((rule, reason),))

    def request_all(self, *, call_id: str, tool: str, command: str, matches: Sequence[tuple[str, str]]) -> str:
        """Ask once for every (rule, reason) of ``matches`` not approved already; the
        decision (``deny`` or ``timeout`` mean no) applies to each of them."""
        asked = tuple((rule, reason) for rule, reason in matches if not self.is_preapproved(rule))
        if not asked:
            rules = {rule for rule, _reason in matches}
            return "session" if rules & self.session_rules else "always"
        request_id = uuid.uuid4().hex[:12]
        waiting = _Waiting()
        if self.policy is None:
            # Register before emitting, so that a sink may answer from inside emit().
            with self._lock:
                self._waiting[request_id] = waiting
        try:
            self._emit(
                ApprovalRequested(
                    episode_id=self.episode_id,
                    request_id=request_id,
                    call_id=call_id,
                    tool=tool,
                    command=command,
                    rule=", ".join(rule for rule, _reason in asked),
                    reason="; ".join(reason for _rule, reason in asked),
                    rules=asked,
                )
            )
            if self.policy is not None:
                decision = "once" if self.policy == "all" else "deny"
            else:
                decision = self._wait(waiting)
        finally:
            with self._lock:
                self._waiting.pop(request_id, None)
        for rule, _reason in asked:
            if decision == "session":
                self.session_rules.add(rule)
            elif decision == "always":
                self.always_rules.add(rule)
                if self._on_always is not None:
                    self._on_always(rule)
        self._emit(ApprovalResolved(episode_id=self.episode_id, request_id=request_id, decision=decision))
        return decision

    def _wait(self, waiting: _Waiting) -> str:
        # Wake up now and then so that a cancel is seen promptly.
        remaining = self.timeout
        while remaining > 0:
            step = min(0.1, remaining)
            if waiting.done.wait(step):
                return waiting.decision
            if self._cancel is not None and self._cancel.is_set():
                return "deny"
            remaining -= step
        return "timeout"

    def answer(self, request_id: str, decision: str) -> bool:
        """Answer a pending request (from any thread). False if it is no longer waiting."""
        if decision not in DECISIONS:
            raise ValueError(f"unknown decision {decision!r}; choose from {', '.join(DECISIONS)}")
        with self._lock:
            waiting = self._waiting.get(request_id)
        if waiting is None:
            return False
        waiting.decision = decision
        waiting.done.set()
        return True

    @staticmethod
    def approved(decision: str) -> bool:
        return decision in ("once", "session", "always")

    def refusal(self, decision: str) -> str:
        """Why a request that got ``decision`` was not approved, in a few words."""
        if decision == "timeout":
            return "no answer: denied"
        if self.policy == "unattended":
            return "denied: no one to ask (use --approve)"
        if self.policy == "deny":
            return "denied by the approval policy (--approve deny)"
        return "denied by the user"
