"""Hermes Agent's skill telemetry and hub provenance, read (never written).

* ``skills/.usage.json``: ``{skill name: {use_count, view_count, last_used_at,
  last_viewed_at, patch_count, last_patched_at, created_at, state (active | stale |
  archived), pinned, archived_at, created_by, ...}}`` kept by Hermes's skill tools and
  its curator. Archived skills live in ``skills/.archive/`` (a hidden folder, so
  discovery skips them, as it skips ``.hub`` and ``.curator_backups``).
* ``skills/.hub/lock.json``: ``{"version": 1, "installed": {name: {source,
  identifier, trust_level, scan_verdict, installed_at, ...}}}`` for hub installs.

:func:`skill_info` gives one skill's ``"hermes"`` object for ``skills list/show``
(None when Hermes knows nothing of it). A missing or broken file reads as empty.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hermes_tui.core.home import Home

USAGE_KEYS = ("use_count", "view_count", "last_used_at", "last_viewed_at", "patch_count", "last_patched_at",
              "created_at", "state", "pinned", "archived_at", "created_by")
HUB_KEYS = ("source", "identifier", "trust_level", "scan_verdict", "installed_at")


def _json_object(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


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

    def of(self, name: str) -> dict[str, Any] | None:
        usage, hub = self.usage.get(name), self.hub.get(name)
        if usage is None and hub is None:
            return None
        return {
            "usage": {k: usage.get(k) for k in USAGE_KEYS} if usage is not None else None,
            "state": (usage or {}).get("state") or "active",
            "pinned": bool((usage or {}).get("pinned")),
            "hub": {k: hub.get(k) for k in HUB_KEYS} if hub is not None else None,
        }


def skill_info(home: Home, name: str) -> dict[str, Any] | None:
    return HermesSkillInfo(home).of(name)
