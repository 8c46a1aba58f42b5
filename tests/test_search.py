"""The one search API: real FTS5 indexes in a temporary database."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hermes_tui.core.store import HIGHLIGHT_END, HIGHLIGHT_START, Hit, Store, search
from hermes_tui.core.store.search import MAX_TERMS, parse_query
from hermes_tui.errors import HermesError


@pytest.fixture
def store(tmp_path: Path):
    s = Store.open(tmp_path / "workbench.db")
    yield s
    s.close()


def add_skill(store: Store, skill_id: str, name: str, description: str, body: str, tags=(), state="active") -> None:
    store.upsert_skill({
        "skill_id": skill_id, "name": name, "category": None, "path": None, "description": description,
        "tags": list(tags), "body": body, "content_hash": None, "state": state, "source": "user",
        "error": None, "warnings": [],
    })


@pytest.fixture
def mixed(store: Store) -> Store:
    add_skill(store, "devops/docker", "docker", "Build and run containers", "Compose files and images.", ["containers"])
    add_skill(store, "misc/notes", "notes", "Keep notes", "Mentions docker once in the body.")
    add_skill(store, "old/legacy", "legacy", "Legacy deploy", "Deploy with rsync.", state="archived")
    store.create_episode(id="ep1", task="deploy the web app", model="m", cwd="/w", started_at=1000.0)
    store.create_episode(id="ep2", task="fix flaky tests", model="m", cwd="/w", started_at=2000.0)
    store.add_event(episode_id="ep1", seq=0, ts=1001.0, type="tool_result", data={}, tool_name="terminal",
                    arguments='{"command": "rsync -av dist/ host:/srv"}', result="sent 12 files, rsync done")
    store.add_event(episode_id="ep2", seq=0, ts=2001.0, type="tool_result", data={}, tool_name="read_file",
                    arguments='{"path": "tests/test_api.py"}', result="def test_flaky(): assert retry()")
    store.finish_episode(id="ep1", outcome="success", reason=None, answer="Deployed with rsync", steps=1,
                         prompt_tokens=1, completion_tokens=1, cost=0.0, skills_shown=[],
                         skills_loaded=["old/legacy"], finished_at=1010.0)
    store.add_notes([
        {"text": "The user prefers rsync over scp for deploys", "title": "deploy preference", "created_at": 500.0},
        {"text": "数据库连接错误 在生产环境", "title": "中文笔记", "created_at": 600.0},
        {"text": "Tokyo: 検索エラーが発生しました", "created_at": 700.0},
        {"text": "Café résumé naïve", "created_at": 800.0},
    ])
    return store


def test_hit_shape_and_snippet_marks(mixed: Store) -> None:
    hits = search(mixed, "rsync")
    assert {h.kind for h in hits} == {"skill", "episode", "event", "note"}
    for hit in hits:
        assert isinstance(hit, Hit)
        assert HIGHLIGHT_START in hit.snippet and HIGHLIGHT_END in hit.snippet
        assert set(hit.to_dict()) == {"kind", "id", "title", "snippet", "score", "created_at", "episode_id", "skill_id"}
    event = next(h for h in hits if h.kind == "event")
    assert event.episode_id == "ep1" and event.title == "terminal"
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_name_match_beats_body_match(mixed: Store) -> None:
    hits = search(mixed, "docker", kinds=["skill"])
    assert [h.id for h in hits] == ["devops/docker", "misc/notes"]
    assert hits[0].score > hits[1].score


def test_and_then_or_fallback(mixed: Store) -> None:
    both = search(mixed, "flaky tests")
    assert {(h.kind, h.id) for h in both} == {("episode", "ep2"), ("event", "2")}
    # No document has both words: OR finds each.
    either = search(mixed, "flaky rsync ")
    kinds_ids = {(h.kind, h.id) for h in either}
    assert ("episode", "ep2") in kinds_ids and ("episode", "ep1") in kinds_ids


def test_prefix_on_last_word_only(mixed: Store) -> None:
    assert {h.id for h in search(mixed, "contain", kinds=["skill"])} == {"devops/docker"}
    assert not parse_query("contain ")[-1].prefix  # a trailing space ends the word
    assert search(mixed, "co", kinds=["skill"]) == []  # too short to be a prefix
    assert parse_query("deplo")[-1].prefix and not parse_query('"deplo"')[-1].prefix


def test_phrase_and_punctuation(mixed: Store) -> None:
    assert [h.kind for h in search(mixed, "test_api.py")] == ["event"]
    assert [h.id for h in search(mixed, '"prefers rsync"')] == ["1"]
    assert search(mixed, '"rsync prefers"', kinds=["note"]) == []


def test_filters(mixed: Store) -> None:
    assert {h.kind for h in search(mixed, "rsync", kinds=["note", "event"])} == {"note", "event"}
    session = search(mixed, "rsync", session="ep1")
    assert {(h.kind, h.episode_id) for h in session} == {("episode", "ep1"), ("event", "ep1")}
    by_skill = search(mixed, "rsync", skill="old/legacy")
    assert {(h.kind, h.id) for h in by_skill} >= {("skill", "old/legacy"), ("episode", "ep1")}
    assert all(h.kind != "note" for h in by_skill)
    assert {h.kind for h in search(mixed, "rsync", since=900.0, until=1500.0)} == {"episode", "event"}
    assert search(mixed, "legacy", skill_states=["active"], kinds=["skill"]) == []
    assert [h.id for h in search(mixed, "legacy", skill_states=["archived"], kinds=["skill"])] == ["old/legacy"]
    with pytest.raises(HermesError, match="unknown kind"):
        search(mixed, "x", kinds=["nope"])


def test_cjk_and_substring(mixed: Store) -> None:
    assert [h.id for h in search(mixed, "数据库")] == ["2"]  # inside a longer CJK run: trigram
    assert [h.id for h in search(mixed, "検索エラー")] == ["3"]
    hits = search(mixed, "生产环境")
    assert hits and HIGHLIGHT_START + "生产环境" + HIGHLIGHT_END in hits[0].snippet
    # word search finds nothing: substring via the trigram index
    assert [h.id for h in search(mixed, "eferenc")] == ["1"]


def test_short_cjk_words_inside_a_run(mixed: Store) -> None:
    """A one- or two-character CJK word inside a longer run has no trigram: a bounded scan finds it."""
    hits = search(mixed, "据库")
    assert [h.id for h in hits] == ["2"]
    assert HIGHLIGHT_START + "据库" + HIGHLIGHT_END in hits[0].snippet
    assert [h.id for h in search(mixed, "库")] == ["2"]
    assert [h.id for h in search(mixed, "据库", snippets=False)] == ["2"]
    assert search(mixed, "猫") == []
    assert search(mixed, "据库", kinds=["skill"]) == []  # filters still apply


def test_diacritics_fold(mixed: Store) -> None:
    assert [h.id for h in search(mixed, "resume")] == ["4"]
    assert [h.id for h in search(mixed, "CAFE")] == ["4"]


def test_empty_and_nonsense_queries(mixed: Store) -> None:
    for query in ("", "   ", "\x00", '"', "*", "^", "-", "()", "AND", "NOT", "OR"):
        assert search(mixed, query) == [] or all(isinstance(h, Hit) for h in search(mixed, query))
    assert search(mixed, "") == [] and search(mixed, "  *  ") == []
    assert search(mixed, "rsync", limit=0) == []
    assert len(parse_query("w " * 500)) == MAX_TERMS


def test_limit_and_recent_window_for_common_terms(store: Store) -> None:
    # Many documents with the same words: the window path must still return `limit`
    # rows, the newest first among equals, and find rare rows deep in the table.
    store.add_notes(
        {"text": f"the error the error happened in step {i}", "created_at": 1000.0 + i} for i in range(6000)
    )
    store.add_notes([{"text": "the error in the walrus module", "created_at": 1.0}])
    store.add_notes({"text": f"the error again {i}", "created_at": 9000.0 + i} for i in range(10))
    hits = search(store, "the error", limit=15)
    assert len(hits) == 15
    assert all(HIGHLIGHT_START + "error" + HIGHLIGHT_END in h.snippet.lower() for h in hits)
    assert min(int(h.id) for h in hits) > 5000  # ranked within a recent window
    assert [h.id for h in search(store, "walrus error")] == ["6001"]
    assert [h.id for h in search(store, "the walr")] == ["6001"]


def test_new_rows_found_at_once_after_cached_lookups(store: Store) -> None:
    store.add_notes([{"text": "alpha beta"}])
    assert search(store, "narwhals") == [] and search(store, "narw") == []
    store.add_notes([{"text": "narwhals appear"}])
    assert [h.id for h in search(store, "narw")] == ["2"]
    assert [h.id for h in search(store, "narwhals")] == ["2"]


def test_corpus_skills_search(store: Store, corpus: Path) -> None:
    files = sorted(corpus.rglob("SKILL.md"))[:120]
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        skill_id = path.parent.relative_to(corpus).as_posix()
        add_skill(store, skill_id, path.parent.name, text[:200], text)
    name = files[0].parent.name
    hits = search(store, name.replace("-", " "), kinds=["skill"])
    assert hits and hits[0].id == files[0].parent.relative_to(corpus).as_posix()
    assert search(store, "the", kinds=["skill"], limit=5)


FTS5_FRAGMENTS = ['"', '""', "*", "^", "AND", "OR", "NOT", "NEAR(", ")", "(", "col:", "name:x", "{a b}:", "+",
                  "-", ":", "\x00", "\ud800", "😀", "数据", "é", "\u200b", "\\", "'", "%", "_", " "]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(st.text(), st.sampled_from(FTS5_FRAGMENTS)), max_size=12).map("".join))
def test_search_never_raises(mixed: Store, query: str) -> None:
    hits = search(mixed, query, limit=5)
    assert isinstance(hits, list) and all(isinstance(h, Hit) for h in hits)


def test_huge_query_is_fast_and_safe(mixed: Store) -> None:
    started = time.perf_counter()
    assert isinstance(search(mixed, "rsync " * 2000 + "x" * 10_000), list)
    assert time.perf_counter() - started < 5


def test_snippets_can_be_skipped(mixed: Store) -> None:
    with_snippets = search(mixed, "rsync")
    without = search(mixed, "rsync", snippets=False)
    assert [(h.kind, h.id, h.title) for h in without] == [(h.kind, h.id, h.title) for h in with_snippets]
    assert [h.score for h in without] == pytest.approx([h.score for h in with_snippets])  # recency: a later now
    assert all(h.snippet == "" for h in without)
    assert [h.snippet for h in search(mixed, "数据库", snippets=False)] == [""]  # the trigram path too


def test_usage_raises_a_skill_among_equals(store: Store) -> None:
    add_skill(store, "a/first", "alpha", "Deploy helper", "same body text")
    add_skill(store, "b/second", "beta", "Deploy helper", "same body text")
    store.bump_skill_usage("b/second", uses=50, views=50)
    hits = search(store, "deploy", kinds=["skill"])
    assert [h.id for h in hits] == ["b/second", "a/first"] and hits[0].score > hits[1].score


def test_phrase_of_common_words_finds_old_rare_matches(store: Store) -> None:
    # "get" and "user" are in thousands of notes, the phrase "get user" in a few old
    # ones: the estimate must come from the phrase, not from its rarest word, so
    # the old rows are found (the recent window must not cut them off).
    store.add_notes({"text": f"get_user call number {i}", "created_at": 10.0 + i} for i in range(8))
    store.add_notes({"text": f"get the user {i} and user get {i}", "created_at": 100.0 + i} for i in range(4000))
    hits = search(store, "get_user", limit=20)
    assert sorted(int(h.id) for h in hits) == list(range(1, 9))
    assert all(HIGHLIGHT_START in h.snippet for h in hits)
    # With a word in every other note and none of these: AND finds nothing, OR drops "the".
    assert sorted(int(h.id) for h in search(store, "the get_user", limit=20)) == list(range(1, 9))
    assert len(search(store, '"user get"', limit=5)) == 5  # the common phrase: recent window, full page


def test_window_grows_when_the_estimate_is_too_high(store: Store) -> None:
    # Two words each in half the notes but together only in the oldest few: the
    # independent estimate (a quarter of the table) is far too high; the window
    # must grow until it has found them all.
    store.add_notes({"text": f"alpha together beta {i}", "created_at": 1.0 + i} for i in range(6))
    store.add_notes({"text": ("alpha" if i % 2 else "beta") + f" alone {i}", "created_at": 50.0 + i} for i in range(4000))
    hits = search(store, "alpha beta", limit=10)
    assert sorted(int(h.id) for h in hits) == list(range(1, 7))


def test_cached_plans_keep_each_tables_frequencies(tmp_path: Path) -> None:
    """Repeated queries reuse cached per-table plans; the scores must stay those of a
    fresh connection (hermes_rank's IDFs come from the ranked table's frequencies,
    so a word common in notes but rare in events must not borrow the other's)."""
    db = tmp_path / "workbench.db"
    with Store.open(db) as s:
        s.add_notes({"text": f"alpha {'beta' if i % 2 else 'gamma'} filler words {i}", "created_at": 1000.0 + i}
                    for i in range(2500))
        s.create_episode(id="ep", task="t", model="m", cwd="/w", started_at=1000.0)
        s.add_events({"episode_id": "ep", "seq": i, "ts": 1000.0 + i, "type": "tool_result", "data": {},
                      "tool_name": "terminal", "result": f"beta {'alpha' if i % 250 == 0 else 'delta'} out {i}"}
                     for i in range(2500))

    def scores(s: Store, query: str) -> list[tuple[str, str, float]]:
        return [(h.kind, h.id, h.score) for h in search(s, query, limit=30)]

    queries = ["alpha beta", "beta alpha", "alpha", "beta", "alp", "beta del"]
    for query in queries:  # each against a fresh connection: nothing cached
        with Store.open(db) as fresh:
            expected = scores(fresh, query)
        with Store.open(db) as warm:
            for other in queries:  # fill the caches with every query's plans first
                search(warm, other)
            for _ in range(2):
                got = scores(warm, query)
                assert [g[:2] for g in got] == [e[:2] for e in expected]
                assert [g[2] for g in got] == pytest.approx([e[2] for e in expected], rel=1e-6)
    with Store.open(db) as s:
        assert {h.kind for h in search(s, "alpha beta", limit=30)} == {"note", "event"}


def test_search_is_search_result_hits_for_every_keyword(mixed: Store) -> None:
    # search() passes every keyword through: a filter added to search_result works in both.
    from hermes_tui.core.store.search import search_result

    for filters in ({"outcome": "success"}, {"kinds": ["note"], "limit": 1}, {"session": "ep1", "snippets": False}):
        assert [h.id for h in search(mixed, "rsync", **filters)] == [
            h.id for h in search_result(mixed, "rsync", **filters).hits
        ]
    assert {h.kind for h in search(mixed, "rsync", outcome="success")} == {"episode", "event"}
    unbounded = search(mixed, "rsync", time_limit=None, cancel=None)  # search_result's own keywords too
    assert [h.id for h in unbounded] == [h.id for h in search(mixed, "rsync")]
    with pytest.raises(TypeError):
        search(mixed, "rsync", no_such_filter=1)
