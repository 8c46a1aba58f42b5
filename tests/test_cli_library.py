"""`skills list|show|history|diff|restore` and `pending ...` through the real CLI
in child processes, with a temporary home."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from hermes_tui.core.gate import PendingQueue, SkillChange
from hermes_tui.core.home import Home


def cli(home: Path, *args: str, check: int | None = 0) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "hermes_tui", *args, "--home", str(home)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    if check is not None:
        assert proc.returncode == check, (proc.returncode, proc.stdout, proc.stderr)
    return proc


def skill(name: str, body: str) -> str:
    return f"---\nname: {name}\ndescription: Tests the CLI. Use in tests.\n---\n{body}\n"


def test_list_show_history_diff_restore(tmp_path: Path) -> None:
    home = tmp_path / "home"
    listed = json.loads(cli(home, "skills", "list", "--json").stdout)
    bundled = {row["skill_id"] for row in listed}
    assert "software-development/systematic-debugging" in bundled
    assert all(row["state"] == "active" and row["source"] == "bundled" for row in listed)
    assert set(listed[0]) >= {"skill_id", "name", "category", "description", "state", "source", "path"}

    # A hand-written skill, then a hand edit: two versions.
    path = home / "skills" / "mine" / "cli-skill" / "SKILL.md"
    path.parent.mkdir(parents=True)
    path.write_text(skill("cli-skill", "first body"))
    shown = json.loads(cli(home, "skills", "show", "cli-skill", "--json").stdout)
    assert shown["skill_id"] == "mine/cli-skill" and shown["body"].strip() == "first body"
    assert shown["errors"] == [] and shown["versions"] == 1
    path.write_text(skill("cli-skill", "second body"))
    history = json.loads(cli(home, "skills", "history", "cli-skill", "--json").stdout)
    assert [(v["version"], v["author"]) for v in history] == [(1, "import"), (2, "user")]
    diff = cli(home, "skills", "diff", "cli-skill").stdout
    assert "-first body" in diff and "+second body" in diff
    assert cli(home, "skills", "diff", "cli-skill", "1", "2").stdout == diff
    restored = json.loads(cli(home, "skills", "restore", "cli-skill", "1", "--json").stdout)
    assert restored == {"skill_id": "mine/cli-skill", "restored": 1, "version": 3, "changed": True}
    assert path.read_text() == skill("cli-skill", "first body")

    text = cli(home, "skills", "list").stdout
    assert "mine/cli-skill" in text and text.rstrip().endswith("skills")
    assert json.loads(cli(home, "skills", "list", "--state", "broken", "--json").stdout) == []


def test_errors_are_one_line_with_exit_codes(tmp_path: Path) -> None:
    home = tmp_path / "home"
    for args, code in (
        (("skills", "show", "no-such-skill"), 1),
        (("skills", "history", "no-such-skill"), 1),
        (("skills", "restore", "systematic-debugging", "99"), 1),
        (("skills", "list", "--state", "weird"), 2),
        (("skills",), 2),
        (("skills", "diff", "x", "one"), 2),
        (("pending", "approve", "nope"), 1),
    ):
        proc = cli(home, *args, check=code)
        lines = [line for line in proc.stderr.splitlines() if line.startswith("hermes-tui")]
        assert len(lines) == 1, (args, proc.stderr)


def test_pending_queue_from_the_cli(tmp_path: Path) -> None:
    home = Home(tmp_path / "home").ensure()
    queue = PendingQueue(home)
    first = queue.submit(SkillChange(op="create", skill="from-agent", content=skill("from-agent", "agent body")))
    second = queue.submit(SkillChange(op="create", skill="unwanted", content=skill("unwanted", "no")))
    items = json.loads(cli(home.root, "pending", "list", "--json").stdout)
    assert [i["id"] for i in items] == [first.id, second.id]
    assert "agent body" in cli(home.root, "pending", "show", first.id).stdout
    assert "created from-agent" in cli(home.root, "pending", "approve", first.id).stdout
    cli(home.root, "pending", "reject", second.id, "--reason", "not needed")
    assert json.loads(cli(home.root, "pending", "list", "--json").stdout) == []
    row = json.loads(cli(home.root, "skills", "show", "from-agent", "--json").stdout)
    assert row["source"] == "agent" and row["state"] == "active"
    assert cli(home.root, "skills", "show", "unwanted", check=1).returncode == 1


def test_version_and_unknown_command(tmp_path: Path) -> None:
    assert cli(tmp_path, "--version").stdout.startswith("hermes-tui ")
    cli(tmp_path, "frobnicate", check=2)
