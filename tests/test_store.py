"""The store: real SQLite files through apsw."""

from __future__ import annotations

import threading
from pathlib import Path

import apsw
import pytest

from hermes_tui.core.store import Store, search
from hermes_tui.core.store.schema import EVENT_INDEX_CHARS, SCHEMA_VERSION
from hermes_tui.errors import StoreError


@pytest.fixture
def store(tmp_path: Path):
    s = Store.open(tmp_path / "workbench.db")
    yield s
    s.close()


def skill_row(skill_id: str, **extra) -> dict:
    row = {
        "skill_id": skill_id,
        "name": skill_id.rsplit("/", 1)[-1],
        "category": skill_id.split("/")[0] if "/" in skill_id else None,
        "path": f"/skills/{skill_id}/SKILL.md",
        "description": "Build and run containers",
        "tags": ["docker", "devops"],
        "body": "Use docker compose up to start the stack.",
        "content_hash": "abc",
        "state": "active",
        "source": "user",
        "error": None,
        "warnings": ["w1"],
    }
    row.update(extra)
    return row


def test_schema_pragmas_and_tables(store: Store, tmp_path: Path) -> None:
    assert store.schema_version == SCHEMA_VERSION
    assert store.execute("PRAGMA journal_mode")[0][0] == "wal"
    assert store.execute("PRAGMA foreign_keys")[0][0] == 1
    assert store.execute("PRAGMA synchronous")[0][0] == 1  # NORMAL
    names = {r[0] for r in store.execute("SELECT name FROM sqlite_master")}
    for table in ("skills", "skill_versions", "episodes", "events", "notes", "feedback",
                  "skills_fts", "episodes_fts", "events_fts", "notes_fts", "trigram_fts", "events_fts_src"):
        assert table in names
    assert store.integrity_check() == []


def test_reopen_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    Store.open(path).close()
    with Store.open(path) as s:
        s.add_notes([{"text": "kept across opens"}])
    with Store.open(path) as s:
        assert s.count("notes") == 1
        assert s.schema_version == SCHEMA_VERSION


def test_migration_from_v1_upgrades_and_indexes_old_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = Store.open(path, _migrate_to=1)
    assert old.schema_version == 1
    old.execute("INSERT INTO notes(kind, title, text, created_at) VALUES ('note', 'old', 'a zeppelin note', 1.0)")
    old.close()
    with Store.open(path) as s:
        assert s.schema_version == SCHEMA_VERSION
        hits = search(s, "zeppelin")
        assert [h.id for h in hits] == ["1"]
        assert s.integrity_check() == []


def test_newer_schema_is_refused_and_file_untouched(tmp_path: Path) -> None:
    path = tmp_path / "workbench.db"
    conn = apsw.Connection(str(path))
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 5}")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StoreError) as err:
        Store.open(path)
    message = str(err.value)
    assert message == (
        f"workbench.db was written by a newer hermes-tui (schema {SCHEMA_VERSION + 5}, "
        f"this version knows {SCHEMA_VERSION}); upgrade hermes-tui"
    )
    assert path.read_bytes() == before


def test_garbage_file_gives_one_line_error_and_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "workbench.db"
    garbage = bytes(range(256)) * 64
    path.write_bytes(garbage)
    with pytest.raises(StoreError) as err:
        Store.open(path)
    assert str(path) in str(err.value)
    assert "\n" not in str(err.value)
    assert path.read_bytes() == garbage


def test_folder_instead_of_file(tmp_path: Path) -> None:
    (tmp_path / "db").mkdir()
    with pytest.raises(StoreError, match="not a file"):
        Store.open(tmp_path / "db")


