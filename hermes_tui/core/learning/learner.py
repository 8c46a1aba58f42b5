"""The learning loop: after an episode, find its pattern, distill, dedupe, queue.

``Learner(home, store, library, config, complete=None, model="").consider(episode_id)``
runs one finished episode through the loop and returns the events it produced
(:class:`CandidateCreated`, :class:`SkillPatchProposed`) with the reasons it did
nothing otherwise. What it does, in order:

1. Observe: the episode's trace; similar episodes are found with the one search API
   on the normalised task text, kept when their content words overlap
   (``TEXT_SIMILARITY``) and their tool-call shapes are alike (``SHAPE_SIMILARITY``).
   A person's word comes first (``feedback.ratings.learning_vetoes``): an episode
   rated bad, or whose turn or tool step was corrected, is never a source of a skill,
   a patch or a merge, nor evidence for another episode's candidate.
2. Trigger: the pattern succeeded ``[learning] min_successes`` times, or this
   success took ``min_tool_calls`` tool calls, or it failed while following a loaded
   skill and then recovered ("recovery": a patch of that skill). An episode that
   loaded a skill and hit no failure teaches nothing new (the skill worked).
3. Distill (``distill.distill``): the model, with the deterministic fallback.
4. No duplicates: a waiting candidate for the same pattern takes the new episodes
   as evidence (no second item); a candidate whose commands an existing skill
   already holds becomes a patch proposal adding only the new pitfalls to its
   Pitfalls section (or nothing when it adds nothing); a patch from episodes about
   another task than the skill's is rejected and logged (workbench/learning.log);
   new candidates are capped per day. A skill pinned (in the workbench or in Hermes's
   ``skills/.usage.json``) is never patched, rolled back or given more evidence.
5. Approve: every item goes through ``gate.PendingQueue`` with its evidence;
   ``[learning] auto_approve`` approves the loop's own items at once when the scan
   found them clean (anything flagged waits for a person).

The caller decides whether learning is on (``[learning] enabled``, ``run --learn``);
``hermes-tui learn`` runs it on demand.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from hermes_tui.core.agent.events import CandidateCreated, Event, SkillPatchProposed
from hermes_tui.core.feedback.ratings import learning_vetoes
from hermes_tui.core.gate import PendingItem, PendingQueue, SkillChange
from hermes_tui.core.learning.distill import Candidate, distill, section_texts
from hermes_tui.core.learning.traces import Trace, normalise_task, shape_similarity, trace_of
from hermes_tui.errors import HermesError

SOURCE = "learning"  # evidence.json "source" of the loop's items
TEXT_SIMILARITY = 0.5  # Jaccard of content words: the same kind of task
SHAPE_SIMILARITY = 0.5  # difflib ratio of tool shapes
OVERLAP = 0.5  # share of a candidate's commands an existing skill holds: the same idea
SIMILAR_LIMIT = 30
RELEVANCE = 0.3  # share of the episode's task words a skill must be about to take a patch from it
LOG_FILE = "learning.log"  # JSON lines: proposals the loop refused, and why


@dataclass
class Outcome:
    """What the loop did with one episode."""

    episode_id: str
    action: str  # "created", "merged", "patch", "rejected", "skipped"
    reason: str = ""
    pending_id: str | None = None
    skill: str | None = None
    distiller: str | None = None
    events: list[Event] = field(default_factory=list)
    feedback: str | None = None  # skipped for a person's feedback: "rated-bad" | "corrected"

    def to_dict(self) -> dict[str, Any]:
        return {
            "episode_id": self.episode_id,
            "action": self.action,
            "reason": self.reason,
            "pending_id": self.pending_id,
            "skill": self.skill,
            "distiller": self.distiller,
            "feedback": self.feedback,
        }


def similar_traces(store: Any, trace: Trace) -> list[Trace]:
    """Recorded episodes of the same pattern as ``trace`` (itself included), oldest first;
    never one a person rated bad or corrected (:func:`learning_vetoes`)."""
    from hermes_tui.core.store.search import search

    query = normalise_task(trace.task)
    found = {trace.episode_id: trace}
    mine = words(trace.task)
    hits = search(store, query, kinds=["episode"], limit=SIMILAR_LIMIT, snippets=False) if query else []
    ids = [eid for eid in dict.fromkeys(hit.episode_id or hit.id for hit in hits) if eid not in found]
    vetoed = learning_vetoes(store, ids)
    for eid in ids:
        episode = store.get_episode(eid) if eid not in vetoed else None
        if episode is None:
            continue
        other = trace_of(episode)
        if jaccard(mine, words(other.task)) < TEXT_SIMILARITY:
            continue
        if shape_similarity(trace.shape(), other.shape()) < SHAPE_SIMILARITY and not (other.skills_loaded or trace.skills_loaded):
            continue  # an episode that followed a skill has a shorter shape: same pattern
        found[eid] = other
    return sorted(found.values(), key=lambda t: t.started_at)


def words(text: str) -> set[str]:
    return set(normalise_task(text).split())


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


class Learner:
    def __init__(
        self,
        home: Any,
        store: Any,
        library: Any,
        config: Any,
        *,
        complete: Callable[[list[dict[str, str]]], str] | None = None,
        model: str = "",
        now: Callable[[], float] = time.time,
    ) -> None:
        self.home = home
        self.store = store
        self.library = library
        self.settings = config.learning
        self.complete = complete
        self.model = model
        self.queue = PendingQueue(home)
        self.now = now

    # -- observe ----------------------------------------------------------------------
    def trace(self, episode_id: str) -> Trace | None:
        episode = self.store.get_episode(episode_id)
        return trace_of(episode) if episode is not None else None

    def similar(self, trace: Trace) -> list[Trace]:
        return similar_traces(self.store, trace)

    # -- the loop ---------------------------------------------------------------------
    def consider(self, episode_id: str) -> Outcome:
        trace = self.trace(episode_id)
        if trace is None:
            return Outcome(episode_id, "skipped", "no such episode")
        rollbacks = [event for skill_id in trace.skills_loaded for event in self._propose_rollback(episode_id, skill_id)]
        outcome = self._consider(trace)
        outcome.events[:0] = rollbacks
        return outcome

    def _consider(self, trace: Trace) -> Outcome:
        episode_id = trace.episode_id
        if not trace.succeeded:
            return Outcome(episode_id, "skipped", f"the episode ended in {trace.outcome or 'nothing'}")
        veto = learning_vetoes(self.store, [episode_id]).get(episode_id)
        if veto is not None:
            return Outcome(episode_id, "skipped", veto[1], feedback=veto[0])
        if trace.skills_loaded and not trace.failed_calls:
            return Outcome(episode_id, "skipped", f"the loaded skill {trace.skills_loaded[0]} did the work")
        group = [t for t in self.similar(trace) if t.succeeded or t.failed_calls]
        successes = [t for t in group if t.succeeded]
        if self._followed_skill(trace) is not None:
            trigger = "recovery"  # a failure while following a skill, then what worked
        elif len(successes) >= self.settings.min_successes:
            trigger = "repeated"
        elif len(trace.calls) >= self.settings.min_tool_calls:
            trigger = "long"
        else:
            return Outcome(episode_id, "skipped", "below the thresholds (too few similar successes, too few tool calls)")
        try:
            candidate = distill(group, trigger=trigger, complete=self.complete, model=self.model)
        except Exception as exc:  # noqa: BLE001 - nothing to learn is an answer, not a crash
            from hermes_tui.errors import one_line

            return Outcome(episode_id, "skipped", f"nothing to distill: {one_line(exc)}")
        waiting = self._waiting_for(candidate, group)
        if waiting is not None:
            pinned = self._pinned(waiting.change.skill) if waiting.change.op != "create" else ""
            if pinned:
                return Outcome(episode_id, "skipped", pinned, waiting.id, waiting.change.skill)
            return self._merge(episode_id, waiting, group, candidate)
        known = self._followed_skill(trace) or self._overlapping_skill(candidate, trace.task)
        if known is not None:
            if self._pinned(known):
                return Outcome(episode_id, "skipped", self._pinned(known), None, known)
            if not self._relevant(known, group):
                return self._reject(episode_id, known, "the episodes are about another task than the skill")
            return self._propose_patch(episode_id, known, candidate, group)
        if self._created_today() >= self.settings.max_candidates_per_day:
            return Outcome(episode_id, "skipped", f"the daily cap of {self.settings.max_candidates_per_day} new candidates is reached")
        return self._create(episode_id, candidate, group)

    # -- outcomes ---------------------------------------------------------------------
    def _evidence(self, candidate: Candidate, group: Sequence[Trace], kind: str) -> dict[str, Any]:
        return {
            "source": SOURCE,
            "kind": kind,
            "skill": candidate.name,
            "trigger": candidate.trigger,
            "distiller": candidate.distiller,
            "fallback_reason": candidate.fallback_reason,
            "signature": {"task": normalise_task(group[-1].task), "shape": group[-1].shape()},
            "commands": candidate.commands,
            "pitfalls": candidate.pitfalls,
            "episodes": [t.evidence() for t in group],
            "created_at": self.now(),
        }

    def _create(self, episode_id: str, candidate: Candidate, group: Sequence[Trace]) -> Outcome:
        change = SkillChange(
            op="create",
            skill=candidate.name,
            category="learned",
            content=candidate.text,
            episode_id=episode_id,
            reason=f"learned from {len(group)} episode(s) ({candidate.trigger}; {candidate.distiller})",
        )
        item = self.queue.submit(change, evidence=self._evidence(candidate, group, "create"))
        approved = self._auto_approve(item)
        event = CandidateCreated(
            episode_id=episode_id,
            pending_id=item.id,
            skill=candidate.name,
            trigger=candidate.trigger,
            distiller=candidate.distiller,
            episodes=tuple(candidate.episodes),
            approved=approved,
        )
        return Outcome(episode_id, "created", change.reason, item.id, candidate.name, candidate.distiller, [event])

    def _merge(self, episode_id: str, item: PendingItem, group: Sequence[Trace], candidate: Candidate) -> Outcome:
        evidence = self.queue.evidence(item) or {}
        known = {e.get("episode_id") for e in evidence.get("episodes", [])}
        new = [t for t in group if t.episode_id not in known]
        if not new:
            return Outcome(episode_id, "skipped", f"already pending as {item.id}", item.id, item.change.skill)
        evidence["episodes"] = [*evidence.get("episodes", []), *(t.evidence() for t in new)]
        self.queue.set_evidence(item, evidence)
        event = CandidateCreated(
            episode_id=episode_id,
            pending_id=item.id,
            skill=item.change.skill,
            trigger=candidate.trigger,
            distiller=evidence.get("distiller", candidate.distiller),
            episodes=tuple(e["episode_id"] for e in evidence["episodes"]),
            merged=True,
        )
        return Outcome(episode_id, "merged", f"evidence of {item.id} grew to {len(evidence['episodes'])} episodes", item.id, item.change.skill, None, [event])

    def _propose_patch(self, episode_id: str, skill_id: str, candidate: Candidate, group: Sequence[Trace]) -> Outcome:
        from pathlib import Path

        current = Path(self.library.row(skill_id)["path"]).read_text("utf-8")
        updated, added = patched_text(current, candidate)
        if not added:
            return Outcome(episode_id, "skipped", f"the skill {skill_id} already holds what these episodes show", None, skill_id)
        reason = f"from {len(group)} episode(s): " + "; ".join(added)
        change = SkillChange(op="edit", skill=skill_id, content=updated, episode_id=episode_id, reason=reason[:500])
        item = self.queue.submit(change, evidence=self._evidence(candidate, group, "patch"))
        approved = self._auto_approve(item)
        event = SkillPatchProposed(
            episode_id=episode_id, pending_id=item.id, skill=skill_id, reason=change.reason, episodes=tuple(candidate.episodes), approved=approved
        )
        return Outcome(episode_id, "patch", change.reason, item.id, skill_id, candidate.distiller, [event])

    def _propose_rollback(self, episode_id: str, skill_id: str) -> list[Event]:
        """A rollback to the previous version when the current one does worse (once)."""
        from hermes_tui.core.learning.review import regression

        if self.store.get_skill(skill_id) is None or self._pinned(skill_id):
            return []
        worse = regression(self.store, skill_id)
        if worse is None:
            return []
        for item, evidence in self._learning_items():
            if evidence.get("kind") == "rollback" and item.change.skill == skill_id:
                return []  # already proposed, waiting
        text = self.library.version_text(skill_id, worse["version"])
        reason = (
            f"rollback to version {worse['version']}: success rate {worse['previous_success_rate']:g} "
            f"fell to {worse['current_success_rate']:g} after the last change"
        )
        change = SkillChange(op="edit", skill=skill_id, content=text, episode_id=episode_id, reason=reason)
        evidence = {"source": SOURCE, "kind": "rollback", "skill": skill_id, **worse, "created_at": self.now()}
        item = self.queue.submit(change, evidence=evidence)
        approved = self._auto_approve(item)
        return [SkillPatchProposed(episode_id=episode_id, pending_id=item.id, skill=skill_id, reason=reason, approved=approved)]

    def _auto_approve(self, item: PendingItem) -> bool:
        """``[learning] auto_approve`` applies the loop's own item at once, only when the
        scan found it clean (the trust policy's "allow"); anything flagged waits for a person."""
        from hermes_tui.core.gate import may_skip_review
        from hermes_tui.core.guard.scan import ScanReport

        report = item.report or ScanReport(verdict="dangerous")  # no report: never unreviewed
        if not self.settings.auto_approve or not may_skip_review(item.change, report):
            return False
        self.queue.approve(item.id, self.library)
        return True

    # -- dedupe -----------------------------------------------------------------------
    def _learning_items(self) -> list[tuple[PendingItem, dict[str, Any]]]:
        out = []
        for item in self.queue.list():
            evidence = self.queue.evidence(item)
            if evidence and evidence.get("source") == SOURCE:
                out.append((item, evidence))
        return out

    def _waiting_for(self, candidate: Candidate, group: Sequence[Trace]) -> PendingItem | None:
        """A waiting item of the loop for the same pattern (same skill, task or episodes)."""
        mine = words(group[-1].task)
        ids = {t.episode_id for t in group}
        for item, evidence in self._learning_items():
            theirs = words(" ".join(e.get("task", "") for e in evidence.get("episodes", [])[-1:]))
            if (
                evidence.get("skill") == candidate.name
                or ids & {e.get("episode_id") for e in evidence.get("episodes", [])}
                or jaccard(mine, theirs) >= TEXT_SIMILARITY
            ):
                return item
        return None

    def _followed_skill(self, trace: Trace) -> str | None:
        """The skill the episode loaded and then hit a failure with: the one to fix."""
        for skill_id in trace.skills_loaded if trace.failed_calls else []:
            if self.store.get_skill(skill_id) is not None:
                return skill_id
        return None

    def _pinned(self, skill: str) -> str:
        """Why the loop leaves a skill alone: pinned here or in Hermes ("" when it may change it)."""
        from hermes_tui.core.hermes.usage import pinned_by

        try:
            skill_id = self.library.find(skill)
        except HermesError:  # an ambiguous name: not one skill to leave alone
            return ""
        why = pinned_by(self.library.row(skill_id)) if skill_id is not None else ""
        return f"the skill {skill_id} is {why}: the learning loop does not change it" if why else ""

    def _relevant(self, skill_id: str, group: Sequence[Trace]) -> bool:
        """Whether the episodes are about the skill's task: enough of their task words are
        in its name, description or "When to use" (a patch may not bring unrelated content)."""
        row = self.store.get_skill(skill_id) or {}
        when = section_texts(str(row.get("body") or "")).get("when to use", "")
        about = words(" ".join([str(row.get("name") or "").replace("-", " "), str(row.get("description") or ""), when]))
        task = words(group[-1].task)
        return bool(task) and len(task & about) / len(task) >= RELEVANCE

    def _reject(self, episode_id: str, skill_id: str, reason: str) -> Outcome:
        """A proposal refused before it reaches the gate, logged in workbench/learning.log."""
        entry = {"at": self.now(), "episode_id": episode_id, "skill": skill_id, "action": "rejected", "reason": reason}
        log = self.home.workbench_dir / LOG_FILE
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry, ensure_ascii=False) + "\n")
        return Outcome(episode_id, "rejected", f"patch of {skill_id} rejected: {reason}", None, skill_id)

    def _overlapping_skill(self, candidate: Candidate, task: str) -> str | None:
        """An existing skill that holds most of the candidate's commands (the same idea)."""
        from hermes_tui.core.agent.prompt import match_skills

        if self.library.find(candidate.name) is not None:
            return self.library.find(candidate.name)
        for match in match_skills(self.library, self.store, task, limit=5):
            text = self.store.get_skill(match.skill_id) or {}
            body = " ".join(str(text.get("body") or "").split())
            commands = candidate.commands or []
            held = sum(1 for c in commands if " ".join(c.split()) in body)
            if commands and held / len(commands) >= OVERLAP:
                return match.skill_id
        return None

    def _created_today(self) -> int:
        """New candidates the loop created since midnight UTC (waiting or handled)."""
        day = self.now() - self.now() % 86400
        count = 0
        for item in self.queue.all():
            if item.created_at >= day:
                evidence = self.queue.evidence(item) or {}
                count += evidence.get("source") == SOURCE and evidence.get("kind") == "create"
        return count


