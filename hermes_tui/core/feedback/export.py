"""``hermes-tui export``: recorded episodes as training data (formats in :mod:`.formats`).

Streaming: the matching episode ids are read page by page (keyset on start time), and
each episode is read, rendered, written and dropped before the next, so memory stays
flat however many episodes there are (``benchmarks/bench_export.py``). Only the
feedback (human-made, small) is read up front.

What goes in: the episodes matching the filters (``rated``, ``min_rating``, ``since``,
``skill``, ``outcome``). Every text is redacted (``guard.redact``) before it is
rendered. Left out, each counted under its reason in the report: episodes still
running, episodes whose tool calls have malformed arguments, and episodes with no
answer to train on. The learning loop's own model calls (distill prompts) are never
recorded as episodes (``learning.model_completer`` calls the model directly), so no
export can contain them.

Fine-tuning formats write one line per episode, a corrected final answer in place of
the original. Preference formats write one line per pair: each correction (the
original turn rejected, with its tool results when it called tools; the correction
chosen; the conversation before that turn as the prompt) and, among rated episodes with the same task (case and spacing aside),
the best rated against the worst, the second best against the second worst, and so
on while the ratings differ.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterator

from hermes_tui.core.feedback.conversation import Conversation, Turn, conversation_of
from hermes_tui.core.feedback.formats import FORMATS, PAIR_FORMATS, PAIR_LINES, SFT_LINES, Tools
from hermes_tui.core.feedback.ratings import rating_condition
from hermes_tui.core.guard.redact import redact, redact_obj, secret_environment
from hermes_tui.errors import HermesError, UsageError

PAGE = 500  # episode ids read per query
OUTCOMES = ("success", "failure", "interrupted")


@dataclass(frozen=True)
class ExportOptions:
    format: str
    rated: str | None = None  # good | bad | any
    min_rating: int | None = None
    since: float | None = None  # unix seconds
    skill: str | None = None  # a skill's name or id
    outcome: str | None = None

    def check(self) -> None:
        if self.format not in FORMATS:
            raise UsageError(f"unknown format {self.format!r} (choose from {', '.join(FORMATS)})")
        if self.outcome is not None and self.outcome not in OUTCOMES:
            raise UsageError(f"unknown outcome {self.outcome!r} (choose from {', '.join(OUTCOMES)})")
        rating_condition(self.rated, self.min_rating)


@dataclass
class ExportReport:
    format: str
    episodes: int = 0  # episodes matching the filters
    written: int = 0  # lines written
    pairs: Counter = field(default_factory=Counter)  # preference lines by source
    skipped: Counter = field(default_factory=Counter)  # reason -> count
    out: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"format": self.format, "episodes": self.episodes, "written": self.written}
        if self.format in PAIR_FORMATS:
            data["pairs"] = {"corrections": self.pairs["corrections"], "ratings": self.pairs["ratings"]}
        data["skipped"] = [{"reason": r, "count": n} for r, n in sorted(self.skipped.items(), key=lambda x: (-x[1], x[0]))]
        data["out"] = self.out
        return data


def _where(options: ExportOptions) -> tuple[str, list[Any]]:
    """The filters as SQL over ``episodes b``."""
    clauses, args = ["1"], []
    ratings, rating_args = rating_condition(options.rated, options.min_rating)
    if ratings:
        clauses.append(f"b.id IN ({ratings})")
        args += rating_args
    if options.since is not None:
        clauses.append("b.started_at >= ?")
        args.append(options.since)
    if options.outcome is not None:
        clauses.append("b.outcome = ?")
        args.append(options.outcome)
    if options.skill:
        clauses.append("EXISTS (SELECT 1 FROM json_each(b.skills_loaded) WHERE value = ? OR value LIKE ?)")
        args += [options.skill, "%/" + options.skill]
    return " AND ".join(clauses), args


def count_matching(store: Any, options: ExportOptions) -> int:
    where, args = _where(options)
    return int(store.execute(f"SELECT count(*) FROM episodes b WHERE {where}", args)[0][0])


def matching_ids(store: Any, options: ExportOptions) -> Iterator[str]:
    """Ids of the matching episodes, oldest first, read :data:`PAGE` at a time."""
    where, args = _where(options)
    last: tuple[float, int] = (float("-inf"), -1)
    while True:
        rows = store.execute(
            f"SELECT coalesce(b.started_at, 0), b.rid, b.id FROM episodes b WHERE {where}"
            " AND (coalesce(b.started_at, 0) > ? OR (coalesce(b.started_at, 0) = ? AND b.rid > ?))"
            " ORDER BY coalesce(b.started_at, 0), b.rid LIMIT ?",
            [*args, last[0], last[0], last[1], PAGE],
        )
        if not rows:
            return
        for _, _, episode_id in rows:
            yield episode_id
        last = (rows[-1][0], rows[-1][1])


def _redacted(conv: Conversation, env: dict[str, str]) -> Conversation:
    turns = [
        Turn(step=t.step, text=redact(t.text, env), reasoning=redact(t.reasoning, env), user=redact(t.user, env),
             calls=[replace(c, arguments=redact_obj(c.arguments, env), result=redact(c.result or "", env))
                    for c in t.calls])
        for t in conv.turns
    ]  # fmt: skip
    return replace(conv, task=redact(conv.task, env), turns=turns)


class Exporter:
    """One export run: ``Exporter(store, options, tools).run(write)``."""

    def __init__(self, store: Any, options: ExportOptions, tools: Tools, *,
                 progress: Callable[[int, int], None] | None = None, cancel: threading.Event | None = None) -> None:
        options.check()
        self.store = store
        self.options = options
        self.tools = tools
        self.progress = progress
        self.cancel = cancel
        self.report = ExportReport(format=options.format)
        self.env = secret_environment()

    def run(self, write: Callable[[str], None]) -> ExportReport:
        self.report.episodes = total = count_matching(self.store, self.options)
        self._write = write
        if self.options.format in PAIR_FORMATS:
            self._pairs(total)
        else:
            self._episodes(total)
        return self.report

    # -- helpers ------------------------------------------------------------------------
    def _emit(self, line: dict[str, Any]) -> None:
        self._write(json.dumps(line, ensure_ascii=False) + "\n")
        self.report.written += 1

    def _tick(self, done: int, total: int) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise HermesError("the export was cancelled")
        if self.progress is not None:
            self.progress(done, total)

    def _conversation(self, episode_id: str) -> Conversation | None:
        """The episode's redacted conversation, or None (counted as skipped)."""
        episode = self.store.get_episode(episode_id)
        if episode is None:
            return None
        # A Hermes session stays open for days (a gateway chat ends at a reset): what it has
        # answered so far is a whole conversation. The workbench's own running one is not.
        running = episode.get("finished_at") is None
        conv = conversation_of(episode) if not running or episode.get("source") == "hermes" else None
        if conv is None or (running and not conv.answered):
            self.report.skipped["still running"] += 1
            return None
        if conv.problems:
            self.report.skipped[conv.problems[0]] += 1
            return None
        return _redacted(conv, self.env)

    # -- fine-tuning: one line per episode ------------------------------------------------
    def _episodes(self, total: int) -> None:
        render = SFT_LINES[self.options.format]
        final = {r[0]: r[1] for r in self.store.execute(
            "SELECT episode_id, chosen FROM feedback WHERE kind = 'correction' AND turn IS NULL"
            " AND event_seq IS NULL ORDER BY created_at, id"
        )}  # the latest correction of each final answer wins
        for done, episode_id in enumerate(matching_ids(self.store, self.options), 1):
            self._tick(done, total)
            conv = self._conversation(episode_id)
            if conv is None:
                continue
            if not conv.answered:
                self.report.skipped["no answer"] += 1
                continue
            text = final.get(episode_id)
            self._emit(render(conv, self.tools, redact(text, self.env) if text is not None else None))

    # -- preference: one line per pair ----------------------------------------------------
    def _pairs(self, total: int) -> None:
        where, args = _where(self.options)
        corrections = self.store.execute(
            "SELECT f.episode_id, f.turn, f.chosen FROM feedback f JOIN episodes b ON b.id = f.episode_id"
            f" WHERE f.kind = 'correction' AND {where} ORDER BY f.created_at, f.id",
            args,
        )
        rated = self.store.execute(
            "SELECT b.id, b.task, r.rating FROM episode_ratings r JOIN episodes b ON b.id = r.episode_id"
            f" WHERE {where} ORDER BY b.started_at, b.rid",
            args,
        )
        pairs = _rating_pairs(rated)
        total = len(corrections) + len(pairs)
        done = 0
        for episode_id, turn, chosen in corrections:
            done += 1
            self._tick(done, total)
            self._correction_pair(episode_id, turn, chosen)
        for better, worse in pairs:
            done += 1
            self._tick(done, total)
            self._rating_pair(better, worse)

    def _pair(self, prompt: list[dict[str, Any]], chosen: list[dict[str, Any]], rejected: list[dict[str, Any]],
              conv: Conversation, source: str) -> None:
        if self.options.format == "dpo-openai":
            if any(m.get("tool_calls") for m in chosen + rejected):
                self.report.skipped["tool calls in an answer (OpenAI preference outputs are text)"] += 1
                return
            if len(chosen) != 1 or len(rejected) != 1:
                self.report.skipped["an answer of several turns (OpenAI preference outputs are one message)"] += 1
                return
        names = conv.tool_names()
        tools = self.tools.for_names(names) if names else None
        self._emit(PAIR_LINES[self.options.format](prompt, chosen, rejected, tools))
        self.report.pairs[source] += 1

    def _correction_pair(self, episode_id: str, turn: int | None, chosen: str) -> None:
        conv = self._conversation(episode_id)
        if conv is None:
            return
        index = conv.turn_index(turn)
        if index is None:
            self.report.skipped["the corrected turn is not in the conversation"] += 1
            return
        better = [{"role": "assistant", "content": redact(chosen, self.env)}]
        turn = conv.turns[index]  # a turn of tool calls is rejected with its results (every call answered)
        self._pair(conv.messages(upto=index), better, [turn.message(), *turn.results()], conv, "corrections")

    def _rating_pair(self, better_id: str, worse_id: str) -> None:
        better, worse = self._conversation(better_id), self._conversation(worse_id)
        if better is None or worse is None:
            return
        if not better.answered or not worse.answered:
            self.report.skipped["no answer"] += 1
            return
        self._pair(better.messages()[:1], better.messages()[1:], worse.messages()[1:], better, "ratings")


