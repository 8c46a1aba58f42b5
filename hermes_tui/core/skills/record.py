"""A skill's record: the episodes that loaded it and those it was learned from.

The skill editor shows it beside the measured effect (``learning.review.skill_effect``),
so a person sees at a glance whether a skill helps: each run with its outcome and
tool calls, oldest first for the sparkline.
"""

from __future__ import annotations

from typing import Any

from hermes_tui.core.learning.review import EPISODE_WINDOW


def skill_record(store: Any, skill_id: str, *, window: int = EPISODE_WINDOW) -> dict[str, Any]:
    """``{"runs": [...], "learned_from": [...]}`` for ``skill_id``, each episode as
    ``{"id", "task", "outcome", "started_at", "tool_calls"}``: ``runs`` are the recent
    episodes (the last ``window``) that loaded the skill, oldest first; ``learned_from``
    its provenance (an episode outside the window or deleted has only its id)."""
    episodes = store.list_episodes(limit=window)
    row = store.get_skill(skill_id) or {}
    sources = [str(i) for i in row.get("provenance") or []]  # the store decodes the JSON list
    runs = [e for e in reversed(episodes) if skill_id in (e.get("skills_loaded") or [])]
    by_id = {e["id"]: e for e in episodes}
    counts = store.tool_call_counts([*(e["id"] for e in runs), *(i for i in sources if i in by_id)])

    def brief(episode_id: str) -> dict[str, Any]:
        e = by_id.get(episode_id) or {}
        return {
            "id": episode_id,
            "task": e.get("task") or "",
            "outcome": e.get("outcome") or ("" if e else "unknown"),
            "started_at": e.get("started_at"),
            "tool_calls": counts.get(episode_id, 0),
        }

    return {"runs": [brief(e["id"]) for e in runs], "learned_from": [brief(i) for i in sources]}
