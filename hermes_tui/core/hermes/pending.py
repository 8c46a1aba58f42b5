"""Hermes Agent's staged writes (``HOME/pending/{skills,memory}/<id>.json``) in the approvals queue.

With ``skills.write_approval`` / ``memory.write_approval`` on, Hermes stages each
write as ``{"id", "subsystem", "action", "summary", "origin" (foreground |
background_review), "created_at", "payload"}``; the payload holds the exact
arguments to replay: ``skill_manage(action, name, content, category, file_path,
file_content, old_string, new_string, replace_all, absorbed_into)`` or
``memory(action, target, content, old_text)`` / ``{"action": "batch", "target",
"operations": [...]}``.

:func:`list_items` reads them (a malformed file, or one naming a skill that no longer
exists, is an item with its ``problem``: it can be rejected and never blocks the
others). :func:`approve` replays a write as Hermes would, through the workbench's
write paths (``SkillLibrary.save`` / ``write_support_file`` / ``archive``: versioned;
``MemoryFiles`` under Hermes's ``MEMORY.md.lock`` with Hermes's character limits),
then removes the pending file. :func:`reject` moves the file to
``workbench/hermes-rejected/<subsystem>/``. Two deliberate differences: a deleted
skill is archived (recoverable) rather than removed, and Hermes's usage telemetry
(``.usage.json``) is left as it is.
"""

from __future__ import annotations

import difflib
import json
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from hermes_tui.core.fsutil import atomic_write, os_error_reason
from hermes_tui.core.home import Home
from hermes_tui.core.memory import JOINER, MemoryFiles
from hermes_tui.errors import HermesError

SUBSYSTEMS = ("skills", "memory")
SKILL_ACTIONS = ("create", "edit", "patch", "delete", "write_file", "remove_file")
MEMORY_ACTIONS = ("add", "replace", "remove", "batch")
DEFAULT_LIMITS = {"memory": 2200, "user": 1375}
LOCK_WAIT = 5.0  # seconds to wait for a Hermes process holding MEMORY.md.lock
REJECTED_DIR = "hermes-rejected"


@dataclass
class HermesPending:
    """One staged Hermes write (``problem`` set when it cannot be applied as it is)."""

    id: str
    subsystem: str
    path: Path
    action: str = ""
    summary: str = ""
    origin: str = ""  # Hermes's: foreground | background_review
    created_at: float = 0.0
    payload: dict[str, Any] = field(default_factory=dict)
    problem: str | None = None

    @property
    def target(self) -> str:
        """The skill name, or the memory file ("memory" or "user")."""
        key = "name" if self.subsystem == "skills" else "target"
        return str(self.payload.get(key) or ("memory" if self.subsystem == "memory" else ""))

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "origin": "hermes",
            "subsystem": self.subsystem,
            "status": "pending",
            "action": self.action,
            "op": self.action,
            "skill": self.target if self.subsystem == "skills" else None,
            "target": self.target,
            "summary": self.summary,
            "hermes_origin": self.origin,
            "created_at": self.created_at,
            "age": max(0.0, time.time() - self.created_at) if self.created_at else None,
            "problem": self.problem,
            "file": str(self.path),
            "payload": self.payload,
        }


def pending_root(home: Home) -> Path:
    return home.root / "pending"


def _load(path: Path, subsystem: str) -> HermesPending:
    item = HermesPending(id=path.stem, subsystem=subsystem, path=path)
    try:  # a file that says nothing of its age is as old as its last write
        item.created_at = path.stat().st_mtime
    except OSError:
        pass
    try:
        record = json.loads(path.read_text("utf-8-sig"))
    except (OSError, ValueError) as exc:
        item.problem = f"unreadable pending file: {exc}"
        return item
    if not isinstance(record, dict) or not isinstance(record.get("payload"), dict):
        item.problem = "malformed pending file: no payload object"
        return item
    item.payload = record["payload"]
    item.action = str(record.get("action") or item.payload.get("action") or "")
    item.summary = str(record.get("summary") or "")
    item.origin = str(record.get("origin") or "foreground")
    try:
        item.created_at = float(record.get("created_at") or item.created_at)
    except (TypeError, ValueError):
        pass
    allowed = SKILL_ACTIONS if subsystem == "skills" else MEMORY_ACTIONS
    if item.action not in allowed:
        item.problem = f"unknown {subsystem} action {item.action!r}"
    elif subsystem == "skills" and not item.target:
        item.problem = "no skill name in the payload"
    elif subsystem == "memory" and item.target not in DEFAULT_LIMITS:
        item.problem = f"unknown memory target {item.target!r}"
    return item


