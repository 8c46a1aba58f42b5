"""The approval gate: agent-written skill text waits in pending/ until approved."""

from __future__ import annotations

from pathlib import Path

import pytest

from hermes_tui.core.gate import PendingQueue, SkillChange, apply_change
from hermes_tui.core.home import Home
from hermes_tui.core.skills.library import SkillLibrary
from hermes_tui.core.store import Store
from hermes_tui.errors import HermesError

TEXT = "---\nname: deploy-notes\ndescription: How we deploy. Use when deploying.\n---\n1. Ship it.\n"


@pytest.fixture
def setup(tmp_path: Path):
    home = Home(tmp_path / "home").ensure()
    store = Store.open(home.db_path)
    yield home, PendingQueue(home), SkillLibrary(home, store)
    store.close()


def test_submit_touches_only_pending(setup) -> None:
    home, queue, lib = setup
    before = sorted(p for p in home.skills_dir.rglob("*"))
    item = queue.submit(SkillChange(op="create", skill="deploy-notes", content=TEXT, episode_id="ep1", reason="learned"))
    assert sorted(p for p in home.skills_dir.rglob("*")) == before
    assert (home.pending_dir / item.id / "SKILL.md").read_text() == TEXT
    assert [i.id for i in queue.list()] == [item.id]
    assert queue.get(item.id).change.episode_id == "ep1"
    lib.sync()
    assert lib.list() == []


def test_approve_applies_through_the_library(setup) -> None:
    home, queue, lib = setup
    item = queue.submit(SkillChange(op="create", skill="deploy-notes", content=TEXT, category="ops", episode_id="ep-9"))
    assert "created deploy-notes" in queue.approve(item.id, lib)
    assert lib.row("deploy-notes")["provenance"] == ["ep-9"]
    assert (home.skills_dir / "ops" / "deploy-notes" / "SKILL.md").read_text() == TEXT
    assert queue.list() == []
    row = lib.row("deploy-notes")
    assert row["source"] == "agent" and row["state"] == "active"
    assert lib.history("deploy-notes")[0]["author"] == "agent"
    patch = queue.submit(SkillChange(op="patch", skill="deploy-notes", old="1. Ship it.", new="1. Test.\n2. Ship it."))
    queue.approve(patch.id, lib)
    assert "2. Ship it." in (home.skills_dir / "ops" / "deploy-notes" / "SKILL.md").read_text()
    wf = queue.submit(SkillChange(op="write_file", skill="deploy-notes", file_path="references/x.md", content="ref"))
    queue.approve(wf.id, lib)
    assert (home.skills_dir / "ops" / "deploy-notes" / "references" / "x.md").read_text() == "ref"
    gone = queue.submit(SkillChange(op="delete", skill="deploy-notes"))
    queue.approve(gone.id, lib)
    assert lib.row("deploy-notes")["state"] == "archived"


def test_reject_keeps_a_record(setup) -> None:
    home, queue, lib = setup
    item = queue.submit(SkillChange(op="create", skill="deploy-notes", content=TEXT))
    queue.reject(item.id, "not useful")
    assert queue.list() == []
    assert (home.pending_dir / "rejected" / item.id / "change.json").is_file()
    again = queue.get(item.id)  # still shown, with its decision
    assert (again.status, again.note, again.change.content) == ("rejected", "not useful", TEXT)
    for decide in (lambda: queue.reject(item.id), lambda: queue.approve(item.id, lib)):
        with pytest.raises(HermesError, match=f"^change {item.id} was already rejected: not useful$"):
            decide()
    assert lib.list() == []


def test_an_approved_change_is_kept_and_never_applied_twice(setup) -> None:
    home, queue, lib = setup
    item = queue.submit(SkillChange(op="create", skill="deploy-notes", content=TEXT))
    result = queue.approve(item.id, lib)
    assert queue.list() == []
    kept = queue.get(item.id)
    assert (kept.status, kept.note) == ("approved", result)
    assert kept.folder == home.pending_dir / "approved" / item.id
    with pytest.raises(HermesError, match=f"^change {item.id} was already approved: created deploy-notes"):
        queue.approve(item.id, lib)
    assert [v["version"] for v in lib.history("deploy-notes")] == [1]
    for bad in ("approved", "rejected", "", "../x"):
        with pytest.raises(HermesError, match="no pending change"):
            queue.get(bad)


def test_pending_creates_are_listed_as_pending_skills(setup) -> None:
    from hermes_tui.core.gate import skills_with_pending

    home, queue, lib = setup
    lib.save("deploy-notes", TEXT, author="user")
    waiting = queue.submit(SkillChange(op="create", skill="new-one", category="ops", content=TEXT.replace("deploy-notes", "new-one")))
    queue.submit(SkillChange(op="patch", skill="deploy-notes", old="Ship", new="Test"))  # not a new skill
    rows = skills_with_pending(lib)
    assert [(r["skill_id"], r["state"]) for r in rows] == [("deploy-notes", "active"), ("ops/new-one", "pending")]
    assert rows[1]["pending_id"] == waiting.id and rows[1]["description"] == "How we deploy. Use when deploying."
    assert [r["skill_id"] for r in skills_with_pending(lib, "pending")] == ["ops/new-one"]
    assert [r["skill_id"] for r in skills_with_pending(lib, "active")] == ["deploy-notes"]
    queue.approve(waiting.id, lib)
    assert [(r["skill_id"], r["state"]) for r in skills_with_pending(lib)] == [
        ("deploy-notes", "active"), ("ops/new-one", "active")
    ]  # fmt: skip


def test_bad_changes_are_refused_in_one_line(setup) -> None:
    home, queue, lib = setup
    for change in (
        SkillChange(op="explode", skill="x"),
        SkillChange(op="create", skill="x"),
        SkillChange(op="patch", skill="x", old="", new="y"),
        SkillChange(op="write_file", skill="x", content="y"),
        SkillChange(op="write_file", skill="x", file_path="../../etc/passwd", content="y"),
    ):
        with pytest.raises(HermesError) as info:
            queue.submit(change)
        assert "\n" not in str(info.value)
    assert queue.list() == []
    lib.save("deploy-notes", TEXT, author="user")
    with pytest.raises(HermesError, match="occurs 0 times"):
        apply_change(SkillChange(op="patch", skill="deploy-notes", old="absent", new="y"), lib)
    with pytest.raises(HermesError, match="already exists"):
        apply_change(SkillChange(op="create", skill="deploy-notes", content=TEXT), lib)
    with pytest.raises(HermesError):
        queue.get("../etc")
