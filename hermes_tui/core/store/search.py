"""The ONE search API over skills, episodes, events and notes.

``search(store, query, ...) -> list[Hit]``. Any string is a safe query: it is split
into terms by :func:`parse_query` and every term is quoted as an FTS5 string, so no
FTS5 syntax a user types (``AND``, ``NOT``, ``col:``, ``*``, ``^``, quotes, NUL ...)
reaches the query parser. An empty query returns ``[]``.

How a query runs:

1. Terms are combined with AND; when that finds nothing anywhere, with OR, the
   any-word ranking (:func:`_best_match`): stop words and terms in most documents of
   a table are dropped when rarer terms exist, stems of common endings are added,
   and the rarest terms, while they match at most :data:`OR_RANK_ROWS` rows, are
   ranked over the whole table, so the rare words of a sentence dominate. A
   sentence (:data:`SENTENCE_TERMS` or more words besides stop words) goes to the
   any-word ranking at once. The last term matches as a prefix (type-ahead) when its
   last word has >= 3 characters and the query does not end with a space (in the
   any-word ranking only when it is not itself an indexed word). Symbols such as
   emoji are words (the tokenizer keeps Unicode category So).
2. Per kind, one statement ranks candidates and keeps the best few (ids, scores, and
   for those rows only their time and usage): ``bm25()`` with column weights, or,
   when a term's list is long, ``hermes_rank`` (BM25 with cached IDFs, scored in
   Python for the ranked rows only; FTS5's ``bm25()`` would read every list whole).
   Kinds whose table is empty, or where a term cannot match, run no statement.
   Display fields and snippets are read afterwards for the final top rows only, one
   statement per kind (see :func:`_fetch_word_hits`); ``snippets=False`` skips them.
   Snippets mark the query's terms except those in most rows when rarer ones exist.
3. Each term gets a plan (:class:`_Plan`): estimated matching rows and the postings
   FTS5 reads to find them (document frequencies from ``fts5vocab``; a multi-word
   phrase is counted in a recent sample, since its rarest word can be far too high;
   all cached until the database changes). Queries that would match many rows, read
   many postings, or need ``hermes_rank`` on many rows, are ranked within a recent
   window of rowids (FTS5 applies ``rowid >= ?`` inside the index) sized for about
   :data:`WINDOW_TARGET` matches and grown, from the rate of matches seen, until
   enough rows are found (when even the grown windows hold too few, the newest
   matches are ranked). When every term is in most rows of a table, the newest
   ``k`` matches are taken. For such queries relevance barely separates documents,
   so the newest of the best is the useful answer, and the cost stays bounded.
4. Score = ``-bm25 * (1 + 0.1 * recency + 0.1 * usage)``: recency is 1 for now and
   halves at 30 days; usage (skills only) grows with log(uses + views). Results of
   all kinds are merged by score.
5. Substring search with the trigram index: for terms with CJK characters (added to
   the word results) and, when the word indexes find nothing, for any query of >= 3
   characters. Trigram hits are ordered newest first. A CJK word of one or two
   characters inside a longer run (Chinese has no spaces: "猫" in "图片里是一只猫")
   has no trigram: the indexed texts are scanned for it, newest first, under the
   same time limit.
6. Secrets: every hit's title and snippet is redacted on the way out (rows stored
   before a detector knew a key shape are masked too).
7. Bounded time: a note is indexed up to ``schema.NOTE_INDEX_CHARS`` characters (an
   event's texts up to ``EVENT_INDEX_CHARS``), so one long document costs no more
   than a short one, and every statement runs under ``Store.time_limit``: at
   :data:`TIME_LIMIT` the ranking stops with what it found (:func:`search_result`
   says so with ``partial``); a ``cancel`` event or a Ctrl+C stops it at once.
"""

from __future__ import annotations

import math
import re
import time
import unicodedata
from dataclasses import asdict, dataclass, replace
from typing import Any, Iterable, NamedTuple, Sequence

from hermes_tui.core.feedback.ratings import rating_condition
from hermes_tui.core.guard.redact import redact
from hermes_tui.core.store.db import QueryInterrupted, Store
from hermes_tui.core.store.schema import EVENT_INDEX_CHARS, NOTE_INDEXED_TEXT, TRI_KINDS, WORD_TOKENIZER_ARGS
from hermes_tui.errors import HermesError

HIGHLIGHT_START = "«"
HIGHLIGHT_END = "»"
ELLIPSIS = "…"
KINDS = ("skill", "episode", "event", "note")
MAX_TERMS = 32
MAX_QUERY_CHARS = 1000
SNIPPET_TOKENS = 14
PREFIX_MIN_CHARS = 3
TRIGRAM_MIN_CHARS = 3
# Ranking of common queries within a recent window.
WINDOW_TRIGGER = 300  # estimated matches above which ranking is done within a recent window
WORK_TRIGGER = 2000  # estimated postings read above which ranking is done within a recent window
WINDOW_TARGET = 35  # matches aimed for in the first window (at least k + 5)
WINDOW_GROWTH_MAX = 64  # a window that found too few rows grows by at most this factor
PHRASE_SAMPLE = 400  # a multi-word term is counted where its rarest word has ~this many rows
MAX_CACHED_TEXTS = 4096  # tokenized query texts kept per connection
# bm25() costs ~0.04 us per posting of its phrases' lists (it counts them whole) plus
# ~0.8 us per ranked row; hermes_rank ~2.5 us per ranked row: use hermes_rank when the
# lists hold more than this many postings per row to rank.
OWN_RANK_POSTINGS_PER_ROW = 40
MAX_COMPLETIONS = 24  # a prefix term matches its most frequent completions in each table
MAX_HEADED_COMPLETIONS = 4  # ... and a phrase ending in a prefix ("list_file_ini") fewer
OWN_RANK_ROWS = 100  # estimated matches above which hermes_rank runs within a recent window
COMMON_FRACTION = 0.5  # OR mode drops terms in more than this share of documents
SENTENCE_TERMS = 4  # a query of this many words (stop words aside) is ranked any-word at once
OR_RANK_ROWS = 250  # OR mode ranks whole tables by its rarest terms while they match at most this many rows
RECENCY_HALF_LIFE_DAYS = 30.0
TIME_LIMIT = 0.5  # seconds: the ranking of one query stops here with what it found
FETCH_GRACE = 0.1  # seconds more to read the found hits' snippets
BOOST = 0.1


# Words that carry no meaning of their own in a typed sentence (English).
STOP_WORDS = frozenset(
    """a about after all also am an and any are as at be been before being but by can could did do does
    doing for from had has have having he her here his how i if in into is it its just me more most my
    no not now of on once only or other our out over own so some such than that the their them then there
    these they this those to too under until up very was we were what when where which while who whom why
    will with would you your""".split()
)