def list_items(home: Home, library: Any = None) -> list[HermesPending]:
    """Every staged Hermes write, oldest first; with ``library``, writes to a missing skill are flagged."""
    items = []
    for subsystem in SUBSYSTEMS:
        folder = pending_root(home) / subsystem
        if folder.is_dir():
            items.extend(_load(p, subsystem) for p in sorted(folder.glob("*.json")))
    for item in items:
        _check_skill(item, library)
    return sorted(items, key=lambda i: (i.created_at, i.id))


def waiting_names(home: Home) -> tuple[str, ...]:
    """``subsystem/ID.json`` of every staged write, sorted: a listing of the two folders, no file
    read (the status line's count; a watcher compares it to notice writes appearing or going)."""
    names = []
    for subsystem in SUBSYSTEMS:
        try:
            with os.scandir(pending_root(home) / subsystem) as entries:
                names.extend(f"{subsystem}/{e.name}" for e in entries if e.name.endswith(".json"))
        except OSError:  # no folder (Hermes never staged one), or unreadable: nothing waits there
            continue
    return tuple(sorted(names))


def count(home: Home) -> int:
    """How many Hermes writes wait (without reading them)."""
    return len(waiting_names(home))


def _check_skill(item: HermesPending, library: Any) -> HermesPending:
    """Flag a write to a skill that no longer exists (with a library to look in)."""
    if library is not None and item.problem is None and item.subsystem == "skills" and item.action != "create":
        if library.find(item.target) is None:
            item.problem = f"skill {item.target!r} no longer exists"
    return item


def find(home: Home, item_id: str, library: Any = None) -> HermesPending | None:
    """The staged Hermes write with this id, or None (then it is not a Hermes id)."""
    if not item_id or "/" in item_id or item_id.startswith("."):
        return None
    for subsystem in SUBSYSTEMS:
        path = pending_root(home) / subsystem / f"{item_id}.json"
        if path.is_file():
            return _check_skill(_load(path, subsystem), library)
    return None


# -- skills -------------------------------------------------------------------------------------
def _skill_file(library: Any, item: HermesPending) -> tuple[str, Path, bool]:
    """(skill_id, the file a patch/edit/write_file targets, whether it is SKILL.md)."""
    from hermes_tui.core.skills.library import safe_join

    skill_id = library.resolve(item.target)
    folder = library.folder(skill_id)
    rel = item.payload.get("file_path") if item.action in ("patch", "write_file", "remove_file") else None
    if not rel or str(rel).strip() in ("SKILL.md", "./SKILL.md"):
        return skill_id, Path(library.row(skill_id)["path"]), True
    return skill_id, safe_join(folder, str(rel)), False


def _patched(current: str, payload: dict[str, Any], where: str) -> str:
    old, new = payload.get("old_string") or "", payload.get("new_string")
    if not old or new is None:
        raise HermesError("patch needs old_string and new_string")
    count = current.count(old)
    if count == 0:
        raise HermesError(f"patch: old_string not found in {where}")
    if count > 1 and not payload.get("replace_all"):
        raise HermesError(f"patch: old_string occurs {count} times in {where}; Hermes needs replace_all for that")
    return current.replace(old, str(new)) if payload.get("replace_all") else current.replace(old, str(new), 1)


def _read(path: Path) -> str:
    try:
        return path.read_text("utf-8-sig")
    except FileNotFoundError:
        return ""


def _skill_change(library: Any, item: HermesPending) -> tuple[str, str, str]:
    """(label, text now, text after) of a create/edit/patch/write_file."""
    p = item.payload
    if item.action == "create":
        category = str(p.get("category") or "").strip("/")
        return f"{category + '/' if category else ''}{item.target}/SKILL.md", "", str(p.get("content") or "")
    skill_id, path, _is_skill_md = _skill_file(library, item)
    label = f"{skill_id}/{path.relative_to(library.folder(skill_id)).as_posix()}"
    current = _read(path)
    if item.action == "edit":
        return label, current, str(p.get("content") or "")
    if item.action == "patch":
        return label, current, _patched(current, p, label)
    return label, current, str(p.get("file_content") or "")


