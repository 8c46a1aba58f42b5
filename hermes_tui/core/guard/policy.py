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
clears it (``hermes-tui skills approve NAME``) or edits it clean.
"""

from __future__ import annotations

ALLOW, REVIEW, REFUSE = "allow", "review", "refuse"

POLICY: dict[str, dict[str, str]] = {
    "bundled": {"safe": ALLOW, "caution": ALLOW, "dangerous": REFUSE},
    "user": {"safe": ALLOW, "caution": ALLOW, "dangerous": REVIEW},
    "agent": {"safe": ALLOW, "caution": REVIEW, "dangerous": REVIEW},
    "hub": {"safe": REVIEW, "caution": REVIEW, "dangerous": REFUSE},
}


def decide(source: str, verdict: str) -> str:
    """``allow``, ``review`` or ``refuse`` for text from ``source`` with ``verdict``.
    An unknown source is treated as the least trusted (hub); an unknown verdict as dangerous."""
    row = POLICY.get(source, POLICY["hub"])
    return row.get(verdict, row["dangerous"])


__all__ = ["ALLOW", "POLICY", "REFUSE", "REVIEW", "decide"]