@dataclass(frozen=True)
class Hit:
    """One search result. Higher ``score`` is better."""

    kind: str  # "skill" | "episode" | "event" | "note"
    id: str  # skill_id, episode id, event id or note id (as text)
    title: str
    snippet: str  # with HIGHLIGHT_START / HIGHLIGHT_END around matches
    score: float
    created_at: float | None
    episode_id: str | None
    skill_id: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Term:
    """One query term: a phrase of words as the user typed it (quoted later)."""

    text: str
    prefix: bool = False

    def fts(self) -> str:
        quoted = '"' + self.text.replace('"', '""') + '"'
        return quoted + "*" if self.prefix else quoted


@dataclass(frozen=True)
class _Source:
    kind: str
    fts: str
    base: str
    key: str
    weights: tuple[float, ...]
    time_col: str


_SOURCES = {
    "skill": _Source("skill", "skills_fts", "skills", "id", (10.0, 5.0, 3.0, 1.0), "updated_at"),
    "episode": _Source("episode", "episodes_fts", "episodes", "rid", (2.0, 1.0), "started_at"),
    "event": _Source("event", "events_fts", "events", "id", (3.0, 2.0, 1.0), "ts"),
    "note": _Source("note", "notes_fts", "notes", "id", (2.0, 1.0), "created_at"),
}
_BY_TABLE = {s.base: s for s in _SOURCES.values()}

_QUOTED_OR_BARE = re.compile(r'"([^"]*)"?|(\S+)')
_BAD_CHARS = {"Cc", "Cs", "Cn", "Co", "Cf"}


def _is_cjk(ch: str) -> bool:
    o = ord(ch)
    return (
        0x2E80 <= o <= 0x9FFF  # CJK radicals, kana, CJK unified
        or 0xAC00 <= o <= 0xD7AF  # Hangul syllables
        or 0xF900 <= o <= 0xFAFF
        or 0x20000 <= o <= 0x3FFFF
    )


def _sanitize(query: str) -> str:
    """Control, format, private-use and surrogate characters become spaces."""
    query = query[:MAX_QUERY_CHARS]
    if query.isascii():
        return "".join(c if c.isprintable() else " " for c in query)
    return "".join(" " if unicodedata.category(c) in _BAD_CHARS else c for c in query)


def _has_word(text: str) -> bool:
    """Does ``text`` hold a character the word index keeps (letter, digit, symbol)?"""
    return any(c.isalnum() or (not c.isascii() and unicodedata.category(c) == "So") for c in text)


def parse_query(query: str) -> list[Term]:
    """Split a typed query into at most :data:`MAX_TERMS` terms (never raises).

    ``"quoted words"`` stay one phrase; other chunks split on whitespace. Chunks
    without a letter or digit are dropped. The last bare chunk becomes a prefix term
    when its last word has >= 3 characters (2 for CJK) and the query does not end
    in a space.
    """
    if not isinstance(query, str):
        return []
    text = _sanitize(query)
    terms: list[Term] = []
    last_bare = False
    for match in _QUOTED_OR_BARE.finditer(text):
        quoted, bare = match.group(1), match.group(2)
        chunk = (quoted if quoted is not None else bare or "").strip()
        if not chunk or not _has_word(chunk):
            continue
        terms.append(Term(" ".join(chunk.split())))
        last_bare = bare is not None
        if len(terms) >= MAX_TERMS:
            break
    if terms and last_bare and not text[-1:].isspace():
        last_word = re.split(r"[^\w]|_", terms[-1].text)
        words = [w for w in last_word if w]
        minimum = 2 if words and any(_is_cjk(c) for c in words[-1]) else PREFIX_MIN_CHARS
        if words and len(words[-1]) >= minimum:
            terms[-1] = Term(terms[-1].text, prefix=True)
    return terms


# -- statistics (cached) for the window / OR decisions ------------------------------------
class _Plan(NamedTuple):
    """One term in one table: its FTS5 expression, estimated matching rows, and the
    estimated postings FTS5 reads to find them in the whole table (its cost)."""

    expr: str
    rows: int
    work: int


_NO_PLAN = _Plan("", 0, 0)


def _or_of_phrases(phrases: Iterable[str]) -> str:
    """``"a" OR "b c"`` (parenthesised when more than one) of quoted phrases."""
    quoted = ['"' + p.replace('"', '""') + '"' for p in phrases]
    return quoted[0] if len(quoted) == 1 else "(" + " OR ".join(quoted) + ")"


