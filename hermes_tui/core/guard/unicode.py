"""Invisible characters: never to a model, always visible to a person.

Text can carry instructions a reviewer cannot see: the Unicode Tag block
(U+E0000-E007F) spells ASCII invisibly ("Ignore all previous instructions..."),
bidi controls reorder what is shown, zero-width characters and variation selectors
hide data between visible letters. :func:`strip_invisible` removes them all (for
prompts and tool results); :func:`reveal_invisible` shows them (for reviewers:
``pending show``), decoding a run of Tag characters into the text it hides.
"""

from __future__ import annotations

import re

_RANGES = (
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u3164\uffa0\ufeff"
    "\u200b-\u200f"  # zero-width space/joiners, LRM/RLM
    "\u202a-\u202e"  # bidi embeddings and overrides
    "\u2060-\u2064\u2066-\u206f"  # word joiner, invisible operators, bidi isolates, deprecated format chars
    "\ufe00-\ufe0f"  # variation selectors
    "\ufff9-\ufffb"  # interlinear annotation
    "\U000e0000-\U000e007f"  # the Tag block
    "\U000e0100-\U000e01ef"  # variation selectors supplement
)
INVISIBLE = re.compile(f"[{_RANGES}]")
_TAG_RUN = re.compile("[\U000e0000-\U000e007f]+")


def has_invisible(text: str) -> bool:
    return INVISIBLE.search(text) is not None


def strip_invisible(text: str) -> str:
    """``text`` without any invisible character (what a model may be shown)."""
    return INVISIBLE.sub("", text)


def _tag_text(run: str) -> str:
    return "".join(chr(ord(c) - 0xE0000) if 0xE0020 <= ord(c) <= 0xE007E else "" for c in run)


def reveal_invisible(text: str) -> str:
    """``text`` with each invisible character shown: ``⟦U+202E⟧``, and a run of Tag
    characters as ``⟦hidden text: ...⟧`` (what it spells)."""

    def tags(match: re.Match[str]) -> str:
        return f"⟦hidden text: {_tag_text(match.group())}⟧"

    text = _TAG_RUN.sub(tags, text)
    return INVISIBLE.sub(lambda m: f"⟦U+{ord(m.group()):04X}⟧", text)


__all__ = ["INVISIBLE", "has_invisible", "reveal_invisible", "strip_invisible"]
