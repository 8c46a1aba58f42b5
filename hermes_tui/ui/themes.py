"""Themes from data files and key bindings from config.toml.

Themes are TOML files (the fields of :class:`textual.theme.Theme`): the project's in
``themes/`` and the user's in ``<home>/themes/`` (a user theme of the same name wins).
``[ui] theme`` in config.toml picks one; the command palette switches at run time.
``[keys]`` maps binding ids to keys (``"app.area.episodes" = "ctrl+e"``).
"""

from __future__ import annotations

import tomllib
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.color import Color
from textual.theme import Theme

from hermes_tui.core.fsutil import describe_os_error
from hermes_tui.core.home import package_data_dir

if TYPE_CHECKING:
    from textual.app import App

    from hermes_tui.core.workspace import Workspace

THEME_FIELDS = {f.name for f in fields(Theme)}
COLOUR_FIELDS = {"primary", "secondary", "warning", "error", "success", "accent", "foreground", "background", "surface", "panel", "boost"}


def load_theme(path: Path) -> Theme:
    """One theme file; ValueError with a one-line reason when it is not a usable theme."""
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise ValueError(f"cannot read theme {path}: {describe_os_error(exc)}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"theme {path} is not valid TOML: {exc}") from None
    data.setdefault("name", path.stem)
    unknown = sorted(set(data) - THEME_FIELDS)
    if unknown:
        raise ValueError(f"theme {path}: unknown field {unknown[0]!r}")
    if "primary" not in data:
        raise ValueError(f"theme {path}: 'primary' is required")
    for key in COLOUR_FIELDS & set(data):
        try:
            Color.parse(data[key])
        except Exception:  # ColorParseError, or a value that is not a string
            raise ValueError(f"theme {path}: {key} = {data[key]!r} is not a colour") from None
    try:
        return Theme(**data)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"theme {path}: {exc}") from None


def theme_files(home_themes: Path) -> list[Path]:
    """The project's theme files, then the user's (so a user theme overrides)."""
    folders = [package_data_dir("themes"), home_themes]
    return [p for folder in folders if folder is not None and folder.is_dir() for p in sorted(folder.glob("*.toml"))]


def apply_user_settings(app: "App[Any]", workspace: "Workspace") -> list[str]:
    """Register the themes, pick the configured one, apply the [keys] keymap; returns warnings.

    Called before the app runs, so the stylesheet is built once with the chosen theme.
    """
    warnings: list[str] = []
    for path in theme_files(workspace.home.root / "themes"):
        try:
            app.register_theme(load_theme(path))
        except ValueError as exc:
            warnings.append(str(exc))
    wanted = workspace.config.ui.theme
    if wanted in app.available_themes:
        app.theme = wanted
    elif wanted:
        warnings.append(f"config.toml: unknown theme {wanted!r}; have {', '.join(sorted(app.available_themes))}")
    keys = workspace.config.extra.get("keys")
    if isinstance(keys, dict):
        good = {str(k): v for k, v in keys.items() if isinstance(v, str) and v.strip()}
        if len(good) != len(keys):
            warnings.append("config.toml: [keys] values must be key names like \"ctrl+e\"")
        app.set_keymap(good)
    elif keys is not None:
        warnings.append("config.toml: [keys] must be a table of binding id = \"key\"")
    return warnings