class _Stats:
    """Row counts, document frequencies and prefix completions, cached on the Store.

    Frequencies and completions are dropped whenever the database changed (SQLite's
    ``data_version`` plus this connection's ``total_changes``), so a new word is found
    at once. A table's row count is re-counted only when its largest rowid moved by
    more than 10 %: it only sizes windows and IDFs, where a close figure is enough.
    """

    def __init__(self, store: Store):
        self.store = store
        cache = store.search_cache
        if "tokenizer" not in cache:
            for source in _SOURCES.values():
                store.execute(
                    f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{source.fts}_vocab USING fts5vocab(main, {source.fts}, row)"
                )
            cache["df_words"] = {}
            cache["tables"] = {}
            cache["words"] = {}
            store._conn.register_fts5_function("hermes_rank", _make_rank(cache["df_words"]))
            cache["tokenizer"] = store._conn.fts5_tokenizer("unicode61", list(WORD_TOKENIZER_ARGS))
        version = store.data_version()
        if cache.get("version") != version:
            # Something was written: document frequencies and completions may be stale.
            cache["version"] = version
            cache["df_words"].clear()
            for entry in cache["tables"].values():
                entry["df"] = {}
        self.version: tuple[int, int] = cache["version"]  # the same object while nothing changes
        self.tables: dict[str, dict[str, Any]] = cache["tables"]
        self.tokenizer = cache["tokenizer"]
        self.df_words: dict[str, int] = cache["df_words"]
        self._words: dict[str, list[str]] = cache["words"]

    def words(self, text: str) -> list[str]:
        """The index tokens of ``text`` (cached: a query's terms are tokenized once)."""
        words = self._words.get(text)
        if words is None:
            import apsw

            if len(self._words) >= MAX_CACHED_TEXTS:
                self._words.clear()
            tokens = self.tokenizer(text.encode("utf-8"), apsw.FTS5_TOKENIZE_QUERY, None, include_offsets=False)
            words = self._words[text] = [t[0] for t in tokens]
        return words

    def table(self, source: _Source) -> dict[str, Any]:
        entry = self.tables.get(source.fts)
        if entry is not None and entry["version"] is self.version:  # nothing was written since
            return entry
        # Two sub-selects: SQLite answers a lone min() or max() from the b-tree edge.
        lo, hi = self.store.execute(
            f"SELECT (SELECT min({source.key}) FROM {source.base}), (SELECT max({source.key}) FROM {source.base})"
        )[0]
        entry = self.tables.get(source.fts)
        if entry is None or abs((hi or 0) - entry["hi"]) > 0.1 * entry["n"] + 50 or (lo or 0) != entry["lo"]:
            n = self.store.execute(f"SELECT count(*) FROM {source.base}")[0][0]
            entry = {"lo": lo or 0, "hi": hi or 0, "n": max(n, 1), "empty": hi is None, "df": {}}
            self.tables[source.fts] = entry
        else:
            entry["lo"], entry["hi"], entry["empty"] = lo or 0, hi or 0, hi is None
        entry["version"] = self.version
        return entry

    def _df_word(self, source: _Source, entry: dict[str, Any], word: str) -> int:
        key = ("w", word)
        value = entry["df"].get(key)
        if value is None:
            rows = self.store.execute(f"SELECT doc FROM temp.{source.fts}_vocab WHERE term = ?", (word,))
            entry["df"][key] = value = int(rows[0][0]) if rows else 0
        self.df_words[word] = value
        return value

    def _completions(self, source: _Source, entry: dict[str, Any], prefix: str) -> list[tuple[str, int]]:
        """The most frequent indexed words starting with ``prefix`` (at most MAX_COMPLETIONS)."""
        key = ("p", prefix)
        value = entry["df"].get(key)
        if value is None:
            rows = self.store.execute(
                f"SELECT term, doc FROM temp.{source.fts}_vocab WHERE term >= ? AND term < ?",
                (prefix, prefix + "\U0010ffff"),
            )
            rows.sort(key=lambda r: -r[1])
            entry["df"][key] = value = [(t, int(d)) for t, d in rows[:MAX_COMPLETIONS]]
        return value

    def term(self, source: _Source, entry: dict[str, Any], term: Term) -> _Plan:
        """The FTS5 expression for ``term`` in one table, with its estimated cost.

        A prefix term is expanded into its most frequent completions in this table
        (an OR of exact phrases, read from fts5vocab and cached): FTS5's own ``"x"*``
        builds the merged list of every completion for the whole table on each
        query, which costs milliseconds for common prefixes and defeats the rowid
        window, and a ``prefix=`` index to avoid that cut the bulk ingest rate by 3.5.
        A phrase's matches are estimated by :meth:`_phrase_df`; the work to find
        them over the whole table is its rarest word's list (FTS5 leapfrogs the
        others). Returns an empty plan when the term cannot match in this table.
        Plans are cached with the frequencies (until the database changes).
        """
        key = ("t", term)
        cached = entry["df"].get(key)
        if cached is None:
            plan = self._plan(source, entry, term)
            # The frequencies in this table of the term's words: hermes_rank reads its
            # IDFs from ``df_words``, which must hold this table's figures when it runs.
            words = self.words(term.text)
            cache = entry["df"]
            dfs = {w: cache[("w", w)] for w in (words[:-1] if term.prefix else words) if ("w", w) in cache}
            if term.prefix and words:
                dfs.update(cache.get(("p", words[-1]), ()))
            cached = entry["df"][key] = (plan, dfs)
        else:
            self.df_words.update(cached[1])
        return cached[0]

    def _plan(self, source: _Source, entry: dict[str, Any], term: Term) -> _Plan:
        """:meth:`term`, uncached."""
        words = self.words(term.text)
        if not words:
            return _NO_PLAN
        exact = words[:-1] if term.prefix else words
        df = min((self._df_word(source, entry, w) for w in exact), default=entry["n"])
        if not term.prefix:
            if not df:
                return _NO_PLAN
            expr = term.fts()
            if len(words) == 1:
                return _Plan(expr, df, df)
            head_work = sum(self.df_words[w] for w in exact)
            return _Plan(expr, self._phrase_df(source, entry, expr, df), head_work)
        completions = self._completions(source, entry, words[-1])
        self.df_words.update(completions)
        if not completions or not df:
            return _NO_PLAN
        if not exact:  # a bare prefix: one short list per completion
            total = sum(d for _, d in completions)
            return _Plan(_or_of_phrases(c for c, _ in completions), min(entry["n"], total), total)
        # Every phrase of the OR reads the head words' lists again: keep the few most
        # frequent completions (the word being typed is usually one of them).
        completions = completions[:MAX_HEADED_COMPLETIONS]
        head = " ".join(exact)
        head_work = sum(self.df_words[w] for w in exact)
        expr = _or_of_phrases(f"{head} {c}" for c, _ in completions)
        bound = min(df, sum(d for _, d in completions))
        work = sum(head_work + d for _, d in completions)
        return _Plan(expr, self._phrase_df(source, entry, expr, bound), work)

    def _phrase_df(self, source: _Source, entry: dict[str, Any], expr: str, bound: int) -> int:
        """Estimated rows matching a multi-word ``expr`` whose rarest word is in ``bound`` rows.

        The rarest word alone can be far too high ("get user" is much rarer than "user"),
        and a too-high estimate makes the recent window too narrow, so it is widened
        again and again. Small bounds are used as they are; otherwise the phrase is
        counted in the newest rows where the rarest word is expected about
        :data:`PHRASE_SAMPLE` times, and the count scaled to the table (cached).
        """
        if bound <= WINDOW_TRIGGER:
            return bound
        key = ("ph", expr)
        value = entry["df"].get(key)
        if value is None:
            span = entry["hi"] - entry["lo"] + 1
            window = max(1, int(span * PHRASE_SAMPLE / bound))
            found = self.store.execute(
                f"SELECT count(*) FROM {source.fts} WHERE {source.fts} MATCH ? AND rowid >= ?",
                (expr, entry["hi"] - window + 1),
            )[0][0]
            # No hit in the sample: assume half a hit (the estimate stays below the sample's reach).
            value = entry["df"][key] = max(1, min(bound, int(max(found, 0.5) * span / window)))
        return value


BM25_K1, BM25_B = 1.2, 0.75


