"""Ratings and corrections of recorded episodes (issue 16), kept in the store (schema v7).

* A rating is good, bad, or 1 to 5, of a whole episode or of one model turn (its step),
  with an optional note. It is stored as 1-5 (good is 5, bad is 1, the word kept in
  ``value``); 4-5 count as good, 1-2 as bad, 3 as neutral. Rating the same episode and
  turn again replaces the earlier rating.
* A correction says what should have happened: the final answer by default, the text
  of one turn (``turn``), or a tool step marked wrong (``event_seq``: the seq of its
  tool_call event, or of its tool_result). The original and the correction are kept
  as a rejected/chosen pair (the preference exports read them).
* Both count for the skills the episode loaded (:func:`skill_feedback`): a good rating
  +1, a bad rating or a correction -1 against each skill used.
* The learning loop never learns from an episode a person rated bad or whose turn or
  tool step a person corrected (:func:`learning_vetoes`); a correction of the final
  answer alone does not stop it (the loop distils the tool calls, not the answer).
"""

from __future__ import annotations

from typing import Any, Iterable

from hermes_tui.core.guard.redact import redact
from hermes_tui.errors import HermesError, UsageError

GOOD, BAD = 5, 1  # what "good" and "bad" are stored as
GOOD_MIN, BAD_MAX = 4, 2  # ratings at least GOOD_MIN count as good, at most BAD_MAX as bad
RATED_CHOICES = ("good", "bad", "any")
MAX_NOTE_CHARS = 2000


def parse_rating(value: str) -> tuple[int, str]:
    """``"good"``/``"bad"``/``"1"``..``"5"`` -> (rating 1-5, the word as given)."""
    word = str(value).strip().lower()
    if word in ("good", "+", "up"):
        return GOOD, "good"
    if word in ("bad", "-", "down"):
        return BAD, "bad"
    if word in ("1", "2", "3", "4", "5"):
        return int(word), word
    raise UsageError(f"a rating is good, bad or 1-5, not {value!r}")


def polarity(rating: int | None) -> str | None:
    """"good", "bad" or "neutral" for a stored rating (None when unrated)."""
    if rating is None:
        return None
    return "good" if rating >= GOOD_MIN else "bad" if rating <= BAD_MAX else "neutral"


def rating_condition(rated: str | None, min_rating: int | None) -> tuple[str, list[Any]]:
    """An SQL condition on ``episode_ratings.rating`` (alias-free) for the filters
    ``rated`` (good | bad | any) and ``min_rating`` (1-5); ("", []) when neither is set."""
    clauses: list[str] = []
    args: list[Any] = []
    if rated is not None:
        if rated not in RATED_CHOICES:
            raise UsageError(f"rated is one of {', '.join(RATED_CHOICES)}, not {rated!r}")
        if rated == "good":
            clauses.append("rating >= ?")
            args.append(GOOD_MIN)
        elif rated == "bad":
            clauses.append("rating <= ?")
            args.append(BAD_MAX)
    if min_rating is not None:
        if not 1 <= int(min_rating) <= 5:
            raise UsageError(f"the minimum rating is 1-5, not {min_rating}")
        clauses.append("rating >= ?")
        args.append(int(min_rating))
    if rated is None and min_rating is None:
        return "", []
    where = " AND ".join(clauses) or "1"
    return f"SELECT episode_id FROM episode_ratings WHERE {where}", args


