"""Helpers shared by the command modules."""

from __future__ import annotations

import json
import sys
from typing import Any

from hermes_tui.core.config import Config
from hermes_tui.core.home import Home


def home_from_args(args: Any, *, create: bool = True) -> Home:
    home = Home.resolve(getattr(args, "home", None))
    if create:
        home.ensure()
    return home


def config_from_args(args: Any, home: Home) -> Config:
    return Config.load(home)


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=None, default=str)
    sys.stdout.write("\n")
    sys.stdout.flush()
