"""Memory files: ``memories/MEMORY.md`` (the agent's notes) and ``memories/USER.md``
(what it knows about the user), as in Hermes Agent.

A file is a list of entries separated by a line holding only ``§``. Each file has a
character budget (the entries joined with ``"\\n§\\n"``): MEMORY.md 2,200 and USER.md
1,375 characters by default; an add or replace that would exceed it is refused with a
message showing the usage. Entries are matched for replace/remove by a unique
substring. Writes are atomic, and a file changed on disk since this object last read
or wrote it (another session, an editor) is never clobbered: the change is refused,
the file is re-read, and the caller may retry on the fresh entries. Workbench
processes take ``memories/.lock`` (an advisory ``flock``) from that check to the
write, so two of them never both pass the check and one overwrite the other.

:meth:`MemoryFiles.snapshot` gives the text for the system prompt, frozen at its
first call so that the prompt (and the provider's prefix cache) stays stable for the
whole session; tool calls see the live entries.
"""

from __future__ import annotations

import hashlib
import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from hermes_tui.core.fsutil import atomic_write, describe_os_error
from hermes_tui.core.guard.redact import redact
from hermes_tui.core.home import Home
from hermes_tui.errors import HermesError

SEPARATOR = "§"
JOINER = f"\n{SEPARATOR}\n"
TARGETS = ("memory", "user")
DEFAULT_LIMITS = {"memory": 2200, "user": 1375}


class MemoryChanged(HermesError):
    """The file is not what the editor opened: ``disk`` holds its entries now."""

    def __init__(self, name: str, disk: list[str]) -> None:
        super().__init__(f"{name} was changed on disk since it was opened; nothing was written")
        self.disk = disk


@dataclass(frozen=True)
class _Stamp:
    """What a file looked like when it was read: to see a change behind our back."""

    mtime_ns: int
    size: int
    sha256: str

    @classmethod
    def of(cls, path: Path, data: bytes | None) -> "_Stamp":
        if data is None:
            return cls(0, -1, "")
        st = path.stat()
        return cls(st.st_mtime_ns, st.st_size, hashlib.sha256(data).hexdigest())

    def same_content(self, other: "_Stamp") -> bool:
        return self.size == other.size and self.sha256 == other.sha256


def parse_entries(text: str) -> list[str]:
    """Entries of a memory file: blocks between lines holding only ``§`` (blank ones dropped)."""
    entries: list[str] = []
    block: list[str] = []
    for line in text.splitlines():
        if line.strip() == SEPARATOR:
            entries.append("\n".join(block).strip())
            block = []
        else:
            block.append(line)
    entries.append("\n".join(block).strip())
    seen: set[str] = set()
    unique = []
    for entry in entries:
        if entry and entry not in seen:
            seen.add(entry)
            unique.append(entry)
    return unique


def render_entries(entries: list[str]) -> str:
    return JOINER.join(entries) + "\n" if entries else ""


