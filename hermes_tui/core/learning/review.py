"""Measured effect and rot: what a skill did for the episodes that loaded it, and
whether it is still alive.

* :func:`skill_effect`: the episodes that loaded the skill against similar episodes
  that did not (same pattern: the one search API on the task text, content words and
  tool shape alike; see ``learner.similar_traces``): how many, success rate, mean tool
  calls, time and tokens, and the difference (loaded minus not loaded).
* :func:`rot`: the review date (``metadata.review-date`` when the skill sets one,
  else ``[learning] review_days`` after it was last verified by a successful use, or
  after it was written), ``stale`` (unused for ``stale_days``), ``failing`` (the
  recent failure rate of its uses crossed ``FAILING_RATE``).
* ``skill_effect(...)["feedback"]``: the ratings and corrections people gave the
  episodes that loaded the skill; a bad rating or a correction counts -1 against it.
* :func:`regression`: the current version's outcomes against the previous
  version's (episodes that loaded the skill while each version was the latest); a
  worse success rate flags the skill and the loop proposes a rollback.
* :func:`curate`: archive the long-stale skills the agent wrote (never deletes; never
  touches pinned (here or in Hermes), bundled or user-written skills); ``dry_run`` writes nothing.
"""

from __future__ import annotations

import json
import time
from typing import Any, Iterable

from hermes_tui.core.feedback.ratings import skill_feedback
from hermes_tui.core.hermes.usage import is_pinned, pinned_by
from hermes_tui.core.learning.traces import Trace, trace_of

DAY = 86400.0
FAILING_RATE = 0.5  # recent uses failing at least this often: flagged
RECENT_USES = 5  # the uses the failure rate looks at
EPISODE_WINDOW = 1000  # recent episodes considered
CURATE_FACTOR = 2  # archived when unused for this many times stale_days
MIN_VERSION_EPISODES = 2  # episodes each version needs before their outcomes are compared


def _mean(values: Iterable[float]) -> float | None:
    values = list(values)
    return round(sum(values) / len(values), 2) if values else None


def summarise(traces: list[Trace]) -> dict[str, Any]:
    return {
        "episodes": len(traces),
        "success_rate": _mean(1.0 if t.succeeded else 0.0 for t in traces),
        "tool_calls": _mean(len(t.calls) for t in traces),
        "duration_ms": _mean(t.duration_ms for t in traces),
        "tokens": _mean(t.tokens for t in traces),
    }


def row_flags(row: dict[str, Any], settings: Any, *, now: float | None = None) -> list[str]:
    """Cheap rot flags from a skill's row alone (for lists and the prompt's index):
    "stale" (unused, or unchanged when never used, for ``stale_days``) and "failing"
    (at least 2 failures, and failures at least ``FAILING_RATE`` of its verdicts)."""
    now = time.time() if now is None else now
    flags = []
    idle_since = row.get("last_used") or row.get("updated_at")
    if idle_since and now - float(idle_since) >= settings.stale_days * DAY:
        flags.append("stale")
    failures, successes = int(row.get("failures") or 0), int(row.get("successes") or 0)
    if failures >= 2 and failures / (failures + successes) >= FAILING_RATE:
        flags.append("failing")
    return flags


def _loaded_episodes(store: Any, skill_id: str) -> list[dict[str, Any]]:
    return [e for e in store.list_episodes(limit=EPISODE_WINDOW) if skill_id in (e.get("skills_loaded") or [])]


def skill_effect(store: Any, skill_id: str) -> dict[str, Any]:
    """``{"with": summary, "without": summary, "delta": {...} | None, "regression", "feedback"}``
    for one skill; ``feedback``: people's ratings and corrections of the episodes that
    loaded it (``{"good", "bad", "corrections", "score"}``, see ``feedback.ratings``)."""
    from hermes_tui.core.learning.learner import similar_traces

    row = store.get_skill(skill_id) or {}
    with_ids = [e["id"] for e in _loaded_episodes(store, skill_id)]
    basis = list(dict.fromkeys([*with_ids, *_provenance(row)]))
    without: dict[str, Trace] = {}
    for eid in basis[:20]:
        episode = store.get_episode(eid)
        if episode is None:
            continue
        for other in similar_traces(store, trace_of(episode)):
            if other.episode_id not in with_ids and skill_id not in other.skills_loaded:
                without[other.episode_id] = other
    loaded = [trace_of(e) for e in (store.get_episode(i) for i in with_ids) if e is not None]
    a, b = summarise(loaded), summarise(list(without.values()))
    delta = None
    if a["episodes"] and b["episodes"]:
        delta = {k: round(a[k] - b[k], 2) for k in ("success_rate", "tool_calls", "duration_ms", "tokens")}
    return {
        "with": a, "without": b, "delta": delta, "regression": regression(store, skill_id),
        "feedback": skill_feedback(store, skill_id),
    }


