"""The core's diffs of skill text, live validation with lines, the new-skill template, and
the library's reads and pin used by the skill editor."""

from __future__ import annotations

from pathlib import Path

import pytest

from hermes_tui.core.skills.diff import (
    diff_lines,
    diff_stats,
    has_conflict_markers,
    intraline,
    merge_by_hand,
    side_by_side,
    unified_diff,
)
from hermes_tui.core.skills.template import new_skill_text
from hermes_tui.core.skills.validate import validate_text
from hermes_tui.core.workspace import Workspace
from hermes_tui.errors import HermesError

OLD = "---\nname: tidy\ndescription: Tidy logs.\n---\n# Tidy\n1. gzip old logs\n2. delete the oldest\n"
NEW = "---\nname: tidy\ndescription: Tidy logs.\n---\n# Tidy\n1. gzip -9 old logs\n3. keep a week\n"


def test_unified_rows_mark_the_changed_characters() -> None:
    rows = diff_lines(OLD, NEW, context=1)
    assert [(r.tag, r.old_no, r.new_no) for r in rows] == [
        ("hunk", None, None), ("equal", 5, 5), ("delete", 6, None), ("delete", 7, None), ("insert", None, 6), ("insert", None, 7),
    ]
    assert rows[0].text == "@@ -5,3 +5,3 @@"
    gzip_old, gzip_new = rows[2], rows[4]
    assert [gzip_new.text[a:b] for a, b in gzip_new.spans] == [" -9"] and gzip_old.spans == ()
    # Lines with little in common get no marks: the whole line changed
    assert (rows[3].text, rows[3].spans, rows[5].spans) == ("2. delete the oldest", (), ())
    assert intraline("abc", "xyz") == ((), ())
    assert diff_stats(OLD, NEW) == (2, 2)
    assert diff_lines(OLD, OLD) == [] and side_by_side(OLD, OLD) == []


def test_side_by_side_rows_face_each_other() -> None:
    rows = side_by_side(OLD, NEW + "4. done\n", context=0)
    assert [(r.tag, r.old_no, r.new_no) for r in rows] == [
        ("hunk", None, None), ("replace", 6, 6), ("replace", 7, 7), ("insert", None, 8),
    ]
    assert rows[1].new_spans and rows[3].new_text == "4. done" and rows[3].old_text == ""
    only_removed = side_by_side("a\nb\nc\n", "a\nc\n", context=0)
    assert [(r.tag, r.old_text, r.new_text) for r in only_removed[1:]] == [("delete", "b", "")]


def test_unified_diff_text_is_the_classic_form() -> None:
    text = unified_diff("a\nb", "a\nc", "x@v1", "x@v2")
    assert text.splitlines()[:2] == ["--- x@v1", "+++ x@v2"]
    assert "-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n" in text
    from hermes_tui.core.skills.library import unified_diff as from_library

    assert from_library is unified_diff  # one implementation, imported from either place


def test_merge_by_hand_keeps_both_and_marks_every_difference() -> None:
    merged = merge_by_hand(OLD, NEW)
    assert merged.startswith("---\nname: tidy\n") and merged.endswith("\n")
    assert "<<<<<<< mine\n1. gzip old logs\n2. delete the oldest\n=======\n1. gzip -9 old logs\n3. keep a week\n>>>>>>> on disk\n" in merged
    assert has_conflict_markers(merged)
    assert not has_conflict_markers(OLD)
    assert not has_conflict_markers("# Title\n=======\nsetext underline, not a marker\n")
    assert merge_by_hand(OLD, OLD) == OLD


def test_validate_text_names_field_and_line() -> None:
    text = "---\nname: Tidy_Logs\ndescription: Tidy logs.\nmetadata:\n  owner: 3\nfoo: bar\ntags: [a]\n---\n# Tidy\n"
    found = [(p.level, p.field, p.line) for p in validate_text(text, path=Path("/x/skills/tidy-logs/SKILL.md"))]
    assert ("error", "name", 2) in found
    assert ("error", "metadata.owner", 5) in found
    assert ("error", "foo", 6) in found
    assert ("warning", "tags", 7) in found
    assert [p[0] for p in found] == sorted(p[0] for p in found)  # errors first, then warnings
    missing = validate_text("\n---\nname: tidy\n---\nbody\n", path=Path("/x/skills/tidy/SKILL.md"))
    assert [(p.field, p.line) for p in missing if p.level == "error"] == [("description", 2)]


@pytest.mark.parametrize("description", ["", "Rotate logs: keep #7 [days]", "Plain words."])
def test_a_new_skill_from_the_template_passes_the_validator(description: str) -> None:
    text = new_skill_text("rotate-logs", description)
    assert validate_text(text, path=Path("/x/skills/ops/rotate-logs/SKILL.md")) == []
    with pytest.raises(HermesError, match="invalid skill name"):
        new_skill_text("Rotate Logs")


def test_library_reads_text_and_support_files_and_pins(home) -> None:
    with Workspace(home) as ws:
        events = []
        ws.events.subscribe(events.append)
        ws.library.save("tidy", OLD, author="user")
        folder = ws.library.folder("tidy")
        (folder / "references").mkdir()
        (folder / "references" / "notes.md").write_text("# Notes\n", encoding="utf-8")
        (folder / "assets").mkdir()
        (folder / "assets" / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
        (folder / "SKILL.md").write_text(NEW, encoding="utf-8")
        assert ws.library.text("tidy") == NEW  # the disk, not the index
        assert ws.library.read_support_file("tidy", "references/notes.md") == "# Notes\n"
        assert ws.library.read_support_file("tidy", "assets/logo.png") is None
        with pytest.raises(HermesError, match="'..' is not allowed"):
            ws.library.read_support_file("tidy", "../../config.toml")
        ws.library.pin("tidy")
        assert ws.library.row("tidy")["pinned"] is True
        ws.library.pin("tidy", False)
        assert ws.library.row("tidy")["pinned"] is False
        assert [(e.action, e.skill_ids) for e in events if e.type == "library_changed"][-2:] == [
            ("pinned", ("tidy",)), ("unpinned", ("tidy",)),
        ]


def test_every_corpus_skill_validates_with_lines_in_the_file(corpus: Path) -> None:
    """The live validation on 497 real files: the problems of validate_skill, each at a real line."""
    from hermes_tui.core.skills.discover import load_tree
    from hermes_tui.core.skills.validate import validate_skill

    skills, _ = load_tree(corpus)
    assert len(skills) >= 497
    located = 0
    for skill in skills:
        problems = validate_text(skill.text, path=skill.path, root=corpus)
        from_file = {(p.level, p.field, p.message) for p in validate_skill(skill)}
        # The same findings (a text has no decoding or support-file warnings of its own)
        assert {(p.level, p.field, p.message) for p in problems} <= from_file, skill.path
        lines = skill.text.count("\n") + 1
        for problem in problems:
            assert problem.line is not None and 1 <= problem.line <= lines, (skill.path, problem)
            located += problem.field not in ("file", "body")
    assert located > 100  # the corpus has many problems in its frontmatter, each placed on its key
