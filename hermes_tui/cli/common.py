"""Helpers shared by the command modules."""

from __future__ import annotations

import json
import sys
from typing import Any

from hermes_tui.core.home import Home
from hermes_tui.core.workspace import Workspace as CoreWorkspace


def home_from_args(args: Any, *, create: bool = True) -> Home:
    home = Home.resolve(getattr(args, "home", None))
    if create:
        home.ensure()
    return home


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=None, default=str)
    sys.stdout.write("\n")
    sys.stdout.flush()


class Workspace(CoreWorkspace):
    """The core :class:`~hermes_tui.core.workspace.Workspace` of ``--home``, for one command."""

    def __init__(self, args: Any, *, sync: bool = True) -> None:
        super().__init__(home_from_args(args), sync=sync)


def stdout_is_tty() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False
