"""Helpers shared by the command modules."""

from __future__ import annotations

import json
import sys
from typing import Any

from hermes_tui.core.home import Home


def home_from_args(args: Any, *, create: bool = True) -> Home:
    home = Home.resolve(getattr(args, "home", None))
    if create:
        home.ensure()
    return home


def warn(message: str, *, kind: str = "warning") -> None:
    """One line on stderr: ``hermes-tui: warning: MESSAGE``."""
    print(f"hermes-tui: {kind}: {' '.join(message.split())}", file=sys.stderr)


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=None, default=str)
    sys.stdout.write("\n")
    sys.stdout.flush()


class Workspace:
    """The home, its store and its skill library, opened together for one command.

    The library and the memory entries are synced from their files on open (cheap
    when nothing changed), so every command sees hand edits even when no watcher runs.
    On a read-only home the store opens read-only: commands that read work, and the
    sync's changes are skipped with one note on stderr.
    """

    def __init__(self, args: Any, *, sync: bool = True) -> None:
        from hermes_tui.core.skills.library import SkillLibrary
        from hermes_tui.core.store import Store

        self.home = home_from_args(args)
        self.store = Store.open(self.home.db_path)
        self.library = SkillLibrary(self.home, self.store)
        if sync:
            self._sync()

    def _sync(self) -> None:
        from hermes_tui.core.memory import sync_memory_notes
        from hermes_tui.core.store.db import ReadOnlyStoreError

        try:
            self.library.sync()
            sync_memory_notes(self.home, self.store)
        except ReadOnlyStoreError:
            warn(f"{self.home.root} is read-only: changes to its files could not be recorded", kind="note")

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> "Workspace":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def stdout_is_tty() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False
