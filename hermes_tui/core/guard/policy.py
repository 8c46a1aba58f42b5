"""The trust policy: what happens to scanned text, by who wrote it and the scan's verdict.

One table, read at every door (``PendingQueue.submit``, the gate-off path of
``skill_manage``, learning's auto-approve, the memory tool):

================  ==========  ==========  ==========
source            safe        caution     dangerous
================  ==========  ==========  ==========
bundled           allow       allow       refuse
user              allow       allow       review
agent             allow       review      review
hub               review      review      refuse
================  ==========  ==========  ==========

- ``allow``: may take effect without a person where the settings let it (the skill gate
  off, ``[learning] auto_approve``, a memory write); with the gate on it still waits.
- ``review``: waits in the pending queue with its findings until a person decides.
- ``refuse``: not queued at all; one line says why; nothing is written.

Skills already on disk (hand edits, bundled updates, anything synced) are scanned when
they are loaded: a dangerous one is "quarantined" whatever its source, until a person
clears it (``hermes-tui skills approve NAME``) or edits it clean. A skill Hermes Agent
installed from its hub (``skills/.hub/lock.json``) is source "hub", and one its lock's
``scan_verdict`` calls dangerous is quarantined the same way (``SkillLibrary``).

Memory notes a person imports (``hermes-tui memory import``) are "user" text, whatever
their file says of their origin (:func:`note_refusal`). Notes have no review queue:
the person importing is there, so what the policy would send to review is refused
with its reason, line by line, and they fix the line or skip it (``--skip-bad``).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

ALLOW, REVIEW, REFUSE = "allow", "review", "refuse"

POLICY: dict[str, dict[str, str]] = {
    "bundled": {"safe": ALLOW, "caution": ALLOW, "dangerous": REFUSE},
    "user": {"safe": ALLOW, "caution": ALLOW, "dangerous": REVIEW},
    "agent": {"safe": ALLOW, "caution": REVIEW, "dangerous": REVIEW},
    "hub": {"safe": REVIEW, "caution": REVIEW, "dangerous": REFUSE},
}


def note_refusal(text: str, title: str | None = None, *, source: str = "user") -> str | None:
    """Why a memory note may not be stored without a person's look (one line), or None
    when the scan and the policy allow it. The title is scanned with the text."""
    from hermes_tui.core.guard.scan import nothing_to_find, scan_text

    whole = f"{title}\n\n{text}" if title else text
    if nothing_to_find(whole, "note.md"):  # the scan would find nothing: safe (and much cheaper)
        return None
    report = scan_text(whole, "note.md")
    if decide(source, report.verdict) == ALLOW:
        return None
    first = report.flagged[0]
    return f"refused: the scan judged it {report.summary()}; {first.id}: {first.explanation}: {first.excerpt}"


def decide(source: str, verdict: str) -> str:
    """``allow``, ``review`` or ``refuse`` for text from ``source`` with ``verdict``.
    An unknown source is treated as the least trusted (hub); an unknown verdict as dangerous."""
    row = POLICY.get(source, POLICY["hub"])
    return row.get(verdict, row["dangerous"])


class Clearances:
    """Texts a person let in although the scan judged them dangerous, by sha256 and key
    (a skill_id, or "memory:memory" / "memory:user" for memory entries):
    ``workbench/scan-cleared.json``. A cleared text changed by one byte is scanned again."""

    def __init__(self, home: Any) -> None:
        self.path = Path(home.workbench_dir) / "scan-cleared.json"

    @staticmethod
    def digest(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()

    def _read(self) -> dict[str, list[str]]:
        try:
            data = json.loads(self.path.read_text("utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def has(self, key: str, digest: str) -> bool:
        return digest in self._read().get(key, [])

    def add(self, key: str, digest: str) -> None:
        from hermes_tui.core.fsutil import atomic_write

        data = self._read()
        if digest in data.setdefault(key, []):
            return
        data[key].append(digest)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(self.path, json.dumps(data, indent=1) + "\n")


__all__ = ["ALLOW", "Clearances", "POLICY", "REFUSE", "REVIEW", "decide", "note_refusal"]
