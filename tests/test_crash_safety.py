"""Crash safety with real processes: a child writing in a loop is killed with SIGKILL
at a seeded random moment, many times; afterwards every file parses, the database
and its full-text indexes pass their integrity checks, and every write the child
reported as committed is there. Two processes on one home never lose an update.

``HERMES_CRASH_ROUNDS`` (default 4) sets the kills per kind of write.
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from hermes_tui.core.home import Home
from hermes_tui.core.memory import parse_entries
from hermes_tui.core.skills.model import LoadError
from hermes_tui.core.skills.parse import load_skill
from hermes_tui.core.store import Store
from hermes_tui.core.store.search import search
from tests import crash_child

REPO = Path(__file__).resolve().parent.parent
ROUNDS = int(os.environ.get("HERMES_CRASH_ROUNDS", "4"))
MAX_DELAY = 0.6  # seconds of writing before the kill


class Child:
    """``python -m tests.crash_child MODE HOME START``; collects the ``<n> <id>`` lines it reports."""

    def __init__(self, mode: str, home: Home, start: int = 0) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.crash_child", mode, str(home.root), str(start)],
            cwd=REPO, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        self.reported: list[tuple[int, str]] = []
        self.ready = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        if not self.ready.wait(60):
            self.proc.kill()
            pytest.fail(f"{mode} child never got ready: {self.proc.stderr.read()}")

    def _read(self) -> None:
        for line in self.proc.stdout:
            if line == "ready\n":
                self.ready.set()
            elif m := re.fullmatch(r"(\d+) (\S+)\n", line):
                self.reported.append((int(m[1]), m[2]))

    def go(self) -> None:
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()

    def kill_after(self, delay: float) -> None:
        time.sleep(delay)
        self.proc.send_signal(signal.SIGKILL)
        self.finish(expect_killed=True)

    def finish(self, *, expect_killed: bool = False) -> None:
        self.proc.wait(60)
        self._reader.join(10)
        err = self.proc.stderr.read()
        if expect_killed:
            assert self.proc.returncode == -signal.SIGKILL, err
        else:
            assert self.proc.returncode == 0, err


def assert_store_sound(home: Home) -> None:
    with Store.open(home.db_path) as store:
        assert store.integrity_check() == []


def kill_rounds(mode: str, home: Home, seed: int, check) -> int:
    """Kill a ``mode`` child ROUNDS times; ``check(reported)`` after each. Returns the writes reported."""
    rng = random.Random(seed)
    start, reported = 0, []
    for _ in range(ROUNDS):
        child = Child(mode, home, start)
        child.kill_after(rng.uniform(0.05, MAX_DELAY))
        reported += child.reported
        assert_store_sound(home)
        check(reported)
        start = max([n for n, _ in reported], default=start) + 2  # past a write that may have landed unreported
    return len(reported)


def test_skill_saves_survive_kill_9(home: Home) -> None:
    def check(reported: list[tuple[int, str]]) -> None:
        path = home.skills_dir / "crash-skill" / "SKILL.md"
        if not path.exists():
            assert not reported
            return
        loaded = load_skill(path, home.skills_dir)
        assert not isinstance(loaded, LoadError)
        on_disk = int(re.search(r"Version (\d+)", loaded.description)[1])
        assert loaded.text == crash_child.skill_text(on_disk)  # whole, never truncated
        assert on_disk >= max((n for n, _ in reported), default=0)  # the last reported save or a later one
        with Store.open(home.db_path) as store:
            for n, version in reported:
                assert store.skill_version_text("crash-skill", int(version)) == crash_child.skill_text(n)

    assert kill_rounds("skill", home, 1, check) > ROUNDS


def test_memory_writes_survive_kill_9(home: Home) -> None:
    def check(reported: list[tuple[int, str]]) -> None:
        entries = parse_entries(home.memory_file.read_text("utf-8")) if home.memory_file.exists() else []
        numbers = {int(e.split()[1].rstrip(":")) for e in entries}
        assert all(e == crash_child.memory_entry(int(e.split()[1].rstrip(":"))) for e in entries)  # whole entries only
        assert {n for n, _ in reported} <= numbers

    assert kill_rounds("memory", home, 2, check) > ROUNDS


def test_episode_writes_survive_kill_9(home: Home) -> None:
    def check(reported: list[tuple[int, str]]) -> None:
        with Store.open(home.db_path) as store:
            for _n, eid in reported:
                episode = store.get_episode(eid)
                assert episode is not None and episode["outcome"] == "success"
                assert [e["type"] for e in episode["events"]][-1] == "episode_finished"
            hits = search(store, "zebrafish", kinds=["episode"], limit=10_000)
            assert {eid for _n, eid in reported} <= {h.id for h in hits}

    assert kill_rounds("episode", home, 3, check) > ROUNDS


def test_index_rebuilds_survive_kill_9(home: Home) -> None:
    with Store.open(home.db_path) as store:
        store.add_notes({"text": f"note {i}: the narwhal migrates in winter ({crash_child.PAD[:1500]})"} for i in range(3000))
        before = sorted(h.id for h in search(store, "narwhal", kinds=["note"], limit=5000))
        counts = {t: store.count(t) for t in ("notes", "episodes", "events", "skills")}
    assert len(before) == 3000

    def check(_reported: list[tuple[int, str]]) -> None:
        with Store.open(home.db_path) as store:
            assert {t: store.count(t) for t in counts} == counts
            assert sorted(h.id for h in search(store, "narwhal", kinds=["note"], limit=5000)) == before

    kill_rounds("rebuild", home, 4, check)


# -- two writers on one home -----------------------------------------------------------


def test_two_processes_saving_one_skill_keep_every_version(home: Home) -> None:
    count = 15
    children = [Child(f"saves:{tag}:{count}", home, 0) for tag in ("first", "second")]
    for child in children:
        child.go()
    for child in children:
        child.finish()
    with Store.open(home.db_path) as store:
        texts = [store.skill_version_text("shared-skill", v["version"]) for v in store.skill_versions("shared-skill")]
        assert store.integrity_check() == []
    expected = {crash_child.tagged_text(tag, n) for tag in ("first", "second") for n in range(count)}
    assert set(texts) == expected and len(texts) == 2 * count  # each save its own version, none lost
    for child, tag in zip(children, ("first", "second")):
        for n, version in child.reported:
            assert texts[int(version) - 1] == crash_child.tagged_text(tag, n)
    assert (home.skills_dir / "shared-skill" / "SKILL.md").read_text("utf-8") == texts[-1]


def test_an_editors_change_is_kept_when_the_workbench_saves_over_it(home: Home) -> None:
    from hermes_tui.core.skills.library import SkillLibrary

    with Store.open(home.db_path) as store:
        SkillLibrary(home, store).save("shared-skill", crash_child.tagged_text("first", 0), author="user")
    workbench = Child("wait-then-save", home, 1)  # its library is open and synced
    editor_text = crash_child.tagged_text("editor", 0)
    editor = subprocess.run(  # another program writes the file; no sync runs before the save
        [sys.executable, "-c", "import sys, pathlib; pathlib.Path(sys.argv[1]).write_text(sys.argv[2])",
         str(home.skills_dir / "shared-skill" / "SKILL.md"), editor_text], timeout=60,
    )  # fmt: skip
    assert editor.returncode == 0
    workbench.go()
    workbench.finish()
    with Store.open(home.db_path) as store:
        history = store.skill_versions("shared-skill")
        texts = [store.skill_version_text("shared-skill", v["version"]) for v in history]
    assert texts == [crash_child.tagged_text("first", 0), editor_text, crash_child.tagged_text("workbench", 1)]
    assert [v["author"] for v in history] == ["user", "user", "user"]


def test_two_processes_adding_memory_lose_nothing(home: Home) -> None:
    count = 25
    children = [Child(f"adds:{tag}:{count}", home, 0) for tag in ("first", "second")]
    for child in children:
        child.go()
    for child in children:
        child.finish()
    entries = parse_entries(home.memory_file.read_text("utf-8"))
    assert sorted(entries) == sorted(f"{tag} {n}" for tag in ("first", "second") for n in range(count))