def patched_text(current: str, candidate: Candidate) -> tuple[str, list[str]]:
    """The skill's text with the candidate's new pitfalls added to its Pitfalls section
    (and nothing else); the list says what was added."""
    body = " ".join(current.split())
    new = [c for c in candidate.pitfalls if " ".join(c.split()) not in body]
    if not new:
        return current, []
    pitfall_lines = [line for line in section_texts(_body(candidate.text)).get("pitfalls", "").splitlines() if any(c in line for c in new)]
    return _append_to_section(current, "Pitfalls", pitfall_lines), [f"pitfall: {c}" for c in new]


def _body(text: str) -> str:
    parts = text.split("\n---\n", 1)
    return parts[1] if len(parts) == 2 else text


def _append_to_section(text: str, heading: str, lines: list[str]) -> str:
    """Insert ``lines`` at the end of section ``## heading`` (a new section at the end if absent)."""
    out = text.splitlines()
    start = next((i for i, line in enumerate(out) if line.strip().lower().lstrip("#").strip() == heading.lower() and line.startswith("##")), None)
    if start is None:
        return text.rstrip("\n") + f"\n\n## {heading}\n\n" + "\n".join(lines) + "\n"
    end = next((i for i in range(start + 1, len(out)) if out[i].startswith("## ") or out[i].startswith("# ")), len(out))
    while end > start + 1 and not out[end - 1].strip():
        end -= 1
    out[end:end] = lines
    return "\n".join(out) + "\n"
