"""Unreadable files and folders, for real even when the suite runs as root: the
validator runs in a child process with the rights of the user "nobody"
(util-linux ``setpriv``), where permission bits apply."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

NOBODY = 65534
SKILL = "---\nname: {name}\ndescription: Readable or not. Use in tests.\n---\nBody.\n"


@pytest.fixture
def shared_dir():
    """A folder the user nobody can enter (pytest's tmp_path is private to root)."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv to run a child as another user")
    folder = Path(tempfile.mkdtemp(prefix="hermes-perm-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        for path in folder.rglob("*"):
            path.chmod(0o755 if path.is_dir() else 0o644)
        shutil.rmtree(folder)


def validate_as_nobody(*paths: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": "/nonexistent", "PYTHONDONTWRITEBYTECODE": "1"}
    repo = Path(__file__).resolve().parent.parent
    env["PYTHONPATH"] = str(repo)
    proc = subprocess.run(
        ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", sys.executable, "-m", "hermes_tui",
         "skills", "validate", *map(str, paths), "--json"],
        capture_output=True, text=True, timeout=120, env=env, cwd="/",
    )  # fmt: skip
    if "Permission denied" in proc.stderr and "hermes_tui" not in proc.stdout + proc.stderr:
        pytest.skip("the user nobody cannot run this Python installation")
    return proc


def make_skill(folder: Path, name: str) -> Path:
    path = folder / name / "SKILL.md"
    path.parent.mkdir(parents=True)
    path.parent.chmod(0o755)
    path.write_text(SKILL.format(name=name))
    path.chmod(0o644)
    return path


def test_unreadable_file_is_a_per_file_error(shared_dir: Path) -> None:
    make_skill(shared_dir, "readable")
    locked = make_skill(shared_dir, "locked")
    locked.chmod(0)
    proc = validate_as_nobody(shared_dir)
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 1, proc.stderr
    results = {Path(r["path"]).parent.name: r for r in json.loads(proc.stdout)}
    assert results["readable"]["valid"] is True
    assert results["locked"]["valid"] is False
    assert any("permission" in e.lower() for e in results["locked"]["errors"]), results["locked"]


def test_unreadable_folder_is_reported_and_the_rest_loads(shared_dir: Path) -> None:
    make_skill(shared_dir, "readable")
    make_skill(shared_dir, "hidden-away")
    (shared_dir / "hidden-away").chmod(0)
    proc = validate_as_nobody(shared_dir)
    assert "Traceback" not in proc.stderr
    results = json.loads(proc.stdout)
    assert any(r["valid"] and Path(r["path"]).parent.name == "readable" for r in results)
    assert any(not r["valid"] and "permission" in " ".join(r["errors"]).lower() for r in results), results
