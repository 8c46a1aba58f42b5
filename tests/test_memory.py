"""MemoryFiles: § entries, budgets, unique-substring edits, frozen snapshot, no clobbering."""

from __future__ import annotations

import os

import pytest

from hermes_tui.core.memory import MemoryFiles, parse_entries, render_entries
from hermes_tui.errors import HermesError


def test_add_writes_entries_separated_by_a_section_line(home) -> None:
    mem = MemoryFiles(home)
    mem.add("memory", "The project uses uv, not pip.")
    mem.add("memory", "Tests run with `pytest -q`.\nSlow ones are marked.")
    assert home.memory_file.read_text("utf-8") == (
        "The project uses uv, not pip.\n§\nTests run with `pytest -q`.\nSlow ones are marked.\n"
    )
    assert mem.entries("memory") == ["The project uses uv, not pip.", "Tests run with `pytest -q`.\nSlow ones are marked."]
    assert mem.entries("user") == []
    mem.add("user", "Prefers short answers.")
    assert home.user_file.read_text("utf-8") == "Prefers short answers.\n"


def test_parse_is_lenient_and_round_trips() -> None:
    text = "\n  first  \n §  \n\nsecond\nline\n§\n§\nfirst\n"
    assert parse_entries(text) == ["first", "second\nline"]
    assert parse_entries(render_entries(["a", "b\nc"])) == ["a", "b\nc"]
    assert parse_entries("") == []


def test_duplicate_add_changes_nothing(home) -> None:
    mem = MemoryFiles(home)
    mem.add("memory", "fact")
    message = mem.add("memory", "  fact ")
    assert "already" in message
    assert mem.entries("memory") == ["fact"]


def test_budget_refuses_and_shows_usage(home) -> None:
    mem = MemoryFiles(home, limits={"memory": 50})
    mem.add("memory", "x" * 40)
    with pytest.raises(HermesError, match=r"would hold 55/50 characters \(now 40/50\)"):
        mem.add("memory", "y" * 12)
    assert mem.entries("memory") == ["x" * 40]
    assert mem.usage("memory") == (40, 50)


def test_default_budgets_like_hermes_agent(home) -> None:
    mem = MemoryFiles(home)
    assert mem.usage("memory") == (0, 2200)
    assert mem.usage("user") == (0, 1375)
    with pytest.raises(HermesError, match="1376/1375"):
        mem.add("user", "u" * 1376)


def test_replace_and_remove_by_unique_substring(home) -> None:
    mem = MemoryFiles(home)
    for entry in ("Deploys go through CI.", "Database is Postgres 15.", "Database backups run nightly."):
        mem.add("memory", entry)
    mem.replace("memory", "Postgres 15", "Database is Postgres 16.")
    assert mem.entries("memory")[1] == "Database is Postgres 16."
    with pytest.raises(HermesError, match="2 entries of MEMORY.md contain 'Database'"):
        mem.remove("memory", "Database")
    with pytest.raises(HermesError, match="no entry of MEMORY.md contains 'Redis'"):
        mem.remove("memory", "Redis")
    mem.remove("memory", "backups")
    assert mem.entries("memory") == ["Deploys go through CI.", "Database is Postgres 16."]


def test_bad_entries_are_refused(home) -> None:
    mem = MemoryFiles(home)
    with pytest.raises(HermesError, match="empty"):
        mem.add("memory", "   ")
    with pytest.raises(HermesError, match="separates entries"):
        mem.add("memory", "one\n§\ntwo")
    with pytest.raises(HermesError, match="secret"):
        mem.add("memory", "the key is sk-abcdefghijklmnopqrstuvwxyz0123")
    with pytest.raises(HermesError, match="unknown memory target"):
        mem.add("notes", "x")
    assert not home.memory_file.exists()


def test_change_behind_its_back_is_not_clobbered(home) -> None:
    mem = MemoryFiles(home)
    mem.add("memory", "first")
    # Another session (or an editor) changes the file.
    home.memory_file.write_text("first\n§\nwritten by someone else\n", "utf-8")
    with pytest.raises(HermesError, match="changed on disk since it was read"):
        mem.add("memory", "second")
    assert home.memory_file.read_text("utf-8") == "first\n§\nwritten by someone else\n"
    # The refusal re-read the file: a retry keeps the other writer's entry.
    mem.add("memory", "second")
    assert mem.entries("memory") == ["first", "written by someone else", "second"]


def test_same_size_change_is_detected(home) -> None:
    mem = MemoryFiles(home)
    mem.add("memory", "aaaa")
    stat = home.memory_file.stat()
    home.memory_file.write_text("bbbb\n", "utf-8")
    os.utime(home.memory_file, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same size, same mtime
    with pytest.raises(HermesError, match="changed on disk"):
        mem.remove("memory", "aaaa")
    assert home.memory_file.read_text("utf-8") == "bbbb\n"


def test_deleted_file_behind_its_back_is_a_change(home) -> None:
    mem = MemoryFiles(home)
    mem.add("user", "likes tea")
    home.user_file.unlink()
    with pytest.raises(HermesError, match="USER.md was changed"):
        mem.add("user", "likes coffee")


def test_snapshot_is_frozen_for_the_session(home) -> None:
    mem = MemoryFiles(home)
    mem.add("memory", "before")
    mem.add("user", "name: Ada")
    snap = mem.snapshot()
    assert snap == {"memory": "before", "user": "name: Ada"}
    mem.add("memory", "after")
    assert mem.snapshot() == snap
    assert MemoryFiles(home).snapshot() == {"memory": "before\n§\nafter", "user": "name: Ada"}


def test_unreadable_file_is_a_one_line_error(home) -> None:
    home.memory_file.mkdir(parents=True)  # a folder where the file should be
    mem = MemoryFiles(home)
    with pytest.raises(HermesError, match="cannot read .*MEMORY.md") as info:
        mem.add("memory", "x")
    assert "\n" not in info.value.message


def test_memory_entries_are_searchable(tmp_path) -> None:
    from hermes_tui.core.home import Home
    from hermes_tui.core.memory import MemoryFiles, sync_memory_notes
    from hermes_tui.core.store import Store, search

    home = Home(tmp_path / "h").ensure()
    files = MemoryFiles(home)
    files.add("memory", "The staging cluster is called brontosaurus.")
    files.add("user", "Prefers terse answers with zanzibar examples.")
    with Store.open(home.db_path) as store:
        assert sync_memory_notes(home, store) == 2
        assert sync_memory_notes(home, store) == 0  # unchanged: nothing to do
        hits = search(store, "brontosaurus", kinds={"note"})
        assert [(h.kind, h.title) for h in hits] == [("note", "The staging cluster is called brontosaurus.")]
        files.replace("memory", "brontosaurus", "The staging cluster is called stegosaurus.")
        assert sync_memory_notes(home, store) == 2
        assert search(store, "brontosaurus", kinds={"note"}) == []
        assert len(search(store, "stegosaurus", kinds={"note"})) == 1
        assert len(search(store, "zanzibar", kinds={"note"})) == 1
