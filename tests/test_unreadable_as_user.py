"""Unreadable files and folders, for real even when the suite runs as root: the
validator runs in a child process with the rights of the user "nobody"
(util-linux ``setpriv``), where permission bits apply.

The checkout and the virtualenv may live in a private folder (a clone under a mode-0700
home or ``mktemp -d``) that nobody cannot enter. So the child does not use them: what
the command imports (hermes_tui and the few packages it needs, found by running it
once as ourselves) is copied to a world-readable temporary folder, and the child runs
the base interpreter with only that folder added to its path. When nobody cannot run
even the base interpreter, the tests are skipped and say why.
"""

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
FIXTURE = Path(__file__).parent / "fixtures" / "skills" / "valid-basic"

# Run as ourselves: validate a skill, then print the files of every top-level module
# the command imported that is not part of the standard library.
_FIND_IMPORTS = """
import json, sys, sysconfig
from pathlib import Path
before = set(sys.modules)
from hermes_tui.cli import main
import contextlib, io
with contextlib.redirect_stdout(io.StringIO()):
    main(["skills", "validate", sys.argv[1], "--json"])
stdlib = {Path(sysconfig.get_paths()[k]).resolve() for k in ("stdlib", "platstdlib")}
found = set()
for name in set(sys.modules) - before:
    module = sys.modules[name.split(".")[0]]
    path = getattr(module, "__file__", None)
    if path is None and getattr(module, "__path__", None):
        path = list(module.__path__)[0] + "/__init__.py"
    if path is None:
        continue  # built into the interpreter
    path = Path(path).resolve()
    if any(p in path.parents for p in stdlib) and "site-packages" not in path.parts:
        continue
    found.add(str(path.parent if path.name == "__init__.py" else path))
print(json.dumps(sorted(found)))
"""

# As nobody: put the copied packages first on the path and run the CLI.
_RUN_CLI = "import runpy, sys; sys.path.insert(0, {runtime!r}); runpy.run_module('hermes_tui', run_name='__main__')"


def _base_interpreter() -> str:
    """The interpreter behind a virtualenv (the venv itself may be private)."""
    return getattr(sys, "_base_executable", None) or sys.executable


def _world_readable(root: Path) -> None:
    for path in [root, *root.rglob("*")]:
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() or os.access(path, os.X_OK) else 0o644)


def _copy_runtime(runtime: Path) -> None:
    """Copy hermes_tui and the packages `skills validate` imports into ``runtime``."""
    proc = subprocess.run(
        [sys.executable, "-c", _FIND_IMPORTS, str(FIXTURE)], capture_output=True, text=True, timeout=120
    )
    if proc.returncode != 0:
        pytest.fail(f"cannot list the modules the validator imports: {proc.stderr.strip()}")
    runtime.mkdir()
    ignore = shutil.ignore_patterns("__pycache__")
    for raw in json.loads(proc.stdout):
        source = Path(raw)
        if source.is_dir():
            shutil.copytree(source, runtime / source.name, ignore=ignore, copy_function=shutil.copyfile)
        else:
            shutil.copyfile(source, runtime / source.name)
        for libs in source.parent.glob("*.libs"):  # shared libraries some wheels carry beside them
            if not (runtime / libs.name).exists():
                shutil.copytree(libs, runtime / libs.name, copy_function=shutil.copyfile)
    _world_readable(runtime)


def _as_nobody(*args: str, cwd: str = "/") -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": "/nonexistent", "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", _base_interpreter(), "-I", *args],
        capture_output=True, text=True, timeout=120, env=env, cwd=cwd,
    )  # fmt: skip


@pytest.fixture(scope="module")
def world():
    """A world-readable folder holding a copy of what the child needs (``runtime/``)."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv to run a child as another user")
    folder = Path(tempfile.mkdtemp(prefix="hermes-perm-"))
    try:
        folder.chmod(0o755)
        _copy_runtime(folder / "runtime")
        probe = _as_nobody("-c", _RUN_CLI.format(runtime=str(folder / "runtime")), "--version")
        if probe.returncode != 0 or not probe.stdout.startswith("hermes-tui "):
            why = (probe.stderr.strip().splitlines() or [f"exit {probe.returncode}"])[-1]
            pytest.skip(f"the user nobody cannot run {_base_interpreter()} from {folder}: {why}")
        yield folder
    finally:
        for path in folder.rglob("*"):
            if not path.is_symlink():
                path.chmod(0o755 if path.is_dir() else 0o644)
        shutil.rmtree(folder)


@pytest.fixture
def shared_dir(world: Path, request: pytest.FixtureRequest) -> Path:
    """A folder the user nobody can enter (pytest's tmp_path is private to root)."""
    folder = world / request.node.name
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    return folder


def validate_as_nobody(world: Path, *paths: Path) -> subprocess.CompletedProcess[str]:
    code = _RUN_CLI.format(runtime=str(world / "runtime"))
    return _as_nobody("-c", code, "skills", "validate", *map(str, paths), "--json")


def make_skill(folder: Path, name: str) -> Path:
    path = folder / name / "SKILL.md"
    path.parent.mkdir(parents=True)
    path.parent.chmod(0o755)
    path.write_text(SKILL.format(name=name))
    path.chmod(0o644)
    return path


def test_unreadable_file_is_a_per_file_error(world: Path, shared_dir: Path) -> None:
    make_skill(shared_dir, "readable")
    locked = make_skill(shared_dir, "locked")
    locked.chmod(0)
    proc = validate_as_nobody(world, shared_dir)
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 1, proc.stderr
    results = {Path(r["path"]).parent.name: r for r in json.loads(proc.stdout)}
    assert results["readable"]["valid"] is True
    assert results["locked"]["valid"] is False
    assert any("permission" in e.lower() for e in results["locked"]["errors"]), results["locked"]


def test_unreadable_folder_is_reported_and_the_rest_loads(world: Path, shared_dir: Path) -> None:
    make_skill(shared_dir, "readable")
    make_skill(shared_dir, "hidden-away")
    (shared_dir / "hidden-away").chmod(0)
    proc = validate_as_nobody(world, shared_dir)
    assert "Traceback" not in proc.stderr
    results = json.loads(proc.stdout)
    assert any(r["valid"] and Path(r["path"]).parent.name == "readable" for r in results)
    assert any(not r["valid"] and "permission" in " ".join(r["errors"]).lower() for r in results), results
