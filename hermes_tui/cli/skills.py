"""`hermes-tui skills ...`: the skill library from the command line.

``register`` creates the ``skills`` group; each subcommand is added by one
``add_*(skills_sub, parent)`` helper listed in :data:`SKILLS_SUBCOMMANDS`, so more
subcommands (list, show, history, diff, restore) slot in by adding a helper.

``skills validate PATH... [--json]`` checks paths against the Agent Skills spec. It
does not use (or create) the home.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from hermes_tui.cli.common import print_json
from hermes_tui.cli.skills_curate import add_curate
from hermes_tui.cli.skills_hub import add_hub_commands
from hermes_tui.cli.skills_library import add_library_commands
from hermes_tui.cli.skills_scan import add_scan_commands
from hermes_tui.core.skills.discover import load_tree
from hermes_tui.core.skills.model import LoadError, Skill
from hermes_tui.core.skills.validate import errors, validate_skill, warnings
from hermes_tui.errors import HermesError


@dataclass
class ValidationResult:
    """The outcome for one skill file (or one place that could not be loaded)."""

    path: str
    name: str | None
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    load_failed: bool = False

    @property
    def valid(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "name": self.name,
            "valid": self.valid,
            "errors": self.errors,
            "warnings": self.warnings,
        }


def validate_paths(paths: list[str]) -> list[ValidationResult]:
    """Validate every skill under each path, in order. A missing path is reported as
    a failed result (the others are still validated); HermesError when the paths that
    exist hold no skill at all."""
    results: list[ValidationResult] = []
    for raw in paths:
        if not os.path.lexists(raw):
            results.append(ValidationResult(path=raw, name=None, errors=["no such file or folder"], load_failed=True))
            continue
        skills, failures = load_tree(Path(raw))
        for skill in skills:
            results.append(_result_for_skill(skill))
        for failure in failures:
            results.append(_result_for_failure(failure))
    if not results:
        raise HermesError(f"no skills found (no SKILL.md) in: {' '.join(paths)}")
    return results


def _result_for_skill(skill: Skill) -> ValidationResult:
    problems = validate_skill(skill)
    return ValidationResult(
        path=str(skill.path),
        name=skill.name,
        errors=[str(p) for p in errors(problems)],
        warnings=[str(p) for p in warnings(problems)],
    )


def _result_for_failure(failure: LoadError) -> ValidationResult:
    return ValidationResult(
        path=str(failure.path),
        name=failure.skill_id.rsplit("/", 1)[-1] or None,
        errors=[failure.reason],
        load_failed=True,
    )


def _print_report(results: list[ValidationResult]) -> None:
    out = sys.stdout
    for result in results:
        mark = "✓" if result.valid else "✗"
        out.write(f"{mark} {result.name or '?'}  {result.path}\n")
        for line in result.errors:
            out.write(f"    error: {line}\n")
        for line in result.warnings:
            out.write(f"    warning: {line}\n")
    failed = sum(1 for r in results if r.load_failed)
    loaded = len(results) - failed
    valid = sum(1 for r in results if r.valid)
    with_errors = loaded - valid
    out.write(
        f"{loaded} skill{'s' if loaded != 1 else ''}, {valid} valid, {with_errors} with errors,"
        f" {failed} load failure{'s' if failed != 1 else ''}\n"
    )


def cmd_validate(args: argparse.Namespace) -> int:
    """`skills validate`: exit 0 when every skill is valid, 1 otherwise."""
    results = validate_paths(args.paths)
    if args.json:
        print_json([r.to_dict() for r in results])
    else:
        _print_report(results)
    return 0 if all(r.valid for r in results) else 1


def add_validate(skills_sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    """Add `skills validate PATH... [--json]`."""
    p = skills_sub.add_parser(
        "validate",
        parents=[parent],
        help="check skills against the Agent Skills specification",
        description=(
            "Check SKILL.md files against the Agent Skills specification. PATH is a skill "
            "folder, a SKILL.md file, or a folder searched recursively. Exit 1 if any skill "
            "has errors or could not be loaded."
        ),
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="a skill folder, a SKILL.md, or a folder of skills")
    p.add_argument("--json", action="store_true", help="print one JSON list, one object per skill")
    p.set_defaults(func=cmd_validate)


# The `skills` subcommands, in help order: each takes (skills_sub, parent).
SKILLS_SUBCOMMANDS: list[Callable[[argparse._SubParsersAction, argparse.ArgumentParser], None]] = [
    add_library_commands,
    add_validate,
    add_curate,
    add_hub_commands,
    add_scan_commands,
]


def register(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    """Add the `skills` command group and its subcommands to the parser."""
    skills = sub.add_parser("skills", parents=[parent], help="the skill library: list, show, match, validate, history, diff, restore, curate, install, export, scan, approve")
    skills_sub = skills.add_subparsers(dest="skills_command", metavar="SUBCOMMAND", parser_class=type(skills))
    for add in SKILLS_SUBCOMMANDS:
        add(skills_sub, parent)