def test_episodes_and_events(store: Store) -> None:
    store.create_episode(id="e1", task="fix the build", model="m", cwd="/w", started_at=100.0)
    store.create_episode(id="e2", task="second", model="m", cwd="/w", started_at=200.0)
    long_result = "x" * (EVENT_INDEX_CHARS + 500) + " tailword"
    eid = store.add_event(episode_id="e1", seq=1, ts=101.0, type="tool_result", data={"step": 1},
                          tool_name="terminal", arguments='{"command": "make"}', result=long_result, duration_ms=3.5)
    store.add_event(episode_id="e1", seq=0, ts=100.5, type="tool_call", data={"step": 1}, tool_name="terminal",
                    arguments={"command": "make"})
    store.finish_episode(id="e1", outcome="success", reason=None, answer="built fine", steps=2, prompt_tokens=10,
                         completion_tokens=5, cost=0.01, skills_shown=["a"], skills_loaded=["devops/docker"],
                         finished_at=110.0)
    assert [e["id"] for e in store.list_episodes()] == ["e2", "e1"]
    assert [e["id"] for e in store.list_episodes(limit=1, offset=1)] == ["e1"]
    ep = store.get_episode("e1")
    assert ep is not None and ep["outcome"] == "success" and ep["skills_loaded"] == ["devops/docker"]
    assert [ev["seq"] for ev in ep["events"]] == [0, 1]
    assert ep["events"][0]["arguments"] == '{"command": "make"}'
    assert ep["events"][1]["data"] == {"step": 1}
    # The result is whole in the table, cut in the index.
    assert store.get_event(eid)["result"] == long_result
    indexed = store.execute("SELECT result FROM events_fts_src WHERE id = ?", (eid,))[0][0]
    assert len(indexed) == EVENT_INDEX_CHARS
    assert search(store, "tailword") == []
    assert store.get_episode("nope") is None
    with pytest.raises(StoreError):
        store.finish_episode(id="nope", outcome=None, reason=None, answer=None, steps=0, prompt_tokens=0,
                             completion_tokens=0, cost=0, skills_shown=[], skills_loaded=[])
    assert store.integrity_check() == []


def test_event_needs_its_episode(store: Store) -> None:
    with pytest.raises(StoreError):
        store.add_event(episode_id="missing", seq=0, ts=1.0, type="x", data={})


def test_notes_bulk_and_fts_sync(store: Store) -> None:
    n = store.add_notes({"text": f"note number {i} about walrus", "title": f"t{i}", "created_at": i} for i in range(500))
    assert n == 500 and store.count("notes") == 500
    assert len(search(store, "walrus", limit=1000)) == 500
    note = store.get_note(1)
    assert note["kind"] == "note" and note["created_at"] == 0
    # update: the index follows
    store.execute("UPDATE notes SET text = 'now about narwhal' WHERE id = 1")
    assert [h.id for h in search(store, "narwhal")] == ["1"]
    assert "1" not in {h.id for h in search(store, "walrus", limit=1000)}
    # delete: gone from word and trigram indexes
    assert store.delete_note(1)
    assert search(store, "narwhal") == []
    assert search(store, "arwha") == []
    assert store.integrity_check() == []


def test_add_notes_is_all_or_nothing(store: Store) -> None:
    with pytest.raises(StoreError, match="no text"):
        store.add_notes([{"text": "good"}, {"title": "no text"}])
    assert store.count("notes") == 0


def test_surrogates_are_stored_safely(store: Store) -> None:
    store.add_notes([{"text": "bad \ud800 surrogate"}])
    assert store.get_note(1)["text"] == "bad \ufffd surrogate"


def test_skills_rows(store: Store) -> None:
    store.upsert_skill(skill_row("devops/docker"))
    store.upsert_skill(skill_row("web/Docker", name="Docker", description="other"))
    skill = store.get_skill("devops/docker")
    assert skill["tags"] == ["docker", "devops"] and skill["warnings"] == ["w1"]
    assert skill["pinned"] is False and skill["views"] == 0 and skill["provenance"] == []
    assert [s["skill_id"] for s in store.find_skills_by_name("docker")] == ["devops/docker", "web/Docker"]
    store.bump_skill_usage("devops/docker", views=2, uses=1, successes=1)
    store.set_skill_pinned("devops/docker", True)
    store.add_skill_provenance("devops/docker", ["e1", "e2"])
    store.add_skill_provenance("devops/docker", ["e2", "e3"])
    # an upsert keeps counters, pin and provenance
    store.upsert_skill(skill_row("devops/docker", description="Run containers with podman"))
    skill = store.get_skill("devops/docker")
    assert (skill["views"], skill["uses"], skill["successes"], skill["failures"]) == (2, 1, 1, 0)
    assert skill["last_used"] is not None and skill["pinned"] is True
    assert skill["provenance"] == ["e1", "e2", "e3"]
    assert skill["description"] == "Run containers with podman"
    store.set_skill_state("web/Docker", "stale")
    assert [s["skill_id"] for s in store.list_skills(state="stale")] == ["web/Docker"]
    assert len(store.list_skills()) == 2
    assert {h.skill_id for h in search(store, "podman", kinds=["skill"])} == {"devops/docker"}
    store.delete_skill("web/Docker")
    assert store.get_skill("web/Docker") is None
    assert search(store, "other", kinds=["skill"]) == []
    with pytest.raises(StoreError):
        store.set_skill_state("nope", "active")
    with pytest.raises(StoreError):
        store.add_skill_provenance("nope", ["e"])


