"""`hermes-tui skills validate`, run as a real child process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures" / "skills"
REPO = Path(__file__).resolve().parent.parent


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "hermes_tui", "skills", "validate", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "internal error" not in proc.stderr, proc.stderr
    return proc


def test_valid_skill_exits_0() -> None:
    proc = run(FIXTURES / "valid-basic")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == f"✓ valid-basic  {FIXTURES / 'valid-basic' / 'SKILL.md'}"
    assert lines[-1] == "1 skill, 1 valid, 0 with errors, 0 load failures"
    assert proc.stderr == ""


def test_valid_skill_file_with_warnings_exits_0() -> None:
    proc = run(FIXTURES / "nested-metadata" / "SKILL.md")
    assert proc.returncode == 0
    assert proc.stdout.splitlines()[1] == (
        "    warning: metadata.hermes: a nested map (a client namespace); the spec wants string values"
    )


def test_invalid_skill_exits_1_with_problems() -> None:
    proc = run(FIXTURES / "invalid-fields")
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("✗ Invalid--Fields-  ")
    assert "    error: title: unknown top-level field" in proc.stdout
    assert "    warning: version: not an Agent Skills field" in proc.stdout
    # errors are listed before warnings
    assert max(i for i, l in enumerate(lines) if "error:" in l) < min(i for i, l in enumerate(lines) if "warning:" in l)
    assert lines[-1] == "1 skill, 0 valid, 1 with errors, 0 load failures"


def test_json_output_shape() -> None:
    proc = run(FIXTURES / "invalid-fields", FIXTURES / "valid-basic", "--json")
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    assert isinstance(data, list) and len(data) == 2
    for item in data:
        assert set(item) == {"path", "name", "valid", "errors", "warnings"}
        assert isinstance(item["path"], str) and isinstance(item["valid"], bool)
        assert all(isinstance(x, str) for x in item["errors"] + item["warnings"])
    bad, good = data
    assert bad["name"] == "Invalid--Fields-" and bad["valid"] is False
    assert "name: 'Invalid--Fields-' has consecutive hyphens" in bad["errors"]
    assert good == {
        "path": str(FIXTURES / "valid-basic" / "SKILL.md"),
        "name": "valid-basic",
        "valid": True,
        "errors": [],
        "warnings": [],
    }


def test_whole_fixture_tree() -> None:
    proc = run(FIXTURES, "--json")
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    assert len(data) == 26  # the SKILL.md inside category/nested-skill/references/ is not a skill
    assert sum(item["valid"] for item in data) >= 10


def test_missing_path_is_reported_and_the_rest_validated(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    proc = run(FIXTURES / "valid-basic", missing)
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [
        f"✓ valid-basic  {FIXTURES / 'valid-basic' / 'SKILL.md'}",
        f"✗ ?  {missing}",
        "    error: no such file or folder",
        "1 skill, 1 valid, 0 with errors, 1 load failure",
    ]
    assert proc.stderr == ""
    data = json.loads(run(missing, FIXTURES / "valid-basic", "--json").stdout)
    assert data[0] == {"path": str(missing), "name": None, "valid": False, "errors": ["no such file or folder"], "warnings": []}
    assert data[1]["name"] == "valid-basic" and data[1]["valid"] is True
    assert run(missing).returncode == 1


def test_folder_without_skills_exits_1(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("# not a skill\n")
    proc = run(tmp_path)
    assert proc.returncode == 1
    assert proc.stderr == f"hermes-tui: error: no skills found (no SKILL.md) in: {tmp_path}\n"


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "blob" / "SKILL.md"
    path.parent.mkdir()
    path.write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 4)
    proc = run(path)
    assert proc.returncode == 1
    assert proc.stdout.splitlines()[0] == f"✗ blob  {path}"
    assert proc.stdout.splitlines()[1].startswith("    error: binary file")
    assert proc.stdout.splitlines()[-1] == "0 skills, 0 valid, 0 with errors, 1 load failure"
    data = json.loads(run(path, "--json").stdout)
    assert data == [{"path": str(path), "name": "blob", "valid": False, "errors": [data[0]["errors"][0]], "warnings": []}]
    assert data[0]["errors"][0].startswith("binary file")


def test_symlink_loop_does_not_hang(tmp_path: Path) -> None:
    skill = tmp_path / "lib" / "good-skill"
    skill.mkdir(parents=True)
    (skill / "SKILL.md").write_text("---\nname: good-skill\ndescription: Fine.\n---\nBody.\n")
    (tmp_path / "lib" / "again").symlink_to(tmp_path / "lib")
    proc = run(tmp_path / "lib", "--json")
    assert proc.returncode == 1  # the loop counts as a load failure
    data = json.loads(proc.stdout)
    assert [(d["name"], d["valid"]) for d in data] == [("good-skill", True), ("again", False)]
    assert data[1]["errors"][0].startswith(f"symlink loop at {tmp_path / 'lib' / 'again'}")


def test_does_not_create_a_home(tmp_path: Path) -> None:
    home = Path(os.environ["HERMES_HOME"])
    proc = run(FIXTURES / "valid-basic")
    assert proc.returncode == 0
    assert not home.exists()


def test_no_path_is_a_usage_error() -> None:
    proc = run()
    assert proc.returncode == 2
    assert "the following arguments are required: PATH" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
