"""The skill library: SKILL.md folders under ``skills/`` mirrored into the store.

The files are the source of truth for content; the store holds the index, the
state (active, pending, stale, archived, broken), usage counters and every
version. :meth:`SkillLibrary.save` is the ONE write path for skill text: it writes
atomically and records a version. Hand edits found by :meth:`sync` (or the
watcher, through :meth:`sync_paths`) are recorded as versions too, authored "user".

A file that stops parsing keeps its last good version in the index, with its
error shown; a skill that never had a usable description is "broken" and never
reaches a prompt.

Every skill loaded or saved is scanned (``core/guard/scan.py``, SKILL.md and every file
of its folder). One judged dangerous is "quarantined": listed, never in a prompt, until
a person clears that text (:meth:`SkillLibrary.clear_quarantine`, ``hermes-tui skills
approve NAME``; kept in ``workbench/scan-cleared.json`` by content hash) or edits it
clean. The scan's summary is kept among the row's warnings (``scan: ...``).

A full sync notices an edit to a support file alone (``scripts/x.sh``,
``references/y.md``), not only to SKILL.md (compared by hash): each row keeps the stamp
of its folder's other files as last scanned (:func:`folder_stamp`: names, sizes, mtimes
and change times; nothing is read), and a folder whose stamp moved is scanned again, so
a support file that now scans dangerous quarantines its skill.

Attached to a Hermes Agent home: rows carry Hermes's view of the skill (``row["hermes"]``,
``core/hermes/usage.py``: telemetry, curator state, pin, hub lock); a skill Hermes installed
from its hub (``skills/.hub/lock.json``) is source "hub", and one whose lock says
``scan_verdict: dangerous`` is quarantined as if our scanner had found it dangerous.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Iterable

from hermes_tui.core.fsutil import atomic_write, describe_os_error
from hermes_tui.core.home import Home
from hermes_tui.core.skills.bundled import read_manifest
from hermes_tui.core.skills.diff import unified_diff  # noqa: F401 (also imported from here)
from hermes_tui.core.skills.model import (
    ACTIVE,
    ARCHIVED,
    AUTHORS,
    BROKEN,
    QUARANTINED,
    LoadError,
    Skill,
    content_hash,
)
from hermes_tui.core.skills.parse import find_skill_file
from hermes_tui.errors import HermesError



@dataclass
class SyncReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    errors: list[LoadError] = field(default_factory=list)  # files that could not be loaded

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


class SkillLibrary:
    """``on_change`` (optional) gets a ``LibraryChanged`` event after every change:
    a save, an archive, or files synced from disk (hot reload)."""

    def __init__(self, home: Home, store: Any, *, on_change: Callable[[Any], None] | None = None) -> None:
        self.home = home
        self.store = store
        self.on_change = on_change
        self._bundled: dict[str, str] | None = None  # the bundled manifest, cached per sync

    @property
    def root(self) -> Path:
        return self.home.skills_dir

    def _changed(self, action: str, skill_ids: Iterable[str], author: str = "") -> None:
        if self.on_change is not None:
            from hermes_tui.core.agent.events import LibraryChanged

            self.on_change(LibraryChanged(action=action, skill_ids=tuple(skill_ids), author=author))

    def _synced(self, report: "SyncReport") -> "SyncReport":
        if report.changed:
            self._changed("reloaded", [*report.added, *report.updated, *report.removed])
        return report

    # -- reading ----------------------------------------------------------------------
    def list(self, state: str | None = None) -> list[dict[str, Any]]:
        return self._with_hermes(self.store.list_skills(state))

    def active(self) -> list[dict[str, Any]]:
        """Skills a prompt may show: active, loaded without error, with a description."""
        return self._with_hermes([r for r in self.store.list_skills(ACTIVE) if (r.get("description") or "").strip()])

    def _with_hermes(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Each row with ``"hermes"``: Hermes's telemetry, state, pin and hub lock (None when unknown)."""
        from hermes_tui.core.hermes.usage import HermesSkillInfo

        return HermesSkillInfo(self.home).add_to(rows)

    def find(self, name_or_id: str) -> str | None:
        """The skill_id for a skill id, a name, or a folder name; None when unknown.

        Raises HermesError when the name is ambiguous."""
        key = name_or_id.strip().strip("/")
        if not key:
            raise HermesError("no skill name given")
        if self.store.get_skill(key) is not None:
            return key
        rows = self.store.find_skills_by_name(key)
        if not rows:
            rows = [r for r in self.store.list_skills() if PurePosixPath(r["skill_id"]).name == key]
        if len(rows) > 1:
            ids = ", ".join(sorted(r["skill_id"] for r in rows))
            raise HermesError(f"{name_or_id!r} is ambiguous: give one of {ids}")
        return rows[0]["skill_id"] if rows else None

    def resolve(self, name_or_id: str) -> str:
        """Like :meth:`find`, but an unknown skill is an error."""
        skill_id = self.find(name_or_id)
        if skill_id is None:
            raise HermesError(f"no skill named {name_or_id!r} (try `hermes-tui skills list`)")
        return skill_id

    def row(self, name_or_id: str) -> dict[str, Any]:
        skill_id = self.resolve(name_or_id)
        row = self.store.get_skill(skill_id)
        assert row is not None
        return self._with_hermes([row])[0]

    def load(self, name_or_id: str) -> Skill:
        """Parse a skill from disk (the source of truth)."""
        from hermes_tui.core.skills.parse import load_skill

        row = self.row(name_or_id)
        path = Path(row["path"])
        loaded = load_skill(path, self.root if row.get("state") != ARCHIVED else path.parent.parent)
        if isinstance(loaded, LoadError):
            raise HermesError(f"skill {row['skill_id']} cannot be loaded: {loaded.reason}")
        return loaded

    def folder(self, name_or_id: str) -> Path:
        return Path(self.row(name_or_id)["path"]).parent

    def text(self, name_or_id: str) -> str:
        """The SKILL.md's text as it is on disk now (an editor compares its buffer with it)."""
        from hermes_tui.core.skills.parse import BinarySkillFile, decode_skill_bytes

        row = self.row(name_or_id)
        try:
            return decode_skill_bytes(Path(row["path"]).read_bytes())[0]
        except OSError as exc:
            raise HermesError(f"cannot read {row['path']}: {describe_os_error(exc)}") from exc
        except BinarySkillFile:
            raise HermesError(f"{row['path']} is a binary file, not a SKILL.md") from None

    def read_support_file(self, name_or_id: str, rel_path: str, limit: int = 1024 * 1024) -> str | None:
        """A support file's text; None for a binary file (NUL bytes, not UTF-8) or one over ``limit`` bytes."""
        target = safe_join(self.folder(name_or_id), rel_path)
        try:
            with target.open("rb") as handle:
                data = handle.read(limit + 1)
        except OSError as exc:
            raise HermesError(f"cannot read {target}: {describe_os_error(exc)}") from exc
        if len(data) > limit or b"\x00" in data:
            return None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return None

    # -- sync from files --------------------------------------------------------------
    def sync(self) -> SyncReport:
        """Bring the store in line with every SKILL.md under skills/."""
        from hermes_tui.core.skills.discover import find_skill_files

        report = SyncReport()
        self._bundled = None
        paths, errors = find_skill_files(self.root) if self.root.is_dir() else ([], [])
        report.errors.extend(errors)
        known = self.store.skill_marks()  # what the check needs: no bodies
        found = {self._skill_id_for(path.parent): path for path in paths}
        # The stamp is taken before any scan: a file changed during the scan moves it again.
        stamps = {i: folder_stamp(p.parent, p.name) for i, p in found.items()}
        # Only a sync with work to do takes the write lock (readers never wait for it).
        work = {
            i: p for i, p in found.items()
            if not self._unchanged_on_disk(p, known.get(i)) or stamps[i] != (known.get(i) or {}).get("folder_stamp")
        }  # fmt: skip
        report.unchanged += len(found) - len(work)
        gone = [i for i, row in known.items() if i not in found and row.get("state") != ARCHIVED]
        late = [i for i in self._hub_lock_unapplied(known) if i in found and i not in work]
        if not (work or gone or late):
            return report
        with self.store.transaction():
            known = {r["skill_id"]: r for r in self.store.list_skills()}  # as of the write lock
            for skill_id, path in work.items():
                row = known.get(skill_id)
                scanned = self._sync_one(path, skill_id, row, report)
                if stamps[skill_id] != (row or {}).get("folder_stamp"):
                    # SKILL.md's text is as it was: a support file changed (a row never stamped, from
                    # before stamps, whose folder holds nothing else was scanned whole when loaded)
                    if not scanned and not (row and row.get("folder_stamp") is None and stamps[skill_id] == EMPTY_STAMP):
                        self._rescan(skill_id, report)
                    self.store.set_skill_folder_stamp(skill_id, stamps[skill_id])
            for skill_id in late:
                self._rescan(skill_id, report)
            for skill_id in gone:
                if skill_id in known:
                    self.store.delete_skill(skill_id)
                    report.removed.append(skill_id)
        return self._synced(report)

    def sync_paths(self, paths: Iterable[Path | str]) -> SyncReport:
        """Re-sync the skills that the changed ``paths`` belong to (for the watcher)."""
        report = SyncReport()
        self._bundled = None
        root = self.root.resolve()
        folders: set[Path] = set()
        support: set[Path] = set()
        gone_prefixes: set[str] = set()
        for raw in paths:
            path = Path(raw)
            try:
                rel = path.resolve().relative_to(root) if path.exists() else path.absolute().relative_to(root)
            except ValueError:
                try:
                    rel = path.absolute().relative_to(self.root.absolute())
                except ValueError:
                    continue
            parts = rel.parts
            if not parts or parts[0] == ".hub":  # the root, or Hermes's hub lock: look at everything
                return self.sync()
            # The skill folder is the nearest ancestor (or the path) that holds a skill file.
            found = False
            for depth in range(len(parts), 0, -1):
                candidate = root.joinpath(*parts[:depth])
                if candidate.is_dir() and find_skill_file(candidate) is not None:
                    folders.add(candidate)
                    if depth < len(parts) and path.name.lower() != "skill.md":
                        support.add(candidate)  # a support file changed: SKILL.md's hash does not show it
                    found = True
                    break
            if not found:
                # Deleted or moved away: every skill at or below this path may be gone.
                target = PurePosixPath(*parts)
                if target.name.lower() == "skill.md":
                    target = target.parent
                gone_prefixes.add(target.as_posix())
            if path.is_dir():
                # A folder moved in, or a category folder: pick up every skill below it.
                from hermes_tui.core.skills.discover import find_skill_files

                inner, errors = find_skill_files(path)
                report.errors.extend(errors)
                folders.update(p.parent.resolve() for p in inner)
        known = {r["skill_id"]: r for r in self.store.list_skills()}
        with self.store.transaction():
            for folder in sorted(folders):
                skill_file = find_skill_file(folder)
                if skill_file is None:
                    continue
                skill_id = folder.relative_to(root).as_posix()
                stamp = folder_stamp(folder, skill_file.name)
                scanned = self._sync_one(skill_file, skill_id, known.get(skill_id), report)
                if folder in support and not scanned:
                    self._rescan(skill_id, report)
                self.store.set_skill_folder_stamp(skill_id, stamp)
            for prefix in gone_prefixes:
                for skill_id, row in known.items():
                    if row.get("state") == ARCHIVED:
                        continue
                    if skill_id == prefix or skill_id.startswith(prefix + "/"):
                        if find_skill_file(root / skill_id) is None:
                            self.store.delete_skill(skill_id)
                            report.removed.append(skill_id)
        return self._synced(report)

    def _skill_id_for(self, folder: Path) -> str:
        try:
            return folder.relative_to(self.root).as_posix()
        except ValueError:
            return folder.resolve().relative_to(self.root.resolve()).as_posix()

    def _source_for(self, skill_id: str, row: dict[str, Any] | None, given: str | None = None) -> str:
        if self._hermes_hub(skill_id) is not None:
            return "hub"  # installed by Hermes from its hub, whoever wrote it since
        if given:
            return given
        if row is not None and row.get("source"):
            return row["source"]
        if self._bundled is None:  # read once per sync, not once per new skill
            self._bundled = read_manifest(self.home)
        return "bundled" if skill_id in self._bundled else "user"

    def _sync_one(
        self,
        path: Path,
        skill_id: str,
        row: dict[str, Any] | None,
        report: SyncReport,
        *,
        author: str | None = None,
        source: str | None = None,
    ) -> bool:
        """Bring one skill's row in line with its file; True when its folder was scanned."""
        from hermes_tui.core.skills.parse import load_skill

        if author is None and self._same_hash(path, row):
            # Fast path: the bytes hash as before, so nothing changed (no YAML parse).
            if row.get("path") != str(path):
                self.store.upsert_skill({**row, "path": str(path)})
            report.unchanged += 1
            return False
        loaded = load_skill(path, self.root)
        if isinstance(loaded, LoadError):
            report.errors.append(loaded)
            if row is not None:
                # Keep the last good version in the index; show the error.
                if row.get("error") != loaded.reason:
                    self.store.upsert_skill({**row, "error": loaded.reason})
                    report.updated.append(skill_id)
                else:
                    report.unchanged += 1
                return False
            self.store.upsert_skill(
                {
                    "skill_id": skill_id,
                    "name": PurePosixPath(skill_id).name,
                    "category": str(PurePosixPath(skill_id).parent) if "/" in skill_id else None,
                    "path": str(path),
                    "description": "",
                    "tags": [],
                    "body": "",
                    "content_hash": "",
                    "state": BROKEN,
                    "source": self._source_for(skill_id, None, source),
                    "error": loaded.reason,
                    "warnings": [],
                }
            )
            report.added.append(skill_id)
            return False
        if row is not None and row.get("content_hash") == loaded.content_hash and not row.get("error"):
            if row.get("path") != str(path):
                self.store.upsert_skill({**row, "path": str(path)})
            report.unchanged += 1
            return False
        if not loaded.usable:
            reason = "no description: the skill cannot be shown to the model"
            if row is not None and row.get("content_hash") and row.get("state") != BROKEN:
                self.store.upsert_skill({**row, "error": reason})
                report.updated.append(skill_id)
                return False
            state, error = BROKEN, reason
        else:
            previous = row.get("state") if row else None
            state = ACTIVE if previous in (None, BROKEN, QUARANTINED) else previous
            error = None
        warnings = list(loaded.warnings)
        if loaded.usable:
            scan = self._scan(path.parent, skill_id, loaded.content_hash)
            if scan is not None:
                warnings.append(f"scan: {scan.summary()}")
                if scan.verdict == "dangerous" and state != ARCHIVED:
                    state = QUARANTINED
        self.store.upsert_skill(
            {
                "skill_id": skill_id,
                "name": loaded.name,
                "category": loaded.category,
                "path": str(path),
                "description": loaded.description,
                "tags": loaded.tags,
                "body": loaded.body,
                "content_hash": loaded.content_hash,
                "state": state,
                "source": self._source_for(skill_id, row, source),
                "error": error,
                "warnings": warnings,
            }
        )
        latest = self._latest_version(skill_id)
        if latest is None or latest["content_hash"] != loaded.content_hash:
            who = author or ("import" if latest is None else "user")
            self.store.add_skill_version(skill_id, text=loaded.text, content_hash=loaded.content_hash, author=who)
        (report.added if row is None else report.updated).append(skill_id)
        return loaded.usable

    # -- the scan: quarantine ---------------------------------------------------------
    def _scan(self, folder: Path, skill_id: str, text_hash: str) -> Any:
        """The scan of a skill folder (None when it is clean), cleared text judged caution at most."""
        from hermes_tui.core.guard.scan import scan_folder

        from hermes_tui.core.guard.policy import Clearances

        report = scan_folder(folder)
        hub = self._hermes_hub(skill_id) or {}
        if hub.get("scan_verdict") == "dangerous":  # Hermes's own scan of the hub install
            from hermes_tui.core.guard.scan import ScanReport
            from hermes_tui.core.hermes.usage import hub_finding

            report = ScanReport.of([*report.findings, hub_finding(hub)])
        if report.verdict == "dangerous" and Clearances(self.home).has(skill_id, text_hash):
            report.verdict = "caution"  # a person read it and let it in
        return report if report.flagged else None

    def _rescan(self, skill_id: str, report: SyncReport) -> None:
        """Scan a loaded skill's folder again (one of its support files changed, or Hermes's hub lock)."""
        row = self.store.get_skill(skill_id)
        if row is None or row.get("state") not in (ACTIVE, QUARANTINED) or not row.get("content_hash"):
            return
        scan = self._scan(Path(row["path"]).parent, skill_id, row["content_hash"])
        state = QUARANTINED if scan is not None and scan.verdict == "dangerous" else ACTIVE
        warnings = [w for w in row.get("warnings") or [] if not w.startswith("scan: ")]
        warnings += [f"scan: {scan.summary()}"] if scan is not None else []
        source = self._source_for(skill_id, row)
        if (state, warnings, source) != (row["state"], list(row.get("warnings") or []), row.get("source")):
            self.store.upsert_skill({**row, "state": state, "warnings": warnings, "source": source})
            if skill_id not in report.updated:
                report.updated.append(skill_id)

    def _hermes_hub(self, skill_id: str) -> dict[str, Any] | None:
        """The entry of Hermes's hub lock for the skill's folder (a Hermes hub install), or None."""
        from hermes_tui.core.hermes.usage import hub_entry

        return hub_entry(self.home, PurePosixPath(skill_id).name)

    def _hub_lock_unapplied(self, known: dict[str, dict[str, Any]]) -> list[str]:
        """Skills whose row does not say yet what Hermes's hub lock does (the lock may be written
        after the files a sync already took): not source "hub", or active although the lock
        judged them dangerous and no person cleared that text. Reads only (the lock, once)."""
        from hermes_tui.core.guard.policy import Clearances
        from hermes_tui.core.hermes.usage import hub_installed

        hub = hub_installed(self.home)
        late = []
        for skill_id, row in known.items() if hub else ():
            entry = hub.get(PurePosixPath(skill_id).name)
            if entry is None or row.get("state") not in (ACTIVE, QUARANTINED):
                continue
            dangerous = entry.get("scan_verdict") == "dangerous" and row.get("state") == ACTIVE
            if row.get("source") != "hub" or (
                dangerous and not Clearances(self.home).has(skill_id, row.get("content_hash") or "")
            ):
                late.append(skill_id)
        return late

    def clear_quarantine(self, name_or_id: str) -> str:
        """A person lets a quarantined skill in: its current text is cleared (kept by content
        hash, so an edit is scanned again) and the skill is active. Returns its skill_id."""
        from hermes_tui.core.guard.policy import Clearances

        row = self.row(name_or_id)
        skill_id = row["skill_id"]
        if row.get("content_hash"):
            Clearances(self.home).add(skill_id, row["content_hash"])
        if row.get("state") == QUARANTINED:
            warnings = [w for w in row.get("warnings") or [] if not w.startswith("scan: dangerous")]
            self.store.upsert_skill({**row, "state": ACTIVE, "warnings": warnings + ["scan: dangerous, cleared by a person"]})
            self._changed("reloaded", [skill_id], "user")
        return skill_id

    @staticmethod
    def _same_hash(path: Path, row: dict[str, Any] | None) -> bool:
        """Whether a loaded, error-free row still matches the file's bytes."""
        if row is None or not row.get("content_hash") or row.get("error"):
            return False
        try:
            return content_hash(path.read_bytes().decode("utf-8", errors="replace")) == row["content_hash"]
        except OSError:
            return False

    def _unchanged_on_disk(self, path: Path, row: dict[str, Any] | None) -> bool:
        """True when syncing ``path`` would write nothing (same bytes, same place)."""
        return self._same_hash(path, row) and row.get("path") == str(path)

    def _latest_version(self, skill_id: str) -> dict[str, Any] | None:
        versions = self.store.skill_versions(skill_id)
        return versions[-1] if versions else None

    # -- the one write path -----------------------------------------------------------
    def save(
        self,
        name_or_id: str,
        text: str,
        *,
        author: str,
        category: str | None = None,
        source: str | None = None,
    ) -> int:
        """Create or update a skill's SKILL.md atomically and record a version.

        An existing skill is found by id or name; a new one is created at
        ``skills/[category/]NAME/``. Returns the new version number (the current
        one when the text did not change).
        """
        from hermes_tui.core.skills.parse import parse_skill_text
        from hermes_tui.core.skills.validate import is_valid_name

        if author not in AUTHORS:
            raise ValueError(f"author must be one of {AUTHORS}")
        skill_id = self.find(name_or_id)
        if skill_id is not None:
            existing = self.store.get_skill(skill_id)
            folder = Path(existing["path"]).parent
            if existing.get("state") == ARCHIVED:
                raise HermesError(f"skill {skill_id} is archived (in {folder}); restore it first")
        else:
            name = name_or_id.strip()
            if not is_valid_name(name):
                raise HermesError(f"invalid skill name {name!r}: use 1-64 lowercase letters, digits and single hyphens")
            parts = [p for p in (category or "").replace("\\", "/").split("/") if p]
            for part in parts:
                if part.startswith(".") or not re.match(r"^[A-Za-z0-9._-]+$", part):
                    raise HermesError(f"invalid category {category!r}")
            folder = self.root.joinpath(*parts, name)
            skill_id = self._skill_id_for(folder)
        path = find_skill_file(folder) or folder / "SKILL.md"
        skill = parse_skill_text(text, path=path, root=self.root)
        if not skill.usable:
            raise HermesError("the skill has no description; it would be unusable (add `description:` to its frontmatter)")
        if skill.name != PurePosixPath(skill_id).name and not self.store.get_skill(skill_id):
            raise HermesError(f"the frontmatter name {skill.name!r} differs from the folder name {PurePosixPath(skill_id).name!r}")
        report = SyncReport()
        # The write lock first: saves from other processes wait their turn, so each is
        # recorded as its own version (the file is written under the lock, then indexed).
        with self.store.transaction():
            row = self.store.get_skill(skill_id)
            self._keep_unrecorded_edit(path, skill_id, text)
            atomic_write(path, text)
            self._sync_one(path, skill_id, row, report, author=author, source=source or ("agent" if author == "agent" else None))
        latest = self._latest_version(skill_id)
        self._changed("saved", [skill_id], author)
        return int(latest["version"]) if latest else 0

    def _keep_unrecorded_edit(self, path: Path, skill_id: str, text: str) -> None:
        """A file changed on disk since its last recorded version (an editor, no sync yet)
        is recorded as a version, authored "user", before a save replaces it."""
        latest = self._latest_version(skill_id)
        try:
            disk = path.read_bytes().decode("utf-8", errors="replace")
        except OSError:
            return
        digest = content_hash(disk)
        if latest is not None and latest["content_hash"] != digest and disk != text:
            self.store.add_skill_version(skill_id, text=disk, content_hash=digest, author="user")

    def write_support_file(self, name_or_id: str, rel_path: str, content: str | bytes, *, author: str) -> Path:
        """Write a file inside a skill folder (references/, scripts/, assets/ ...)."""
        folder = self.folder(name_or_id)
        target = safe_join(folder, rel_path)
        if target.name.lower() == "skill.md" and target.parent == folder:
            raise HermesError("use save() to change SKILL.md itself")
        atomic_write(target, content)
        return target

    def archive(self, name_or_id: str, *, author: str = "user") -> Path:
        """Retire a skill: move its folder to workbench/archive/ (never deleted)."""
        row = self.row(name_or_id)
        if row.get("state") == ARCHIVED:
            raise HermesError(f"skill {row['skill_id']} is already archived")
        folder = Path(row["path"]).parent
        stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
        target = self.home.archive_dir / f"{row['skill_id'].replace('/', '__')}-{stamp}" / folder.name
        self._move(row, folder, target, ARCHIVED, "archive")
        self._changed("archived", [row["skill_id"]], author)
        return target

    def unarchive(self, name_or_id: str) -> str:
        """Bring an archived skill back to skills/ (where it was) and index it again; its skill_id."""
        row = self.row(name_or_id)
        if row.get("state") != ARCHIVED:
            raise HermesError(f"skill {row['skill_id']} is not archived")
        source = Path(row["path"]).parent
        target = self.root / row["skill_id"]
        if target.exists():
            raise HermesError(f"cannot restore {row['skill_id']}: {target} exists; move it away first")
        self.sync_paths([self._move(row, source, target, ACTIVE, "restore")])
        return row["skill_id"]

    def pin(self, name_or_id: str, pinned: bool = True, *, author: str = "user") -> str:
        """Pin a skill (curation never archives it; it ranks first among equals) or unpin it; its skill_id."""
        skill_id = self.resolve(name_or_id)
        with self.store.transaction():
            self.store.set_skill_pinned(skill_id, pinned)
        self._changed("pinned" if pinned else "unpinned", [skill_id], author)
        return skill_id

    def _move(self, row: dict[str, Any], source: Path, target: Path, state: str, verb: str) -> Path:
        """Move a skill's folder and record its new place and state; its SKILL.md path."""
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(source), str(target))
        except OSError as exc:
            raise HermesError(f"cannot {verb} {row['skill_id']}: {describe_os_error(exc)}") from exc
        skill_file = find_skill_file(target) or target / "SKILL.md"
        with self.store.transaction():
            self.store.upsert_skill({**row, "path": str(skill_file), "state": state})
        return skill_file

    # -- versions ---------------------------------------------------------------------
    def history(self, name_or_id: str) -> list[dict[str, Any]]:
        return self.store.skill_versions(self.resolve(name_or_id))

    def version_text(self, name_or_id: str, version: int) -> str:
        skill_id = self.resolve(name_or_id)
        known = [v["version"] for v in self.store.skill_versions(skill_id)]
        # Checked against the list first: any integer is a fair question (even one
        # too large for SQLite), and the answer is the same one line.
        text = self.store.skill_version_text(skill_id, int(version)) if version in known else None
        if text is None:
            raise HermesError(f"{skill_id} has no version {version} (versions: {', '.join(map(str, known)) or 'none'})")
        return text

    def diff(self, name_or_id: str, v1: int | None = None, v2: int | None = None) -> str:
        """A unified diff: V1 → V2; V1 → latest; or, with neither, the last change
        (the latest version → the file on disk when they differ, else the two latest versions)."""
        skill_id = self.resolve(name_or_id)
        versions = [v["version"] for v in self.store.skill_versions(skill_id)]
        if not versions:
            raise HermesError(f"{skill_id} has no recorded versions")
        if v1 is None:
            path = Path(self.store.get_skill(skill_id)["path"])
            latest = versions[-1]
            latest_text = self.version_text(skill_id, latest)
            try:
                disk = path.read_text("utf-8", errors="replace")
            except OSError:
                disk = latest_text
            if disk != latest_text:
                return unified_diff(latest_text, disk, f"{skill_id}@v{latest}", f"{skill_id} (on disk)")
            if len(versions) < 2:
                return ""
            v1, v2 = versions[-2], latest
        if v2 is None:
            v2 = versions[-1]
        return unified_diff(
            self.version_text(skill_id, v1), self.version_text(skill_id, v2), f"{skill_id}@v{v1}", f"{skill_id}@v{v2}"
        )

    def restore(self, name_or_id: str, version: int) -> int:
        skill_id = self.resolve(name_or_id)
        text = self.version_text(skill_id, version)
        return self.save(skill_id, text, author="restore")

    # -- usage ------------------------------------------------------------------------
    def record_view(self, skill_id: str) -> None:
        self.store.bump_skill_usage(skill_id, views=1)

    def record_use(self, skill_id: str, success: bool | None = None) -> None:
        self.store.bump_skill_usage(
            skill_id, uses=1, successes=1 if success is True else 0, failures=1 if success is False else 0
        )


