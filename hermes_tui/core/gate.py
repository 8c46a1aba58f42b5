"""The one gate for agent-written skill text: submit → pending → approval.

With the gate on (the default, ``[approvals] skill_gate = true``) every change the
agent proposes to a skill is written to ``workbench/pending/<id>/`` and nothing
under ``skills/`` is touched: the agent never sees a pending skill. A person
approves it (the change is then applied through :class:`SkillLibrary`, the one
write path; it is kept under ``pending/approved/`` for the record) or rejects it (kept
under ``pending/rejected/``). A handled change can still be shown, never handled twice.

A skill that only a pending ``create`` holds is listed with the library's skills in
state "pending" (:func:`skills_with_pending`): one view of every skill's state.

Each pending item is a folder holding ``change.json`` (what, why, from which
episode) and, when the change carries text, that text as a file a person can read
(``SKILL.md`` for create/edit, ``files/<path>`` for write_file). An ``install`` (a
whole skill folder from a hub, author "hub") keeps the folder as it will land under
``skill/`` (SKILL.md and its support files, listed in ``change.files``); approving it
saves SKILL.md through :meth:`SkillLibrary.save` and each file through
:meth:`SkillLibrary.write_support_file`.

Every change is scanned at :meth:`PendingQueue.submit` (``core/guard/scan.py``) and the
report is kept in the item (``scan``); the trust policy (``core/guard/policy.py``) by the
change's author and the verdict may refuse it there (a hub skill judged dangerous: one
line, nothing written). Memory writes the agent makes that the scan flags wait here too
(ops ``memory_add`` / ``memory_replace``, subsystem "memory"): approving one applies it
through :class:`MemoryFiles` (its budget checks), rejecting one keeps it for the record.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

from hermes_tui.core.fsutil import atomic_write, describe_os_error, os_error_reason
from hermes_tui.core.guard.redact import redact, redact_obj
from hermes_tui.core.home import Home
from hermes_tui.errors import HermesError

SKILL_OPS = ("create", "edit", "patch", "delete", "write_file", "install")
MEMORY_OPS = ("memory_add", "memory_replace")  # a flagged memory write: skill = the target ("memory" | "user")
OPS = SKILL_OPS + MEMORY_OPS
INSTALL_DIR = "skill"  # an install item's folder: the skill as it will land (scanned as a folder)
HANDLED = ("approved", "rejected")
EVIDENCE_FILE = "evidence.json"  # what a change was learned from (the learning loop's items)  # the folders under pending/ that keep handled changes


@dataclass
class SkillChange:
    op: str
    skill: str  # a skill name (create) or a name / skill_id (the others)
    category: str | None = None
    content: str | None = None  # create / edit: the whole SKILL.md; write_file: the file's text
    old: str | None = None  # patch: exact text to replace
    new: str | None = None  # patch: its replacement
    file_path: str | None = None  # write_file: path inside the skill folder
    episode_id: str | None = None
    reason: str = ""
    author: str = "agent"
    files: list[str] | None = None  # install: the support files (paths inside the skill folder)

    def check(self) -> None:
        """Raise HermesError (one line) if the change is not well formed."""
        if self.op not in OPS:
            raise HermesError(f"unknown skill change {self.op!r}; use one of {', '.join(OPS)}")
        if not (self.skill or "").strip():
            raise HermesError("a skill name is required")
        if self.op in ("create", "edit", "install") and not (self.content or "").strip():
            raise HermesError(f"{self.op} needs the full SKILL.md text in 'content'")
        if self.op == "patch" and (not self.old or self.new is None):
            raise HermesError("patch needs 'old_string' (exact text to find) and 'new_string'")
        if self.op == "write_file" and (not self.file_path or self.content is None):
            raise HermesError("write_file needs 'file_path' and 'file_content'")
        if self.op == "install" and not all(isinstance(f, str) and f for f in self.files or []):
            raise HermesError("install needs 'files' as a list of paths inside the skill folder")
        if self.op in MEMORY_OPS:
            if self.skill not in ("memory", "user"):
                raise HermesError(f"unknown memory target {self.skill!r}; use 'memory' or 'user'")
            if not (self.content or "").strip() or (self.op == "memory_replace" and not (self.old or "").strip()):
                raise HermesError(f"{self.op} needs the entry text (and old_text for a replace)")

    @property
    def subsystem(self) -> str:
        return "memory" if self.op in MEMORY_OPS else "skills"

    def summary(self) -> str:
        if self.op in MEMORY_OPS:
            return f"{self.op.replace('_', ' ')} {'MEMORY.md' if self.skill == 'memory' else 'USER.md'}"
        target = f"{self.skill}/{self.file_path}" if self.op == "write_file" else self.skill
        if self.op == "install":
            count = len(self.files or [])
            return f"install {target} (from a hub; {count} support file{'' if count == 1 else 's'})"
        return f"{self.op} {target}"


@dataclass
class PendingItem:
    id: str
    change: SkillChange
    created_at: float
    folder: Path
    status: str = "pending"  # pending, approved, rejected
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)  # change.json's other fields (decided_by, decided_at, ...)
    scan: dict[str, Any] | None = None  # the scan report (ScanReport.to_dict()); None for items older than the scanner
    origin: str = "workbench"  # "workbench" | "hermes" (proposed in an attached Hermes home)

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.extra,
            "id": self.id,
            "created_at": self.created_at,
            "status": self.status,
            "note": self.note,
            "folder": str(self.folder),
            **vars(self.change),  # flat fields: a copy of the dict is enough (asdict deep-copies)
            "summary": self.change.summary(),
            "subsystem": self.change.subsystem,
            "origin": self.origin,
            "scan": self.scan,
        }

    @property
    def skill_folder(self) -> Path | None:
        """An install's skill folder (SKILL.md and support files) as it will land; else None."""
        return self.folder / INSTALL_DIR if self.change.op == "install" else None

    @property
    def report(self) -> Any:
        """The scan report as a ``ScanReport`` (None when the item has none)."""
        from hermes_tui.core.guard.scan import ScanReport

        return ScanReport.from_dict(self.scan)

    @property
    def verdict(self) -> str | None:
        return (self.scan or {}).get("verdict")