def _make_rank(df_words: dict[str, int]) -> Any:
    """``hermes_rank(fts, n, w1, w2, ...)``: BM25 (lower is better, as ``bm25()``) whose
    IDFs come from the cached document frequencies in ``df_words`` (n = documents).

    FTS5's own ``bm25()`` counts the documents of every phrase by scanning its whole
    list once per query, which costs milliseconds for very common words whatever
    the rowid window; this one reads only the current row. Everything that does not
    depend on the row (IDFs, average column sizes, weights) is computed once per
    query and kept in ``aux_data``; per row it asks only for the columns a phrase is
    in, its offsets there and the column's size.
    """

    def prepare(api: Any, n: float, weights: tuple[float, ...]) -> tuple[Any, ...]:
        rows = max(1, api.row_count)
        # Per column: weight * (k1 + 1), k1 * (1 - b), k1 * b / average size.
        columns = tuple(
            (
                weights[c] * (BM25_K1 + 1) if c < len(weights) else BM25_K1 + 1,
                BM25_K1 * (1 - BM25_B),
                BM25_K1 * BM25_B / max(api.column_total_size(c) / rows, 1e-9),
            )
            for c in range(api.column_count)
        )
        idfs = []
        for tokens in api.phrases:
            df = min((df_words.get(t or "", 0) for t in tokens), default=0)
            idfs.append(max(1e-6, math.log((n - df + 0.5) / (df + 0.5) + 1.0)))
        # A phrase whose IDF is under 1 % of the largest adds under 1 % to any score
        # ("the" next to a rare word): not worth its per-row calls.
        floor = 0.01 * max(idfs, default=0.0)
        return tuple((phrase, idf) for phrase, idf in enumerate(idfs) if idf >= floor), columns

    def rank(api: Any, n: float, *weights: float) -> float:
        data = api.aux_data
        if data is None:
            data = api.aux_data = prepare(api, n, weights)
        phrases, columns = data
        phrase_columns, offsets, column_size = api.phrase_columns, api.phrase_column_offsets, api.column_size
        score = 0.0
        for phrase, idf in phrases:
            for column in phrase_columns(phrase):
                tf = len(offsets(phrase, column))
                scale, fixed, per_token = columns[column]
                score += idf * tf * scale / (tf + fixed + per_token * column_size(column))
        return -score

    return rank


# -- filters -------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Filters:
    skill: str | None
    session: str | None
    since: float | None
    until: float | None
    skill_states: tuple[str, ...] | None
    rated: str | None = None  # good | bad | any: episodes (and their events) rated so (schema v7)
    min_rating: int | None = None  # episodes rated at least this (1-5)
    outcome: str | None = None  # episodes (and their events) that ended so

    @property
    def any(self) -> bool:
        return any(
            v is not None
            for v in (self.skill, self.session, self.since, self.until, self.skill_states, self.rated, self.min_rating,
                      self.outcome)
        )

    def applies(self, kind: str) -> bool:
        """Can rows of ``kind`` pass these filters at all?"""
        episodes_only = self.session is not None or self.rated is not None or self.min_rating is not None
        if episodes_only and kind in ("skill", "note"):
            return False
        if (self.skill is not None or self.outcome is not None) and kind == "note":
            return False
        if self.outcome is not None and kind == "skill":
            return False
        return True

    def sql(self, source: _Source) -> tuple[str, list[Any]]:
        """WHERE clauses on the base table (alias ``b``) and their bindings."""
        clauses: list[str] = []
        args: list[Any] = []
        if self.since is not None:
            clauses.append(f"b.{source.time_col} >= ?")
            args.append(self.since)
        if self.until is not None:
            clauses.append(f"b.{source.time_col} <= ?")
            args.append(self.until)
        loaded = "EXISTS (SELECT 1 FROM json_each({col}) WHERE value = ?)"
        rated, rated_args = rating_condition(self.rated, self.min_rating)
        if source.kind == "skill":
            if self.skill is not None:
                clauses.append("b.skill_id = ?")
                args.append(self.skill)
            if self.skill_states is not None:
                clauses.append(f"b.state IN ({', '.join('?' * len(self.skill_states))})")
                args.extend(self.skill_states)
        elif source.kind == "episode":
            if self.session is not None:
                clauses.append("b.id = ?")
                args.append(self.session)
            if rated:
                clauses.append(f"b.id IN ({rated})")
                args.extend(rated_args)
            if self.skill is not None:
                clauses.append(loaded.format(col="b.skills_loaded"))
                args.append(self.skill)
            if self.outcome is not None:
                clauses.append("b.outcome = ?")
                args.append(self.outcome)
        elif source.kind == "event":
            if self.session is not None:
                clauses.append("b.episode_id = ?")
                args.append(self.session)
            if rated:
                clauses.append(f"b.episode_id IN ({rated})")
                args.extend(rated_args)
            if self.skill is not None:
                clauses.append(
                    "b.episode_id IN (SELECT e.id FROM episodes e WHERE " + loaded.format(col="e.skills_loaded") + ")"
                )
                args.append(self.skill)
            if self.outcome is not None:
                clauses.append("b.episode_id IN (SELECT e.id FROM episodes e WHERE e.outcome = ?)")
                args.append(self.outcome)
        return " AND ".join(clauses), args


# -- the search ----------------------------------------------------------------------------
_SQL_CACHE: dict[tuple[Any, ...], str] = {}


def _candidate_sql(source: _Source, where: str, own_rank_n: int, newest: bool, windowed: bool) -> str:
    """The ranking statement of :func:`_candidates` (built once per shape, then cached).

    ``own_rank_n``: the table's row count when ranked with ``hermes_rank``, else 0
    (``bm25()``). Bindings: the MATCH expression, the window's lowest rowid when
    ``windowed``, the filters' bindings, then the limit.
    """
    key = (source.kind, where, own_rank_n, newest, windowed)
    sql = _SQL_CACHE.get(key)
    if sql is not None:
        return sql
    weights = ", ".join(str(w) for w in source.weights)
    if own_rank_n:
        rank = f"hermes_rank({source.fts}, {own_rank_n}, {weights})"
    else:
        rank = f"bm25({source.fts}, {weights})"
    join = f"JOIN {source.base} b ON b.{source.key} = f.rowid" if where else ""
    extra = f" AND {where}" if where else ""
    window = " AND f.rowid >= ?" if windowed else ""
    usage = "t.uses + t.views" if source.kind == "skill" else "0"
    inner = (
        f"SELECT f.rowid AS rid, {rank} AS s FROM {source.fts} f {join}"
        f" WHERE {source.fts} MATCH ?{window}{extra} ORDER BY {'f.rowid DESC' if newest else 's'} LIMIT ?"
    )
    sql = (
        f"SELECT c.rid, -c.s, t.{source.time_col}, {usage} FROM ({inner}) c"
        f" JOIN {source.base} t ON t.{source.key} = c.rid"
    )
    if len(_SQL_CACHE) >= 512:  # filters with many skill states make many shapes
        _SQL_CACHE.clear()
    _SQL_CACHE[key] = sql
    return sql