def regression(store: Any, skill_id: str) -> dict[str, Any] | None:
    """``{"version", "previous_success_rate", "current_success_rate"}`` when the current
    version did worse than the previous one (``version``: the one to roll back to), else None."""
    versions = store.skill_versions(skill_id)
    if len(versions) < 2:
        return None
    previous, current = versions[-2], versions[-1]
    start, switch = float(previous["created_at"]), float(current["created_at"])
    rates: list[float | None] = []
    for low, high in ((start, switch), (switch, float("inf"))):
        window = [
            e for e in _loaded_episodes(store, skill_id)
            if low <= float(e.get("started_at") or 0) < high and e.get("outcome") in ("success", "failure")
        ]  # fmt: skip
        enough = len(window) >= MIN_VERSION_EPISODES
        rates.append(_mean(1.0 if e["outcome"] == "success" else 0.0 for e in window) if enough else None)
    before, after = rates
    if before is None or after is None or after >= before:
        return None
    return {"version": previous["version"], "previous_success_rate": before, "current_success_rate": after}


def _provenance(row: dict[str, Any]) -> list[str]:
    value = row.get("provenance") or []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    return [str(v) for v in value]


def _date(ts: float) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(ts))


def rot(store: Any, library: Any, skill_id: str, settings: Any, *, now: float | None = None) -> dict[str, Any]:
    """Review date, last verified use, stale and failing flags of one skill."""
    now = time.time() if now is None else now
    row = store.get_skill(skill_id) or {}
    loaded = _loaded_episodes(store, skill_id)
    verified = max((float(e.get("finished_at") or e.get("started_at") or 0) for e in loaded if e.get("outcome") == "success"), default=None)
    versions = store.skill_versions(skill_id)
    written = max((float(v.get("created_at") or 0) for v in versions), default=float(row.get("updated_at") or now))
    basis = verified if verified is not None else written
    review = _date(basis + settings.review_days * DAY)
    try:
        metadata = library.load(skill_id).metadata or {}
    except Exception:  # noqa: BLE001 - a broken skill keeps the computed date
        metadata = {}
    if isinstance(metadata.get("review-date"), str) and metadata["review-date"].strip():
        review = metadata["review-date"].strip()
    last_used = row.get("last_used")
    idle_since = float(last_used) if last_used else written
    recent = [e for e in loaded if e.get("outcome") in ("success", "failure", "interrupted")][:RECENT_USES]
    failure_rate = _mean(0.0 if e.get("outcome") == "success" else 1.0 for e in recent)
    return {
        "review_date": review,
        "last_verified": _date(verified) if verified is not None else None,
        "idle_days": round((now - idle_since) / DAY, 1),
        "stale": now - idle_since >= settings.stale_days * DAY,
        "recent_failure_rate": failure_rate,
        "failing": failure_rate is not None and failure_rate >= FAILING_RATE and len(recent) >= 2,
    }


def curate(store: Any, library: Any, settings: Any, *, dry_run: bool, now: float | None = None) -> list[dict[str, Any]]:
    """Archive skills unused for ``CURATE_FACTOR * stale_days`` that the agent wrote.
    Returns one entry per skill looked at with its action and why (dry run: "would archive")."""
    now = time.time() if now is None else now
    report = []
    for row in library.list():
        if row.get("state") == "archived":
            continue
        flags = rot(store, library, row["skill_id"], settings, now=now)
        limit = CURATE_FACTOR * settings.stale_days
        if flags["idle_days"] < limit:
            continue
        entry = {"skill_id": row["skill_id"], "idle_days": flags["idle_days"], "source": row.get("source")}
        if is_pinned(row) or row.get("source") != "agent":
            why = pinned_by(row) or f"{row.get('source') or 'user'}-written"
            report.append({**entry, "action": "kept", "reason": f"unused for {flags['idle_days']:g} days, but {why}: archive it yourself"})
            continue
        reason = f"unused for {flags['idle_days']:g} days (more than {limit})"
        if dry_run:
            report.append({**entry, "action": "would archive", "reason": reason})
            continue
        target = library.archive(row["skill_id"], author="agent")
        report.append({**entry, "action": "archived", "reason": reason, "archived_to": str(target)})
    return report