def _approve_skill(library: Any, item: HermesPending) -> str:
    p = item.payload
    if item.action == "create":
        if library.find(item.target) is not None:
            raise HermesError(f"a skill named {item.target!r} already exists")
        version = library.save(item.target, str(p.get("content") or ""), author="agent", category=p.get("category"))
        return f"created {item.target} (version {version})"
    if item.action == "delete":
        from hermes_tui.core.hermes.usage import hermes_pinned

        if hermes_pinned(library.row(item.target)):
            raise HermesError(f"skill {item.target!r} is pinned in Hermes; unpin it there to delete it")
        return f"archived {item.target} to {library.archive(item.target, author='agent')}"
    skill_id, path, is_skill_md = _skill_file(library, item)
    if item.action == "remove_file":
        if is_skill_md or not path.is_file():
            raise HermesError(f"no file {p.get('file_path')!r} in skill {skill_id}")
        path.unlink()
        library.sync_paths([path.parent])
        return f"removed {p.get('file_path')} from {skill_id}"
    _label, _now, after = _skill_change(library, item)
    if is_skill_md:
        version = library.save(skill_id, after, author="agent")
        return f"{item.action} {skill_id} (version {version})"
    written = library.write_support_file(skill_id, str(p.get("file_path")), after, author="agent")
    return f"{item.action} {written.relative_to(library.root)}"


# -- memory -------------------------------------------------------------------------------------
def memory_limits(home: Home) -> dict[str, int]:
    """Hermes's character limits: ``memory.memory_char_limit`` / ``user_char_limit`` in config.yaml."""
    limits = dict(DEFAULT_LIMITS)
    path = home.root / "config.yaml"
    if path.is_file():
        try:
            import yaml

            section = (yaml.safe_load(path.read_text("utf-8")) or {}).get("memory") or {}
            limits["memory"] = int(section.get("memory_char_limit", limits["memory"]))
            limits["user"] = int(section.get("user_char_limit", limits["user"]))
        except Exception:  # noqa: BLE001 - a broken config.yaml means Hermes's defaults, as in Hermes
            pass
    return limits


def _one(entries: list[str], old_text: str, where: str) -> int:
    needle = (old_text or "").strip()
    if not needle:
        raise HermesError(f"{where}: old_text is required")
    found = [i for i, e in enumerate(entries) if needle in e]
    if not found:
        raise HermesError(f"{where}: no entry matched {needle[:60]!r}")
    if len({entries[i] for i in found}) > 1:
        raise HermesError(f"{where}: {needle[:60]!r} matched several different entries")
    return found[0]


def replay_memory(entries: list[str], payload: dict[str, Any], limit: int) -> list[str]:
    """The entries after a staged memory write, with Hermes's rules (a batch is all or nothing,
    checked against the limit once at the end; an add already present changes nothing)."""
    action = payload.get("action")
    ops = payload.get("operations") if action == "batch" else [payload]
    if not isinstance(ops, list) or not ops:
        raise HermesError("the batch has no operations")
    working = list(entries)
    for n, op in enumerate(ops, 1):
        op = op if isinstance(op, dict) else {}
        act, content = op.get("action"), str(op.get("content") or "").strip()
        where = f"operation {n} ({act})" if action == "batch" else str(act)
        if act == "add":
            if not content:
                raise HermesError(f"{where}: content is required")
            if content not in working:
                working.append(content)
        elif act == "replace":
            index = _one(working, str(op.get("old_text") or ""), where)
            if not content:
                raise HermesError(f"{where}: content is required")
            working[index] = content
        elif act == "remove":
            working.pop(_one(working, str(op.get("old_text") or ""), where))
        else:
            raise HermesError(f"{where}: unknown action; use add, replace or remove")
    used = len(JOINER.join(working))
    if used > limit:
        raise HermesError(f"the memory would hold {used:,}/{limit:,} characters, over Hermes's limit")
    return working