def test_skill_versions(store: Store) -> None:
    assert store.add_skill_version("a/b", text="v1 text", content_hash="h1", author="user", created_at=1.0) == 1
    assert store.add_skill_version("a/b", text="v2 longer text", content_hash="h2", author="agent") == 2
    assert store.add_skill_version("c/d", text="x", content_hash="h", author="user") == 1
    versions = store.skill_versions("a/b")
    assert [(v["version"], v["author"], v["size"]) for v in versions] == [(1, "user", 7), (2, "agent", 14)]
    assert store.skill_version_text("a/b", 2) == "v2 longer text"
    assert store.skill_version_text("a/b", 9) is None


def test_transaction_rolls_back_and_nests(store: Store) -> None:
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.add_notes([{"text": "one"}])
            raise RuntimeError("boom")
    assert store.count("notes") == 0
    with store.transaction():
        store.add_notes([{"text": "outer"}])
        with pytest.raises(RuntimeError):
            with store.transaction():
                store.add_notes([{"text": "inner"}])
                raise RuntimeError("inner boom")
    assert [store.get_note(i)["text"] for i in (1,)] == ["outer"] and store.count("notes") == 1


def test_rebuild_and_optimize(store: Store) -> None:
    store.add_notes([{"text": "rebuild me please"}])
    store.create_episode(id="e", task="a task", model=None, cwd=None, started_at=1.0)
    store.add_event(episode_id="e", seq=0, ts=1.0, type="tool_result", data={}, tool_name="read_file", result="contents")
    store.execute("INSERT INTO notes_fts(notes_fts) VALUES ('delete-all')")
    store.execute("DELETE FROM trigram_fts")
    assert search(store, "rebuild") == []
    store.rebuild_indexes()
    store.optimize()
    assert [h.kind for h in search(store, "rebuild")] == ["note"]
    assert [h.kind for h in search(store, "contents")] == ["event"]
    assert store.integrity_check() == []