def person() -> str:
    """Who decides: the login name of the person at the keyboard ("user" when it has none)."""
    import getpass

    try:
        return getpass.getuser() or "user"
    except (OSError, KeyError):
        return "user"


def _new_id() -> str:
    return time.strftime("%Y%m%d-%H%M%S", time.gmtime()) + "-" + uuid.uuid4().hex[:6]


class PendingQueue:
    """``on_change`` (optional) gets a ``PendingChanged`` event after a submit, approve or reject."""

    def __init__(self, home: Home, *, on_change: Callable[[Any], None] | None = None) -> None:
        self.home = home
        self.on_change = on_change

    def _changed(self, action: str, item: "PendingItem") -> None:
        if self.on_change is not None:
            from hermes_tui.core.agent.events import PendingChanged

            self.on_change(PendingChanged(action=action, item_id=item.id, skill=item.change.skill))

    @property
    def root(self) -> Path:
        return self.home.pending_dir

    def submit(
        self,
        change: SkillChange,
        evidence: dict[str, Any] | None = None,
        *,
        files_from: Path | None = None,
        origin: str = "workbench",
    ) -> PendingItem:
        """Scan and queue a change; ``evidence`` (what it was learned from) is kept as evidence.json.
        ``origin``: "workbench", or "hermes" for a change proposed in an attached Hermes home.

        An ``install`` copies each of ``change.files`` from the folder ``files_from``
        (regular files only) into the item's ``skill/`` folder, beside its SKILL.md.
        Secrets in the change's text and evidence are masked before anything is written.
        The trust policy may refuse it (HermesError, one line; nothing is written)."""
        change.check()
        if change.op == "install" and files_from is None and change.files:
            raise HermesError("install needs the folder its files come from")
        change, evidence = redact_change(change), redact_obj(evidence)
        item_id = _new_id()
        folder = self.root / item_id
        try:
            folder.mkdir(parents=True, exist_ok=False)
        except OSError as exc:
            raise HermesError(f"cannot create pending item in {self.root}: {os_error_reason(exc)}") from exc
        item = PendingItem(id=item_id, change=change, created_at=time.time(), folder=folder, origin=origin)
        try:
            if change.op in ("create", "edit") and change.content is not None:
                atomic_write(folder / "SKILL.md", change.content)
            elif change.op == "install":
                _copy_skill_folder(change, Path(files_from or folder), folder / INSTALL_DIR)
            elif change.op == "write_file" and change.content is not None:
                from hermes_tui.core.skills.library import safe_join

                atomic_write(safe_join(folder / "files", change.file_path or ""), change.content)
            report = scan_change(change, folder)  # what was written: the text, or a whole skill folder
            refuse_by_policy(change, report)  # refused: the item's folder is removed below
            item.scan = report.to_dict()
            if evidence is not None:
                atomic_write(folder / EVIDENCE_FILE, json.dumps(evidence, indent=2, ensure_ascii=False) + "\n")
            atomic_write(folder / "change.json", json.dumps(item.to_dict(), indent=2, ensure_ascii=False) + "\n")
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        self._changed("submitted", item)
        return item

    def evidence(self, item: PendingItem) -> dict[str, Any] | None:
        """The evidence a change carries (None when it has none or it cannot be read)."""
        try:
            data = json.loads((item.folder / EVIDENCE_FILE).read_text("utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def set_evidence(self, item: PendingItem, evidence: dict[str, Any]) -> None:
        """Replace a waiting change's evidence (its evidence grew)."""
        if item.status != "pending":
            raise HermesError(f"change {item.id} was already {item.status}")
        atomic_write(item.folder / EVIDENCE_FILE, json.dumps(evidence, indent=2, ensure_ascii=False) + "\n")

    def _read(self, folder: Path) -> PendingItem | None:
        try:
            data = json.loads((folder / "change.json").read_text("utf-8"))
            names = set(SkillChange.__dataclass_fields__)
            change = SkillChange(**{k: v for k, v in data.items() if k in names})
            known = names | {"id", "created_at", "status", "note", "folder", "summary", "subsystem", "origin", "scan"}
            return PendingItem(
                id=data["id"],
                change=change,
                created_at=float(data.get("created_at", 0)),
                folder=folder,
                status=data.get("status", "pending"),
                note=data.get("note", ""),
                scan=data.get("scan") if isinstance(data.get("scan"), dict) else None,
                origin=str(data.get("origin") or "workbench"),
                extra={k: v for k, v in data.items() if k not in known},
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def list(self) -> list[PendingItem]:
        """The changes waiting for a decision, oldest first."""
        if not self.root.is_dir():
            return []
        items = []
        with os.scandir(self.root) as entries:
            for entry in entries:
                if entry.is_dir() and entry.name not in HANDLED:
                    item = self._read(Path(entry.path))
                    if item is not None:
                        items.append(item)
        return sorted(items, key=lambda i: (i.created_at, i.id))

    def count(self) -> int:
        """How many changes wait (folders only: no file is read)."""
        return sum(1 for name in self.waiting_ids() if (self.root / name / "change.json").is_file())

    def waiting_ids(self) -> list[str]:
        """The ids of the changes waiting (folder names only: nothing is read)."""
        if not self.root.is_dir():
            return []
        with os.scandir(self.root) as entries:
            return [e.name for e in entries if e.is_dir() and e.name not in HANDLED]

    def decided(self, known: set[str] | frozenset[str] = frozenset()) -> list[PendingItem]:
        """The approved and rejected changes, leaving out the ids in ``known`` (a caller
        that keeps them reads only the new ones: a decision never changes)."""
        items = []
        for status in HANDLED:
            folder = self.root / status
            if folder.is_dir():
                with os.scandir(folder) as entries:
                    for entry in entries:
                        if entry.is_dir() and entry.name not in known:
                            item = self._read(Path(entry.path))
                            if item is not None:
                                items.append(item)
        return items

    def all(self) -> list[PendingItem]:
        """Every change: waiting, approved and rejected."""
        folders = [self.root, *(self.root / status for status in HANDLED)]
        items = [self._read(f) for folder in folders if folder.is_dir() for f in sorted(folder.iterdir()) if f.is_dir()]
        return [item for item in items if item is not None]

    def get(self, item_id: str) -> PendingItem:
        """A change by id: waiting, or already approved or rejected (see ``status``)."""
        if item_id and "/" not in item_id and not item_id.startswith(".") and item_id not in HANDLED:
            for folder in (self.root / item_id, *(self.root / status / item_id for status in HANDLED)):
                item = self._read(folder)
                if item is not None:
                    return item
        raise HermesError(f"no pending change {item_id!r}")

    def _waiting(self, item_id: str) -> PendingItem:
        item = self.get(item_id)
        if item.status != "pending":
            note = f": {item.note}" if item.note else ""
            raise HermesError(f"change {item.id} was already {item.status}{note}")
        return item

    def approve(self, item_id: str, library: Any, *, content: str | None = None, by: str | None = None) -> str:
        """Apply a pending change through the library (a memory write through
        MemoryFiles), then keep it as approved.

        ``content``: the text a person edited before approving (the whole SKILL.md, or
        the file of a write_file); it is applied instead, as the user's. ``by``: who
        decided (default: the login name); kept with the time as decided_by/decided_at.
        A person approving text the scan judged dangerous clears it: the skill is not
        quarantined for that text."""
        item = self._waiting(item_id)
        if content is not None:
            item.change = edited_change(item.change, content)
            item.extra["edited"] = True
        result = apply_change(item.change, library, files_dir=item.skill_folder)
        if item.verdict == "dangerous" and item.change.subsystem == "skills" and item.change.op != "delete":
            skill_id = library.find(item.change.skill)
            if skill_id is not None:
                library.clear_quarantine(skill_id)
        self._close(item, "approved", result, by)
        return result

    def reject(self, item_id: str, reason: str = "", *, by: str | None = None) -> None:
        self._close(self._waiting(item_id), "rejected", reason, by)

    def _close(self, item: PendingItem, status: str, note: str, by: str | None = None) -> None:
        """Record the decision (what, who, when) and move the item to ``pending/<status>/``."""
        item.status, item.note = status, note
        item.extra.update(decided_by=by or person(), decided_at=time.time())
        target = self.root / status / item.id
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(item.folder / "change.json", json.dumps(item.to_dict(), indent=2, ensure_ascii=False) + "\n")
            os.replace(item.folder, target)
        except OSError as exc:
            raise HermesError(f"cannot record change {item.id} as {status}: {describe_os_error(exc)}") from exc
        self._changed(status, item)

    def pending_skills(self) -> list[dict[str, Any]]:
        """Skills that only a waiting ``create`` holds, as library rows in state "pending"."""
        from hermes_tui.core.skills.model import PENDING
        from hermes_tui.core.skills.parse import parse_skill_text

        rows = []
        for item in self.list():
            change = item.change
            if change.op not in ("create", "install"):
                continue
            path = (item.skill_folder or item.folder) / "SKILL.md"
            skill = parse_skill_text(change.content or "", path=path)
            category = (change.category or "").strip("/") or None
            rows.append(
                {
                    "skill_id": f"{category}/{change.skill}" if category else change.skill,
                    "name": change.skill,
                    "category": category,
                    "description": skill.description,
                    "tags": skill.tags,
                    "state": PENDING,
                    "pinned": False,
                    "source": change.author,
                    "views": 0,
                    "uses": 0,
                    "successes": 0,
                    "failures": 0,
                    "last_used": None,
                    "error": None,
                    "path": str(path),
                    "pending_id": item.id,
                }
            )
        return rows


SIMILAR_RATIO = 0.9  # changes whose texts are this alike (difflib, by line) are decided together
COMMON_LINE_SHARE = 0.1  # lines in more items than this share (a template's) do not pair items


def change_text(change: SkillChange) -> str:
    """The text a change proposes (what near-duplicates are compared on)."""
    if change.op == "patch":
        return f"{change.old or ''}\n{change.new or ''}"
    return change.content if change.content is not None else change.skill


def similar_groups(items: list[PendingItem]) -> list[list[PendingItem]]:
    """Waiting changes grouped so a person decides once: the same skill name, or texts
    alike by more than :data:`SIMILAR_RATIO` (difflib, line by line). Groups keep the
    items' order; a group comes where its first item is.

    Only pairs sharing a line that few items hold are compared (an inverted index of
    the lines), so 500 items group in milliseconds, not in 125,000 comparisons."""
    import difflib

    parent = list(range(len(items)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(i: int, j: int) -> None:
        parent[root(j)] = root(i)

    by_name: dict[str, int] = {}
    for index, item in enumerate(items):
        key = item.change.skill.strip().strip("/").rsplit("/", 1)[-1].lower()
        if key in by_name:
            join(by_name[key], index)
        else:
            by_name[key] = index
    lines = [[line.strip() for line in change_text(i.change).splitlines() if line.strip()] for i in items]
    holders: dict[str, list[int]] = {}
    for index, item_lines in enumerate(lines):
        for line in set(item_lines):
            holders.setdefault(line, []).append(index)
    common = max(2, int(len(items) * COMMON_LINE_SHARE))
    pairs = {(a, b) for held in holders.values() if len(held) <= common for a in held for b in held if a < b}
    matcher = difflib.SequenceMatcher(autojunk=False)
    for a, b in sorted(pairs):
        if root(a) == root(b):
            continue
        matcher.set_seqs(lines[a], lines[b])
        if matcher.real_quick_ratio() > SIMILAR_RATIO and matcher.quick_ratio() > SIMILAR_RATIO and matcher.ratio() > SIMILAR_RATIO:
            join(a, b)
    groups: dict[int, list[PendingItem]] = {}
    for index, item in enumerate(items):
        groups.setdefault(root(index), []).append(item)
    return list(groups.values())


def skills_with_pending(library: Any, state: str | None = None) -> list[dict[str, Any]]:
    """The library's skills (optionally in one state) with the pending creates among
    them, by skill_id: every skill, wherever it waits, in one list."""
    from hermes_tui.core.skills.model import PENDING

    rows = list(library.list(state))
    if state in (None, PENDING):
        rows += PendingQueue(library.home).pending_skills()
    return sorted(rows, key=lambda r: r["skill_id"])


def _copy_skill_folder(change: SkillChange, source: Path, target: Path) -> None:
    """An install's SKILL.md and support files into ``target`` (links and devices refused)."""
    import stat

    from hermes_tui.core.skills.library import safe_join

    atomic_write(target / "SKILL.md", change.content or "")
    for rel in change.files or []:
        src = safe_join(source, rel)
        try:
            info = os.lstat(src)
        except OSError as exc:
            raise HermesError(f"cannot read {rel} of the skill: {os_error_reason(exc)}") from exc
        if not stat.S_ISREG(info.st_mode):
            raise HermesError(f"{rel} of the skill is not a regular file (links and devices are refused)")
        atomic_write(safe_join(target, rel), src.read_bytes())


def scan_change(change: SkillChange, item_folder: Path | None = None) -> Any:
    """The scan report of what a change brings: its text, or the whole skill folder an
    item holds (``item_folder/skill/``, an install). A delete brings nothing: safe."""
    from hermes_tui.core.guard.scan import ScanReport, scan_folder, scan_text

    if item_folder is not None and (item_folder / INSTALL_DIR).is_dir():
        return scan_folder(item_folder / INSTALL_DIR)
    if change.op in ("create", "edit"):
        return scan_text(change.content or "", "SKILL.md")
    if change.op == "patch":
        return scan_text(change.new or "", "SKILL.md")
    if change.op == "write_file":
        return scan_text(change.content or "", change.file_path or "file")
    if change.op in MEMORY_OPS:
        return scan_text(change.content or "", "MEMORY.md" if change.skill == "memory" else "USER.md")
    return ScanReport()


def refuse_by_policy(change: SkillChange, report: Any) -> None:
    """Raise HermesError (one line) when the trust policy refuses the change outright."""
    from hermes_tui.core.guard.policy import REFUSE, decide

    if decide(change.author, report.verdict) == REFUSE:
        first = report.flagged[0] if report.flagged else None
        why = f": {first.explanation} ({first.file}:{first.line})" if first else ""
        raise HermesError(f"refused {change.summary()} from {change.author}: the scan judged it {report.verdict}{why}")


def may_skip_review(change: SkillChange, report: Any) -> bool:
    """Whether the policy lets the change take effect without a person (where the
    settings allow that at all: the gate off, learning's auto-approve, a memory write)."""
    from hermes_tui.core.guard.policy import ALLOW, decide

    return decide(change.author, report.verdict) == ALLOW


def edited_change(change: SkillChange, content: str) -> SkillChange:
    """The change with a person's edit of its text: a patch becomes an edit of the whole SKILL.md."""
    if change.op == "delete":
        raise HermesError("a delete has no text to edit; approve or reject it")
    op = "edit" if change.op == "patch" else change.op
    return replace(change, op=op, content=content, old=None, new=None, author="user")


def proposed_text(change: SkillChange, library: Any) -> tuple[str | None, str | None]:
    """(the current text, the text after the change) of what a change touches, for a
    reviewer's diff: SKILL.md (or the support file of a write_file). None where there is
    none: no current text for a create or an unknown skill, no new text for a delete."""
    skill_id = library.find(change.skill) if change.skill else None
    folder = Path(library.row(skill_id)["path"]).parent if skill_id else None
    name = change.file_path if change.op == "write_file" else "SKILL.md"
    current = None
    if folder is not None and name:
        from hermes_tui.core.skills.library import safe_join

        try:
            current = safe_join(folder, name).read_text("utf-8", errors="replace")
        except (OSError, HermesError):
            current = None
    if change.op == "patch":
        return current, None if current is None else current.replace(change.old or "", change.new or "", 1)
    if change.op == "delete":
        return current, None
    return current, change.content


def apply_change(change: SkillChange, library: Any, *, files_dir: Path | None = None) -> str:
    """Apply a change through the library's one write path. Returns a one-line summary.

    ``files_dir`` holds an install's support files. The episode the change came from
    is added to the skill's provenance."""
    summary = _apply(change, library, files_dir)
    if change.episode_id and change.op != "delete":
        skill_id = library.find(change.skill)
        if skill_id is not None:
            library.store.add_skill_provenance(skill_id, [change.episode_id])
    return summary


def _apply(change: SkillChange, library: Any, files_dir: Path | None = None) -> str:
    change.check()
    if change.op in MEMORY_OPS:
        return _apply_memory(change, library)
    author = change.author if change.author in ("user", "agent", "import", "restore", "hub") else "agent"
    if change.op == "install":
        return _install(change, library, files_dir)
    if change.op == "create":
        if library.find(change.skill) is not None:
            raise HermesError(f"a skill named {change.skill!r} already exists; use edit or patch")
        version = library.save(change.skill, change.content or "", author=author, category=change.category)
        return f"created {change.skill} (version {version})"
    skill_id = library.resolve(change.skill)
    if change.op == "edit":
        version = library.save(skill_id, change.content or "", author=author)
        return f"edited {skill_id} (version {version})"
    if change.op == "patch":
        current = Path(library.row(skill_id)["path"]).read_text("utf-8")
        count = current.count(change.old or "")
        if count != 1:
            raise HermesError(
                f"patch of {skill_id}: the text to replace occurs {count} times in SKILL.md (it must occur exactly once)"
            )
        version = library.save(skill_id, current.replace(change.old or "", change.new or "", 1), author=author)
        return f"patched {skill_id} (version {version})"
    if change.op == "delete":
        target = library.archive(skill_id, author=author)
        return f"archived {skill_id} to {target}"
    path = library.write_support_file(skill_id, change.file_path or "", change.content or "", author=author)
    return f"wrote {path.relative_to(library.root)}"


def _install(change: SkillChange, library: Any, files_dir: Path | None) -> str:
    """A hub skill's folder into the library: SKILL.md saved (version 1), then each support file."""
    from hermes_tui.core.skills.library import safe_join

    files = change.files or []
    if files and files_dir is None:
        raise HermesError("an install is applied from its pending item (its files are kept there)")
    if library.find(change.skill) is not None:
        raise HermesError(f"a skill named {change.skill!r} already exists; install it under another name (--name)")
    version = library.save(change.skill, change.content or "", author="hub", category=change.category, source="hub")
    for rel in files:
        library.write_support_file(change.skill, rel, safe_join(Path(str(files_dir)), rel).read_bytes(), author="hub")
    skill_id = library.resolve(change.skill)
    return f"installed {skill_id} (version {version}, {len(files)} support file{'' if len(files) == 1 else 's'})"


def redact_change(change: SkillChange) -> SkillChange:
    """A copy of ``change`` with secrets masked in its text (``old``, the exact text a
    patch must find in the skill, is kept: it is already in the library)."""
    return replace(
        change,
        content=redact(change.content) if change.content else change.content,
        new=redact(change.new) if change.new else change.new,
        reason=redact(change.reason),
    )


def _apply_memory(change: SkillChange, library: Any) -> str:
    """A reviewed memory write, through MemoryFiles (its budget and change checks)."""
    from hermes_tui.core.memory import MemoryFiles, sync_memory_notes

    from hermes_tui.core.guard.policy import Clearances

    files = MemoryFiles(library.home)
    Clearances(library.home).add(f"memory:{change.skill}", Clearances.digest((change.content or "").strip()))  # a person read it
    if change.op == "memory_add":
        message = files.add(change.skill, change.content or "")
    else:
        message = files.replace(change.skill, change.old or "", change.content or "")
    sync_memory_notes(library.home, library.store)
    return message
