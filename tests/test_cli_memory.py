"""`hermes-tui memory import FILE.jsonl` in a child process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from hermes_tui.cli.memory import parse_created_at, parse_note_line
from hermes_tui.core.home import Home
from hermes_tui.core.store import Store


def run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hermes_tui", "--home", str(home), *args],
        capture_output=True, text=True, timeout=120,
    )


def notes_in(home: Path) -> list[dict]:
    with Store.open(Home(home).db_path) as store:
        return [store.get_note(i) for i in range(1, store.count("notes") + 1)]


def test_import_good_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.jsonl"
    lines = [
        {"text": "first note about kafka"},
        {"text": "second", "title": "T", "kind": "fact", "created_at": 1700000000},
        {"text": "third", "created_at": "2024-01-02T03:04:05Z"},
        {"text": "fourth", "created_at": "2024-01-02T03:04:05"},
    ]
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n\n", encoding="utf-8")
    home = tmp_path / "home"
    proc = run(home, "memory", "import", str(path))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("imported 4 notes, skipped 0 (") and "docs/s" in proc.stdout
    notes = notes_in(home)
    assert [n["text"] for n in notes] == ["first note about kafka", "second", "third", "fourth"]
    assert notes[1]["kind"] == "fact" and notes[1]["title"] == "T" and notes[1]["created_at"] == 1700000000
    assert notes[2]["created_at"] == notes[3]["created_at"] == 1704164645.0
    hits = json.loads(run(home, "search", "kafka", "--json").stdout)
    assert [h["id"] for h in hits] == ["1"]


def test_malformed_line_imports_nothing_then_skip_bad(tmp_path: Path) -> None:
    path = tmp_path / "notes.jsonl"
    path.write_text('{"text": "good one"}\n{not json\n{"title": "no text"}\n{"text": 5}\n', encoding="utf-8")
    home = tmp_path / "home"
    proc = run(home, "memory", "import", str(path))
    assert proc.returncode == 1
    for number in (2, 3, 4):
        assert f"notes.jsonl:{number}:" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert notes_in(home) == []
    proc = run(home, "memory", "import", str(path), "--skip-bad")
    assert proc.returncode == 0 and "imported 1 notes, skipped 3" in proc.stdout
    assert [n["text"] for n in notes_in(home)] == ["good one"]


def test_missing_file_and_binary_file(tmp_path: Path) -> None:
    proc = run(tmp_path / "home", "memory", "import", str(tmp_path / "nope.jsonl"))
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"hermes-tui: error: no such file: {tmp_path / 'nope.jsonl'}"
    binary = tmp_path / "bin.jsonl"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    proc = run(tmp_path / "home", "memory", "import", str(binary))
    assert proc.returncode == 1 and "is not UTF-8 text" in proc.stderr and proc.stderr.count("\n") == 1


@pytest.mark.parametrize(
    "line, reason",
    [
        ("[1, 2]", "not a JSON object"),
        ('{"text": ""}', 'no "text" string'),
        ('{"text": "x", "title": 3}', '"title" must be a string'),
        ('{"text": "x", "created_at": true}', "created_at must be"),
        ('{"text": "x", "created_at": "yesterday"}', "not an ISO-8601 time"),
    ],
)
def test_line_validation(line: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_note_line(line)


def test_created_at_forms() -> None:
    assert parse_created_at(None) is None
    assert parse_created_at(12) == 12.0
    assert parse_created_at("1970-01-01T00:01:00+00:00") == 60.0
