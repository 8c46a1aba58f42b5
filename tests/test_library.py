"""The skill library: sync from files, the one write path, versions, states."""

from __future__ import annotations

from pathlib import Path

import pytest

from hermes_tui.core.home import Home
from hermes_tui.core.skills.library import SkillLibrary, safe_join
from hermes_tui.core.store import Store, search
from hermes_tui.errors import HermesError


def skill_text(name: str, description: str = "Does a thing. Use when testing.", body: str = "# Steps\n\n1. Do it.\n") -> str:
    return f"---\nname: {name}\ndescription: {description}\n---\n{body}"


@pytest.fixture
def bare_home(tmp_path: Path) -> Home:
    return Home(tmp_path / "home").ensure()


@pytest.fixture
def lib(bare_home: Home):
    store = Store.open(bare_home.db_path)
    yield SkillLibrary(bare_home, store)
    store.close()


def write_skill(home: Home, rel: str, text: str) -> Path:
    path = home.skills_dir / rel / "SKILL.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return path


def test_sync_keeps_a_folder_stamp_and_an_unchanged_library_writes_nothing(bare_home: Home, lib: SkillLibrary) -> None:
    from hermes_tui.core.skills.library import folder_stamp

    skill = write_skill(bare_home, "ops/deploy", skill_text("deploy"))
    (skill.parent / "references").mkdir()
    (skill.parent / "references" / "steps.md").write_text("Staging first.\n", "utf-8")
    lib.sync()
    stamp = lib.store.get_skill("ops/deploy")["folder_stamp"]
    assert stamp == folder_stamp(skill.parent)
    before = lib.store.data_version()
    again = lib.sync()
    assert not again.changed and again.unchanged == 1 and lib.store.data_version() == before  # nothing written
    skill.write_text(skill_text("deploy", body="Edited.\n"), "utf-8")
    assert folder_stamp(skill.parent) == stamp  # SKILL.md is compared by its hash, not in the stamp
    (skill.parent / "references" / "more.md").write_text("A new file.\n", "utf-8")
    assert folder_stamp(skill.parent) != stamp
    assert lib.sync().updated == ["ops/deploy"]
    assert lib.store.get_skill("ops/deploy")["folder_stamp"] == folder_stamp(skill.parent)


def test_sync_picks_up_files_and_records_versions(bare_home: Home, lib: SkillLibrary) -> None:
    write_skill(bare_home, "devops/docker-basics", skill_text("docker-basics", "Build and run containers with docker."))
    write_skill(bare_home, "notes", skill_text("notes"))
    report = lib.sync()
    assert sorted(report.added) == ["devops/docker-basics", "notes"]
    rows = {r["skill_id"]: r for r in lib.list()}
    assert rows["devops/docker-basics"]["category"] == "devops"
    assert rows["devops/docker-basics"]["state"] == "active"
    assert rows["notes"]["source"] == "user"
    assert [v["author"] for v in lib.history("docker-basics")] == ["import"]
    # unchanged files: nothing to do
    again = lib.sync()
    assert not again.changed and again.unchanged == 2
    # a hand edit is a new version authored by the user, and searchable
    write_skill(bare_home, "notes", skill_text("notes", body="Mention zanzibarite here.\n"))
    assert lib.sync().updated == ["notes"]
    assert [v["author"] for v in lib.history("notes")] == ["import", "user"]
    hits = search(lib.store, "zanzibarite", kinds={"skill"})
    assert [h.skill_id for h in hits] == ["notes"]
    # a deleted folder leaves the index
    (bare_home.skills_dir / "notes" / "SKILL.md").unlink()
    assert lib.sync().removed == ["notes"]
    assert search(lib.store, "zanzibarite", kinds={"skill"}) == []


def test_broken_skill_never_active(bare_home: Home, lib: SkillLibrary) -> None:
    write_skill(bare_home, "nodesc", "---\nname: nodesc\n---\nbody only\n")
    lib.sync()
    row = lib.row("nodesc")
    assert row["state"] == "broken" and row["error"]
    assert lib.active() == []


def test_file_that_stops_parsing_keeps_last_good_version(bare_home: Home, lib: SkillLibrary) -> None:
    path = write_skill(bare_home, "keeper", skill_text("keeper", body="The quokkaword procedure.\n"))
    lib.sync()
    path.write_bytes(b"\x00\x01binary garbage\x00")
    report = lib.sync()
    assert report.errors
    row = lib.row("keeper")
    assert row["error"] and row["state"] == "active"
    assert [h.skill_id for h in search(lib.store, "quokkaword", kinds={"skill"})] == ["keeper"]
    # fixing the file clears the error
    path.write_text(skill_text("keeper", body="The quokkaword procedure, fixed.\n"))
    lib.sync()
    assert lib.row("keeper")["error"] is None


