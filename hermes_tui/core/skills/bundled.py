"""Install the bundled skills (the repo's skills/ folder) into a home.

A first run copies every bundled skill. A later run updates a bundled skill only
when the copy in the home is still exactly what we installed (its hash matches the
manifest); a skill the user edited, moved or deleted is left alone.

Several processes may open a new home at once: they install one after the other
(a lock file in workbench/), so each sees what the one before installed.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from hermes_tui.core.fsutil import atomic_write
from hermes_tui.core.home import Home, package_data_dir


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


def install_bundled_skills(home: Home, source: Path | None = None) -> list[str]:
    """Install or update bundled skills; returns the relative folders written."""
    source = source or package_data_dir("skills")
    if source is None:
        return []
    with _install_lock(home):
        return _install(home, source)


def _install(home: Home, source: Path) -> list[str]:
    manifest = read_manifest(home)
    written: list[str] = []
    changed = False
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
            shutil.rmtree(target)
        elif installed_hash is not None:
            continue  # installed once and removed by the user: respect that
        shutil.copytree(folder, target)
        manifest[rel] = new_hash
        written.append(rel)
        changed = True
    if changed:
        atomic_write(home.bundled_manifest, json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return written
