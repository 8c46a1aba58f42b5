"""Every real-world skill in the corpus loads, and its validation results are pinned.

The pins live in tests/data/corpus_validation.json: corpus-relative path ->
{"name", "valid", "errors", "warnings"} (sorted one-line messages). After an
intended change to parsing or validation, regenerate them and review the diff:

    HERMES_REGEN_PINS=1 python -m pytest tests/test_skill_corpus.py
    python -m tests.test_skill_corpus            # the same, without pytest
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from hermes_tui.core.skills.discover import find_skill_files, load_tree
from hermes_tui.core.skills.validate import errors, validate_skill, warnings

PINS = Path(__file__).parent / "data" / "corpus_validation.json"
CORPUS_SKILLS = 497
# Read at import: the autouse fixture clears HERMES_* variables before each test runs.
REGEN = os.environ.get("HERMES_REGEN_PINS") == "1"


def corpus_results(corpus: Path) -> dict[str, dict[str, Any]]:
    """Validation results for every skill under ``corpus``, keyed by relative path."""
    skills, failures = load_tree(corpus)
    results: dict[str, dict[str, Any]] = {}
    for skill in skills:
        problems = validate_skill(skill)
        results[skill.path.relative_to(corpus).as_posix()] = {
            "name": skill.name,
            "valid": not errors(problems),
            "errors": sorted(str(p) for p in errors(problems)),
            "warnings": sorted(str(p) for p in warnings(problems)),
        }
    for failure in failures:
        results[Path(failure.path).relative_to(corpus).as_posix()] = {
            "name": None,
            "valid": False,
            "errors": [failure.reason],
            "warnings": [],
        }
    return dict(sorted(results.items()))


def write_pins(corpus: Path) -> dict[str, dict[str, Any]]:
    results = corpus_results(corpus)
    PINS.parent.mkdir(parents=True, exist_ok=True)
    PINS.write_text(json.dumps(results, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    return results


def summary(results: dict[str, dict[str, Any]]) -> str:
    valid = sum(1 for r in results.values() if r["valid"])
    kinds = Counter(e.split(":", 1)[0] + ": " + e.split(": ", 1)[1].split(" (")[0].split("'")[0] for r in results.values() for e in r["errors"])
    return f"{len(results)} skills, {valid} valid, {len(results) - valid} with errors; most common errors: {kinds.most_common(6)}"


def test_every_corpus_skill_is_found(corpus: Path) -> None:
    on_disk = sorted(p for p in corpus.rglob("*") if p.is_file() and p.name.lower() == "skill.md")
    assert len(on_disk) == CORPUS_SKILLS
    found, problems = find_skill_files(corpus)
    assert problems == []
    assert sorted(found) == on_disk  # none lost, none invented


def test_every_corpus_skill_loads(corpus: Path) -> None:
    skills, failures = load_tree(corpus)
    assert failures == []
    assert len(skills) == CORPUS_SKILLS
    for skill in skills:
        assert skill.name and skill.body, skill.path
        assert skill.usable, skill.path  # every corpus skill has a description
        assert skill.skill_id == skill.folder.relative_to(corpus).as_posix()
        assert skill.category == skill.folder.parent.name  # <source>/<skill-dir>
    # known oddities of the corpus are read, not lost
    by_id = {s.skill_id: s for s in skills}
    assert len(by_id["hermes-agent-2026-08-optional/pytorch-fsdp"].body) > 100_000
    assert any("CRLF" in w for w in by_id["kdense-scientific-skills/geomaster"].warnings)
    assert "\r" not in by_id["kdense-scientific-skills/geomaster"].body


def test_corpus_validation_matches_pins(corpus: Path) -> None:
    if REGEN or not PINS.exists():
        write_pins(corpus)
        if not REGEN:
            pytest.fail(f"{PINS} was missing and has been written; review it and run again")
    pinned = json.loads(PINS.read_text("utf-8"))
    current = corpus_results(corpus)
    assert sorted(current) == sorted(pinned)
    changed = [path for path in current if current[path] != pinned[path]]
    assert not changed, (
        f"{len(changed)} skills validate differently from the pins (first: {changed[0]}: "
        f"{current[changed[0]]} != {pinned[changed[0]]}); if intended, regenerate with HERMES_REGEN_PINS=1"
    )


def test_pins_are_sane() -> None:
    """The pinned results hold what a person checked by hand."""
    pinned = json.loads(PINS.read_text("utf-8"))
    assert len(pinned) == CORPUS_SKILLS
    assert pinned["anthropics-skills/algorithmic-art/SKILL.md"]["valid"] is True
    assert pinned["composio-generated-skills/toggl-automation/SKILL.md"]["errors"][0].startswith(
        "name: 'Toggl Automation' does not match its folder name"
    )
    assert any(
        e.startswith("name: 'here.now' has characters other than")
        for e in pinned["hermes-agent-2026-08-optional/here-now/SKILL.md"]["errors"]
    )
    assert pinned["anthropics-skills/claude-api/SKILL.md"]["errors"] == [
        "description: too long (1068 characters; the limit is 1024)"
    ]
    hermes = pinned["hermes-agent-2026-08-bundled/research-paper-writing/SKILL.md"]
    assert any(e.startswith("title: unknown top-level field") for e in hermes["errors"])
    assert any(w.startswith("metadata.hermes: a nested map") for w in hermes["warnings"])
    for result in pinned.values():
        assert result["valid"] == (not result["errors"])


if __name__ == "__main__":
    corpus_dir = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
    if not corpus_dir.is_dir():
        sys.exit(f"no corpus at {corpus_dir}")
    print(f"wrote {PINS}: {summary(write_pins(corpus_dir))}")
