"""Strict validation against the Agent Skills specification."""

from __future__ import annotations

from pathlib import Path

import pytest

from hermes_tui.core.skills.model import Problem, Skill
from hermes_tui.core.skills.parse import load_skill, parse_skill_text
from hermes_tui.core.skills.validate import errors, is_valid, validate_skill, warnings

FIXTURES = Path(__file__).parent / "fixtures" / "skills"


def make(tmp_path: Path, frontmatter: str, body: str = "Body.\n", folder: str = "my-skill") -> Skill:
    return parse_skill_text(f"---\n{frontmatter}\n---\n{body}", path=tmp_path / folder / "SKILL.md")


def found(problems: list[Problem], level: str, field: str, words: str = "") -> bool:
    return any(p.level == level and p.field == field and words in p.message for p in problems)


def test_valid_skill_has_no_problems() -> None:
    skill = load_skill(FIXTURES / "valid-basic")
    assert isinstance(skill, Skill)
    assert validate_skill(skill) == []
    assert is_valid(skill)


def test_minimal_valid_skill(tmp_path: Path) -> None:
    assert validate_skill(make(tmp_path, "name: my-skill\ndescription: Does one thing.")) == []


@pytest.mark.parametrize(
    ("name", "folder", "words"),
    [
        ("My-Skill", "My-Skill", "other than lowercase letters"),
        ("my_skill", "my_skill", "'_'"),
        ("my skill", "my skill", "U+0020"),
        ("-my-skill", "-my-skill", "starts or ends with a hyphen"),
        ("my-skill-", "my-skill-", "starts or ends with a hyphen"),
        ("my--skill", "my--skill", "consecutive hyphens"),
        ("a" * 65, "a" * 65, "too long (65 characters"),
        ("here.now", "here.now", "'.'"),
    ],
)
def test_bad_names(tmp_path: Path, name: str, folder: str, words: str) -> None:
    problems = validate_skill(make(tmp_path, f"name: '{name}'\ndescription: d", folder=folder))
    assert found(problems, "error", "name", words), problems
    assert not found(problems, "error", "name", "does not match")  # the folder matches


@pytest.mark.parametrize("name", ["a", "x1", "pdf-tools", "a" * 64, "v2-api-3"])
def test_good_names(tmp_path: Path, name: str) -> None:
    assert validate_skill(make(tmp_path, f"name: {name}\ndescription: d", folder=name)) == []


def test_name_must_match_folder(tmp_path: Path) -> None:
    problems = validate_skill(make(tmp_path, "name: other\ndescription: d"))
    assert found(problems, "error", "name", "'other' does not match its folder name 'my-skill'")
    # the load warning saying the same thing is not repeated
    assert not any(p.level == "warning" and p.field == "name" for p in problems)


def test_name_missing(tmp_path: Path) -> None:
    problems = validate_skill(make(tmp_path, "description: d"))
    assert found(problems, "error", "name", "missing")
    assert not found(problems, "warning", "name")


def test_name_not_text(tmp_path: Path) -> None:
    assert found(validate_skill(make(tmp_path, "name: [a]\ndescription: d")), "error", "name", "not a list")


def test_number_name_is_a_warning_when_it_matches(tmp_path: Path) -> None:
    problems = validate_skill(make(tmp_path, "name: 2024\ndescription: d", folder="2024"))
    assert errors(problems) == []
    assert found(problems, "warning", "name", "read by YAML as a number")


@pytest.mark.parametrize(
    ("frontmatter", "words"),
    [
        ("name: my-skill", "missing"),
        ("name: my-skill\ndescription:", "missing"),
        ("name: my-skill\ndescription: '   '", "empty"),
        ("name: my-skill\ndescription: {a: b}", "not a map"),
        (f"name: my-skill\ndescription: {'x' * 1025}", "too long (1025 characters; the limit is 1024)"),
    ],
)
def test_bad_descriptions(tmp_path: Path, frontmatter: str, words: str) -> None:
    problems = validate_skill(make(tmp_path, frontmatter))
    assert found(problems, "error", "description", words), problems


def test_description_of_exactly_1024_is_fine(tmp_path: Path) -> None:
    assert validate_skill(make(tmp_path, f"name: my-skill\ndescription: {'x' * 1024}")) == []


@pytest.mark.parametrize(
    ("line", "words"),
    [(f"compatibility: {'c' * 501}", "too long (501 characters"), ("compatibility: ''", "empty")],
)
def test_bad_compatibility(tmp_path: Path, line: str, words: str) -> None:
    problems = validate_skill(make(tmp_path, f"name: my-skill\ndescription: d\n{line}"))
    assert found(problems, "error", "compatibility", words)


def test_compatibility_of_500_is_fine(tmp_path: Path) -> None:
    assert validate_skill(make(tmp_path, f"name: my-skill\ndescription: d\ncompatibility: {'c' * 500}")) == []