@contextmanager
def memory_lock(path: Path, wait: float = LOCK_WAIT) -> Iterator[None]:
    """Hermes's lock for a memory file: an exclusive flock on ``MEMORY.md.lock`` (``USER.md.lock``)."""
    try:
        import fcntl
    except ImportError:  # (not on POSIX: Hermes uses msvcrt there; we only read-modify-write atomically)
        yield
        return
    lock_path = path.with_name(path.name + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+", encoding="utf-8") as handle:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise HermesError(f"{path.name} is locked by a Hermes process; retry in a moment") from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _memory_files(home: Home) -> MemoryFiles:
    return MemoryFiles(home, limits=memory_limits(home))


def _approve_memory(home: Home, item: HermesPending) -> str:
    memory = _memory_files(home)
    target = item.target
    with memory_lock(memory.path(target)):
        entries = memory.entries(target)
        updated = replay_memory(entries, item.payload, memory.limits[target])
        if updated == entries:
            return f"nothing to change in {memory.path(target).name} (the entry is already there)"
        return memory.set_entries(target, updated)


# -- the queue operations -----------------------------------------------------------------------
def diff(item: HermesPending, library: Any) -> str | None:
    """What approving would change: a unified diff (a create: from /dev/null; memory: the entries
    before and after); None for a malformed item. A change that cannot apply now says why."""
    if item.problem and not item.payload:
        return None
    try:
        if item.subsystem == "memory":
            memory = _memory_files(library.home)
            before = memory.entries(item.target)
            after = replay_memory(before, item.payload, memory.limits[item.target])
            label = memory.path(item.target).name
            return _unified(JOINER.join(before), JOINER.join(after), label)
        if item.action == "delete":
            return f"delete skill '{item.target}' (archived in the workbench, recoverable)"
        if item.action == "remove_file":
            return f"remove file {item.payload.get('file_path')} from skill '{item.target}'"
        label, now, after = _skill_change(library, item)
        return _unified(now, after, label, created=item.action == "create")
    except HermesError as exc:
        return f"(cannot apply now: {exc})"


def _unified(before: str, after: str, label: str, created: bool = False) -> str:
    lines = difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                 fromfile="/dev/null" if created else f"a/{label}", tofile=f"b/{label}")
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines) or "(no textual change)\n"


def scan(item: HermesPending) -> dict[str, Any] | None:
    """The scanner's report on the text a write would add (None until the scanner exists)."""
    try:
        from hermes_tui.core.guard.scan import scan_text  # type: ignore[import-not-found]
    except ImportError:
        return None
    p = item.payload
    texts = [p.get(k) for k in ("content", "file_content", "new_string")]
    texts += [op.get("content") for op in p.get("operations") or [] if isinstance(op, dict)]
    text = "\n".join(t for t in texts if isinstance(t, str) and t)
    if not text:
        return None
    name = str(p.get("file_path") or ("SKILL.md" if item.subsystem == "skills" else "MEMORY.md"))
    return scan_text(text, name).to_dict()


def approve(home: Home, item_id: str, library: Any) -> str:
    """Replay the staged write as Hermes would, then remove its pending file. One-line summary."""
    item = _waiting(home, item_id, library)
    if item.problem:
        raise HermesError(f"Hermes write {item.id} cannot be applied: {item.problem} (reject it)")
    result = _approve_memory(home, item) if item.subsystem == "memory" else _approve_skill(library, item)
    item.path.unlink(missing_ok=True)
    return result


def reject(home: Home, item_id: str, reason: str = "") -> Path:
    """Remove the staged write from Hermes's queue, keeping a copy under workbench/hermes-rejected/."""
    item = _waiting(home, item_id)
    keep = home.workbench_dir / REJECTED_DIR / item.subsystem / item.path.name
    try:
        data = item.path.read_bytes()
        record = {"rejected_at": time.time(), "reason": reason, "file": str(item.path),
                  "record": data.decode("utf-8", errors="replace")}
        atomic_write(keep, json.dumps(record, indent=2, ensure_ascii=False) + "\n")
        os.unlink(item.path)
    except OSError as exc:
        raise HermesError(f"cannot reject Hermes write {item.id}: {os_error_reason(exc)}") from exc
    return keep


def _waiting(home: Home, item_id: str, library: Any = None) -> HermesPending:
    item = find(home, item_id, library)
    if item is None:
        raise HermesError(f"no Hermes pending write {item_id!r}")
    return item


def item_dict(item: HermesPending, library: Any) -> dict[str, Any]:
    """A Hermes item as ``pending list --json`` shows it: with its diff and scan report."""
    return {**item.to_dict(), "diff": diff(item, library), "scan": scan(item)}


def approval_items(home: Home, library: Any) -> list[dict[str, Any]]:
    """The whole approvals queue as ``pending list --json`` gives it: the workbench's waiting
    changes (``"origin": "workbench"``) then Hermes's staged writes (``"origin": "hermes"``)."""
    from hermes_tui.core.gate import PendingQueue

    own = []
    for pending in PendingQueue(home).list():
        data = pending.to_dict()
        for key, value in (("origin", "workbench"), ("subsystem", "skills"), ("scan", None)):
            data.setdefault(key, value)
        own.append(data)
    return own + [item_dict(i, library) for i in list_items(home, library)]
