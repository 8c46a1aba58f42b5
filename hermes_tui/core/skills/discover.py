"""Finding skills in a folder tree.

A skill folder is a folder holding ``SKILL.md`` (or a case variant such as
``skill.md``; ``SKILL.md`` wins when several exist). The walk goes into category
folders but not into a skill folder's own subfolders (``references/``, ``scripts/``
belong to the skill). Hidden folders, ``__pycache__`` and ``node_modules`` are
skipped. Links to folders are followed, but a folder already visited (by device
and inode) is not entered again: a link back to one of its own ancestors is
reported as a symlink loop, and a second link to a folder seen elsewhere is
skipped quietly (its skills are already found). The order is deterministic.
"""

from __future__ import annotations

import os
from pathlib import Path

from hermes_tui.core.fsutil import os_error_reason
from hermes_tui.core.skills.model import LoadError, Skill
from hermes_tui.core.skills.parse import SKIPPED_DIRS, is_skill_filename, load_skill, pick_skill_file
from hermes_tui.errors import HermesError


def find_skill_files(root: Path) -> tuple[list[Path], list[LoadError]]:
    """The skill files under ``root`` (a folder, a skill folder or a SKILL.md file),
    and the folders that could not be walked. Raises HermesError if ``root`` is missing."""
    root = Path(root)
    if not os.path.lexists(root):
        raise HermesError(f"no such file or folder: {root}")
    if not root.is_dir():
        if root.is_file():
            return [root], []
        return [], [LoadError(root, f"not a file or folder (a broken link?): {root}", root.parent.name)]

    found: list[Path] = []
    problems: list[LoadError] = []
    seen: dict[tuple[int, int], str] = {}

    def on_error(exc: OSError) -> None:
        where = exc.filename or root
        problems.append(LoadError(Path(where), f"cannot read folder {where}: {os_error_reason(exc)}", Path(where).name))

    for dirpath, dirnames, filenames in os.walk(root, onerror=on_error, followlinks=True):
        try:
            info = os.stat(dirpath)
        except OSError as exc:
            on_error(exc)
            dirnames.clear()
            continue
        key = (info.st_dev, info.st_ino)
        earlier = seen.get(key)
        if earlier is not None:
            dirnames.clear()
            if dirpath.startswith(earlier.rstrip(os.sep) + os.sep):
                problems.append(
                    LoadError(Path(dirpath), f"symlink loop at {dirpath} (back to {earlier})", Path(dirpath).name)
                )
            continue
        seen[key] = dirpath
        chosen = pick_skill_file(filenames)
        if chosen is not None:
            found.append(Path(dirpath) / chosen)
            dirnames.clear()  # a skill's subfolders belong to it
            continue
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in SKIPPED_DIRS)
    return found, problems


def library_root_for(root: Path) -> Path:
    """The folder skill ids are relative to when loading ``root``: the folder itself,
    or its parent when ``root`` is a skill folder or a skill file (so the id is the
    skill folder's name)."""
    root = Path(root)
    if root.is_file():
        return root.parent.parent
    if root.is_dir() and any(is_skill_filename(p.name) and p.is_file() for p in _entries(root)):
        return root.parent
    return root


def load_tree(root: Path) -> tuple[list[Skill], list[LoadError]]:
    """Load every skill under ``root``: ``(skills, load errors)``, in walk order.
    Raises HermesError if ``root`` is missing."""
    paths, problems = find_skill_files(root)
    base = library_root_for(root)
    skills: list[Skill] = []
    for path in paths:
        result = load_skill(path, root=base)
        if isinstance(result, LoadError):
            problems.append(result)
        else:
            skills.append(result)
    return skills, problems


def _entries(folder: Path) -> list[Path]:
    try:
        return list(folder.iterdir())
    except OSError:
        return []