_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ed", "es", "s")


def _stem(term: Term) -> Term | None:
    """A one-word term without a common English ending ("claiming" -> "claim"), or None."""
    word = term.text.lower()
    if not word.isalpha() or not word.isascii():
        return None
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return Term(word[: -len(suffix)] + ("y" if suffix == "ies" else ""))
    return None


def _plan_term(stats: _Stats, source: _Source, entry: dict[str, Any], term: Term, mode: str) -> _Plan:
    """The plan of one term; in any-word mode a last word that is itself an indexed
    word matches exactly ("schema" is not "schematics" in a sentence)."""
    if mode == "or" and term.prefix:
        exact = stats.term(source, entry, replace(term, prefix=False))
        if exact.expr:
            return exact
    return stats.term(source, entry, term)


def _best_match(parts: list[_Plan], n: int) -> tuple[list[_Plan], list[_Plan], bool]:
    """The terms an any-word (OR) query ranks by: (kept, all usable, whole-table ranking?).

    Terms that cannot match are dropped, and so are the terms in more than
    :data:`COMMON_FRACTION` of the ``n`` rows when rarer ones exist. Then the rare
    terms dominate: the rarest are kept while together they match at most
    :data:`OR_RANK_ROWS` rows, and every row they match is ranked (a row holding
    only the common words of a sentence never outranks one holding its rare words).
    When even the rarest term matches more rows, every remaining term is kept and
    the ranking runs within a recent window, as for an all-words query.
    """
    usable = [p for p in parts if p.expr]
    rare = sorted((p for p in usable if p.rows <= COMMON_FRACTION * n), key=lambda p: p.rows)
    if not rare:
        return usable, usable, False
    kept: list[_Plan] = []
    rows = 0
    for part in rare:
        if rows + part.rows > OR_RANK_ROWS:
            break
        kept.append(part)
        rows += part.rows
    return (kept, rare, True) if kept else (rare, rare, False)


_Row = tuple[int, float, float | None, int]  # rowid, -bm25 (higher is better), time, usage


def _candidates(
    store: Store, stats: _Stats, source: _Source, terms: list[Term], mode: str, filters: _Filters, k: int
) -> tuple[str, list[_Row]]:
    """Best ``k`` rows of one kind: (snippet expression, [(rowid, -bm25, time, usage)]).

    All words (``mode`` "and") must match; any-word ranking ("or") ranks the rows of
    the rare words first (:func:`_best_match`) and, when they are fewer than ``k``,
    adds the best rows of all the words below them.
    """
    entry = stats.table(source)
    if entry["empty"]:
        return "", []
    n = entry["n"]
    parts = [_plan_term(stats, source, entry, t, mode) for t in terms]
    if mode == "and":
        if any(not p.expr for p in parts):
            return "", []
        return _ranked(store, source, entry, parts, "and", filters, k)
    kept, usable, whole = _best_match(parts, n)
    if not kept:
        return "", []
    snippet_expr, rows = _ranked(store, source, entry, kept, "or", filters, k, whole)
    if whole and len(rows) < k and len(usable) > len(kept):
        wider, more = _ranked(store, source, entry, usable, "or", filters, k)
        found = {row[0] for row in rows}
        more = [row for row in more if row[0] not in found]
        if more:
            # Below every row of the rare words, in their own order.
            scale = 0.5 * min((row[1] for row in rows), default=1.0) / max(max(row[1] for row in more), 1e-9)
            rows += [(rowid, score * scale, *rest) for rowid, score, *rest in more[: k - len(rows)]]
            snippet_expr = wider  # matches the rows of both rankings
    return snippet_expr, rows


def _ranked(
    store: Store, source: _Source, entry: dict[str, Any], parts: list[_Plan], mode: str, filters: _Filters, k: int,
    whole: bool = False,
) -> tuple[str, list[_Row]]:
    """The best ``k`` rows matching ``parts`` (all, or any of them), and the snippet expression.

    One statement per try: the ranked rowids (FTS5 alone, or joined with the base
    table when filters apply) and, for those ``k`` rows only, their time and usage
    (skills: uses + views; 0 for the other kinds). ``whole``: rank every match (the
    caller bounded their number). The snippet expression leaves out the terms that
    are in most rows when rarer ones exist (as OR mode does): every row found still
    matches it, and "the" is not marked (nor scored) all over a snippet.
    """
    n = entry["n"]
    if mode == "and":
        expected = n * math.prod(p.rows / n for p in parts)
        work = min(p.work for p in parts)  # FTS5 leapfrogs from the rarest term
    else:
        expected = min(n, sum(p.rows for p in parts))
        work = sum(p.work for p in parts)
    expr = f" {mode.upper()} ".join(p.expr for p in parts)
    shown = [p for p in parts if p.rows <= COMMON_FRACTION * n] or parts
    snippet_expr = f" {mode.upper()} ".join(p.expr for p in shown)

    # Every term in most rows ("the", "the error"): relevance cannot tell the rows
    # apart, so the newest k matches are taken (FTS5 walks its lists newest first and
    # stops after k; only those k rows are scored).
    newest = all(p.rows > COMMON_FRACTION * n for p in parts)
    target = max(WINDOW_TARGET, k + 5)
    windowed = not whole and (expected > WINDOW_TRIGGER or work > WORK_TRIGGER)
    ranked = k if newest else min(expected, target) if windowed else expected
    # bm25() reads every phrase's whole list once per query; hermes_rank does not,
    # but costs a few microseconds of Python per ranked row.
    own_rank = sum(p.work for p in parts) > OWN_RANK_POSTINGS_PER_ROW * ranked
    windowed = windowed or (own_rank and expected > OWN_RANK_ROWS)

    where, args = filters.sql(source)
    if newest:
        return snippet_expr, store.execute(_candidate_sql(source, where, own_rank and n, True, False), [expr, *args, k])
    span = entry["hi"] - entry["lo"] + 1
    window = max(int(span * target / max(expected, 1)), 4 * k) if windowed else span
    while True:
        if window >= span and windowed:
            # Ranking every match would be costly, and the recent windows held too few
            # (or the estimate was too low to size one): the newest ``target`` matches
            # are ranked instead (FTS5 walks its lists newest first and stops there).
            rows = store.execute(_candidate_sql(source, where, own_rank and n, True, False), [expr, *args, target])
            break
        if window >= span:
            rows = store.execute(_candidate_sql(source, where, own_rank and n, False, False), [expr, *args, k])
            break
        sql = _candidate_sql(source, where, own_rank and n, False, True)
        rows = store.execute(sql, [expr, entry["hi"] - window + 1, *args, k])
        if len(rows) >= k:
            break
        # Too few rows: size the next window from the rate of matches seen in this one
        # (with a margin: the rate is noisy), at least doubling it. No row at all says
        # nothing of the rate (the newest rows may be 10,000 copies of one note), and a
        # window that would cover most of the table costs as much as none: then the
        # newest matches are ranked (above).
        growth = 1.25 * target / len(rows) if rows else 0.0
        window = int(window * min(WINDOW_GROWTH_MAX, max(2.0, growth))) if rows else span
        if window > span // 2:
            window = span
    return snippet_expr, rows


