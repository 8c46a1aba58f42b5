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
(``SKILL.md`` for create/edit, ``files/<path>`` for write_file).

Scanning of the text (the guardrails issue) plugs in at :meth:`PendingQueue.submit`.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

from hermes_tui.core.fsutil import atomic_write, describe_os_error, os_error_reason
from hermes_tui.core.home import Home
from hermes_tui.errors import HermesError

OPS = ("create", "edit", "patch", "delete", "write_file")
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

    def check(self) -> None:
        """Raise HermesError (one line) if the change is not well formed."""
        if self.op not in OPS:
            raise HermesError(f"unknown skill change {self.op!r}; use one of {', '.join(OPS)}")
        if not (self.skill or "").strip():
            raise HermesError("a skill name is required")
        if self.op in ("create", "edit") and not (self.content or "").strip():
            raise HermesError(f"{self.op} needs the full SKILL.md text in 'content'")
        if self.op == "patch" and (not self.old or self.new is None):
            raise HermesError("patch needs 'old_string' (exact text to find) and 'new_string'")
        if self.op == "write_file" and (not self.file_path or self.content is None):
            raise HermesError("write_file needs 'file_path' and 'file_content'")

    def summary(self) -> str:
        target = f"{self.skill}/{self.file_path}" if self.op == "write_file" else self.skill
        return f"{self.op} {target}"


@dataclass
class PendingItem:
    id: str
    change: SkillChange
    created_at: float
    folder: Path
    status: str = "pending"  # pending, approved, rejected
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "created_at": self.created_at,
            "status": self.status,
            "note": self.note,
            "folder": str(self.folder),
            **asdict(self.change),
        }


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

    def submit(self, change: SkillChange, evidence: dict[str, Any] | None = None) -> PendingItem:
        """Queue a change; ``evidence`` (what it was learned from) is kept as evidence.json."""
        change.check()
        item_id = _new_id()
        folder = self.root / item_id
        try:
            folder.mkdir(parents=True, exist_ok=False)
        except OSError as exc:
            raise HermesError(f"cannot create pending item in {self.root}: {os_error_reason(exc)}") from exc
        item = PendingItem(id=item_id, change=change, created_at=time.time(), folder=folder)
        try:
            if change.op in ("create", "edit") and change.content is not None:
                atomic_write(folder / "SKILL.md", change.content)
            elif change.op == "write_file" and change.content is not None:
                from hermes_tui.core.skills.library import safe_join

                atomic_write(safe_join(folder / "files", change.file_path or ""), change.content)
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
            return PendingItem(
                id=data["id"],
                change=change,
                created_at=float(data.get("created_at", 0)),
                folder=folder,
                status=data.get("status", "pending"),
                note=data.get("note", ""),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def list(self) -> list[PendingItem]:
        """The changes waiting for a decision, oldest first."""
        if not self.root.is_dir():
            return []
        items = []
        for folder in sorted(self.root.iterdir()):
            if folder.is_dir() and folder.name not in HANDLED:
                item = self._read(folder)
                if item is not None:
                    items.append(item)
        return sorted(items, key=lambda i: (i.created_at, i.id))

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

    def approve(self, item_id: str, library: Any) -> str:
        """Apply a pending change through the library, then keep it as approved."""
        item = self._waiting(item_id)
        result = apply_change(item.change, library)
        self._close(item, "approved", result)
        return result

    def reject(self, item_id: str, reason: str = "") -> None:
        self._close(self._waiting(item_id), "rejected", reason)

    def _close(self, item: PendingItem, status: str, note: str) -> None:
        """Record the decision and move the item to ``pending/<status>/``."""
        item.status, item.note = status, note
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
            if change.op != "create":
                continue
            path = item.folder / "SKILL.md"
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


def skills_with_pending(library: Any, state: str | None = None) -> list[dict[str, Any]]:
    """The library's skills (optionally in one state) with the pending creates among
    them, by skill_id: every skill, wherever it waits, in one list."""
    from hermes_tui.core.skills.model import PENDING

    rows = list(library.list(state))
    if state in (None, PENDING):
        rows += PendingQueue(library.home).pending_skills()
    return sorted(rows, key=lambda r: r["skill_id"])


def apply_change(change: SkillChange, library: Any) -> str:
    """Apply a change through the library's one write path. Returns a one-line summary.

    The episode the change came from is added to the skill's provenance."""
    summary = _apply(change, library)
    if change.episode_id and change.op != "delete":
        skill_id = library.find(change.skill)
        if skill_id is not None:
            library.store.add_skill_provenance(skill_id, [change.episode_id])
    return summary


def _apply(change: SkillChange, library: Any) -> str:
    change.check()
    author = change.author if change.author in ("user", "agent", "import", "restore") else "agent"
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