def test_metadata_rules(tmp_path: Path) -> None:
    skill = load_skill(FIXTURES / "invalid-fields")
    assert isinstance(skill, Skill)
    problems = validate_skill(skill)
    assert found(problems, "error", "metadata.count", "must be a string, not a number")
    assert found(problems, "error", "metadata.nested", "not a map")
    assert found(problems, "warning", "metadata.hermes", "nested map")
    assert not found(problems, "error", "metadata.author")
    assert found(problems, "error", "title", "unknown top-level field")
    assert found(problems, "warning", "version", "known client extension")
    assert found(problems, "error", "compatibility", "empty")
    assert not is_valid(skill)


def test_metadata_not_a_map(tmp_path: Path) -> None:
    problems = validate_skill(make(tmp_path, "name: my-skill\ndescription: d\nmetadata: [a, b]"))
    assert found(problems, "error", "metadata", "must be a map of string keys to string values, not a list")


def test_metadata_non_string_key(tmp_path: Path) -> None:
    problems = validate_skill(make(tmp_path, "name: my-skill\ndescription: d\nmetadata:\n  1: one"))
    assert found(problems, "error", "metadata.1", "keys must be strings")


def test_hermes_nested_metadata_is_only_a_warning() -> None:
    skill = load_skill(FIXTURES / "nested-metadata")
    assert isinstance(skill, Skill)
    problems = validate_skill(skill)
    assert errors(problems) == []
    assert [str(p) for p in warnings(problems)] == [
        "metadata.hermes: a nested map (a client namespace); the spec wants string values"
    ]


@pytest.mark.parametrize("key", ["version", "tags", "platforms", "author", "related_skills", "prerequisites", "triggers"])
def test_known_extensions_are_warnings(tmp_path: Path, key: str) -> None:
    problems = validate_skill(make(tmp_path, f"name: my-skill\ndescription: d\n{key}: x"))
    assert errors(problems) == []
    assert found(problems, "warning", key, "not an Agent Skills field")


@pytest.mark.parametrize("key", ["title", "foo", "Name"])
def test_unknown_fields_are_errors(tmp_path: Path, key: str) -> None:
    problems = validate_skill(make(tmp_path, f"name: my-skill\ndescription: d\n{key}: x"))
    assert found(problems, "error", key, "unknown top-level field")


def test_allowed_tools_forms(tmp_path: Path) -> None:
    ok = validate_skill(make(tmp_path, "name: my-skill\ndescription: d\nallowed-tools: Read Bash(git:*)"))
    assert ok == []
    as_list = validate_skill(make(tmp_path, "name: my-skill\ndescription: d\nallowed-tools: [Read]"))
    assert found(as_list, "warning", "allowed-tools", "YAML list")
    commas = validate_skill(make(tmp_path, "name: my-skill\ndescription: d\nallowed-tools: Read, Write"))
    assert found(commas, "warning", "allowed-tools", "comma-separated")
    wrong = validate_skill(make(tmp_path, "name: my-skill\ndescription: d\nallowed-tools: {a: b}"))
    assert found(wrong, "error", "allowed-tools", "not a map")


def test_long_body_is_a_warning(tmp_path: Path) -> None:
    long = validate_skill(make(tmp_path, "name: my-skill\ndescription: d", body="line\n" * 501))
    assert errors(long) == []
    assert found(long, "warning", "body", "501 lines")
    assert validate_skill(make(tmp_path, "name: my-skill\ndescription: d", body="line\n" * 500)) == []


def test_load_warnings_become_warnings(tmp_path: Path) -> None:
    skill = parse_skill_text(
        "\ufeff---\r\nname: my-skill\r\ndescription: Use when: x\r\n---\r\nBody\r\n",
        path=tmp_path / "my-skill" / "SKILL.md",
    )
    problems = validate_skill(skill)
    assert errors(problems) == []
    assert found(problems, "warning", "file", "byte order mark")
    assert found(problems, "warning", "file", "CRLF")
    assert found(problems, "warning", "frontmatter", "quoted")


def test_no_frontmatter_is_invalid() -> None:
    skill = load_skill(FIXTURES / "no-frontmatter")
    assert isinstance(skill, Skill)
    problems = validate_skill(skill)
    assert [str(p) for p in errors(problems)] == ["name: missing (required)", "description: missing (required)"]
    assert found(problems, "warning", "frontmatter", "none")


def test_errors_come_before_warnings_and_read_as_one_line(tmp_path: Path) -> None:
    problems = validate_skill(make(tmp_path, "name: Bad\ndescription: d\ntags: [a]\ntitle: t"))
    levels = [p.level for p in problems]
    assert levels == sorted(levels)  # "error" < "warning"
    assert errors(problems) and warnings(problems)
    assert all("\n" not in str(p) and str(p).startswith(f"{p.field}: ") for p in problems)
