"""A full disk gets a clear one-line error and loses nothing.

The home lives on a real, tiny tmpfs that the test fills up. Mounting needs root
(CI and the dev machines run as root); elsewhere these tests are skipped.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hermes_tui.core.fsutil import atomic_write
from hermes_tui.core.home import Home
from hermes_tui.core.skills.library import SkillLibrary
from hermes_tui.core.store import Store
from hermes_tui.errors import HermesError

TEXT = "---\nname: keep-me\ndescription: A skill that must survive. Use in tests.\n---\nOriginal body.\n"


def _fill(folder: Path) -> None:
    """Write until the filesystem says it is full."""
    with open(folder / "filler", "wb", buffering=0) as fh:
        try:
            while True:
                fh.write(b"\0" * 4096)
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            assert exc.errno == errno.ENOSPC


@pytest.fixture
def tiny(tmp_path: Path):
    mount_point = tmp_path / "tiny"
    mount_point.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount_point)], capture_output=True, text=True
    )
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], capture_output=True)


def test_atomic_write_on_full_disk_keeps_the_old_file(tiny: Path) -> None:
    target = tiny / "config.toml"
    atomic_write(target, "old = 1\n")
    _fill(tiny)
    with pytest.raises(HermesError) as info:
        atomic_write(target, "new = 2\n" * 10000)
    message = str(info.value)
    assert "no space left on device" in message and "\n" not in message
    assert target.read_text() == "old = 1\n"
    assert sorted(p.name for p in tiny.iterdir()) == ["config.toml", "filler"]


def test_skill_save_on_full_disk_loses_nothing(tiny: Path) -> None:
    home = Home(tiny / "home").ensure()
    store = Store.open(home.db_path)
    try:
        library = SkillLibrary(home, store)
        library.save("keep-me", TEXT, author="user")
        _fill(tiny)
        with pytest.raises(HermesError) as info:
            library.save("keep-me", TEXT.replace("Original body.", "New body. " * 50000), author="user")
        assert "\n" not in str(info.value)
        assert (home.skills_dir / "keep-me" / "SKILL.md").read_text() == TEXT
        assert [v["version"] for v in library.history("keep-me")] == [1]
    finally:
        store.close()


def test_cli_on_full_disk_prints_one_line(tiny: Path, tmp_path: Path) -> None:
    home = tiny / "home"
    Home(home).ensure()
    notes = tmp_path / "notes.jsonl"
    notes.write_text("".join(f'{{"text": "note number {i} {"x" * 400}"}}\n' for i in range(3000)))
    _fill(tiny)
    proc = subprocess.run(
        [sys.executable, "-m", "hermes_tui", "--home", str(home), "memory", "import", str(notes)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.startswith("hermes-tui: ")]
    assert len(lines) == 1, proc.stderr
    assert "full" in lines[0] or "space" in lines[0]