class MemoryFiles:
    """MEMORY.md and USER.md of a home. One per session (it remembers what it read)."""

    def __init__(self, home: Home, *, limits: dict[str, int] | None = None) -> None:
        self.home = home
        self.limits = {**DEFAULT_LIMITS, **(limits or {})}
        self._stamps: dict[str, _Stamp] = {}
        self._snapshot: dict[str, str] | None = None

    # -- reading ------------------------------------------------------------------------
    def path(self, target: str) -> Path:
        if target == "memory":
            return self.home.memory_file
        if target == "user":
            return self.home.user_file
        raise HermesError(f"unknown memory target {target!r}; use 'memory' or 'user'")

    def _read(self, target: str) -> tuple[list[str], _Stamp]:
        path = self.path(target)
        try:
            data: bytes | None = path.read_bytes()
        except FileNotFoundError:
            data = None
        except OSError as exc:
            raise HermesError(f"cannot read {path}: {describe_os_error(exc, path)}") from exc
        stamp = _Stamp.of(path, data)
        text = "" if data is None else data.decode("utf-8", errors="replace")
        return parse_entries(text), stamp

    def entries(self, target: str) -> list[str]:
        """The live entries of ``target`` ("memory" or "user")."""
        entries, stamp = self._read(target)
        self._stamps[target] = stamp
        return entries

    def usage(self, target: str) -> tuple[int, int]:
        """(characters used, budget) of ``target``."""
        return len(JOINER.join(self.entries(target))), self.limits[target]

    def usage_text(self, target: str, entries: list[str] | None = None) -> str:
        used = len(JOINER.join(self.entries(target) if entries is None else entries))
        limit = self.limits[target]
        return f"{self.path(target).name}: {used}/{limit} characters ({used * 100 // max(limit, 1)}%)"

    def snapshot(self) -> dict[str, str]:
        """{"memory": text, "user": text} for the system prompt, frozen at the first call."""
        if self._snapshot is None:
            self._snapshot = {target: JOINER.join(self.entries(target)) for target in TARGETS}
        return dict(self._snapshot)

    # -- writing ------------------------------------------------------------------------
    def add(self, target: str, content: str) -> str:
        """Append an entry; returns a one-line message. Refused past the budget."""
        content = self._clean(content)
        with self._locked():
            entries = self._fresh(target)
            if content in entries:
                return f"already in {self.path(target).name}; nothing added ({self.usage_text(target, entries)})"
            self._check_budget(target, entries, entries + [content], "add")
            self._write(target, entries + [content])
        return f"added to {self.path(target).name} ({self.usage_text(target, entries + [content])})"

    def replace(self, target: str, old_text: str, new: str) -> str:
        """Replace the one entry containing ``old_text`` with ``new``."""
        new = self._clean(new)
        with self._locked():
            entries = self._fresh(target)
            index = self._find(target, entries, old_text)
            updated = list(entries)
            updated[index] = new
            updated = list(dict.fromkeys(updated))
            self._check_budget(target, entries, updated, "replace")
            self._write(target, updated)
        return f"replaced an entry in {self.path(target).name} ({self.usage_text(target, updated)})"

    def remove(self, target: str, old_text: str) -> str:
        """Remove the one entry containing ``old_text``."""
        with self._locked():
            entries = self._fresh(target)
            index = self._find(target, entries, old_text)
            updated = entries[:index] + entries[index + 1 :]
            self._write(target, updated)
        return f"removed an entry from {self.path(target).name} ({self.usage_text(target, updated)})"

    def set_entries(self, target: str, entries: list[str], *, base: list[str] | None = None) -> str:
        """Write ``entries`` as the whole file, within its budget.

        ``base``: the entries a person's editor opened (add, edit, remove, reorder); when
        the file holds others now, :class:`MemoryChanged` is raised with them and nothing
        is written; past the budget it is refused unless the edit makes the file no longer
        (a file over its budget after a hand edit can still be trimmed). Without ``base``
        (a replayed batch), refused like every write here when the file changed since it
        was last read."""
        with self._locked():
            if base is None:
                cleaned = list(entries)
                self._check_budget(target, self._fresh(target), cleaned, "write")
            else:
                cleaned = list(dict.fromkeys(self._clean(entry) for entry in entries))
                current, stamp = self._read(target)
                self._stamps[target] = stamp
                if current != list(base):
                    raise MemoryChanged(self.path(target).name, current)
                if len(JOINER.join(cleaned)) > len(JOINER.join(current)):
                    self._check_budget(target, current, cleaned, "save")
            self._write(target, cleaned)
        return f"saved {self.path(target).name} ({self.usage_text(target, cleaned)})"

    # -- helpers ------------------------------------------------------------------------
    @contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold ``memories/.lock`` (one writer at a time across processes) where flock exists."""
        try:
            import fcntl
        except ImportError:  # not on this system: the stamp checks alone
            yield
            return
        folder = self.home.memories_dir
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(folder / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise HermesError(f"cannot write {folder}: {describe_os_error(exc, folder)}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    @staticmethod
    def _clean(content: str | None) -> str:
        if not isinstance(content, str) or not content.strip():
            raise HermesError("the entry is empty; give the text to remember")
        content = content.strip()
        if any(line.strip() == SEPARATOR for line in content.splitlines()):
            raise HermesError(f"an entry may not contain a line holding only {SEPARATOR!r} (it separates entries)")
        if redact(content, {}) != content:
            raise HermesError("the entry looks like it contains a secret (an API key, a token or a password); not saved")
        return content

    def _fresh(self, target: str) -> list[str]:
        """Current entries, refusing when the file changed since we last read or wrote it."""
        entries, stamp = self._read(target)
        known = self._stamps.get(target)
        self._stamps[target] = stamp
        if known is not None and not known.same_content(stamp):
            raise HermesError(
                f"{self.path(target).name} was changed on disk since it was read (by another session or an "
                "editor); nothing was written. It has been read again: check its entries and retry"
            )
        return entries

    def _find(self, target: str, entries: list[str], old_text: str | None) -> int:
        if not isinstance(old_text, str) or not old_text.strip():
            raise HermesError("old_text is empty; give a short unique part of the entry to change")
        needle = old_text.strip()
        found = [i for i, entry in enumerate(entries) if needle in entry]
        if not found:
            raise HermesError(f"no entry of {self.path(target).name} contains {needle[:80]!r}")
        if len(found) > 1:
            raise HermesError(
                f"{len(found)} entries of {self.path(target).name} contain {needle[:80]!r}; give a longer, unique part"
            )
        return found[0]

    def _check_budget(self, target: str, current: list[str], updated: list[str], action: str) -> None:
        used = len(JOINER.join(updated))
        limit = self.limits[target]
        if used > limit:
            now = len(JOINER.join(current))
            raise HermesError(
                f"cannot {action}: {self.path(target).name} would hold {used}/{limit} characters "
                f"(now {now}/{limit}); shorten the entry or replace/remove old entries first"
            )

    def _write(self, target: str, entries: list[str]) -> None:
        path = self.path(target)
        _entries, stamp = self._read(target)
        known = self._stamps.get(target)
        if known is not None and not known.same_content(stamp):  # changed during this call
            self._stamps[target] = stamp
            raise HermesError(f"{path.name} was changed on disk while writing; nothing was written; retry")
        data = render_entries(entries).encode("utf-8")
        atomic_write(path, data)
        self._stamps[target] = _Stamp.of(path, data)


MEMORY_SOURCES = {"memory": "memories/MEMORY.md", "user": "memories/USER.md"}


def sync_memory_notes(home: Home, store: object) -> int:
    """Mirror the entries of MEMORY.md and USER.md into the store's notes, so the one
    search API finds them (kind "memory" or "user", source the file). Entries that are
    gone are removed, new ones added, unchanged ones kept. Returns the changes made.

    Nothing is written (and no write lock taken) when the notes are already in line."""
    entries = {source: _file_entries(home, target) for target, source in MEMORY_SOURCES.items()}
    if all(set(_stored_notes(store, source)) == set(entries[source]) for source in entries):
        return 0
    changes = 0
    with store.transaction():  # type: ignore[attr-defined]
        for target, source in MEMORY_SOURCES.items():
            stored = _stored_notes(store, source)
            for text, note_id in stored.items():
                if text not in entries[source]:
                    store.delete_note(note_id)  # type: ignore[attr-defined]
                    changes += 1
            new = [e for e in entries[source] if e not in stored]
            if new:
                changes += store.add_notes(  # type: ignore[attr-defined]
                    {"text": e, "title": e.splitlines()[0][:80], "kind": target, "source": source} for e in new
                )
    return changes


def _file_entries(home: Home, target: str) -> list[str]:
    path = home.memory_file if target == "memory" else home.user_file
    try:
        return parse_entries(path.read_text("utf-8", errors="replace"))
    except OSError:
        return []


def _stored_notes(store: object, source: str) -> dict[str, int]:
    """The notes mirrored from one file: {text: note id}."""
    rows = store.execute("SELECT id, text FROM notes WHERE source = ?", (source,))  # type: ignore[attr-defined]
    return {text: note_id for note_id, text in rows}


__all__ = [
    "MemoryChanged",
    "MemoryFiles",
    "parse_entries",
    "render_entries",
    "sync_memory_notes",
    "SEPARATOR",
    "DEFAULT_LIMITS",
    "TARGETS",
]
