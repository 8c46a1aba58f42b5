"""Safety checks for what the agent runs and what it shows.

- :mod:`.commands`: ``classify_command(cmd) -> Verdict`` (hard-deny / needs approval / ok)
  and ``protected_write_rule(path)`` for files that only a person may let the agent change.
- :mod:`.redact`: ``redact(text)`` / ``redact_obj(obj)`` mask secrets; ``StreamRedactor`` for streamed text.
- :mod:`.unicode`: ``strip_invisible(text)`` (for models) / ``reveal_invisible(text)`` (for reviewers).
"""

from __future__ import annotations

from hermes_tui.core.guard.commands import Verdict, classify_command, normalize_command, protected_write_rule
from hermes_tui.core.guard.redact import redact, redact_obj

__all__ = ["Verdict", "classify_command", "normalize_command", "protected_write_rule", "redact", "redact_obj"]
