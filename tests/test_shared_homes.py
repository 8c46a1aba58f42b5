"""Homes shared by several processes, and read-only homes, through real child processes.

Writers take the write lock at BEGIN (BEGIN IMMEDIATE), so a second writer waits its
turn up to the busy timeout instead of failing at once; readers never wait. A
read-only home (a read-only bind mount, which binds root too) still answers every
command that only reads.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import apsw
import pytest

from hermes_tui.core.store.db import BUSY_TIMEOUT_MS

NOTES = 20_000


def cli(home: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "hermes_tui", *args, "--home", str(home)]


def run(home: Path, *args: str, code: int = 0) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(cli(home, *args), capture_output=True, text=True, timeout=120)
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr
    assert proc.returncode == code, (args, proc.returncode, proc.stdout, proc.stderr)
    return proc


def write_notes(path: Path, tag: str, count: int = NOTES) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for i in range(count):
            fh.write(json.dumps({"text": f"{tag} note {i}: shared home import check {i * 7}"}) + "\n")
    return path


def note_count(home: Path) -> int:
    conn = apsw.Connection(str(home / "workbench" / "workbench.db"))
    try:
        return int(conn.execute("SELECT count(*) FROM notes").fetchall()[0][0])
    finally:
        conn.close()


class WriteLock:
    """Hold the database's write lock from this process, as another writer would, and
    commit one note on release (so a reader's snapshot taken meanwhile is then stale)."""

    def __init__(self, home: Path) -> None:
        self.conn = apsw.Connection(str(home / "workbench" / "workbench.db"))
        self.conn.execute("BEGIN IMMEDIATE")
        self.conn.execute("INSERT INTO notes(kind, text, created_at) VALUES ('note', 'from the lock holder', 0)")

    def release(self) -> None:
        self.conn.execute("COMMIT")
        self.conn.close()


@pytest.fixture
def shared_home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    run(home, "skills", "list")  # creates the home and its database
    return home


def test_two_imports_at_once_both_succeed(shared_home: Path, tmp_path: Path) -> None:
    files = [write_notes(tmp_path / f"{tag}.jsonl", tag) for tag in ("first", "second")]
    lock = WriteLock(shared_home)  # both importers start while the lock is taken: both must wait
    procs = [subprocess.Popen(cli(shared_home, "memory", "import", str(f)), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for f in files]  # fmt: skip
    time.sleep(1.5)
    lock.release()
    results = [(p.wait(timeout=120), *p.communicate()) for p in procs]
    for code, out, err in results:
        assert code == 0, err
        assert out.startswith(f"imported {NOTES} notes"), out
    assert note_count(shared_home) == 2 * NOTES + 1


def test_a_writer_held_too_long_gets_a_true_busy_message(shared_home: Path, tmp_path: Path) -> None:
    notes = write_notes(tmp_path / "late.jsonl", "late", 100)
    lock = WriteLock(shared_home)
    try:
        started = time.monotonic()
        proc = subprocess.run(cli(shared_home, "memory", "import", str(notes)), capture_output=True, text=True, timeout=60)
        waited = time.monotonic() - started
    finally:
        lock.release()
    assert proc.returncode == 1
    assert waited >= BUSY_TIMEOUT_MS / 1000  # it waited its turn for the whole timeout
    assert proc.stderr.endswith("is busy: another process kept it locked for more than 5 s; try again\n"), proc.stderr
    assert len(proc.stderr.splitlines()) == 1
    assert note_count(shared_home) == 1  # the holder's note; nothing half-written


def test_processes_opening_a_new_home_at_once(tmp_path: Path) -> None:
    home = tmp_path / "new-home"
    procs = [subprocess.Popen(cli(home, "skills", "list", "--json"), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(3)]  # fmt: skip
    listings = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0 and err == "", err
        listings.append(json.loads(out))
    assert all(listing == listings[0] for listing in listings) and listings[0]
    assert {row["source"] for row in listings[0]} == {"bundled"}
    manifest = json.loads((home / "workbench" / "bundled.json").read_text())
    assert sorted(manifest) == [row["skill_id"] for row in listings[0]]
    conn = apsw.Connection(str(home / "workbench" / "workbench.db"))
    versions = conn.execute("SELECT skill_id, group_concat(version) FROM skill_versions GROUP BY skill_id").fetchall()
    conn.close()
    assert versions == [(row["skill_id"], "1") for row in listings[0]]  # each recorded once


def test_readers_do_not_wait_for_a_writer(shared_home: Path) -> None:
    lock = WriteLock(shared_home)
    try:
        started = time.monotonic()
        listed = json.loads(run(shared_home, "skills", "list", "--json").stdout)
        assert time.monotonic() - started < BUSY_TIMEOUT_MS / 1000
    finally:
        lock.release()
    assert any(row["skill_id"] == "software-development/systematic-debugging" for row in listed)


# -- read-only homes -------------------------------------------------------------------
@pytest.fixture
def readonly_home(tmp_path: Path):
    """A populated home, then read-only: a read-only bind mount as root (root ignores
    permission bits, not a read-only mount), the write bits removed otherwise."""
    home = tmp_path / "home"
    run(home, "memory", "import", str(write_notes(tmp_path / "n.jsonl", "readonly", 50)))
    mine = home / "skills" / "mine" / "shared-skill" / "SKILL.md"
    mine.parent.mkdir(parents=True)
    mine.write_text("---\nname: shared-skill\ndescription: A shared skill. Use in tests.\n---\nFirst.\n")
    run(home, "skills", "list")
    mine.write_text(mine.read_text().replace("First.", "Edited by hand."))  # a change the sync cannot record
    if os.geteuid() != 0:
        for path in [home, *home.rglob("*")]:
            path.chmod(0o555 if path.is_dir() else 0o444)
        yield home
        for path in [home, *home.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        return
    source = tmp_path / "source"
    home.rename(source)
    home.mkdir()
    for command in (["mount", "--bind", str(source), str(home)], ["mount", "-o", "remount,bind,ro", str(home)]):
        proc = subprocess.run(command, capture_output=True, text=True)
        if proc.returncode != 0:
            subprocess.run(["umount", str(home)], capture_output=True)
            pytest.skip(f"cannot make a read-only bind mount here: {proc.stderr.strip()}")
    try:
        yield home
    finally:
        subprocess.run(["umount", "-l", str(home)], capture_output=True)


def test_read_commands_work_on_a_read_only_home(readonly_home: Path, tmp_path: Path) -> None:
    home = readonly_home
    assert not os.access(home / "workbench", os.W_OK)
    before = {p: p.stat().st_mtime_ns for p in home.rglob("*")}
    queries = tmp_path / "queries.txt"
    queries.write_text("readonly\nshared home\n")
    for args in (
        ("skills", "list", "--json"),
        ("search", "readonly", "--json"),
        ("skills", "show", "systematic-debugging", "--json"),
        ("skills", "history", "shared-skill", "--json"),
        ("episodes", "list", "--json"),
        ("bench", "search", "--queries", str(queries), "--json"),
    ):
        proc = run(home, *args)
        json.loads(proc.stdout)
        assert "read-only" not in proc.stdout
        # The hand edit could not be recorded: said once, in one line, by the commands that sync.
        note = f"hermes-tui: note: {home} is read-only: changes to its files could not be recorded"
        assert proc.stderr.splitlines() == ([] if args[0] == "episodes" else [note]), (args, proc.stderr)
    hits = json.loads(run(home, "search", "readonly", "--json").stdout)
    assert any(hit["kind"] == "note" for hit in hits)
    assert {p: p.stat().st_mtime_ns for p in home.rglob("*")} == before


def test_writes_on_a_read_only_home_fail_in_one_line(readonly_home: Path, tmp_path: Path) -> None:
    proc = run(readonly_home, "memory", "import", str(write_notes(tmp_path / "more.jsonl", "more", 5)), code=1)
    assert proc.stderr.splitlines()[-1] == (
        f"hermes-tui: error: cannot record changes: {readonly_home / 'workbench' / 'workbench.db'} is read-only"
    )