def learning_vetoes(store: Any, episode_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
    """The episodes of ``episode_ids`` a person's feedback keeps the learning loop from
    learning from: ``{episode_id: (kind, one-line reason)}``, kind "rated-bad" (the
    episode's rating is at most :data:`BAD_MAX`) or "corrected" (a correction of a turn
    or a tool step: the procedure itself went wrong). A correction of the final answer
    alone is no veto: the loop distils the tool calls, never the answer."""
    ids = list(dict.fromkeys(episode_ids))
    vetoes: dict[str, tuple[str, str]] = {}
    for episode_id, rating in store.episode_ratings(ids).items():
        if polarity(rating) == "bad":
            vetoes[episode_id] = ("rated-bad", f"rated bad by a person ({rating}/5)")
    for episode_id, rows in store.episode_corrections([i for i in ids if i not in vetoes]).items():
        steps = [
            f"tool step at event {r['event_seq']}" if r["event_seq"] is not None else f"turn {r['turn']}"
            for r in rows if r["event_seq"] is not None or r["turn"] is not None
        ]  # fmt: skip
        if steps:
            vetoes[episode_id] = ("corrected", f"corrected by a person ({', '.join(dict.fromkeys(steps))})")
    return vetoes


def _episode(store: Any, episode_id: str) -> dict[str, Any]:
    episode = store.get_episode(episode_id)
    if episode is None:
        raise HermesError(f"no episode {episode_id!r} (see `hermes-tui episodes list`)")
    return episode


def _turns(episode: dict[str, Any]) -> dict[int, str]:
    """step -> the text of each finished model turn."""
    return {
        int(e["data"].get("step") or 0): e["data"].get("text") or ""
        for e in episode["events"]
        if e["type"] == "turn_finished"
    }


def _check_turn(episode: dict[str, Any], turn: int | None) -> None:
    if turn is None:
        return
    turns = _turns(episode)
    if turn not in turns:
        have = f"turns 1-{max(turns)}" if turns else "no finished turns"
        raise HermesError(f"episode {episode['id']} has no turn {turn} (it has {have})")


def _note(note: str | None) -> str | None:
    if note is None or not note.strip():
        return None
    return redact(note.strip()[:MAX_NOTE_CHARS])


def rate(store: Any, episode_id: str, value: str, *, note: str | None = None, turn: int | None = None) -> dict[str, Any]:
    """Rate an episode or one of its turns; returns the stored rating."""
    rating, word = parse_rating(value)
    episode = _episode(store, episode_id)
    _check_turn(episode, turn)
    store.set_rating(episode_id=episode["id"], rating=rating, value=word, comment=_note(note), turn=turn)
    return {
        "episode_id": episode["id"], "turn": turn, "rating": rating, "value": word, "polarity": polarity(rating),
        "note": _note(note), "skills": list(episode.get("skills_loaded") or []),
    }


def _tool_step(episode: dict[str, Any], seq: int) -> tuple[int, str]:
    """(turn, original as text) of the tool call at event ``seq`` (its call or its result)."""
    events = episode["events"]
    target = next((e for e in events if e["seq"] == seq), None)
    if target is None or target["type"] not in ("tool_call", "tool_result"):
        calls = [str(e["seq"]) for e in events if e["type"] == "tool_call"]
        hint = f"tool calls are at {', '.join(calls)}" if calls else "it made no tool calls"
        raise HermesError(f"event {seq} of episode {episode['id']} is not a tool step ({hint})")
    call_id = target["data"].get("call_id")
    call = next((e for e in events if e["type"] == "tool_call" and e["data"].get("call_id") == call_id), target)
    original = f"{call.get('tool_name') or target.get('tool_name')} {call.get('arguments') or ''}".strip()
    return int(call["data"].get("step") or 0), original


def correct(
    store: Any,
    episode_id: str,
    text: str,
    *,
    turn: int | None = None,
    event_seq: int | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    """Keep a correction of an episode's final answer, one turn, or one tool step."""
    if not text or not text.strip():
        raise HermesError("the correction is empty")
    if turn is not None and event_seq is not None:
        raise UsageError("correct either a turn (--turn) or a tool step (--event), not both")
    episode = _episode(store, episode_id)
    if event_seq is not None:
        turn, rejected = _tool_step(episode, event_seq)
    elif turn is not None:
        _check_turn(episode, turn)
        rejected = _turns(episode)[turn]
    else:
        turns = _turns(episode)
        rejected = episode.get("answer") or (turns[max(turns)] if turns else "")
    chosen = redact(text.strip())
    store.add_correction(
        episode_id=episode["id"], rejected=rejected, chosen=chosen, comment=_note(note), turn=turn, event_seq=event_seq
    )
    return {
        "episode_id": episode["id"], "turn": turn, "event": event_seq, "rejected": rejected, "chosen": chosen,
        "note": _note(note), "skills": list(episode.get("skills_loaded") or []),
    }


def episode_summary(store: Any, episode_id: str) -> dict[str, Any]:
    """``{"rating", "rated", "ratings": [...], "corrections": [...]}`` of one episode."""
    rows = store.episode_feedback(episode_id)
    rating = store.episode_ratings([episode_id]).get(episode_id)
    ratings = [
        {"turn": r["turn"], "rating": r["rating"], "value": r["value"], "note": r["comment"], "created_at": r["created_at"]}
        for r in rows if r["kind"] == "rating"
    ]  # fmt: skip
    corrections = [
        {"turn": r["turn"], "event": r["event_seq"], "rejected": r["rejected"], "chosen": r["chosen"],
         "note": r["comment"], "created_at": r["created_at"]}
        for r in rows if r["kind"] == "correction"
    ]  # fmt: skip
    return {"rating": rating, "rated": polarity(rating), "ratings": ratings, "corrections": corrections}


def skill_feedback(store: Any, skill_id: str) -> dict[str, int]:
    """What people said about the episodes that loaded a skill: ``good`` and ``bad``
    ratings, ``corrections``, and ``score`` (+1 per good rating, -1 per bad rating or
    correction)."""
    good = bad = corrections = 0
    for row in store.skill_feedback_rows(skill_id):
        if row["kind"] == "correction":
            corrections += 1
        elif polarity(row["rating"]) == "good":
            good += 1
        elif polarity(row["rating"]) == "bad":
            bad += 1
    return {"good": good, "bad": bad, "corrections": corrections, "score": good - bad - corrections}
