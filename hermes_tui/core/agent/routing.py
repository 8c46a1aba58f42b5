"""Routing: which active skills fit a task, best first.

:func:`route` is what the skills index of the system prompt shows (and what
``hermes-tui skills match`` prints). It works in two stages:

1. **Candidates** come from the ONE search API: each content word of the task (and
   its stem, and a few general synonyms, see :data:`SYNONYMS`) is searched on its
   own (skills only, active only); a skill's bm25 scores are added up. This is an
   any-word ranking in which every word weighs by its rarity.
2. **Re-scoring** of every candidate with a field-weighted BM25 (BM25F) over the
   skill's own fields, stemmed: its name, description, tags, "When to use" section
   and body, each with its weight (:data:`FIELD_WEIGHTS`); plus a bonus when two
   task words appear side by side in the name or description (a phrase), and a
   small share of the first stage's score. Term rarity is taken from the active
   skills themselves (a :class:`RoutingIndex`, rebuilt only when a skill changes).

An optional third stage re-ranks the best :data:`RERANK_TOP` candidates by the cosine
similarity of embeddings (``[search] embedding_model``; see
:mod:`hermes_tui.core.agent.embeddings`). Without an embedding model nothing more
happens and nothing is imported.

Everything is deterministic: the same library and task give the same order.
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
import threading
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Sequence

from hermes_tui.errors import HermesError

__all__ = [
    "Match",
    "RoutingIndex",
    "route",
    "query_terms",
    "word_forms",
    "stem",
    "tokens",
    "when_to_use",
    "STOP_WORDS",
    "SYNONYMS",
]

SEARCH_TERMS = 16  # at most this many words of a task are searched
MIN_STEM = 4  # shortest stem searched besides the word itself
PER_TERM_HITS = 60  # skills taken from the search of each word
RELATIVE_FLOOR = 0.2  # a skill scoring under this share of the best one is not "relevant"
RERANK_TOP = 30  # candidates the optional embedding re-rank reorders

# BM25F: the weight of a word found in each field, and the saturation constants.
FIELD_WEIGHTS: dict[str, float] = {"name": 3.0, "description": 2.0, "tags": 1.5, "when": 1.5, "body": 0.3}
FIELD_B: dict[str, float] = {"name": 0.3, "description": 0.5, "tags": 0.3, "when": 0.5, "body": 0.75}
K1 = 1.2
BODY_CHARS = 6000  # the body is read up to here (the start of a skill says what it is for)
NAME_BONUS = 1.0  # when every word of a skill's name is among the task's words (a small library's IDFs say little)
PHRASE_BONUS = 0.5  # per pair of task words side by side in the name or description (times their idf)
SYNONYM_WEIGHT = 0.5  # a synonym counts this much of the word it stands for
FIRST_STAGE_SHARE = 0.15  # share of the normalised search score added to the field score

STOP_WORDS = frozenset(
    """
    a about above after again against all almost also am an and any anything are aren as at be because been
    before being below between both but by can cannot could couldn did didn do does doesn doing don done down
    during each either else etc even ever every few for from further get gets getting got had hadn has hasn have
    haven having he her here hers herself him himself his how however i if in into is isn it its itself just
    kind least let lets like ll make makes making many may me might mine more most much must my myself need
    needs no nor not now of off often ok okay on once one only or other others our ours ourselves out over own
    per please quite rather re really same seem seems shall she should shouldn so some something somehow still
    such sure than thank thanks that the their theirs them themselves then there these they thing things this
    those though through thus to too try trying under until up upon us use used using very via want wanted
    wants was wasn way we well were weren what whatever when where whether which while who whom whose why will
    with within without won would wouldn yet you your yours yourself yourselves help hi hello hey can could
    someone somebody able go going gonna wanna new just already keep keeps kept lot lots best better good
    i'd i'm i've it's don't can't won't isn't doesn't didn't
    """.split()
)

# General-purpose synonyms (everyday words for the terms skills are written in). A task
# word also searches its synonyms, at SYNONYM_WEIGHT. Keep it generic: no skill names.
_SYNONYM_GROUPS = (
    "photo picture image",
    "cv resume",
    "ticket issue",
    "bug crash defect",
    "mail email inbox",
    "text message sms",
    "song music audio track",
    "movie video clip",
    "chart plot graph",
    "diagram flowchart",
    "slide deck presentation",
    "doc document",
    "spreadsheet excel sheet",
    "website site web",
    "webpage page",
    "repo repository",
    "checkout worktree",
    "pr pull",
    "reviewer review",
    "remark comment",
    "test check verify",
    "paper article preprint publication",
    "price quote trading stock",
    "share stock",
    "online publish deploy host",
    "server host",
    "translate translation",
    "speech voice audio",
    "transcribe transcription",
    "summarise summarize summary",
    "organise organize",
    "colour color",
    "analyse analyze analysis",
    "visualise visualize visualization",
    "optimise optimize",
    "draw sketch",
    "reusable skill",
    "procedure workflow skill",
    "helper agent subagent",
    "parallel concurrent",
    "idea brainstorm",
    "cluster clustering",
    "forecast predict prediction",
    "model modelling modeling",
    "gpu cuda",
    "notebook jupyter",
    "calendar schedule",
    "map location",
    "weather forecast",
    "tweet twitter",
)


def _synonym_table(groups: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """stem of a word -> the other words of its groups (as written: they are searched)."""
    table: dict[str, list[str]] = {}
    for group in groups:
        words = group.split()
        for word in words:
            bucket = table.setdefault(stem(word), [])
            bucket.extend(w for w in words if stem(w) != stem(word) and w not in bucket)
    return {key: tuple(values) for key, values in table.items()}


_WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)
_WHEN_HEADING = re.compile(r"^#{1,6}\s*(when to use|when to apply|use (this )?when|triggers?)\b.*$", re.I | re.M)
_HEADING = re.compile(r"^#{1,6}\s", re.M)


# -- words ---------------------------------------------------------------------------------
def query_terms(task: str) -> list[str]:
    """The search words of a task: lower-case words without stop words, in order, once each."""
    seen: dict[str, None] = {}
    for word in _WORD_RE.findall(unicodedata.normalize("NFKC", task).lower()):
        if len(word) < 2 or word in STOP_WORDS or word.isdigit():
            continue
        seen.setdefault(word, None)
    return list(seen)[:SEARCH_TERMS]


_SUFFIXES = ("ations", "ation", "ments", "ment", "ings", "ing", "ers", "ies", "ed", "er", "es", "s")


def word_forms(word: str) -> list[str]:
    """The word and, when a common suffix comes off leaving >= 4 letters, its stem
    ("deploying" -> deploying, deploy): the word index does no stemming."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM:
            return [word, word[: -len(suffix)]]
    return [word]


