"""The text of a new skill: a SKILL.md that passes the validator, to be filled in."""

from __future__ import annotations

import json
import re

from hermes_tui.core.skills.validate import is_valid_name
from hermes_tui.errors import HermesError

DEFAULT_DESCRIPTION = "Say what this skill does and when to use it, in one or two sentences."

TEMPLATE = """---
name: {name}
description: {description}
---
# {title}

## When to use
- The situation or request this skill is for.

## Steps
1. The first thing to do, with the exact command or file.
2. What to check before going on.

## Pitfalls
- A mistake that is easy to make here, and how to avoid it.
"""


def new_skill_text(name: str, description: str = "") -> str:
    """A SKILL.md for a new skill called ``name`` (HermesError for an invalid name)."""
    name = name.strip()
    if not is_valid_name(name):
        raise HermesError(f"invalid skill name {name!r}: use 1-64 lowercase letters, digits and single hyphens")
    description = " ".join(description.split()) or DEFAULT_DESCRIPTION
    title = name.replace("-", " ").capitalize()
    if not re.fullmatch(r"[A-Za-z0-9(][^:#\[\]{}\"'`|>&*!%@]*", description):
        description = json.dumps(description, ensure_ascii=False)  # YAML reads JSON strings as they are
    return TEMPLATE.format(name=name, description=description, title=title)
