"""Hot reload through a real watchfiles watcher on a real folder."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from hermes_tui.core.home import Home
from hermes_tui.core.skills.library import SkillLibrary
from hermes_tui.core.store import Store, search
from hermes_tui.core.watch import SkillWatcher


def text(name: str, body: str, description: str = "A test skill. Use in tests.") -> str:
    return f"---\nname: {name}\ndescription: {description}\n---\n{body}\n"


def eventually(check, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


@pytest.fixture
def env(tmp_path: Path):
    home = Home(tmp_path / "home").ensure()
    store = Store.open(home.db_path)
    SkillLibrary(home, store).sync()
    errors: list[str] = []
    watcher = SkillWatcher(home, on_error=errors.append)
    with watcher:
        yield home, store, watcher
    assert errors == []
    store.close()


def found(store, word: str) -> list[str]:
    return [h.skill_id for h in search(store, word, kinds={"skill"})]


def test_new_edit_move_delete(env) -> None:
    home, store, _ = env
    folder = home.skills_dir / "cat" / "alpha"
    folder.mkdir(parents=True)
    (folder / "SKILL.md").write_text(text("alpha", "first axolotlword"))
    eventually(lambda: found(store, "axolotlword") == ["cat/alpha"])
    (folder / "SKILL.md").write_text(text("alpha", "second bandicootword"))
    eventually(lambda: found(store, "bandicootword") == ["cat/alpha"])
    assert found(store, "axolotlword") == []
    shutil.move(str(folder), str(home.skills_dir / "alpha"))
    eventually(lambda: found(store, "bandicootword") == ["alpha"])
    shutil.rmtree(home.skills_dir / "alpha")
    eventually(lambda: found(store, "bandicootword") == [])


def test_editor_save_patterns(env) -> None:
    home, store, _ = env
    folder = home.skills_dir / "beta"
    folder.mkdir()
    path = folder / "SKILL.md"
    path.write_text(text("beta", "original capybaraword"))
    eventually(lambda: found(store, "capybaraword") == ["beta"])
    # write a temp file, then rename it over the original
    tmp = folder / ".SKILL.md.x1.tmp"
    tmp.write_text(text("beta", "renamed dugongword"))
    os.replace(tmp, path)
    eventually(lambda: found(store, "dugongword") == ["beta"])
    # vim: swap file, probe file, backup rename, write new, remove backup
    (folder / ".SKILL.md.swp").write_bytes(b"\x00swap")
    (folder / "4913").write_text("")
    (folder / "4913").unlink()
    os.rename(path, folder / "SKILL.md~")
    path.write_text(text("beta", "vim echidnaword"))
    (folder / "SKILL.md~").unlink()
    (folder / ".SKILL.md.swp").unlink()
    eventually(lambda: found(store, "echidnaword") == ["beta"])
    assert found(store, "dugongword") == []


def test_burst_of_100_files(env) -> None:
    home, store, watcher = env
    for i in range(100):
        folder = home.skills_dir / "burst" / f"skill-{i:03d}"
        folder.mkdir(parents=True)
        (folder / "SKILL.md").write_text(text(f"skill-{i:03d}", f"burstmarker number{i:03d}"))
    eventually(lambda: len(search(store, "burstmarker", kinds={"skill"}, limit=200)) == 100)
    assert found(store, "number042") == ["burst/skill-042"]
    assert watcher.batches < 100  # grouped into batches


def test_broken_edit_keeps_last_good(env) -> None:
    home, store, _ = env
    folder = home.skills_dir / "gamma"
    folder.mkdir()
    (folder / "SKILL.md").write_text(text("gamma", "good flamingoword"))
    eventually(lambda: found(store, "flamingoword") == ["gamma"])
    (folder / "SKILL.md").write_bytes(b"\x00\xff not text")
    eventually(lambda: (store.get_skill("gamma") or {}).get("error"))
    assert found(store, "flamingoword") == ["gamma"]
