"""User-facing errors.

Anything that should reach a person as a clear one-line message is raised as a
:class:`HermesError` (or a subclass). The CLI prints ``hermes-tui: error: <message>``
and exits non-zero; the TUI shows the message in a dialog. No traceback reaches a user.
"""

from __future__ import annotations


class HermesError(Exception):
    """An error with a one-line message meant for the user."""

    exit_code = 1

    def __init__(self, message: str):
        # Keep it to one line whatever the caller passed.
        super().__init__(" ".join(str(message).split()))

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
