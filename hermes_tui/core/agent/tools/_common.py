"""Helpers shared by the tools: arguments, paths, text files, approvals."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from hermes_tui.core.fsutil import os_error_reason
from hermes_tui.core.agent.tools.base import ToolContext, ToolError, ToolResult
from hermes_tui.core.guard.commands import protected_write_rule
from hermes_tui.core.home import package_data_dir

BINARY_SNIFF = 8192


# -- arguments ------------------------------------------------------------------------------
def str_arg(args: dict[str, Any], name: str, *, required: bool = True, allow_empty: bool = False) -> str | None:
    value = args.get(name)
    if value is None:
        if required:
            raise ToolError(f"missing the {name!r} argument")
        return None
    if not isinstance(value, str):
        raise ToolError(f"the {name!r} argument must be a string, got {type(value).__name__}")
    if not allow_empty and required and not value.strip():
        raise ToolError(f"the {name!r} argument is empty")
    return value


def int_arg(args: dict[str, Any], name: str, default: int, *, low: int, high: int) -> int:
    value = args.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ToolError(f"the {name!r} argument must be a whole number")
    try:
        number = int(value)
    except (ValueError, OverflowError):  # "x", nan, inf, a string of over 4,300 digits
        raise ToolError(f"the {name!r} argument must be a whole number, got {str(value)[:40]!r}") from None
    if number < low:
        raise ToolError(f"the {name!r} argument must be at least {low}, got {number}")
    return min(number, high)


def bool_arg(args: dict[str, Any], name: str, default: bool = False) -> bool:
    value = args.get(name, default)
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


# -- paths ------------------------------------------------------------------------------------
def resolve_path(ctx: ToolContext, raw: str) -> Path:
    """A path argument: ``~`` expanded, relative to the session's folder, normalised."""
    if "\0" in raw:
        raise ToolError("the path contains a NUL character")
    path = Path(os.path.expanduser(raw.strip()))
    if not path.is_absolute():
        path = Path(ctx.cwd) / path
    return Path(os.path.normpath(path))


def display_path(ctx: ToolContext, path: Path) -> str:
    """The path as the model should write it back: relative to the session's folder if inside."""
    try:
        return str(path.relative_to(Path(ctx.cwd)))
    except ValueError:
        return str(path)


def _inside(path: Path, folder: Path) -> bool:
    real, root = Path(os.path.realpath(path)), Path(os.path.realpath(folder))
    return real == root or root in real.parents


def refuse_managed(ctx: ToolContext, path: Path) -> None:
    """The home belongs to the person: file tools write nothing there (skills, memory and
    the workbench have their own tools and gate; config.toml only the person changes),
    nor in the bundled skills' source (installed into every home at the next start)."""
    home = ctx.home
    for memory in (home.memory_file, home.user_file):
        if _inside(path, memory):
            raise ToolError(f"{path} is a memory file; use the memory tool instead")
    if _inside(path, home.skills_dir):
        raise ToolError(f"{path} is managed by hermes-tui; use the skill_manage tool instead of writing files there")
    if _inside(path, home.config_path):
        raise ToolError(f"{path} holds the workbench settings; only the user changes them")
    if _inside(path, home.root):
        raise ToolError(f"{path} is managed by hermes-tui; it belongs to the workbench")
    bundled = package_data_dir("skills")
    if bundled is not None and _inside(path, bundled):
        raise ToolError(f"{path} is the source of the bundled skills; change skills with the skill_manage tool")


def is_unreviewed(ctx: ToolContext, path: Path) -> bool:
    """True for what the agent never reads: the workbench (pending skill changes no person
    has approved, the database) and config.toml (settings, maybe keys)."""
    return _inside(path, ctx.home.workbench_dir) or _inside(path, ctx.home.config_path)


def refuse_unreviewed(ctx: ToolContext, path: Path) -> None:
    """The agent never reads pending (unapproved) skill changes, its own included, nor the settings."""
    if is_unreviewed(ctx, path):
        raise ToolError(f"{path} belongs to the workbench (changes waiting for a person's approval, settings); it cannot be read")


def looks_binary(head: bytes) -> bool:
    return b"\0" in head


def read_text(path: Path, *, what: str | None = None) -> str:
    """A whole text file (newlines kept as they are); binary files and folders refused."""
    shown = what or str(path)
    if path.is_dir():
        raise ToolError(f"{shown} is a folder, not a file")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ToolError(f"{shown} does not exist") from None
    except OSError as exc:
        raise ToolError(f"cannot read {shown}: {os_error_reason(exc)}") from None
    if looks_binary(data[:BINARY_SNIFF]):
        raise ToolError(f"{shown} is a binary file ({len(data)} bytes); only text files can be read or edited")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


# -- approvals --------------------------------------------------------------------------------
def approval_refusal(error: str, rule: str, reason: str, what: str) -> ToolResult:
    """The error result for an approval that was not given (``error``: the broker's refusal)."""
    return ToolResult(
        output=f"error: {error} ({rule}: {reason}); {what} did not happen. Do not retry it; "
        "ask the user or find another way.",
        error=error,
    )


def ask(ctx: ToolContext, *, tool: str, command: str, matches: tuple[tuple[str, str], ...], what: str) -> ToolResult | None:
    """Ask once for every (rule, reason); None when approved, else the refusal."""
    if not matches:
        return None
    decision = ctx.approvals.request_all(call_id=ctx.call_id, tool=tool, command=command, matches=matches)
    if ctx.approvals.approved(decision):
        return None
    rule = ", ".join(rule for rule, _reason in matches)
    reason = "; ".join(reason for _rule, reason in matches)
    return approval_refusal(ctx.approvals.refusal(decision), rule, reason, what)


def check_write(ctx: ToolContext, path: Path, *, tool: str) -> ToolResult | None:
    """Refuse managed paths; ask before writing a protected file. None means go ahead."""
    refuse_managed(ctx, path)
    rule = protected_write_rule(path)
    if rule is None:
        return None
    return ask(ctx, tool=tool, command=f"{tool} {path}", matches=(rule,), what=f"the write to {path}")
