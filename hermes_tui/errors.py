"""User-facing errors.

Anything that should reach a person as a clear one-line message is raised as a
:class:`HermesError` (or a subclass). The CLI prints ``hermes-tui: error: <message>``
and exits non-zero; the TUI shows the message in a dialog. No traceback reaches a user.
"""

from __future__ import annotations


def one_line(value: object, limit: int | None = None) -> str:
    """``value`` as one line for a person: every run of white space (newlines too) is one
    space; cut to ``limit`` characters with "…". An exception reads as its HermesError
    message, else as ``Type: message`` (only ``Type`` when it has none)."""
    if isinstance(value, HermesError):
        line = value.message
    elif isinstance(value, BaseException):
        text = " ".join(str(value).split())
        line = f"{type(value).__name__}: {text}" if text else type(value).__name__
    else:
        line = " ".join(str(value).split())
    return line if limit is None or len(line) <= limit else line[: max(limit - 1, 0)] + "…"


class HermesError(Exception):
    """An error with a one-line message meant for the user."""

    exit_code = 1

    def __init__(self, message: str):
        super().__init__(one_line(message))  # one line whatever the caller passed

    @property
    def message(self) -> str:
        return str(self)


class UsageError(HermesError):
    """Bad usage of the command line (exit code 2)."""

    exit_code = 2


class StoreError(HermesError):
    """The database could not be opened or used."""


class ModelNotConfigured(HermesError):
    """No model is configured, or its settings cannot work (an invalid api_base); one line says which."""
