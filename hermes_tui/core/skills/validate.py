"""Strict validation of a loaded skill against the Agent Skills specification.

The specification (agentskills.io/specification) defines six frontmatter fields:

* ``name`` (required): 1-64 characters, lowercase letters, digits and hyphens, no
  leading, trailing or doubled hyphen, equal to the skill's folder name;
* ``description`` (required): 1-1024 characters;
* ``license`` (optional): text;
* ``compatibility`` (optional): 1-500 characters;
* ``metadata`` (optional): a map of string keys to string values;
* ``allowed-tools`` (optional, experimental): a space-delimited list of tools.

Anything else at the top level is an error, except the keys Hermes Agent, Claude
Code and other clients are known to add (:data:`KNOWN_EXTENSIONS`): those are
warnings, as are nested maps under ``metadata.hermes`` and the other known client
namespaces. Load warnings from parsing become warnings too, and so does a body
over 500 lines (the spec recommends keeping SKILL.md under that).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterable

from hermes_tui.core.skills.model import Problem, Skill
from hermes_tui.core.skills.parse import RESTATED_BY_VALIDATION, yaml_type_name

ERROR, WARNING = "error", "warning"
NAME_MAX = 64
DESCRIPTION_MAX = 1024
COMPATIBILITY_MAX = 500
BODY_LINES_MAX = 500

# Top-level keys outside the spec that real clients write: warnings, not errors.
KNOWN_EXTENSIONS = frozenset(
    {
        # Hermes Agent and skill hubs
        "version", "author", "authors", "maintainer", "maintainers", "tags", "keywords",
        "category", "categories", "platforms", "dependencies", "requires", "prerequisites",
        "related_skills", "triggers", "homepage", "repository", "source", "toolsets",
        "required_environment_variables", "required_credential_files", "setup",
        "created", "updated",
        # Claude Code
        "argument-hint", "disable-model-invocation", "user-invocable", "model",
        "context", "agent", "hooks", "when_to_use",
    }
)
# ``metadata.<namespace>`` keys that clients use for nested maps: warnings, not errors.
KNOWN_METADATA_NAMESPACES = frozenset({"hermes", "openclaw", "clawdbot"})

_NAME_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def validate_skill(skill: Skill) -> list[Problem]:
    """All problems with ``skill``: errors first, then warnings, each naming its field."""
    problems: list[Problem] = []
    fm = skill.frontmatter
    _check_name(skill, problems)
    _check_description(skill, problems)
    if "license" in fm and fm["license"] is not None and not str(fm["license"]).strip():
        problems.append(Problem(ERROR, "license", "empty (leave the field out instead)"))
    _check_compatibility(skill, problems)
    if "metadata" in fm:
        _check_metadata(fm["metadata"], problems)
    _check_allowed_tools(fm.get("allowed-tools"), "allowed-tools" in fm, problems)
    for key in skill.extra:
        if key in KNOWN_EXTENSIONS:
            problems.append(
                Problem(WARNING, key, "not an Agent Skills field (a known client extension; metadata is the portable place)")
            )
        else:
            problems.append(Problem(ERROR, key, "unknown top-level field (the spec allows name, description, license, compatibility, metadata, allowed-tools)"))
    lines = skill.body.count("\n") + 1 if skill.body else 0
    if lines > BODY_LINES_MAX:
        problems.append(Problem(WARNING, "body", f"{lines} lines (the spec recommends under {BODY_LINES_MAX}; move detail to references/)"))
    problems.extend(_load_warnings(skill))
    return errors(problems) + warnings(problems)


def errors(problems: Iterable[Problem]) -> list[Problem]:
    """The problems that make a skill invalid."""
    return [p for p in problems if p.level == ERROR]


def warnings(problems: Iterable[Problem]) -> list[Problem]:
    """The problems that do not."""
    return [p for p in problems if p.level == WARNING]


def is_valid(skill: Skill) -> bool:
    """True when ``skill`` has no validation errors."""
    return not errors(validate_skill(skill))


# -- checks ----------------------------------------------------------------------------


def is_valid_name(name: str) -> bool:
    """True for a spec-valid skill name: 1-64 lowercase letters, digits and single hyphens."""
    return 0 < len(name) <= NAME_MAX and bool(_NAME_RE.fullmatch(name))


def _check_name(skill: Skill, problems: list[Problem]) -> None:
    raw = skill.frontmatter.get("name")
    if isinstance(raw, (dict, list)):
        problems.append(Problem(ERROR, "name", f"must be text, not a {yaml_type_name(raw)}"))
        return
    if raw is None or not str(raw).strip():
        problems.append(Problem(ERROR, "name", "missing (required)"))
        return
    name = skill.name
    if len(name) > NAME_MAX:
        problems.append(Problem(ERROR, "name", f"too long ({len(name)} characters; the limit is {NAME_MAX})"))
    if not _NAME_RE.fullmatch(name):
        bad = sorted({c for c in name if not (c.isascii() and (c.islower() or c.isdigit() or c == "-"))})
        if bad:
            shown = ", ".join(repr(c) if c.isprintable() and not c.isspace() else f"U+{ord(c):04X}" for c in bad)
            problems.append(Problem(ERROR, "name", f"{name!r} has characters other than lowercase letters, digits and hyphens: {shown}"))
        if name.startswith("-") or name.endswith("-"):
            problems.append(Problem(ERROR, "name", f"{name!r} starts or ends with a hyphen"))
        if "--" in name:
            problems.append(Problem(ERROR, "name", f"{name!r} has consecutive hyphens"))
    folder = skill.folder.name
    if unicodedata.normalize("NFKC", name) != unicodedata.normalize("NFKC", folder):
        problems.append(Problem(ERROR, "name", f"{name!r} does not match its folder name {folder!r}"))


def _check_description(skill: Skill, problems: list[Problem]) -> None:
    description = skill.description
    raw = skill.frontmatter.get("description")
    if isinstance(raw, (dict, list)):
        problems.append(Problem(ERROR, "description", f"must be text, not a {yaml_type_name(raw)}"))
    elif not description.strip():
        missing = raw is None
        problems.append(Problem(ERROR, "description", "missing (required)" if missing else "empty (required)"))
    elif len(description) > DESCRIPTION_MAX:
        problems.append(
            Problem(ERROR, "description", f"too long ({len(description)} characters; the limit is {DESCRIPTION_MAX})")
        )


def _check_compatibility(skill: Skill, problems: list[Problem]) -> None:
    if "compatibility" not in skill.frontmatter:
        return
    text = skill.compatibility
    if text is None or not text.strip():
        problems.append(Problem(ERROR, "compatibility", "empty (1-500 characters when given)"))
    elif len(text) > COMPATIBILITY_MAX:
        problems.append(
            Problem(ERROR, "compatibility", f"too long ({len(text)} characters; the limit is {COMPATIBILITY_MAX})")
        )


def _check_metadata(metadata: Any, problems: list[Problem]) -> None:
    if metadata is None:
        return
    if not isinstance(metadata, dict):
        problems.append(Problem(ERROR, "metadata", f"must be a map of string keys to string values, not a {yaml_type_name(metadata)}"))
        return
    for key, value in metadata.items():
        field = f"metadata.{key}"
        if not isinstance(key, str):
            problems.append(Problem(ERROR, field, f"key is a {yaml_type_name(key)}; keys must be strings"))
        if isinstance(value, str):
            continue
        if isinstance(value, dict) and key in KNOWN_METADATA_NAMESPACES:
            problems.append(Problem(WARNING, field, "a nested map (a client namespace); the spec wants string values"))
        else:
            problems.append(Problem(ERROR, field, f"must be a string, not a {yaml_type_name(value)}"))


def _check_allowed_tools(value: Any, present: bool, problems: list[Problem]) -> None:
    if not present or value is None:
        return
    if isinstance(value, (list, tuple)):
        problems.append(Problem(WARNING, "allowed-tools", "a YAML list; the spec asks for a space-delimited string"))
    elif not isinstance(value, str):
        problems.append(Problem(ERROR, "allowed-tools", f"must be a space-delimited string, not a {yaml_type_name(value)}"))
    elif "," in value:
        problems.append(Problem(WARNING, "allowed-tools", "comma-separated; the spec asks for spaces between tools"))


def _load_warnings(skill: Skill) -> list[Problem]:
    found: list[Problem] = []
    for text in skill.warnings:
        field, sep, message = text.partition(": ")
        if not sep:
            field, message = "file", text
        if any(field == f and message.startswith(m) for f, m in RESTATED_BY_VALIDATION):
            continue
        found.append(Problem(WARNING, field, message))
    return found



# -- unsaved text, each problem at its line ----------------------------------------------------

_LINE_RE = re.compile(r"\bline (\d+)\b")


def validate_text(text: str, *, path: Path, root: Path | None = None) -> list[Problem]:
    """Validate the text of a SKILL.md (an editor's buffer) as if it were the file at
    ``path``: :func:`validate_skill`'s problems, each with the ``line`` it is about."""
    from hermes_tui.core.skills.parse import parse_skill_text

    return locate(validate_skill(parse_skill_text(text, path=path, root=root)), text)


def locate(problems: Iterable[Problem], text: str) -> list[Problem]:
    """``problems`` with their ``line`` set (1-based): a field's key line in the
    frontmatter (a missing field: the opening ``---``), the first body line for the
    body, the line a YAML error names, else line 1."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    start = next((i for i, line in enumerate(lines) if line.strip()), 0)
    opened = lines[start].rstrip() == "---" if lines else False
    end = next((i for i in range(start + 1, len(lines)) if lines[i].rstrip() == "---"), None) if opened else None
    keys = _key_lines(lines[start + 1 : end if end is not None else len(lines)], start + 1) if opened else {}
    body = (end + 1 if end is not None else start) + 1

    def line_of(problem: Problem) -> int:
        named = _LINE_RE.search(problem.message)
        if named:
            return int(named.group(1))
        if problem.field == "body":
            return min(body + 1, len(lines))
        key = problem.field
        while key and key not in keys:
            key = key.rpartition(".")[0]
        return keys[key] if key else start + 1

    return [replace(p, line=p.line or line_of(p)) for p in problems]


def _key_lines(lines: list[str], first: int) -> dict[str, int]:
    """{"name": 2, "metadata": 4, "metadata.hermes": 5, ...}: 1-based lines of the
    frontmatter's top-level keys and of the keys one level under them."""
    found: dict[str, int] = {}
    parent = ""
    for index, line in enumerate(lines):
        match = re.match(r"^( *)([A-Za-z0-9_][\w.\-]*|\"[^\"]+\"|'[^']+')[ \t]*:", line)
        if not match:
            continue
        key = match.group(2).strip("\"'")
        if not match.group(1):
            parent = key
            found.setdefault(key, first + index + 1)
        elif parent:
            found.setdefault(f"{parent}.{key}", first + index + 1)
    return found