def _boost(score: float, created: float | None, now: float, usage: int = 0) -> float:
    recency = 0.0
    if created is not None:
        age_days = max(0.0, now - created) / 86400.0
        recency = 0.5 ** (age_days / RECENCY_HALF_LIFE_DAYS)
    use = min(1.0, math.log1p(max(0, usage)) / math.log(1000)) if usage else 0.0
    return score * (1.0 + BOOST * recency + BOOST * use)


def _clip(text: str | None, n: int = 80) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[: n - 1] + ELLIPSIS


# The base-table columns a Hit is built from (alias ``b``): only those are read. A note
# without a title is shown by its text.
_HIT_COLUMNS = {
    "skill": "b.skill_id, b.name, b.updated_at",
    "episode": "b.id, b.task, b.started_at",
    "event": "b.id, b.tool_name, b.type, b.ts, b.episode_id",
    "note": f"b.id, b.title, CASE WHEN coalesce(b.title, '') = '' THEN substr({NOTE_INDEXED_TEXT.format(r='b')}, 1, 200)"
    " END AS text, b.created_at",
}


def _hit_from_row(kind: str, row: Sequence[Any], snippet: str, score: float) -> Hit:
    """A Hit from the columns of :data:`_HIT_COLUMNS` (in that order) for ``kind``."""
    if kind == "skill":
        skill_id, name, updated_at = row
        return Hit("skill", skill_id, name or skill_id, snippet, score, updated_at, None, skill_id)
    if kind == "episode":
        episode_id, task, started_at = row
        return Hit("episode", episode_id, _clip(task), snippet, score, started_at, episode_id, None)
    if kind == "event":
        event_id, tool_name, type_, ts, episode_id = row
        return Hit("event", str(event_id), tool_name or type_, snippet, score, ts, episode_id, None)
    note_id, title, text, created_at = row
    return Hit("note", str(note_id), _clip(title or _clip(text, 60)), snippet, score, created_at, None, None)


def _fetch_word_hits(
    store: Store, source: _Source, expr: str, scores: dict[int, float], snippets: bool
) -> dict[int, Hit]:
    """Display fields (and FTS5 snippets) for the final rows of one kind, in one query.

    The rows are found by scanning the matches of ``expr`` between the smallest and
    the largest wanted rowid and keeping the wanted ones (``+rowid IN``: the ``+``
    keeps the list out of FTS5): ``snippet()`` runs for the kept rows only, and the
    scan costs less than a fresh FTS5 seek per row (``rowid IN`` as an index
    constraint re-runs the whole match expression for every value). The candidate
    query already visited every match in that range, so this never costs more.
    Without snippets the rows are read from the base table alone.
    """
    # The wanted rowids go in as one JSON array: one statement text per kind, so the
    # prepared statement is reused whatever the number of rows.
    ids = "[" + ",".join(map(str, scores)) + "]"
    sql = _fetch_sql(source, snippets)
    bindings = [expr, min(scores), max(scores), ids] if snippets else [ids]
    kind = source.kind
    return {
        rowid: _hit_from_row(kind, row, " ".join(snippet_text.split()) if snippet_text else "", scores[rowid])
        for rowid, snippet_text, *row in store.execute(sql, bindings)
    }


def _fetch_sql(source: _Source, snippets: bool) -> str:
    """The statement of :func:`_fetch_word_hits` for one kind (built once, then cached)."""
    key = ("fetch", source.kind, snippets)
    sql = _SQL_CACHE.get(key)
    if sql is None:
        wanted = "SELECT value FROM json_each(?)"
        if snippets:
            snippet = f"snippet({source.fts}, -1, '{HIGHLIGHT_START}', '{HIGHLIGHT_END}', '{ELLIPSIS}', {SNIPPET_TOKENS})"
            sql = (
                f"SELECT f.rowid, {snippet}, {_HIT_COLUMNS[source.kind]} FROM {source.fts} f"
                f" JOIN {source.base} b ON b.{source.key} = f.rowid WHERE {source.fts} MATCH ?"
                f" AND f.rowid >= ? AND f.rowid <= ? AND +f.rowid IN ({wanted})"
            )
        else:
            sql = (
                f"SELECT b.{source.key}, '', {_HIT_COLUMNS[source.kind]} FROM {source.base} b"
                f" WHERE b.{source.key} IN ({wanted})"
            )
        _SQL_CACHE[key] = sql
    return sql


class _Ranked(NamedTuple):
    """The best rows of every kind, before their display fields are read."""

    top: list[tuple[float, str, int]]  # (score, kind, rowid), best first
    exprs: dict[str, str]  # kind -> the FTS5 expression its snippets mark
    partial: bool  # the time limit stopped the ranking: ``top`` is what was found


def _rank(
    store: Store, stats: _Stats, terms: list[Term], kinds: Iterable[str], filters: _Filters, limit: int
) -> _Ranked:
    """Rank every kind (AND, else OR); stops at the time limit with what it found.

    A sentence (:data:`SENTENCE_TERMS` or more words that are not stop words) goes
    straight to the any-word ranking: all of its words rarely meet in one document,
    and when they do it is often a long one that merely mentions them all. The
    any-word ranking leaves out stop words (when other words remain) and adds the
    stem of each word with a common English ending ("claiming" also finds "claim").
    """
    k = limit + 5  # a few spare rows per kind: the boost may reorder near-equal scores
    now = time.time()
    content = [t for t in terms if t.text.lower() not in STOP_WORDS] or terms
    typed = {t.text.lower() for t in content}
    content += [s for s in dict.fromkeys(map(_stem, content)) if s is not None and s.text not in typed]
    modes = ("or",) if len(content) >= SENTENCE_TERMS else ("and", "or") if len(terms) > 1 else ("and",)
    for mode in modes:
        ranked: list[tuple[float, str, int]] = []
        exprs: dict[str, str] = {}
        partial = False
        try:
            for kind in kinds:
                expr, rows = _candidates(store, stats, _SOURCES[kind], terms if mode == "and" else content, mode, filters, k)
                if rows:
                    exprs[kind] = expr
                    ranked += [(_boost(score, created, now, usage), kind, rowid) for rowid, score, created, usage in rows]
        except QueryInterrupted:
            partial = True
        if ranked or partial:
            ranked.sort(key=lambda r: -r[0])
            return _Ranked(ranked[:limit], exprs, partial)
    return _Ranked([], {}, False)


