"""Hermes Agent's staged writes (HOME/pending/{skills,memory}) in the approvals queue, replayed
as Hermes would through the workbench's write paths; its skill telemetry and hub lock."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from hermes_tui.cli import main
from hermes_tui.core.hermes import pending as hp
from hermes_tui.core.skills.discover import find_skill_files
from hermes_tui.core.workspace import Workspace
from tests.hermes_state import stage, write_hub_lock, write_usage

SKILL = "---\nname: {name}\ndescription: {desc}\n---\n# {name}\n\nRun make test.\nThen run make test again.\n"


@pytest.fixture
def hermes_home(home):
    """A home with a skill 'deploy' (and a support file), MEMORY.md with two entries."""
    folder = home.skills_dir / "devops" / "deploy"
    (folder / "references").mkdir(parents=True)
    (folder / "SKILL.md").write_text(SKILL.format(name="deploy", desc="Deploy the app with make."))
    (folder / "references" / "notes.md").write_text("old notes\n")
    home.memory_file.write_text("User prefers tea\n§\nProject uses uv for packaging")
    return home


def run(home, capsys, *args: str) -> tuple[int, str, str]:
    code = main(["--home", str(home.root), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def listed(home, capsys) -> dict[str, dict]:
    code, out, _err = run(home, capsys, "pending", "list", "--json")
    assert code == 0
    return {item["id"]: item for item in json.loads(out)}


def skill_text(home) -> str:
    return (home.skills_dir / "devops" / "deploy" / "SKILL.md").read_text()


def test_list_shows_hermes_items_with_their_fields(hermes_home, capsys) -> None:
    created = time.time() - 3600
    pid = stage(hermes_home.root, "skills", {"action": "patch", "name": "deploy", "old_string": "make test",
                                             "new_string": "make check", "replace_all": True},
                origin="background_review", summary="patch 'deploy'", created_at=created)
    mid = stage(hermes_home.root, "memory", {"action": "replace", "target": "memory", "old_text": "tea",
                                             "content": "User prefers green tea"})
    items = listed(hermes_home, capsys)
    patch = items[pid]
    assert (patch["origin"], patch["subsystem"], patch["action"], patch["skill"]) == ("hermes", "skills", "patch", "deploy")
    assert patch["hermes_origin"] == "background_review" and 3590 < patch["age"] < 3700
    assert "-Run make test." in patch["diff"] and "+Run make check." in patch["diff"]
    assert "+Then run make check again." in patch["diff"] and patch["problem"] is None
    assert set(patch) >= {"scan", "status", "created_at", "summary"}
    memory = items[mid]
    assert (memory["subsystem"], memory["target"]) == ("memory", "memory")
    assert "-User prefers tea" in memory["diff"] and "+User prefers green tea" in memory["diff"]


def test_skill_writes_replay_as_hermes_would(hermes_home, capsys) -> None:
    root = hermes_home.root
    steps = [
        ({"action": "patch", "name": "deploy", "old_string": "make test", "new_string": "make check"}, None),
        ({"action": "patch", "name": "deploy", "old_string": "make test", "new_string": "make check",
          "replace_all": True}, "make check again"),
        ({"action": "patch", "name": "deploy", "file_path": "references/notes.md", "old_string": "old",
          "new_string": "new"}, None),
        ({"action": "write_file", "name": "deploy", "file_path": "scripts/run.sh", "file_content": "echo hi\n"}, None),
        ({"action": "edit", "name": "deploy", "content": SKILL.format(name="deploy", desc="Deploy, edited.")}, None),
        ({"action": "create", "name": "brand-new", "category": "tools",
          "content": SKILL.format(name="brand-new", desc="A new skill.")}, None),
        ({"action": "remove_file", "name": "deploy", "file_path": "scripts/run.sh"}, None),
    ]
    first = stage(root, "skills", steps[0][0])
    code, _out, err = run(hermes_home, capsys, "pending", "approve", first)
    assert code == 1 and "occurs 2 times" in err and "replace_all" in err  # Hermes refuses it too
    assert (root / "pending" / "skills" / f"{first}.json").exists()
    for payload, _ in steps[1:]:
        pid = stage(root, "skills", payload)
        code, out, err = run(hermes_home, capsys, "pending", "approve", pid)
        assert code == 0, err
        assert not (root / "pending" / "skills" / f"{pid}.json").exists()
    folder = hermes_home.skills_dir / "devops" / "deploy"
    assert "Deploy, edited." in skill_text(hermes_home)
    assert (folder / "references" / "notes.md").read_text() == "new notes\n"
    assert not (folder / "scripts" / "run.sh").exists()
    assert (hermes_home.skills_dir / "tools" / "brand-new" / "SKILL.md").is_file()
    with Workspace(hermes_home) as ws:
        versions = ws.library.history("devops/deploy")
    assert len(versions) >= 3  # the original, the replace_all patch, the edit: versioned
    deleted = stage(root, "skills", {"action": "delete", "name": "brand-new"})
    assert run(hermes_home, capsys, "pending", "approve", deleted)[0] == 0
    assert not (hermes_home.skills_dir / "tools" / "brand-new").exists()
    assert list(hermes_home.archive_dir.rglob("brand-new/SKILL.md"))  # archived, recoverable


def test_a_pinned_skill_is_not_deleted(hermes_home, capsys) -> None:
    write_usage(hermes_home.root, {"deploy": {"pinned": True, "state": "active"}})
    pid = stage(hermes_home.root, "skills", {"action": "delete", "name": "deploy"})
    code, _out, err = run(hermes_home, capsys, "pending", "approve", pid)
    assert code == 1 and "pinned" in err and (hermes_home.skills_dir / "devops" / "deploy").is_dir()


def test_memory_writes_replay_with_hermes_rules(hermes_home, capsys) -> None:
    root = hermes_home.root
    for payload in (
        {"action": "add", "target": "memory", "content": "Deploys happen on Fridays"},
        {"action": "add", "target": "memory", "content": "Deploys happen on Fridays"},  # already there: no change
        {"action": "replace", "target": "memory", "old_text": "tea", "content": "User prefers coffee"},
        {"action": "remove", "target": "memory", "old_text": "uv for"},
        {"action": "add", "target": "user", "content": "Name: Ada"},
        {"action": "batch", "target": "memory", "operations": [
            {"action": "remove", "old_text": "Fridays"}, {"action": "add", "content": "Deploys on Mondays"}]},
    ):
        pid = stage(root, "memory", payload)
        code, _out, err = run(hermes_home, capsys, "pending", "approve", pid)
        assert code == 0, err
    assert hermes_home.memory_file.read_text().strip() == "User prefers coffee\n§\nDeploys on Mondays"
    assert hermes_home.user_file.read_text().strip() == "Name: Ada"
    # A batch that fails in its middle changes nothing (all or nothing), and stays queued.
    bad = stage(root, "memory", {"action": "batch", "target": "memory", "operations": [
        {"action": "add", "content": "kept?"}, {"action": "remove", "old_text": "no such entry"}]})
    code, _out, err = run(hermes_home, capsys, "pending", "approve", bad)
    assert code == 1 and "operation 2 (remove): no entry matched" in err
    assert "kept?" not in hermes_home.memory_file.read_text()
    assert (root / "pending" / "memory" / f"{bad}.json").exists()


def test_memory_limit_from_hermes_config(hermes_home, capsys) -> None:
    (hermes_home.root / "config.yaml").write_text("memory:\n  memory_char_limit: 80\n")
    pid = stage(hermes_home.root, "memory", {"action": "add", "target": "memory", "content": "x" * 40})
    code, _out, err = run(hermes_home, capsys, "pending", "approve", pid)
    assert code == 1 and "over Hermes's limit" in err and "/80" in err


LOCKER = """
import fcntl, sys
handle = open(sys.argv[1], "a+")
fcntl.flock(handle, fcntl.LOCK_EX)
print("locked", flush=True)
sys.stdin.read()
"""


def test_memory_lock_held_by_hermes_is_respected(hermes_home, capsys, monkeypatch) -> None:
    monkeypatch.setattr(hp, "LOCK_WAIT", 0.3)
    lock = hermes_home.memories_dir / "MEMORY.md.lock"
    holder = subprocess.Popen([sys.executable, "-c", LOCKER, str(lock)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    pid = stage(hermes_home.root, "memory", {"action": "add", "target": "memory", "content": "locked out"})
    try:
        assert holder.stdout.readline().strip() == "locked"
        code, _out, err = run(hermes_home, capsys, "pending", "approve", pid)
        assert code == 1 and "locked by a Hermes process" in err
    finally:
        holder.communicate("", timeout=30)
    assert run(hermes_home, capsys, "pending", "approve", pid)[0] == 0
    assert "locked out" in hermes_home.memory_file.read_text()


def test_malformed_and_orphan_items_are_shown_and_rejectable(hermes_home, capsys) -> None:
    folder = hermes_home.root / "pending" / "skills"
    folder.mkdir(parents=True)
    (folder / "broken01.json").write_text("{not json")
    orphan = stage(hermes_home.root, "skills", {"action": "edit", "name": "ghost", "content": "x"})
    good = stage(hermes_home.root, "skills", {"action": "write_file", "name": "deploy", "file_path": "a.md",
                                              "file_content": "A\n"})
    items = listed(hermes_home, capsys)
    assert "unreadable" in items["broken01"]["problem"] and items["broken01"]["diff"] is None
    assert 0 <= items["broken01"]["age"] < 600  # as old as the file, not as old as 1970
    assert items[orphan]["problem"] == "skill 'ghost' no longer exists"
    assert items[good]["problem"] is None
    code, _out, err = run(hermes_home, capsys, "pending", "approve", orphan)
    assert code == 1 and "reject it" in err
    for pid in ("broken01", orphan):
        code, out, _err = run(hermes_home, capsys, "pending", "reject", pid, "--reason", "stale")
        assert code == 0 and "a copy is kept" in out
    kept = hermes_home.workbench_dir / "hermes-rejected" / "skills" / "broken01.json"
    assert json.loads(kept.read_text())["record"] == "{not json"
    assert set(listed(hermes_home, capsys)) == {good}
    assert run(hermes_home, capsys, "pending", "approve", good)[0] == 0


def test_show_a_hermes_item(hermes_home, capsys) -> None:
    pid = stage(hermes_home.root, "skills", {"action": "create", "name": "fresh",
                                             "content": SKILL.format(name="fresh", desc="Fresh.")})
    code, out, _err = run(hermes_home, capsys, "pending", "show", pid)
    assert code == 0 and f"{pid}: Hermes skills write, create fresh (foreground)" in out and "description: Fresh." in out
    code, out, _err = run(hermes_home, capsys, "pending", "show", pid, "--json")
    assert json.loads(out)["origin"] == "hermes"


def test_skills_list_and_show_carry_hermes_telemetry(hermes_home, capsys) -> None:
    write_usage(hermes_home.root, {"deploy": {"use_count": 7, "view_count": 12, "patch_count": 2, "state": "stale",
                                              "pinned": True, "created_by": "agent",
                                              "last_used_at": "2025-10-01T10:00:00+00:00"}})
    write_hub_lock(hermes_home.root, {"deploy": {"source": "github", "identifier": "o/r/deploy",
                                                 "trust_level": "community", "scan_verdict": "safe"}})
    archived = hermes_home.skills_dir / ".archive" / "old-skill"
    archived.mkdir(parents=True)
    (archived / "SKILL.md").write_text(SKILL.format(name="old-skill", desc="Archived by the curator."))
    (hermes_home.skills_dir / ".curator_backups" / "x").mkdir(parents=True)
    (hermes_home.skills_dir / ".curator_backups" / "x" / "SKILL.md").write_text(SKILL.format(name="x", desc="b"))
    code, out, _err = run(hermes_home, capsys, "skills", "list", "--json")
    rows = {r["name"]: r for r in json.loads(out)}
    assert "old-skill" not in rows and "x" not in rows  # Hermes's internal folders are not skills
    info = rows["deploy"]["hermes"]
    assert info["usage"]["use_count"] == 7 and info["state"] == "stale" and info["pinned"] is True
    assert info["hub"] == {"source": "github", "identifier": "o/r/deploy", "trust_level": "community",
                           "scan_verdict": "safe", "installed_at": None}
    assert all(r["hermes"] is None for name, r in rows.items() if name != "deploy")
    code, out, _err = run(hermes_home, capsys, "skills", "list")
    assert "[hermes: stale] [pinned in hermes] [hub: community, scan safe]" in out
    code, out, _err = run(hermes_home, capsys, "skills", "show", "deploy")
    assert "hermes: used 7x, viewed 12x, patched 2x" in out
    code, out, _err = run(hermes_home, capsys, "skills", "show", "deploy", "--json")
    assert json.loads(out)["hermes"]["usage"]["created_by"] == "agent"
    found, _problems = find_skill_files(hermes_home.skills_dir)
    assert not any(".archive" in str(p) or ".curator_backups" in str(p) for p in found)


def test_trajectory_import(home, capsys, tmp_path) -> None:
    entry = {"conversations": [
        {"from": "system", "value": "You are Hermes."},
        {"from": "human", "value": "list the files"},
        {"from": "gpt", "value": "<think>ls will do</think>\n<tool_call>\n{\"name\": \"terminal\", "
                                 "\"arguments\": {\"command\": \"ls\"}}\n</tool_call>"},
        {"from": "tool", "value": "<tool_response>\n{\"name\": \"terminal\", \"content\": \"a.txt b.txt\"}\n"
                                  "</tool_response>"},
        {"from": "gpt", "value": "Two files: a.txt and b.txt (flamingo)."},
    ], "timestamp": "2025-10-09T10:00:00", "model": "hermes-4", "completed": True}
    path = tmp_path / "trajectory_samples.jsonl"
    path.write_text(json.dumps(entry) + "\n" + json.dumps({**entry, "completed": False}) + "\nnot json\n")
    code, out, _err = run(home, capsys, "episodes", "import-trajectories", str(path), "--json")
    result = json.loads(out)
    assert code == 0 and result["imported"] == 2 and len(result["problems"]) == 1
    assert json.loads(run(home, capsys, "episodes", "import-trajectories", str(path), "--json")[1])["skipped"] == 2
    rows = json.loads(run(home, capsys, "episodes", "list", "--json")[1])
    assert sorted(r["outcome"] for r in rows) == ["failure", "success"]
    episode = json.loads(run(home, capsys, "episodes", "show", rows[0]["id"], "--json")[1])
    types = [e["type"] for e in episode["events"]]
    assert types == ["system_message", "user_message", "reasoning_delta", "turn_finished", "tool_call", "tool_result",
                     "turn_finished"]
    call, result_event = episode["events"][4], episode["events"][5]
    assert call["data"]["arguments"] == {"command": "ls"} and result_event["result"] == "a.txt b.txt"
    assert result_event["data"]["call_id"] == call["data"]["call_id"]
    assert json.loads(run(home, capsys, "search", "flamingo", "--json")[1])
