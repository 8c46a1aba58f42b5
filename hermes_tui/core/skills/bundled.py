"""Install the bundled skills (the repo's skills/ folder) into a home's library.

A first run installs every bundled skill. A later run updates a bundled skill only
when the copy in the home is still exactly what we installed (its hash matches the
manifest); a skill the user edited, moved or deleted is left alone, and so is a
bundled skill whose name the user's own skill already has.

Every SKILL.md goes through the library's one write path (:meth:`SkillLibrary.save`,
author "bundled"), so each install and update is a version; support files go through
:meth:`SkillLibrary.write_support_file`. The :class:`~hermes_tui.core.workspace.Workspace`
installs them when it syncs the library (the workbench: after its first frame).

Several processes may open a new home at once: they install one after the other
(a lock file in workbench/), so each sees what the one before installed.

A home that Hermes Agent already lives in (:func:`hermes_agent_home`) gets none of
them unasked: its skills folder is Hermes's too, and Hermes's agent would list our
skills in its own prompt. ``hermes-tui skills install-bundled`` installs them there
on purpose; from then on they are updated like anywhere else.
"""

from __future__ import annotations

import hashlib
import json
import os
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Iterator

from hermes_tui.core.fsutil import atomic_write
from hermes_tui.core.home import Home, package_data_dir
from hermes_tui.errors import HermesError

if TYPE_CHECKING:
    from hermes_tui.core.skills.library import SkillLibrary

AUTHOR = "bundled"


def _folder_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def read_manifest(home: Home) -> dict[str, str]:
    """The bundled skills as installed: {relative folder (= skill_id): hash}."""
    try:
        manifest = json.loads(home.bundled_manifest.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return manifest if isinstance(manifest, dict) else {}


def bundled_skill_folders(source: Path | None = None) -> list[Path]:
    source = source or package_data_dir("skills")
    if source is None:
        return []
    return sorted(p.parent for p in source.rglob("SKILL.md"))


@contextmanager
def _install_lock(home: Home) -> Iterator[None]:
    """One installer at a time per home (released by the system if the process dies)."""
    try:
        import fcntl
    except ImportError:  # not a POSIX system: no lock
        yield
        return
    home.workbench_dir.mkdir(parents=True, exist_ok=True)
    with open(home.workbench_dir / ".bundled.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


# What Hermes Agent keeps in its home (hermes_cli/config.py, hermes_state.py, tools/skill_usage.py,
# tools/skills_sync.py); the workbench itself creates none of these.
HERMES_MARKERS = ("state.db", "config.yaml", "SOUL.md", "skills/.bundled_manifest", "skills/.usage.json",
                  "skills/.hub")


def hermes_agent_home(home: Home) -> bool:
    """Whether Hermes Agent uses this home too (its state, config or skill records are there)."""
    return any((home.root / marker).exists() for marker in HERMES_MARKERS)


def install_bundled_skills(library: "SkillLibrary", source: Path | None = None, *, force: bool = False) -> list[str]:
    """Install or update bundled skills through ``library``; returns the skill ids written.

    A home that cannot be written (a read-only folder or store) is used as it is. A
    Hermes Agent home where they were never installed is left alone unless ``force``."""
    home = library.home
    source = source or package_data_dir("skills")
    if source is None or not os.access(home.root, os.W_OK) or getattr(library.store, "readonly", False):
        return []
    if not force and not home.bundled_manifest.exists() and hermes_agent_home(home):
        return []
    with _install_lock(home):
        return _install(library, source)


def _install(library: "SkillLibrary", source: Path) -> list[str]:
    home = library.home
    manifest = read_manifest(home)
    written: list[str] = []
    for folder in bundled_skill_folders(source):
        rel = folder.relative_to(source).as_posix()
        target = home.skills_dir / rel
        new_hash = _folder_hash(folder)
        installed_hash = manifest.get(rel)
        if target.exists():
            if installed_hash is None or installed_hash == new_hash:
                # Never recorded (the user's own folder of that name) or up to date.
                continue
            if _folder_hash(target) != installed_hash:
                continue  # edited by the user: never overwrite
        elif installed_hash is not None:
            continue  # installed once and removed by the user: respect that
        if not _write(library, folder, target, rel):
            continue
        manifest[rel] = new_hash
        written.append(rel)
    if written:
        atomic_write(home.bundled_manifest, json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return written


def _write(library: "SkillLibrary", folder: Path, target: Path, skill_id: str) -> bool:
    """Write one bundled skill's files into ``target``; False when a skill of its name lives elsewhere."""
    path = PurePosixPath(skill_id)
    try:
        known = library.find(path.name)
    except HermesError:  # several skills of that name already
        return False
    if known is not None and known != skill_id:
        return False  # the user's own skill of that name wins; two of one name would be ambiguous
    files = _files(folder)
    category = str(path.parent) if str(path.parent) != "." else None
    text = (folder / "SKILL.md").read_bytes().decode("utf-8")  # as it is: the manifest hashes bytes
    library.save(path.name, text, author=AUTHOR, category=category, source=AUTHOR)
    for rel in _files(target) - files:  # files of the version installed before (its hash was checked)
        (target / rel).unlink()
    for rel in sorted(files - {"SKILL.md"}):
        library.write_support_file(skill_id, rel, (folder / rel).read_bytes(), author=AUTHOR)
    return True


def _files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