def test_save_is_the_write_path(bare_home: Home, lib: SkillLibrary) -> None:
    v1 = lib.save("pr-review", skill_text("pr-review"), author="user", category="software-development")
    path = bare_home.skills_dir / "software-development" / "pr-review" / "SKILL.md"
    assert path.read_text() == skill_text("pr-review") and v1 == 1
    v2 = lib.save("pr-review", skill_text("pr-review", body="# New body\n"), author="agent")
    assert v2 == 2
    history = lib.history("pr-review")
    assert [(h["version"], h["author"]) for h in history] == [(1, "user"), (2, "agent")]
    diff = lib.diff("pr-review")
    assert "-1. Do it." in diff and "+# New body" in diff
    assert lib.diff("pr-review", 1, 2) == diff
    v3 = lib.restore("pr-review", 1)
    assert v3 == 3 and path.read_text() == skill_text("pr-review")
    assert history[0]["content_hash"] == lib.history("pr-review")[-1]["content_hash"]
    assert lib.history("pr-review")[-1]["author"] == "restore"
    # saving the same text again records nothing new
    assert lib.save("pr-review", skill_text("pr-review"), author="user") == 3


def test_save_refuses_bad_input_and_loses_nothing(bare_home: Home, lib: SkillLibrary) -> None:
    lib.save("good", skill_text("good"), author="user")
    with pytest.raises(HermesError, match="description"):
        lib.save("good", "---\nname: good\n---\nno description\n", author="user")
    assert (bare_home.skills_dir / "good" / "SKILL.md").read_text() == skill_text("good")
    with pytest.raises(HermesError, match="invalid skill name"):
        lib.save("Bad Name", skill_text("Bad Name"), author="user")
    with pytest.raises(HermesError, match="differs"):
        lib.save("other", skill_text("not-other"), author="user")
    with pytest.raises(HermesError, match="category"):
        lib.save("x", skill_text("x"), author="user", category="../escape")
    with pytest.raises(HermesError, match="no version 9"):
        lib.restore("good", 9)
    with pytest.raises(HermesError, match="no skill named"):
        lib.history("missing")


def test_ambiguous_names(bare_home: Home, lib: SkillLibrary) -> None:
    write_skill(bare_home, "a/twin", skill_text("twin"))
    write_skill(bare_home, "b/twin", skill_text("twin"))
    lib.sync()
    with pytest.raises(HermesError, match="ambiguous"):
        lib.resolve("twin")
    assert lib.resolve("a/twin") == "a/twin"


def test_archive_moves_never_deletes(bare_home: Home, lib: SkillLibrary) -> None:
    lib.save("old-skill", skill_text("old-skill"), author="user")
    target = lib.archive("old-skill")
    assert (target / "SKILL.md").is_file()
    assert not (bare_home.skills_dir / "old-skill").exists()
    assert bare_home.archive_dir in target.parents
    assert lib.row("old-skill")["state"] == "archived"
    assert lib.sync().removed == []  # the archived row stays
    assert lib.active() == []


def test_support_files_are_confined(bare_home: Home, lib: SkillLibrary) -> None:
    lib.save("helper", skill_text("helper"), author="user")
    path = lib.write_support_file("helper", "references/notes.md", "hello", author="user")
    assert path.read_text() == "hello"
    for bad in ("../x.md", "/etc/passwd", "references/../../x", ""):
        with pytest.raises(HermesError):
            lib.write_support_file("helper", bad, "x", author="user")
    with pytest.raises(HermesError):
        safe_join(bare_home.skills_dir, "a/../../b")


def test_db_is_rebuilt_from_files(bare_home: Home, lib: SkillLibrary) -> None:
    lib.save("durable", skill_text("durable", body="Remember the heliotrope.\n"), author="user")
    lib.store.close()
    for suffix in ("", "-wal", "-shm"):
        Path(str(bare_home.db_path) + suffix).unlink(missing_ok=True)
    store = Store.open(bare_home.db_path)
    try:
        again = SkillLibrary(bare_home, store)
        assert again.sync().added == ["durable"]
        assert [h.skill_id for h in search(store, "heliotrope")] == ["durable"]
    finally:
        store.close()
    lib.store = Store.open(bare_home.db_path)


def test_bundled_skills_sync_as_bundled(tmp_path: Path) -> None:
    from hermes_tui.core.skills.bundled import install_bundled_skills

    home = Home(tmp_path / "h").ensure()
    store = Store.open(home.db_path)
    try:
        lib = SkillLibrary(home, store)
        assert install_bundled_skills(lib)
        store.close()  # a fresh index: the skills are recognised as bundled by the manifest
        home.db_path.unlink()
        lib.store = store = Store.open(home.db_path)
        lib.sync()
        rows = lib.list()
        assert rows
        assert {r["source"] for r in rows} == {"bundled"}
        assert all(r["state"] == "active" for r in rows)
    finally:
        store.close()
