"""The bundled skills (the repo's ``skills/`` folder): strict validity, structure,
and installation into a home by ``Home.ensure()``.

Every bundled skill must load without warnings and pass strict Agent Skills
validation, keep to the section layout the project uses (when to use, procedure,
pitfalls, verification), and link only support files that exist. Installation is
exercised for real: a home in a temporary folder, real files, the real manifest.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path, PurePosixPath

import pytest

from hermes_tui.core.home import Home, package_data_dir
from hermes_tui.core.skills.bundled import install_bundled_skills
from hermes_tui.core.workspace import Workspace
from hermes_tui.core.skills.model import LoadError, Skill
from hermes_tui.core.skills.parse import load_skill

SKILLS_ROOT = Path(__file__).resolve().parent.parent / "skills"
SKILL_FILES = sorted(SKILLS_ROOT.rglob("SKILL.md"))
SKILL_IDS = [path.parent.relative_to(SKILLS_ROOT).as_posix() for path in SKILL_FILES]

REQUIRED_SECTIONS = ("## When to use", "## Procedure", "## Pitfalls", "## Verification")
SPEC_FIELDS = {"name", "description", "license", "compatibility", "metadata", "allowed-tools"}
MAX_DESCRIPTION = 1024
MAX_BODY_LINES = 500


def _load(path: Path) -> Skill:
    skill = load_skill(path, SKILLS_ROOT)
    assert not isinstance(skill, LoadError), f"{path}: {skill.reason}"
    return skill


def _files(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by relative posix path, with its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# -- the set of bundled skills -----------------------------------------------------------


def test_at_least_six_bundled_skills_in_category_folders() -> None:
    assert len(SKILL_FILES) >= 6, f"only {len(SKILL_FILES)} bundled skills under {SKILLS_ROOT}"
    for skill_id in SKILL_IDS:
        # Hermes Agent layout: skills/<category>/<name>/SKILL.md
        assert len(skill_id.split("/")) == 2, f"{skill_id} is not <category>/<name>"


def test_bundled_skill_names_are_unique() -> None:
    names = [path.parent.name for path in SKILL_FILES]
    assert len(names) == len(set(names)), f"duplicate names: {sorted(names)}"


def test_package_data_dir_finds_the_same_skills() -> None:
    """The workspace installs from package_data_dir("skills"): it must hold exactly these."""
    source = package_data_dir("skills")
    assert source is not None
    found = sorted(p.parent.relative_to(source).as_posix() for p in source.rglob("SKILL.md"))
    assert found == SKILL_IDS


# -- each skill, strictly -------------------------------------------------------------------


@pytest.mark.parametrize("path", SKILL_FILES, ids=SKILL_IDS)
def test_bundled_skill_loads_cleanly_and_validates_strictly(path: Path) -> None:
    from hermes_tui.core.skills.validate import validate_skill

    skill = _load(path)
    assert skill.warnings == [], f"load warnings: {skill.warnings}"
    problems = validate_skill(skill)
    errors = [str(p) for p in problems if p.level == "error"]
    warnings = [str(p) for p in problems if p.level == "warning"]
    assert errors == []
    assert warnings == []
    assert skill.usable
    assert len(skill.description) <= MAX_DESCRIPTION
    assert len(skill.body.splitlines()) < MAX_BODY_LINES


@pytest.mark.parametrize("path", SKILL_FILES, ids=SKILL_IDS)
def test_bundled_skill_frontmatter_uses_only_spec_fields(path: Path) -> None:
    skill = _load(path)
    assert set(skill.frontmatter) <= SPEC_FIELDS, f"extra keys: {set(skill.frontmatter) - SPEC_FIELDS}"
    assert skill.extra == {}
    assert skill.name == path.parent.name
    assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", skill.name) and len(skill.name) <= 64
    assert skill.skill_id == path.parent.relative_to(SKILLS_ROOT).as_posix()
    assert skill.license == "MIT"
    assert skill.metadata.get("author") == "hermes-tui"
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in skill.metadata.items())
    # The description says when to use it, not only what it does.
    assert "Use when" in skill.description


@pytest.mark.parametrize("path", SKILL_FILES, ids=SKILL_IDS)
def test_bundled_skill_body_has_the_standard_sections(path: Path) -> None:
    body = _load(path).body
    positions = [body.find(section) for section in REQUIRED_SECTIONS]
    assert all(pos >= 0 for pos in positions), f"missing: {[s for s, p in zip(REQUIRED_SECTIONS, positions) if p < 0]}"
    assert positions == sorted(positions), "sections out of order"
    procedure = body[positions[1] : positions[2]]
    steps = re.findall(r"^(\d+)\. ", procedure, flags=re.MULTILINE)
    assert len(steps) >= 3 and [int(s) for s in steps] == list(range(1, len(steps) + 1)), steps


@pytest.mark.parametrize("path", SKILL_FILES, ids=SKILL_IDS)
def test_bundled_skill_support_files_are_linked_and_exist(path: Path) -> None:
    skill = _load(path)
    linked = set(re.findall(r"\]\(((?:references|scripts|assets)/[^)\s]+)\)", skill.body))
    for rel in linked:
        assert (path.parent / rel).is_file(), f"{rel} is linked but missing"
    # Every support file is reachable from the body (progressive disclosure).
    assert set(skill.support_files) <= linked, f"not linked: {set(skill.support_files) - linked}"


# -- installation into a home ------------------------------------------------------------


def _open(root: Path) -> Home:
    """Open the home as every front end does (a synced Workspace), then close it."""
    home = Home(root).ensure()
    Workspace(home).close()
    return home


def test_workspace_installs_every_bundled_skill_as_versions_by_bundled(tmp_path: Path) -> None:
    home = _open(tmp_path / "h")
    installed = sorted(p.parent.relative_to(home.skills_dir).as_posix() for p in home.skills_dir.rglob("SKILL.md"))
    assert installed == SKILL_IDS
    for skill_id in SKILL_IDS:
        assert _files(home.skills_dir / skill_id) == _files(SKILLS_ROOT / skill_id), skill_id
    assert home.bundled_manifest.is_file()
    with Workspace(home, sync=False) as ws:
        rows = {row["skill_id"]: row for row in ws.library.list()}
        assert sorted(rows) == SKILL_IDS
        assert {row["source"] for row in rows.values()} == {"bundled"}
        for skill_id in SKILL_IDS:  # through the library's write path: one version each, by "bundled"
            assert [(v["version"], v["author"]) for v in ws.library.history(skill_id)] == [(1, "bundled")]


def test_creating_a_home_installs_nothing(tmp_path: Path) -> None:
    home = Home(tmp_path / "h").ensure()
    assert list(home.skills_dir.iterdir()) == []
    assert not home.bundled_manifest.exists()
    # and the home module knows nothing of the installer (no import circle)
    probe = "import sys, hermes_tui.core.home; print('hermes_tui.core.skills.bundled' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout == "False\n"


def test_second_open_keeps_a_user_edited_bundled_skill(tmp_path: Path) -> None:
    home = _open(tmp_path / "h")
    edited = home.skills_dir / SKILL_IDS[0] / "SKILL.md"
    text = edited.read_text("utf-8") + "\n## My notes\n\n- local addition by the user\n"
    edited.write_text(text, "utf-8")

    _open(tmp_path / "h")

    assert edited.read_text("utf-8") == text
    # The others are still exactly the bundled copies.
    for skill_id in SKILL_IDS[1:]:
        assert _files(home.skills_dir / skill_id) == _files(SKILLS_ROOT / skill_id), skill_id


def test_deleted_bundled_skill_is_not_reinstalled(tmp_path: Path) -> None:
    home = _open(tmp_path / "h")
    removed = home.skills_dir / SKILL_IDS[-1]
    shutil.rmtree(removed)

    _open(tmp_path / "h")

    assert not removed.exists()
    for skill_id in SKILL_IDS[:-1]:
        assert (home.skills_dir / skill_id / "SKILL.md").is_file()


def test_new_bundled_version_updates_only_untouched_copies(tmp_path: Path) -> None:
    """A newer bundled text replaces a copy the user never edited, and only that; the
    update is a new version by "bundled", and a support file the release dropped goes."""
    source = tmp_path / "bundled"
    shutil.copytree(SKILLS_ROOT, source)
    home = Home(tmp_path / "h").ensure()
    with Workspace(home, sync=False) as ws:
        assert sorted(install_bundled_skills(ws.library, source)) == SKILL_IDS

        with_support = next(i for i in SKILL_IDS if len(_files(source / i)) > 1)
        untouched, edited = with_support, next(i for i in SKILL_IDS if i != with_support)
        user_text = "user's own rewrite\n"
        (home.skills_dir / edited / "SKILL.md").write_text(user_text, "utf-8")
        for skill_id in (untouched, edited):
            with (source / skill_id / "SKILL.md").open("a", encoding="utf-8") as fh:
                fh.write("\n- a line added in a newer release\n")
        dropped = sorted(set(_files(source / untouched)) - {"SKILL.md"})[0]
        (source / untouched / dropped).unlink()

        assert install_bundled_skills(ws.library, source) == [untouched]
        assert _files(home.skills_dir / untouched) == _files(source / untouched)
        assert (home.skills_dir / edited / "SKILL.md").read_text("utf-8") == user_text
        assert [(v["version"], v["author"]) for v in ws.library.history(untouched)] == [(1, "bundled"), (2, "bundled")]


def test_a_users_skill_of_the_same_name_wins(tmp_path: Path) -> None:
    home = Home(tmp_path / "h").ensure()
    name = PurePosixPath(SKILL_IDS[0]).name
    with Workspace(home, sync=False) as ws:
        ws.library.save(name, f"---\nname: {name}\ndescription: Mine. Use when I say so.\n---\n\nmy own\n",
                        author="user", category="mine")
        installed = install_bundled_skills(ws.library)
        assert SKILL_IDS[0] not in installed and sorted(installed) == SKILL_IDS[1:]
        assert not (home.skills_dir / SKILL_IDS[0]).exists()
        assert ws.library.find(name) == f"mine/{name}"


@pytest.mark.parametrize("marker", ["state.db", "config.yaml", "skills/.usage.json"])
def test_a_hermes_agent_home_gets_them_only_when_asked(tmp_path: Path, capsys, marker: str) -> None:
    """Hermes's skills folder is Hermes's prompt too: nothing of ours lands there unasked."""
    import json

    from hermes_tui.cli import main

    root = tmp_path / "hermes"
    (root / marker).parent.mkdir(parents=True, exist_ok=True)
    (root / marker).write_bytes(b"{}" if marker.endswith(".json") else b"")
    home = _open(root)
    assert list(home.skills_dir.rglob("SKILL.md")) == [] and not home.bundled_manifest.exists()

    assert main(["--home", str(root), "skills", "install-bundled", "--json"]) == 0
    assert sorted(json.loads(capsys.readouterr().out)["installed"]) == SKILL_IDS
    assert sorted(p.parent.relative_to(home.skills_dir).as_posix() for p in home.skills_dir.rglob("SKILL.md")) == SKILL_IDS
    assert main(["--home", str(root), "skills", "install-bundled", "--json"]) == 0  # nothing new: nothing written
    assert json.loads(capsys.readouterr().out) == {"installed": []}
    # once asked for, they are kept like anywhere else: a removed one stays removed
    shutil.rmtree(home.skills_dir / SKILL_IDS[0])
    Workspace(home).close()
    assert not (home.skills_dir / SKILL_IDS[0]).exists()
