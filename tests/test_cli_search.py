"""`hermes-tui search`, `bench search` and `index rebuild` in a child process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from hermes_tui.core.home import Home
from hermes_tui.core.store import Store


def run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hermes_tui", "--home", str(home), *args],
        capture_output=True, text=True, timeout=120,
    )


@pytest.fixture
def filled(tmp_path: Path) -> Path:
    root = tmp_path / "home"
    home = Home(root).ensure()
    with Store.open(home.db_path) as store:
        store.add_notes([
            {"text": "restart the nginx server after a config change", "title": "nginx", "created_at": 10.0},
            {"text": "postgres vacuum runs nightly", "created_at": 20.0},
        ])
        store.create_episode(id="e1", task="fix nginx config", model="m", cwd="/w", started_at=30.0)
    return root


def test_search_json_shape(filled: Path) -> None:
    proc = run(filled, "search", "nginx", "--json")
    assert proc.returncode == 0, proc.stderr
    hits = json.loads(proc.stdout)
    assert {h["kind"] for h in hits} == {"note", "episode"}
    for hit in hits:
        assert set(hit) == {"kind", "id", "title", "snippet", "score", "created_at", "episode_id", "skill_id"}
        assert "«nginx»" in hit["snippet"].lower()


def test_search_kinds_limit_and_text_output(filled: Path) -> None:
    proc = run(filled, "search", "nginx", "--kind", "note,skill", "--limit", "1", "--json")
    assert [h["kind"] for h in json.loads(proc.stdout)] == ["note"]
    text = run(filled, "search", "vacuum")
    assert text.returncode == 0 and "note 2" in text.stdout and "«vacuum»" in text.stdout
    bad = run(filled, "search", "x", "--kind", "bogus")
    assert bad.returncode == 2 and bad.stderr.strip() == (
        "hermes-tui: error: unknown kind 'bogus' (choose from skill, episode, event, note)"
    )
    weird = run(filled, "search", '"NOT col:* ^ AND (', "--json")
    assert weird.returncode == 0 and isinstance(json.loads(weird.stdout), list)


def test_search_on_garbage_db_is_one_line_error(tmp_path: Path) -> None:
    root = tmp_path / "home"
    home = Home(root).ensure()
    home.db_path.write_bytes(b"not a database at all" * 100)
    proc = run(root, "search", "x")
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1 and "is not a hermes-tui database" in proc.stderr
    assert home.db_path.read_bytes() == b"not a database at all" * 100


def test_bench_search_json(filled: Path, tmp_path: Path) -> None:
    queries = tmp_path / "queries.txt"
    queries.write_text("nginx\nthe\n\npostgres vac\n数据\n", encoding="utf-8")
    proc = run(filled, "bench", "search", "--queries", str(queries), "--json")
    assert proc.returncode == 0, proc.stderr
    figures = json.loads(proc.stdout)
    assert figures["queries"] == 4
    assert {"p50_ms", "p95_ms", "max_ms"} <= set(figures)
    assert 0 < figures["p50_ms"] <= figures["p95_ms"] <= figures["max_ms"]
    missing = run(filled, "bench", "search", "--queries", str(tmp_path / "none.txt"))
    assert missing.returncode == 2 and "no such file" in missing.stderr


def test_index_rebuild(filled: Path) -> None:
    home = Home(filled)
    with Store.open(home.db_path) as store:
        store.execute("INSERT INTO notes_fts(notes_fts) VALUES ('delete-all')")
        store.execute("DELETE FROM trigram_fts")
    assert json.loads(run(filled, "search", "vacuum", "--json").stdout) == []
    proc = run(filled, "index", "rebuild")
    assert proc.returncode == 0, proc.stderr
    assert "2 notes" in proc.stdout
    assert [h["id"] for h in json.loads(run(filled, "search", "vacuum", "--json").stdout)] == ["2"]


def test_empty_query_and_folder_of_queries_are_usage_errors(filled: Path, tmp_path: Path) -> None:
    for query in ("", "   "):
        proc = run(filled, "search", query)
        assert proc.returncode == 2
        assert proc.stderr.strip() == "hermes-tui: error: QUERY is empty; give the words to look for"
    proc = run(filled, "bench", "search", "--queries", str(tmp_path))
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"hermes-tui: error: {tmp_path} is a folder; give a text file with one query a line"


def test_search_finds_emoji(filled: Path) -> None:
    with Store.open(Home(filled).db_path) as store:
        store.add_notes([{"text": "squashed the 🐛 in the importer"}])
    hits = json.loads(run(filled, "search", "🐛", "--json").stdout)
    assert [h["id"] for h in hits] == ["3"] and "«🐛»" in hits[0]["snippet"]