# Light English stemming for the re-scoring (both sides are stemmed the same way).
_STEM_RULES = (
    ("ational", "ate"),
    ("ization", "ize"),
    ("isation", "ize"),
    ("ations", "ate"),
    ("ation", "ate"),
    ("ings", ""),
    ("ing", ""),
    ("ies", "y"),
    ("ied", "y"),
    ("ments", ""),
    ("ment", ""),
    ("ness", ""),
    ("ers", ""),
    ("er", ""),
    ("ed", ""),
    ("es", ""),
    ("ly", ""),
    ("s", ""),
)


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light stem: "deploying", "deploys", "deployed", "deployment" -> "deploy"."""
    word = word.lower()
    if len(word) <= 4 or word.isdigit():
        return word
    for suffix, repl in _STEM_RULES:
        if word.endswith(suffix) and len(word) - len(suffix) + len(repl) >= 3:
            base = word[: -len(suffix)] + repl
            if suffix in ("ing", "ed", "er", "ers", "ings") and len(base) > 3 and base[-1] == base[-2]:
                base = base[:-1]  # "running" -> "run", "mapped" -> "map"
            if suffix == "es" and not base.endswith(("s", "x", "z", "ch", "sh")):
                base = word[:-1]  # "images" -> "image", "boxes" -> "box"
            return base.rstrip("e") if len(base) > 4 and base.endswith("e") else base
    return word.rstrip("e") if len(word) > 4 and word.endswith("e") else word


@functools.lru_cache(maxsize=65536)
def _content_stem(word: str) -> str:
    """The stem of a lower-case word, or "" for a stop word or a one-letter word."""
    return "" if len(word) < 2 or word in STOP_WORDS else stem(word)


def tokens(text: str) -> list[str]:
    """The stemmed content words of ``text``, in order (stop words dropped)."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return [s for s in map(_content_stem, _WORD_RE.findall(text.lower())) if s]