def _fetch(store: Store, ranked: _Ranked, snippets: bool) -> list[Hit]:
    """The Hits of ``ranked.top``, in order (one statement per kind)."""
    by_kind: dict[str, dict[int, float]] = {}
    for score, kind, rowid in ranked.top:
        by_kind.setdefault(kind, {})[rowid] = score
    fetched = {
        kind: _fetch_word_hits(store, _SOURCES[kind], ranked.exprs[kind], scores, snippets)
        for kind, scores in by_kind.items()
    }
    return [fetched[kind][rowid] for _, kind, rowid in ranked.top if rowid in fetched[kind]]


def _python_snippet(text: str, needles: list[str], width: int = 90) -> str:
    """A window of ``text`` around the first match, every match marked (trigram hits)."""
    text = " ".join(text.split())
    pattern = re.compile("|".join(re.escape(n) for n in sorted(needles, key=len, reverse=True)), re.IGNORECASE)
    first = pattern.search(text)
    start = 0 if first is None else max(0, first.start() - width // 3)
    end = min(len(text), start + width)
    piece = pattern.sub(lambda m: f"{HIGHLIGHT_START}{m.group(0)}{HIGHLIGHT_END}", text[start:end])
    return (ELLIPSIS if start > 0 else "") + piece + (ELLIPSIS if end < len(text) else "")


_TRI_TEXT = {  # the text a trigram hit is shown from (base table alias ``b``): the indexed part
    "skill": "b.name || ' ' || b.description || ' ' || b.tags",
    "episode": "b.task",
    "event": f"coalesce(b.tool_name, '') || ' ' || substr(coalesce(b.result, ''), 1, {EVENT_INDEX_CHARS})",
    "note": "coalesce(b.title, '') || ' ' || " + NOTE_INDEXED_TEXT.format(r="b"),
}


def _fold(text: str) -> str:
    """Case- and accent-insensitive form, to check a trigram candidate really matches."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _trigram_expr(needles: list[str]) -> str:
    """AND of every distinct trigram of every needle.

    The trigram index keeps no positions (detail=none: a third of the size, faster
    ingest), so this finds candidates; :func:`_trigram_search` then checks that each
    needle really occurs in the text.
    """
    grams: dict[str, None] = {}
    for needle in needles:
        for i in range(len(needle) - 2):
            gram = needle[i : i + 3]
            if gram.strip():
                grams['"' + gram.replace('"', '""') + '"'] = None
    return " AND ".join(grams)


def _trigram_search(
    store: Store, needles: list[str], kinds: Iterable[str], filters: _Filters, limit: int, snippets: bool = True
) -> tuple[list[Hit], bool]:
    """Substring search: every needle (>= 3 chars) must occur; newest first.

    Returns the hits and whether the time limit stopped the search (then the hits
    are those found so far)."""
    hits: list[Hit] = []
    try:
        _trigram_scan(store, needles, kinds, filters, limit, snippets, hits)
    except QueryInterrupted:
        return hits, True
    return hits, False


def _trigram_scan(
    store: Store, needles: list[str], kinds: Iterable[str], filters: _Filters, limit: int, snippets: bool,
    hits: list[Hit],
) -> None:
    """:func:`_trigram_search`'s loop: appends to ``hits`` as it finds them.

    Every needle must occur; the trigram index finds candidates from the needles of
    >= 3 characters. When only shorter CJK needles are left (a two-character Chinese
    word, one kanji), there is no trigram to look up: the texts are scanned newest
    first (:func:`_short_scan`), under the same time limit."""
    kinds = [k for k in kinds if filters.applies(k)]
    long = [n for n in needles if len(n) >= TRIGRAM_MIN_CHARS]
    short = [n for n in needles if len(n) < TRIGRAM_MIN_CHARS and any(_is_cjk(c) for c in n)]
    needles = long + short
    folded = [_fold(n) for n in needles]
    expr = _trigram_expr(long)
    if not kinds:
        return
    if not expr:
        if short:
            _short_scan(store, short, folded, kinds, filters, limit, snippets, hits)
        return
    codes = [code for code, kind in TRI_KINDS.items() if kind in kinds]
    checked = 0
    batch = max(limit * 3, 30)
    below: int | None = None
    now = time.time()
    # Newest first, page by page; candidates are checked (and filtered) one by one.
    while len(hits) < limit and checked < 20 * batch:
        bound = "" if below is None else f" AND rowid < {below}"
        rows = store.execute(
            f"SELECT rowid FROM trigram_fts WHERE trigram_fts MATCH ?{bound}"
            f" AND rowid % 4 IN ({', '.join('?' * len(codes))}) ORDER BY rowid DESC LIMIT ?",
            [expr, *codes, batch],
        )
        if not rows:
            break
        below = rows[-1][0]
        for (rowid,) in rows:
            checked += 1
            kind = TRI_KINDS[rowid % 4]
            source = _SOURCES[kind]
            where, args = filters.sql(source)
            sql = (
                f"SELECT {_TRI_TEXT[kind]}, {_HIT_COLUMNS[kind]} FROM {source.base} b"
                f" WHERE b.{source.key} = ?{' AND ' + where if where else ''}"
            )
            found = store.execute(sql, [rowid // 4, *args])
            if not found:
                continue
            hit = _substring_hit(kind, found[0], needles, folded, snippets, now)
            if hit is not None:
                hits.append(hit)
            if len(hits) >= limit:
                break


def _substring_hit(kind: str, found: Sequence[Any], needles: list[str], folded: list[str], snippets: bool,
                   now: float) -> Hit | None:
    """A substring hit from a row (its text, then the hit columns), if every folded needle is in it."""
    text, *row = found
    text = text or ""
    haystack = _fold(text)
    if not all(n in haystack for n in folded):
        return None
    hit = _hit_from_row(kind, row, _python_snippet(text, needles) if snippets else "", 0.5)
    return replace(hit, score=_boost(0.5, hit.created_at, now))


def _short_scan(
    store: Store, needles: list[str], folded: list[str], kinds: list[str], filters: _Filters, limit: int,
    snippets: bool, hits: list[Hit],
) -> None:
    """Texts holding every (short, CJK) needle, newest first per kind, then merged
    newest first: a linear scan of the indexed texts, bounded by the caller's time
    limit (a huge store gives what was found by then, marked partial)."""
    now = time.time()
    found_hits: list[Hit] = []
    for kind in kinds:
        source = _SOURCES[kind]
        where, args = filters.sql(source)
        text = _TRI_TEXT[kind]
        conditions = " AND ".join([f"instr({text}, ?) > 0" for _ in needles] + ([where] if where else []))
        rows = store.execute(
            f"SELECT {text}, {_HIT_COLUMNS[kind]} FROM {source.base} b WHERE {conditions}"
            f" ORDER BY b.{source.key} DESC LIMIT ?",
            [*needles, *args, limit],
        )
        found_hits += [h for h in (_substring_hit(kind, r, needles, folded, snippets, now) for r in rows) if h]
    found_hits.sort(key=lambda h: -(h.created_at or 0.0))
    hits.extend(found_hits[: max(0, limit - len(hits))])


@dataclass(frozen=True)
class SearchResult:
    """What :func:`search_result` found. ``partial``: the time limit (or ``cancel``)
    stopped the search, so ``hits`` are the best of what was found by then."""

    hits: list[Hit]
    partial: bool = False


def search(store: Store, query: str, **filters: Any) -> list[Hit]:
    """Search skills, episodes, events and notes; best first (see the module doc).

    The hits of :func:`search_result`: every keyword (``kinds``, ``skill``, ``session``,
    ``since``, ``until``, ``skill_states``, ``limit``, ``snippets``, ``rated``,
    ``min_rating``, ``outcome``, ``time_limit``, ``cancel``) is passed through and
    documented there, so a new filter is added in one place. Bounded by
    :data:`TIME_LIMIT`; use :func:`search_result` to know whether the limit cut the
    search short.
    """
    return search_result(store, query, **filters).hits


def search_result(
    store: Store,
    query: str,
    *,
    kinds: Iterable[str] | None = None,
    skill: str | None = None,
    session: str | None = None,
    since: float | None = None,
    until: float | None = None,
    skill_states: Iterable[str] | None = None,
    limit: int = 20,
    snippets: bool = True,
    outcome: str | None = None,
    time_limit: float | None = TIME_LIMIT,
    cancel: Any = None,
    rated: str | None = None,
    min_rating: int | None = None,
) -> SearchResult:
    """Search skills, episodes, events and notes, best first, and say whether the time
    limit cut it short: a :class:`SearchResult` (:func:`search` returns its hits).

    ``kinds``: a subset of :data:`KINDS` (default all). ``skill``: a skill_id (that
    skill; episodes that loaded it and their events; no notes). ``session``: an
    episode id (that episode and its events). ``since``/``until``: unix seconds on
    created_at / started_at / ts / updated_at. ``skill_states``: states a skill hit
    must be in. ``rated`` (good | bad | any) and ``min_rating`` (1-5): only episodes
    so rated and their events (no skills, no notes; see ``feedback.ratings``).
    ``outcome``: episodes that ended so ("success", "failure", ...) and their
    events (no skills, no notes). ``limit``: hits at most. ``snippets=False`` leaves
    every ``Hit.snippet`` empty (same hits and scores, less work: for callers that
    need only ids and scores). An unknown kind raises :class:`HermesError`.

    ``time_limit`` (seconds, None for none) bounds the ranking; the display fields
    of the hits found are then read within :data:`FETCH_GRACE` more seconds, else
    without snippets. ``cancel``: a ``threading.Event``; once set, the search stops
    as at the time limit (a newer keystroke cancels an older query). A Ctrl+C
    (``KeyboardInterrupt``) stops it at once and propagates.
    """
    chosen = tuple(KINDS if kinds is None else dict.fromkeys(kinds))
    unknown = [k for k in chosen if k not in KINDS]
    if unknown:
        raise HermesError(f"unknown kind {unknown[0]!r} (choose from {', '.join(KINDS)})")
    if limit <= 0:
        return SearchResult([])
    terms = parse_query(query)
    if not terms:
        return SearchResult([])
    filters = _Filters(skill, session, since, until, None if skill_states is None else tuple(skill_states), rated, min_rating,
                       outcome)
    rating_condition(rated, min_rating)  # a bad value is a clear error before any query
    kinds_ok = [k for k in chosen if filters.applies(k)]
    if not kinds_ok:
        return SearchResult([])
    deadline = None if time_limit is None else time.monotonic() + time_limit

    def left() -> float | None:
        return None if deadline is None else max(0.0, deadline - time.monotonic())

    with store._lock:  # the caches and the rank function belong to this connection
        stats = _Stats(store)
        with store.time_limit(left(), cancel):
            ranked = _rank(store, stats, terms, kinds_ok, filters, limit)
        partial = ranked.partial
        try:
            with store.time_limit(None if deadline is None else (left() or 0.0) + FETCH_GRACE, cancel):
                hits = _fetch(store, ranked, snippets)
        except QueryInterrupted:  # bounded work without snippets: no limit needed
            hits, partial = _fetch(store, ranked, False), True
        cjk = [t.text for t in terms if any(_is_cjk(c) for c in t.text)]
        if not partial and ((cjk and len(hits) < limit) or not hits):
            needles = cjk if hits else [t.text for t in terms]
            with store.time_limit(left(), cancel):
                extra, partial = _trigram_search(store, needles, kinds_ok, filters, limit, snippets)
            if hits:  # substring hits rank below every word hit
                floor = min(h.score for h in hits) / 2
                extra = [replace(h, score=floor * h.score) for h in extra]
            known = {(h.kind, h.id) for h in hits}
            hits += [h for h in extra if (h.kind, h.id) not in known]
            hits.sort(key=lambda h: -h.score)
    return SearchResult([_without_secrets(hit) for hit in hits[:limit]], partial)


def _without_secrets(hit: Hit) -> Hit:
    """The hit with secrets masked in its title and snippet: the store holds redacted text,
    but rows written before a detector knew a key shape may not. A snippet whose text
    holds a secret loses its highlights (they could split the key)."""
    title, snippet = redact(hit.title, {}), hit.snippet
    plain = snippet.replace(HIGHLIGHT_START, "").replace(HIGHLIGHT_END, "")
    masked = redact(plain, {})
    if masked != plain:
        snippet = masked
    return hit if (title, snippet) == (hit.title, hit.snippet) else replace(hit, title=title, snippet=snippet)
