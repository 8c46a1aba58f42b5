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


def plural(count: int, word: str) -> str:
    """``1 skill``, ``2 skills``."""
    return f"{count} {word}{'' if count == 1 else 's'}"


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

    def __init__(self, args: Any, *, sync: bool = True, strict_config: bool = False) -> None:
        from hermes_tui.core.skills.library import SkillLibrary
        from hermes_tui.core.store import Store

        self.home = home_from_args(args)
        self.config = load_config(self.home, strict=strict_config)
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


def load_config(home: Home, *, strict: bool = False) -> Any:
    """The home's settings. A broken config.toml raises HermesError when ``strict``;
    otherwise it is said once, in one warning line, and the defaults stand in."""
    from hermes_tui.core.config import Config

    if strict:
        return Config.load(home)
    problems: list[str] = []
    config = Config.load(home, problems=problems)
    if problems:
        warn("; ".join(problems) + " (using the defaults)")
    return config


def stdout_is_tty() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False
