"""Hermes Agent's skill telemetry and hub provenance, read (never written).

* ``skills/.usage.json``: ``{skill name: {use_count, view_count, last_used_at,
  last_viewed_at, patch_count, last_patched_at, created_at, state (active | stale |
  archived), pinned, archived_at, created_by, ...}}`` kept by Hermes's skill tools and
  its curator. Archived skills live in ``skills/.archive/`` (a hidden folder, so
  discovery skips them, as it skips ``.hub`` and ``.curator_backups``).
* ``skills/.hub/lock.json``: ``{"version": 1, "installed": {name: {source,
  identifier, trust_level, scan_verdict, installed_at, ...}}}`` for hub installs.

``HermesSkillInfo(home).of(name)`` gives one skill's ``"hermes"`` object (None when Hermes
knows nothing of it); a missing or broken file reads as empty. The library's rows carry it
(``row["hermes"]``: :meth:`SkillLibrary.list`, ``active``, ``row``; ``skills list/show``), so every
consumer honours Hermes's marks through the helpers below, the one place they are read:

* pinned (``.usage.json``): Hermes's curator never moves it and its ``skill_manage`` refuses
  to change it; here the learning loop leaves it alone, the agent's ``skill_manage`` refuses
  it, the skills index ranks it first among equals (:func:`is_pinned`, :func:`pin_refusal`).
  A person (F5, the ``skills`` CLI) may still change it.
* stale (the curator found it unused): still available, ranked after active skills among
  equals (:func:`hermes_stale`).
* a hub install (``.hub/lock.json``) is source "hub" for the trust policy, and a lock's
  ``scan_verdict`` "dangerous" quarantines it (``SkillLibrary``; :func:`hub_entry`).
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath
from typing import Any

from hermes_tui.core.home import Home

USAGE_KEYS = ("use_count", "view_count", "last_used_at", "last_viewed_at", "patch_count", "last_patched_at",
              "created_at", "state", "pinned", "archived_at", "created_by")
HUB_KEYS = ("source", "identifier", "trust_level", "scan_verdict", "installed_at")


_CACHE: dict[Path, tuple[tuple[int, int], dict[str, Any]]] = {}  # path -> (mtime, size), the parsed object


def _json_object(path: Path) -> dict[str, Any]:
    """The file's JSON object ({} when missing or broken), parsed again only when its stamp
    changed (one ``stat`` per call: the library reads it with every listing). Never mutated."""
    try:
        st = path.stat()
        stamp = (st.st_mtime_ns, st.st_size)
        cached = _CACHE.get(path)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    data = data if isinstance(data, dict) else {}
    _CACHE[path] = (stamp, data)
    return data


def load_usage(home: Home) -> dict[str, dict[str, Any]]:
    return {str(k): v for k, v in _json_object(home.skills_dir / ".usage.json").items() if isinstance(v, dict)}


def hub_installed(home: Home) -> dict[str, dict[str, Any]]:
    installed = _json_object(home.skills_dir / ".hub" / "lock.json").get("installed")
    return {str(k): v for k, v in installed.items() if isinstance(v, dict)} if isinstance(installed, dict) else {}


def archived_names(home: Home) -> list[str]:
    """Skills Hermes's curator moved to ``skills/.archive/`` (folders holding a SKILL.md)."""
    root = home.skills_dir / ".archive"
    if not root.is_dir():
        return []
    return sorted({p.parent.name for p in root.rglob("SKILL.md")})


class HermesSkillInfo:
    """Hermes's view of the skills of a home, read once: ``info.of(name)``."""

    def __init__(self, home: Home) -> None:
        self.usage = load_usage(home)
        self.hub = hub_installed(home)

    def of(self, name: str, folder: str | None = None) -> dict[str, Any] | None:
        """``name``: the skill's name (Hermes's key in .usage.json); ``folder``: its folder's
        name, the install name a hub lock may know it by instead."""
        usage, hub = self.usage.get(name), self.hub.get(name) or self.hub.get(folder or name)
        if usage is None and hub is None:
            return None
        return {
            "usage": {k: usage.get(k) for k in USAGE_KEYS} if usage is not None else None,
            "state": (usage or {}).get("state") or "active",
            "pinned": bool((usage or {}).get("pinned")),
            "hub": {k: hub.get(k) for k in HUB_KEYS} if hub is not None else None,
        }


    def add_to(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """``rows`` (the library's) each with its ``"hermes"`` object (None when unknown)."""
        for row in rows:
            row["hermes"] = self.of(str(row.get("name") or ""), PurePosixPath(row["skill_id"]).name)
        return rows


def hub_entry(home: Home, folder: str) -> dict[str, Any] | None:
    """The hub lock's entry of a skill folder (a Hermes hub install), or None."""
    return hub_installed(home).get(folder)


def hub_finding(entry: dict[str, Any]) -> Any:
    """A scan finding for a hub install Hermes's skills guard judged dangerous (its lock's
    ``scan_verdict``): the library quarantines the skill as for one of our scanner's."""
    from hermes_tui.core.guard.scan import HIGH, Finding

    where = entry.get("identifier") or entry.get("source") or "?"
    return Finding(
        id="hermes.hub-scan", category="supply-chain", severity=HIGH, file="SKILL.md", line=0,
        excerpt=f"{where} (trust {entry.get('trust_level') or '?'})",
        explanation="Hermes's scan judged this hub install dangerous (skills/.hub/lock.json)",
    )


# -- a library row's marks (its "hermes" object) ------------------------------------------------
def hermes_pinned(row: dict[str, Any]) -> bool:
    return bool((row.get("hermes") or {}).get("pinned"))


def hermes_stale(row: dict[str, Any]) -> bool:
    return (row.get("hermes") or {}).get("state") == "stale"


def is_pinned(row: dict[str, Any]) -> bool:
    """Pinned in the workbench or in Hermes: automatic changes leave it alone."""
    return bool(row.get("pinned")) or hermes_pinned(row)


def pinned_by(row: dict[str, Any]) -> str:
    """"pinned" / "pinned in Hermes" ("" when neither)."""
    return "pinned" if row.get("pinned") else "pinned in Hermes" if hermes_pinned(row) else ""


def pin_refusal(row: dict[str, Any]) -> str | None:
    """The one line an agent gets for a change to a skill pinned in Hermes (None: not pinned there)."""
    if not hermes_pinned(row):
        return None
    return (f"skill {row.get('name') or row['skill_id']} is pinned in Hermes: it cannot be changed by skill_manage; "
            "ask the user (they can edit it in the workbench, or unpin it in Hermes)")