def test_concurrent_writer_and_reader_threads(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    Store.open(path).close()
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            with Store.open(path) as s:
                for i in range(50):
                    s.add_notes([{"text": f"threaded note {i}"}])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def reader() -> None:
        try:
            with Store.open(path) as s:
                for _ in range(50):
                    search(s, "threaded")
        except BaseException as exc:  # pragma: no cover
            errors.append(exc)

    threads = [threading.Thread(target=writer), threading.Thread(target=reader)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Store.open(path) as s:
        assert s.count("notes") == 50


def test_shared_store_across_threads_is_serialised(store: Store) -> None:
    def work(n: int) -> None:
        for i in range(20):
            store.add_notes([{"text": f"shared {n} {i}"}])
            search(store, "shared")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.count("notes") == 60


def test_full_disk_is_one_line_error(tmp_path: Path) -> None:
    with Store.open(tmp_path / "w.db") as s:
        s.execute("PRAGMA max_page_count = " + str(s.execute("PRAGMA page_count")[0][0] + 2))
        with pytest.raises(StoreError) as err:
            s.add_notes({"text": "filler text " * 200} for _ in range(200))
        assert "full" in str(err.value) and "\n" not in str(err.value)
        assert s.count("notes") == 0


def _event_rows(episode_id: str, n: int, start: int = 0) -> list[dict]:
    return [
        {"episode_id": episode_id, "seq": start + i, "ts": 100.0 + i, "type": "tool_result", "data": {"step": i},
         "tool_name": "terminal", "arguments": {"command": f"make target{i}"}, "result": f"built bulkword {i}"}
        for i in range(n)
    ]


def test_add_events_bulk_indexes_like_add_event(store: Store) -> None:
    with store.transaction():  # episodes created in the same transaction, as the benchmark does
        store.create_episode(id="e1", task="bulk load", model="m", cwd="/w", started_at=1.0)
        rows = _event_rows("e1", 300)
        rows.append({"episode_id": "e1", "seq": 300, "ts": 500.0, "type": "tool_result", "data": {},
                     "tool_name": "read_file", "result": "数据库连接错误 " + "x" * (EVENT_INDEX_CHARS + 10) + " cutword"})
        assert store.add_events(iter(rows)) == 301
    assert store.count("events") == 301
    event = store.get_event(1)
    assert event["arguments"] == '{"command": "make target0"}' and event["data"] == {"step": 0}
    hits = search(store, "bulkword", kinds=["event"], limit=1000)
    assert len(hits) == 300 and all(h.episode_id == "e1" for h in hits)
    assert [h.id for h in search(store, "数据库", kinds=["event"])] == ["301"]  # trigram index filled too
    assert search(store, "cutword") == []  # cut for the index like the per-row path
    # the per-row triggers are live again after the bulk insert
    store.add_event(episode_id="e1", seq=301, ts=600.0, type="tool_result", data={}, tool_name="patch",
                    result="a perrowword here")
    assert [h.id for h in search(store, "perrowword")] == ["302"]
    assert store.execute("SELECT bulk FROM index_control")[0][0] == 0
    assert store.integrity_check() == []


def test_an_events_text_is_stored_once_and_read_back_whole(store: Store) -> None:
    store.create_episode(id="e1", task="t", model=None, cwd=None, started_at=1.0)
    long = "the build failed in stage two: " + "logline " * 20
    answer = "Fixed the flaky test by pinning the seed; " + "details " * 10
    store.add_events([
        {"episode_id": "e1", "seq": 0, "ts": 1.0, "type": "tool_result", "tool_name": "terminal",
         "data": {"call_id": "c1", "result": long}, "result": long},
        {"episode_id": "e1", "seq": 1, "ts": 2.0, "type": "turn_finished", "data": {"step": 1, "text": answer},
         "result": answer},
    ])
    store.add_event(episode_id="e1", seq=2, ts=3.0, type="tool_result", data={"result": long + "!"}, result=long + "!")
    store.add_event(episode_id="e1", seq=3, ts=4.0, type="tool_result", data={"result": "other text " * 9},
                    result=long)  # a data field that differs from the column is kept as it is
    raw = [r[0] for r in store.execute("SELECT data FROM events ORDER BY seq")]
    assert all("logline" not in r and "details" not in r for r in raw[:3])  # not twice on disk
    assert sum(len(r) for r in raw[:3]) < 150
    events = store.get_episode("e1")["events"]
    assert events[0]["data"] == {"call_id": "c1", "result": long}
    assert events[1]["data"] == {"step": 1, "text": answer}
    assert events[2]["data"] == {"result": long + "!"}
    assert events[3]["data"] == {"result": "other text " * 9}
    assert store.get_event(events[1]["id"])["data"]["text"] == answer
    assert store.tool_call("e1", "c1")["data"]["result"] == long
    assert [h.episode_id for h in search(store, "logline", kinds=["event"])] == ["e1"] * 3


def test_add_events_is_all_or_nothing(store: Store) -> None:
    store.create_episode(id="e1", task="t", model=None, cwd=None, started_at=1.0)
    bad = _event_rows("e1", 3)
    del bad[1]["type"]
    with pytest.raises(StoreError, match="^event 2 has no type$"):
        store.add_events(bad)
    with pytest.raises(StoreError) as err:
        store.add_events(_event_rows("e1", 2) + _event_rows("missing", 1))
    assert "\n" not in str(err.value)
    with pytest.raises(StoreError, match="unknown key"):
        store.add_events([{**_event_rows("e1", 1)[0], "colour": "red"}])
    assert store.count("events") == 0
    assert search(store, "bulkword") == []
    assert store.add_events([]) == 0


def test_migration_from_v3_makes_event_triggers_bulk_aware(tmp_path: Path) -> None:
    path = tmp_path / "v3.db"
    with Store.open(path, _migrate_to=3) as old:
        old.create_episode(id="e", task="old task", model=None, cwd=None, started_at=1.0)
        old.add_event(episode_id="e", seq=0, ts=1.0, type="tool_result", data={}, result="oldeventword")
    with Store.open(path) as s:
        assert s.schema_version == SCHEMA_VERSION
        assert s.add_events(_event_rows("e", 5, start=1)) == 5
        assert [h.id for h in search(s, "oldeventword")] == ["1"]
        assert len(search(s, "bulkword")) == 5
        assert s.integrity_check() == []
