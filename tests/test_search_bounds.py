"""Issue 11, sections 2 and 7: search stays bounded on any content; symbols are words."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from hermes_tui.core.store import Store, search, search_result
from hermes_tui.core.store.db import QueryInterrupted, note_hash
from hermes_tui.core.store.schema import NOTE_INDEX_CHARS, SCHEMA_VERSION


@pytest.fixture
def store(tmp_path: Path):
    s = Store.open(tmp_path / "workbench.db")
    yield s
    s.close()


def test_long_note_is_kept_whole_and_indexed_up_to_the_cut(store: Store) -> None:
    text = "bigword " * 200_000 + "tailword"  # 1.6 MB of one word, a word past the cut
    store.add_notes([{"text": text}])
    assert store.get_note(1)["text"] == text
    indexed = store.execute("SELECT text FROM notes_fts_src WHERE id = 1")[0][0]
    assert len(indexed) == NOTE_INDEX_CHARS
    hits = search(store, "bigword")
    assert [h.id for h in hits] == ["1"]
    assert "«bigword»" in hits[0].snippet and len(hits[0].snippet) < 300
    assert len(hits[0].title) <= 80  # a note without a title is shown by its first words
    assert search(store, "tailword") == []


def test_time_limit_returns_partial_results_with_a_flag(store: Store) -> None:
    # 300 matches, all ranked: more SQLite steps than one check of the limit.
    store.add_notes({"text": f"note {i} " + ("special" if i % 10 == 0 else "plain")} for i in range(3000))
    whole = search_result(store, "special", time_limit=None)
    assert not whole.partial and len(whole.hits) == 20
    cut = search_result(store, "special", time_limit=0.0)
    assert cut.partial and len(cut.hits) <= 20
    assert all(h.snippet == "" or "«special»" in h.snippet for h in cut.hits)
    cancel = threading.Event()
    cancel.set()
    assert search_result(store, "special", cancel=cancel).partial
    # The limit is lifted afterwards: the next query is whole again.
    again = search_result(store, "special")
    assert not again.partial and [h.id for h in again.hits] == [h.id for h in whole.hits]


def test_time_limit_and_ctrl_c_stop_a_statement(store: Store) -> None:
    slow = "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 100000000) SELECT count(*) FROM r"
    started = time.monotonic()
    with pytest.raises(QueryInterrupted), store.time_limit(0.05):
        store.execute(slow)
    assert time.monotonic() - started < 5
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(0.05, os.kill, (os.getpid(), signal.SIGINT))
    try:
        timer.start()
        with pytest.raises(KeyboardInterrupt), store.time_limit(None):
            store.execute(slow)
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, previous)
    assert store.execute("SELECT 1") == [(1,)]  # the connection is usable afterwards


def test_emoji_and_symbols_are_searchable(store: Store) -> None:
    store.add_notes([
        {"text": "found a 🐛 in the parser ✅ fixed"},
        {"text": "数据库 错误 in the log"},
        {"text": "x = y + 1; a+b src/load/save.py"},
    ])
    assert [h.id for h in search(store, "🐛")] == ["1"]
    assert "«🐛»" in search(store, "🐛")[0].snippet
    assert [h.id for h in search(store, "✅ parser")] == ["1"]
    assert [h.id for h in search(store, "数据库")] == ["2"]
    assert [h.id for h in search(store, "a+b")] == ["3"]  # ASCII symbols still split words


def test_v4_database_upgrades_and_gets_hashes_on_demand(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with Store.open(path, _migrate_to=4) as old:
        old.execute("INSERT INTO notes(kind, title, text, created_at) VALUES ('note', 'old', 'an old note with 🐛', 1)")
    with Store.open(path) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert [h.id for h in search(store, "🐛")] == ["1"]  # re-indexed with the v5 tokenizer
        assert store.execute("SELECT content_hash FROM notes")[0][0] is None
        added = store.add_notes([{"text": "an old note with 🐛", "title": "old"}, {"text": "new"}], skip_present=True)
        assert added == 1
        assert store.execute("SELECT content_hash FROM notes WHERE id = 1")[0][0] == note_hash("note", "old", "an old note with 🐛")
        assert store.integrity_check() == []


def test_add_notes_skip_present_skips_repeats_within_and_across_calls(store: Store) -> None:
    rows = [{"text": "a"}, {"text": "a"}, {"text": "a", "title": "t"}, {"text": "a", "kind": "fact"}]
    assert store.add_notes(rows, skip_present=True) == 3
    assert store.add_notes(rows, skip_present=True) == 0
    assert store.add_notes(rows) == 4  # without the flag every row goes in
    assert store.count("notes") == 7


def _skill(store: Store, skill_id: str, description: str, body: str) -> None:
    store.upsert_skill({
        "skill_id": skill_id, "name": skill_id.rsplit("/", 1)[-1], "category": None, "path": None,
        "description": description, "tags": [], "body": body, "content_hash": None, "state": "active",
        "source": "user", "error": None, "warnings": [],
    })


def test_a_sentence_is_ranked_by_its_rare_words(store: Store) -> None:
    # Long process skills that mention the sentence's common words many times, and
    # one short skill with its rare words (issue 11, section 3).
    # The skill with the rare words is the oldest row: newer rows are many, and a ranking
    # within the most recent rows would never see it.
    _skill(store, "stats/pymc", "Bayesian multilevel models with partial pooling", "Hierarchical models in PyMC.")
    common = "Build the test model and check the scores across the schools with care. " * 20
    for name in ("verification", "review", "debugging"):
        _skill(store, f"process/{name}", f"Use for {name} of any work", common)
    words = ("build", "test", "scores", "schools", "across", "model")  # each in a third of the rows
    for i in range(900):
        body = " ".join(w for j, w in enumerate(words) if (i + j) % 3 == 0)
        _skill(store, f"filler/s{i}", "Unrelated skill", f"Talks about {body}.")
    sentence = "Build a multilevel model of test scores across 40 schools with partial pooling"
    hits = search(store, sentence, kinds=["skill"])
    assert hits[0].skill_id == "stats/pymc"
    assert "«multilevel»" in hits[0].snippet or "«pooling»" in hits[0].snippet
    # Below the rows of the rare words come rows of the other words (a recent window of them).
    assert len(hits) == 20 and all(h.score < hits[0].score for h in hits[1:])
    assert search(store, "multilevel model partial pooling", kinds=["skill"])[0].skill_id == "stats/pymc"
    # Fewer words still must all match.
    assert [h.skill_id for h in search(store, "partial pooling", kinds=["skill"])] == ["stats/pymc"]
    # The last word of a sentence matches exactly when it is an indexed word.
    _skill(store, "misc/schematics", "Draw schematics", "Circuit schematics.")
    _skill(store, "data/structured", "Structured output", "Make the model output valid JSON for a schema.")
    hits = search(store, "validate the output of the model against a schema", kinds=["skill"])
    assert hits[0].skill_id == "data/structured"
    assert "misc/schematics" not in [h.skill_id for h in hits]
    assert "misc/schematics" in [h.skill_id for h in search(store, "schem", kinds=["skill"])]  # type-ahead
