"""The typed model of a skill (one ``SKILL.md`` folder in the Agent Skills format)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Skill states kept in the store.
ACTIVE, PENDING, STALE, ARCHIVED, BROKEN = "active", "pending", "stale", "archived", "broken"
QUARANTINED = "quarantined"  # on disk, but the scan judged it dangerous: never in a prompt until a person clears it
STATES = (ACTIVE, PENDING, STALE, ARCHIVED, BROKEN, QUARANTINED)
# Where a skill came from.
SOURCES = ("bundled", "user", "agent", "hub")
# Who wrote a version.
AUTHORS = ("user", "agent", "import", "restore", "hub", "bundled")


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass
class Skill:
    """A parsed SKILL.md. Loading is lenient: problems become ``warnings``."""

    name: str  # frontmatter name, else the folder name
    description: str  # "" when there is none (the skill is then broken)
    body: str
    folder: Path  # the skill's folder
    path: Path  # the SKILL.md file itself (may be skill.md / Skill.md)
    skill_id: str = ""  # the folder relative to the library root, e.g. "devops/docker-basics"
    category: str | None = None  # the folder between the library root and the skill folder
    license: str | None = None
    compatibility: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    allowed_tools: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # every other frontmatter key, as-is
    frontmatter: dict[str, Any] = field(default_factory=dict)  # the whole frontmatter, as parsed
    support_files: list[str] = field(default_factory=list)  # relative paths: references/x.md, scripts/y.py
    text: str = ""  # the whole file as text (after decoding)
    content_hash: str = ""  # sha256 of ``text``
    warnings: list[str] = field(default_factory=list)  # load problems that did not stop loading

    @property
    def usable(self) -> bool:
        """Only a skill with a description may be put in a prompt."""
        return bool(self.description.strip())

    @property
    def tags(self) -> list[str]:
        """Tags from ``tags``, ``metadata.tags`` or ``metadata.hermes.tags``."""
        found: list[str] = []
        candidates = [self.extra.get("tags"), self.metadata.get("tags")]
        hermes = self.metadata.get("hermes")
        if isinstance(hermes, dict):
            candidates.append(hermes.get("tags"))
        for value in candidates:
            if isinstance(value, str):
                value = [v.strip() for v in value.split(",")]
            if isinstance(value, (list, tuple)):
                for item in value:
                    if item is not None and str(item).strip() and str(item).strip() not in found:
                        found.append(str(item).strip())
        return found


@dataclass
class LoadError:
    """A SKILL.md that could not be loaded at all, with the reason (one line)."""

    path: Path
    reason: str
    skill_id: str = ""


@dataclass
class Problem:
    """One validation finding. ``level`` is "error" or "warning"; ``field`` names the field;
    ``line`` (1-based, when located: :func:`validate.validate_text`) where it is in the file."""

    level: str
    field: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"