SYNONYMS = _synonym_table(_SYNONYM_GROUPS)


def when_to_use(body: str) -> str:
    """The text of a skill body's "When to use" section (up to the next heading), or ""."""
    match = _WHEN_HEADING.search(body)
    if match is None:
        return ""
    rest = body[match.end() :]
    following = _HEADING.search(rest)
    return rest[: following.start()] if following else rest[:2000]


# -- the index of skill fields ----------------------------------------------------------
@dataclass(frozen=True)
class _Profile:
    tf: dict[str, float]  # stemmed word -> its BM25F term frequency (field-weighted, length-normalised)
    pairs: frozenset[tuple[str, str]]  # adjacent stemmed words of the name and description
    name: frozenset[str] = frozenset()  # the stemmed words of the name


def _field_words(row: Mapping[str, Any]) -> dict[str, list[str]]:
    """The stemmed words of each field of a skill row."""
    name = str(row.get("name") or "").replace("-", " ").replace("_", " ")
    body = str(row.get("body") or "")[:BODY_CHARS]
    tags = " ".join(str(t) for t in (row.get("tags") or [])).replace("-", " ")
    texts = {
        "name": name,
        "description": str(row.get("description") or ""),
        "tags": tags,
        "when": when_to_use(body),
        "body": body,
    }
    return {key: tokens(text) for key, text in texts.items()}


class RoutingIndex:
    """Field statistics of a set of skills for BM25F: per skill the field-weighted,
    length-normalised frequency of each stemmed word, per word the number of skills
    holding it anywhere (its rarity)."""

    def __init__(self, rows: Iterable[Mapping[str, Any]]) -> None:
        fields = {str(r["skill_id"]): _field_words(r) for r in rows}
        self.count = len(fields)
        totals: Counter = Counter()
        for words in fields.values():
            totals.update({key: len(seq) for key, seq in words.items()})
        mean = {key: max(totals[key] / max(self.count, 1), 1.0) for key in FIELD_WEIGHTS}
        self.df: Counter = Counter()
        self.profiles: dict[str, _Profile] = {}
        for skill_id, words in fields.items():
            tf: dict[str, float] = {}
            for key, seq in words.items():
                norm = 1.0 - FIELD_B[key] + FIELD_B[key] * len(seq) / mean[key]
                for word, count in Counter(seq).items():
                    tf[word] = tf.get(word, 0.0) + FIELD_WEIGHTS[key] * count / norm
            pairs = {pair for key in ("name", "description") for pair in zip(words[key], words[key][1:])}
            self.profiles[skill_id] = _Profile(tf, frozenset(pairs), frozenset(words["name"]))
            self.df.update(tf.keys())

    def idf(self, word: str) -> float:
        n = self.df.get(word, 0)
        return math.log(1.0 + (self.count - n + 0.5) / (n + 0.5))

    def score(self, skill_id: str, words: Mapping[str, float], pairs: Sequence[tuple[str, str]]) -> float:
        """BM25F of one skill for weighted stemmed ``words``, plus the phrase bonus."""
        profile = self.profiles.get(skill_id)
        if profile is None:
            return 0.0
        total = 0.0
        for word, weight in words.items():
            tf = profile.tf.get(word)
            if tf:
                total += weight * self.idf(word) * tf / (K1 + tf)
        for pair in pairs:
            if pair in profile.pairs:
                total += PHRASE_BONUS * min(self.idf(pair[0]), self.idf(pair[1]))
        if profile.name and profile.name <= words.keys():
            total += NAME_BONUS  # the task names the skill: strong even where rarity says little
        return total


_CACHE_LOCK = threading.Lock()
_CACHE: dict[str, RoutingIndex] = {}  # fingerprint of the skill set -> its index (the newest few)
_CACHE_SIZE = 4


