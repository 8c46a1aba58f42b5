"""Attaching to a Hermes Agent home: its sessions (state.db), pending writes and skill telemetry.

Everything here reads Hermes's files as Hermes writes them and never changes them,
except an approved pending write, replayed the way Hermes would (``pending``).
"""

from typing import Any


def outcome_label(episode: dict[str, Any]) -> str:
    """An episode's outcome; one not ended is "running" (a Hermes session: "open", as a chat can
    stay open for days). The CLI and the TUI both name it so."""
    return episode.get("outcome") or ("open" if episode.get("source") == "hermes" else "running")