EMPTY_STAMP = hashlib.blake2b(b"", digest_size=16).hexdigest()  # a folder holding its skill file only


def folder_stamp(folder: Path, skill_file: str = "SKILL.md") -> str:
    """A stamp of a skill folder's files besides its skill file, as the scanner reads them
    (``.git`` and ``__pycache__`` left out, symlinks not followed): each file's path,
    size, mtime and change time (which no one can set back), hashed. Nothing is read:
    an unchanged folder costs a listing and a stat per file."""
    entries: list[str] = []
    pending = [(str(folder), "")]
    while pending:
        path, prefix = pending.pop()
        try:
            with os.scandir(path) as listing:
                for entry in listing:
                    rel = prefix + entry.name
                    if entry.is_dir(follow_symlinks=False):
                        if entry.name not in (".git", "__pycache__"):
                            pending.append((entry.path, rel + "/"))
                    elif rel != skill_file:
                        stat = entry.stat(follow_symlinks=False)
                        entries.append(f"{rel}\0{stat.st_size}\0{stat.st_mtime_ns}\0{stat.st_ctime_ns}")
        except OSError as exc:
            entries.append(f"{prefix}\0{exc.errno}")  # unreadable now: a stamp of its own
    return hashlib.blake2b("\n".join(sorted(entries)).encode("utf-8", "surrogateescape"), digest_size=16).hexdigest()


def safe_join(folder: Path, rel_path: str) -> Path:
    """``folder/rel_path``, refusing absolute paths and anything that escapes ``folder``."""
    rel = str(rel_path).replace("\\", "/").strip()
    if not rel or rel.startswith("/") or os.path.isabs(rel):
        raise HermesError(f"invalid file path {rel_path!r}: give a path inside the skill folder")
    parts = PurePosixPath(rel).parts
    if any(p in ("..", "") for p in parts):
        raise HermesError(f"invalid file path {rel_path!r}: '..' is not allowed")
    target = folder.joinpath(*parts)
    try:
        target.resolve().relative_to(folder.resolve())
    except ValueError:
        raise HermesError(f"invalid file path {rel_path!r}: it leaves the skill folder") from None
    return target