def routing_index(rows: Sequence[Mapping[str, Any]]) -> RoutingIndex:
    """The :class:`RoutingIndex` of ``rows``, cached until a skill changes (the key is
    every skill_id with its content hash, so any edit, addition or removal rebuilds it)."""
    digest = hashlib.sha256()
    for skill_id, content_hash in sorted((str(r["skill_id"]), str(r.get("content_hash") or "")) for r in rows):
        digest.update(f"{skill_id}\0{content_hash}\n".encode("utf-8", "surrogatepass"))
    key = digest.hexdigest()
    with _CACHE_LOCK:
        index = _CACHE.pop(key, None)
    if index is None:
        index = RoutingIndex(rows)
    with _CACHE_LOCK:
        _CACHE[key] = index  # (re)inserted last: the most recently used
        while len(_CACHE) > _CACHE_SIZE:
            del _CACHE[next(iter(_CACHE))]
    return index


# -- routing ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Match:
    """One routed skill: its id and its score (higher is better; only the order matters)."""

    skill_id: str
    score: float


def _first_stage(store: Any, groups: Mapping[str, tuple[float, list[str]]], allowed: set[str]) -> dict[str, float]:
    """Per skill, the weighted sum over the task's word groups of its best bm25 score
    among the group's queries (each through the ONE search API)."""
    from hermes_tui.core.store.search import search

    scores: dict[str, float] = {}
    for weight, queries in groups.values():
        best: dict[str, float] = {}
        for query in queries:
            try:
                hits = search(store, query, kinds={"skill"}, skill_states={"active"}, limit=PER_TERM_HITS, snippets=False)
            except HermesError:  # routing is best effort: a word the search cannot take is skipped
                continue
            for hit in hits:
                sid = hit.skill_id
                if sid and sid in allowed:
                    best[sid] = max(best.get(sid, 0.0), hit.score)
        for sid, score in best.items():
            scores[sid] = scores.get(sid, 0.0) + weight * score
    return scores


def _queries(word: str) -> list[str]:
    """The search queries for a word: it and its stem ("deploying" -> deploy), each with a
    trailing space, which keeps the search API from reading it as a prefix."""
    return [form + " " for form in word_forms(word)]


def _task_words(task: str) -> tuple[dict[str, tuple[float, list[str]]], dict[str, float], list[tuple[str, str]]]:
    """(search groups: word -> (weight, queries), stemmed words with weights, adjacent
    stemmed pairs). Besides the task's own words, their synonyms (:data:`SYNONYMS`)."""
    groups: dict[str, tuple[float, list[str]]] = {}
    stems: dict[str, float] = {}
    for term in query_terms(task):
        base = stem(term)
        stems[base] = 1.0
        groups[term] = (1.0, _queries(term))
    for base in list(stems):
        for synonym in SYNONYMS.get(base, ()):
            if stem(synonym) not in stems:
                stems[stem(synonym)] = SYNONYM_WEIGHT
                groups.setdefault(synonym, (SYNONYM_WEIGHT, _queries(synonym)))
    seq = tokens(task)
    pairs = list(dict.fromkeys(zip(seq, seq[1:])))
    return groups, stems, pairs


def route(
    store: Any,
    task: str,
    rows: Sequence[Mapping[str, Any]],
    *,
    limit: int,
    rerank: Callable[[str, list[Match]], list[Match]] | None = None,
) -> list[Match]:
    """The skills of ``rows`` (active skill rows) that fit ``task``, best first (at most
    ``limit``). ``rerank`` (optional) reorders the best :data:`RERANK_TOP` matches."""
    if limit <= 0 or not rows or not task.strip():
        return []
    allowed = {str(r["skill_id"]) for r in rows}
    groups, stems, pairs = _task_words(task)
    if not groups:
        return []
    first = _first_stage(store, groups, allowed)
    if not first:
        return []
    index = routing_index(rows)
    top_first = max(first.values())
    scores = {sid: index.score(sid, stems, pairs) + FIRST_STAGE_SHARE * first[sid] / top_first for sid in first}
    best = max(scores.values())
    if best <= 0:
        return []
    ranked = sorted(
        (Match(sid, score) for sid, score in scores.items() if score >= best * RELATIVE_FLOOR),
        key=lambda m: (-m.score, m.skill_id),
    )
    if rerank is not None:
        head = rerank(task, ranked[:RERANK_TOP])
        ranked = head + ranked[RERANK_TOP:]
    return ranked[:limit]