def _rating_pairs(rated: list[tuple[str, str, int]]) -> list[tuple[str, str]]:
    """(better, worse) episode ids: per task, best against worst while ratings differ."""
    groups: dict[str, list[tuple[int, str]]] = {}
    for episode_id, task, rating in rated:
        groups.setdefault(" ".join((task or "").split()).casefold(), []).append((rating, episode_id))
    pairs = []
    for group in groups.values():
        ranked = sorted(group, key=lambda r: -r[0])  # stable: earlier episodes first among equals
        for (high, better), (low, worse) in zip(ranked, reversed(ranked)):
            if high <= low:
                break
            pairs.append((better, worse))
    return pairs


def export_file(store: Any, options: ExportOptions, tools: Tools, path: Any, **kwargs: Any) -> ExportReport:
    """Export to ``path`` atomically (the file appears only whole); ``kwargs``: the
    :class:`Exporter`'s ``progress`` and ``cancel``."""
    from hermes_tui.core.fsutil import atomic_stream

    exporter = Exporter(store, options, tools, **kwargs)
    with atomic_stream(path) as fh:
        report = exporter.run(lambda line: fh.write(line.encode("utf-8")))
    report.out = str(path)
    return report


def default_tools(config: Any) -> Tools:
    """The schemas of the workbench's tools (what the agent is offered)."""
    from hermes_tui.core.agent.tools.registry import build_default_registry

    return Tools(build_default_registry(config).schemas())


__all__ = ["ExportOptions", "ExportReport", "Exporter", "count_matching", "default_tools", "export_file", "matching_ids"]
