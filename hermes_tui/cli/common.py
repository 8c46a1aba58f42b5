"""Helpers shared by the command modules."""

from __future__ import annotations

import json
import sys
from typing import Any

from hermes_tui.core.home import Home
from hermes_tui.core.workspace import Workspace as CoreWorkspace
from hermes_tui.errors import one_line


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
    print(f"hermes-tui: {kind}: {one_line(message)}", file=sys.stderr)


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=None, default=str)
    sys.stdout.write("\n")
    sys.stdout.flush()


class Workspace(CoreWorkspace):
    """The core :class:`~hermes_tui.core.workspace.Workspace` of ``--home``, for one command.

    config.toml is read first (a broken one is said in one warning line, or refused
    when ``strict_config``). On a read-only home the store opens read-only: commands
    that read work, and the sync's changes are skipped with one note on stderr.
    """

    def __init__(self, args: Any, *, sync: bool = True, strict_config: bool = False, hermes: bool = False) -> None:
        home = home_from_args(args)
        super().__init__(home, sync=False, config=load_config(home, strict=strict_config))
        if sync or hermes:
            self._sync_or_note(self.sync if sync else self.mirror_hermes)

    def _sync_or_note(self, step: Any) -> None:
        """Run ``step`` (the sync, or only the Hermes mirror: ``hermes``); its notes go to stderr."""
        from hermes_tui.core.store.db import ReadOnlyStoreError

        try:
            step()
        except ReadOnlyStoreError:
            warn(f"{self.home.root} is read-only: changes to its files could not be recorded", kind="note")
        for note in self.hermes_notes:
            warn(note, kind="note")


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
