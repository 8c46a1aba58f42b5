"""Secret redaction: ``redact(text)`` masks API keys, tokens and secret env values.

Masked: key shapes (OpenAI ``sk-``/``sk-proj-``, Anthropic ``sk-ant-``, OpenRouter
``sk-or-``, GitHub ``ghp_``/``gho_``/``ghs_``/``ghu_``/``ghr_``/``github_pat_``, AWS
``AKIA``/``ASIA`` access key ids, Slack ``xox?-``, Google ``AIza``, Hugging Face ``hf_``,
Stripe ``sk_live_``), PEM private-key blocks, the token of an ``Authorization:
Bearer|Token|Basic`` header, passwords in URLs (``scheme://user:PASS@host`` and
``?password=PASS``), and the values of environment variables whose names contain
KEY, TOKEN, SECRET or PASSWORD (values of 6 characters or more).

A secret becomes ``[REDACTED:<kind>]`` (``[REDACTED:env:NAME]`` for an environment
value). Redaction is idempotent: markers already in the text are left alone.
The key patterns are compiled once and each starts with a literal (fast skipping);
environment values are found with plain substring search: a megabyte of text takes
a few tens of milliseconds at most.
"""

from __future__ import annotations

import os
import re
from typing import Any, Mapping

MARKER = "[REDACTED:{}]"
_SECRET_NAME_PARTS = ("KEY", "TOKEN", "SECRET", "PASSWORD")
MIN_ENV_VALUE = 6

# (label, pattern, needs a boundary before it). A pattern with a group named "s" masks
# only that group. Every pattern starts with a literal so the regex engine can skip
# ahead quickly; the boundary check is done in Python on the few candidates.
_PATTERNS: tuple[tuple[str, str, bool], ...] = (
    ("private-key", r"-----BEGIN[A-Z0-9 ]{0,40}PRIVATE KEY-----[\s\S]*?(?:-----END[A-Z0-9 ]{0,40}PRIVATE KEY-----|\Z)", False),
    ("anthropic-key", r"sk-ant-[A-Za-z0-9_-]{16,}", True),
    ("openrouter-key", r"sk-or-[A-Za-z0-9_-]{16,}", True),
    ("openai-key", r"sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}", True),
    ("stripe-key", r"sk_(?:live|test)_[A-Za-z0-9]{16,}", True),
    ("stripe-key", r"rk_(?:live|test)_[A-Za-z0-9]{16,}", True),
    ("github-token", r"gh[pousr]_[A-Za-z0-9]{30,}", True),
    ("github-token", r"github_pat_[A-Za-z0-9_]{22,}", True),
    ("aws-access-key", r"AKIA[A-Z0-9]{16}(?![A-Za-z0-9])", True),
    ("aws-access-key", r"ASIA[A-Z0-9]{16}(?![A-Za-z0-9])", True),
    ("slack-token", r"xox[abprs]-[A-Za-z0-9-]{10,}", True),
    ("google-api-key", r"AIza[0-9A-Za-z_-]{35,}", True),
    ("huggingface-token", r"hf_[A-Za-z0-9]{30,}", True),
    (
        "bearer-token",
        r"uthorization[\"']?\s*[:=]\s*[\"']?(?i:bearer|token|basic)\s+(?P<s>[A-Za-z0-9\-._~+/]{6,}=*)",
        False,
    ),
    ("bearer-token", r"Bearer\s+(?P<s>[A-Za-z0-9\-._~+/]{20,}=*)", True),
    ("url-password", r"://[^\s/:@\[\]]{1,256}:(?P<s>[^\s/@\[\]]{1,256})@", False),
    *(
        (
            "url-password",
            sep + r"(?:[Pp]ass(?:word|wd)?|PASS(?:WORD|WD)?|pwd|PWD|secret|SECRET|token|TOKEN|api_?key|API_?KEY"
            r"|access_token)=(?P<s>[^&\s#\"'\[\]]+)",
            False,
        )
        for sep in (r"\?", "&")  # one literal each: much faster than a [?&] class
    ),
)
_COMPILED = tuple((label, re.compile(pattern), "(?P<s>" in pattern, boundary) for label, pattern, boundary in _PATTERNS)
_EXISTING_MARKER = re.compile(r"(\[REDACTED:[A-Za-z0-9_.:-]{1,120}\])")


def _secret_env_items(env: Mapping[str, str]) -> list[tuple[str, str]]:
    """(name, value) of secret-looking variables, longest value first."""
    items = []
    for name, value in env.items():
        if not isinstance(value, str) or len(value) < MIN_ENV_VALUE:
            continue
        upper = name.upper()
        if any(part in upper for part in _SECRET_NAME_PARTS):
            items.append((name, value))
    return sorted(items, key=lambda item: (-len(item[1]), item[0]))


def _mask_env_values(text: str, items: list[tuple[str, str]]) -> str:
    """Replace secret values (plain substring search: fast), never inside existing markers."""
    present = [(name, value) for name, value in items if value in text]
    if not present:
        return text
    if "[REDACTED:" in text:  # keep existing markers intact (idempotence)
        parts = _EXISTING_MARKER.split(text)
        return "".join(part if i % 2 else _mask_env_values(part, present) for i, part in enumerate(parts))
    # Placeholders first, so that a shorter value cannot match inside a marker just written.
    markers = []
    for index, (name, value) in enumerate(present):
        if value in text:
            placeholder = f"\0\1{index}\1\0"
            text = text.replace(value, placeholder)
            markers.append((placeholder, MARKER.format(f"env:{name}")))
    for placeholder, marker in markers:
        text = text.replace(placeholder, marker)
    return text


def _boundary_ok(text: str, start: int) -> bool:
    """A key must not start in the middle of a word (``task-abc...`` is no ``sk-`` key)."""
    if start == 0:
        return True
    before = text[start - 1]
    return not (before.isalnum() or before in "_-")


def redact(text: str, env: Mapping[str, str] | None = None) -> str:
    """``text`` with secrets replaced by ``[REDACTED:kind]`` markers (see the module doc).

    ``env`` gives the environment whose secret-looking values are masked
    (``os.environ`` when None; pass ``{}`` to mask key shapes only).
    """
    if not text:
        return text
    text = _mask_env_values(text, _secret_env_items(os.environ if env is None else env))
    for label, compiled, partial, boundary in _COMPILED:
        if not compiled.search(text):
            continue
        marker = MARKER.format(label)

        def replace(match: re.Match[str], marker: str = marker, partial: bool = partial, boundary: bool = boundary) -> str:
            if boundary and not _boundary_ok(match.string, match.start()):
                return match.group(0)
            if not partial:
                return marker
            whole, offset = match.group(0), match.start()
            start, end = match.span("s")
            return whole[: start - offset] + marker + whole[end - offset :]

        text = compiled.sub(replace, text)
    return text


def redact_obj(obj: Any, env: Mapping[str, str] | None = None) -> Any:
    """A copy of ``obj`` with every string in it redacted (dicts, lists and tuples, recursively).

    Dict keys are kept as they are; other values (numbers, None, ...) are returned unchanged.
    """
    environment = os.environ if env is None else env
    if isinstance(obj, str):
        return redact(obj, environment)
    if isinstance(obj, dict):
        return {key: redact_obj(value, environment) for key, value in obj.items()}
    if isinstance(obj, list):
        return [redact_obj(item, environment) for item in obj]
    if isinstance(obj, tuple):
        return tuple(redact_obj(item, environment) for item in obj)
    return obj


__all__ = ["redact", "redact_obj", "MARKER", "MIN_ENV_VALUE"]
