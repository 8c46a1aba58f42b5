"""Token counting with tiktoken's ``cl100k_base``, offline.

tiktoken downloads its BPE file on first use unless it finds it in its cache.
There is no network here, so the encoding is only ever loaded from a file that is
already on disk and whose SHA-256 matches: the user's ``TIKTOKEN_CACHE_DIR`` (or
``DATA_GYM_CACHE_DIR``), tiktoken's default cache, or the copy that litellm ships
in ``litellm/litellm_core_utils/tokenizers/`` (found without importing litellm,
which costs seconds). tiktoken is then pointed at that folder for the one load.

When no verified file is found (or tiktoken is missing or fails), counts fall back
to an estimate, ``ceil(len(text) / 4)``; :data:`exact` then reads ``False`` and a
warning is logged once. Nothing here raises and nothing touches the network.

    >>> from hermes_tui.core.agent import tokens
    >>> tokens.count_tokens("hello world")
    2
    >>> tokens.exact
    True
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import math
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

from hermes_tui.errors import one_line

__all__ = ["ENCODING_NAME", "count_tokens", "estimate_tokens", "encoding_source", "exact", "fallback_reason"]

log = logging.getLogger(__name__)

ENCODING_NAME = "cl100k_base"
_BPE_URL = "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken"
# tiktoken names a cached file by the sha1 of its URL and checks its sha256.
_CACHE_KEY = hashlib.sha1(_BPE_URL.encode()).hexdigest()  # 9b5ad71b2ce5302211f9c61530b329a4922fc6a4
_BPE_SHA256 = "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"

_lock = threading.Lock()
_loaded = False
_encoding: Any = None  # tiktoken.Encoding once loaded
_source: Path | None = None  # the folder the BPE file was read from
_reason: str | None = None  # why counts are estimates, when they are


def estimate_tokens(text: str) -> int:
    """The fallback estimate: one token per four characters, rounded up."""
    return math.ceil(len(text) / 4)


def count_tokens(text: str) -> int:
    """Tokens of ``text`` in cl100k_base (an estimate if the encoding is unavailable)."""
    if not text:
        return 0
    encoding = _get_encoding()
    if encoding is None:
        return estimate_tokens(text)
    # Special-token text ("<|endoftext|>") in a skill must count as plain text, not raise.
    return len(encoding.encode(text, disallowed_special=()))


def __getattr__(name: str) -> Any:
    """``exact``, ``fallback_reason`` and ``encoding_source`` load the encoding on first read."""
    if name == "exact":
        return _get_encoding() is not None
    if name == "fallback_reason":
        _get_encoding()
        return _reason
    if name == "encoding_source":
        _get_encoding()
        return _source
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# -- loading ----------------------------------------------------------------------------
def _get_encoding() -> Any:
    if _loaded:
        return _encoding
    with _lock:
        if not _loaded:
            _load()
    return _encoding


def _load() -> None:
    global _loaded, _encoding, _source, _reason
    try:
        folder = _find_verified_cache()
        if folder is None:
            _reason = f"no verified {ENCODING_NAME} file on disk (tiktoken cache or litellm's copy)"
        else:
            _encoding = _load_from(folder)
            _source = folder
    except Exception as exc:  # a broken tiktoken install must never break a prompt
        _encoding = None
        _reason = f"cannot load {ENCODING_NAME}: {one_line(exc)}"
    _loaded = True
    if _encoding is None:
        log.warning("token counts are estimates (len/4): %s", _reason)


def _candidate_dirs() -> list[Path]:
    """Folders that may hold the BPE file, in tiktoken's own order, then litellm's copy."""
    found: list[Path] = []
    for var in ("TIKTOKEN_CACHE_DIR", "DATA_GYM_CACHE_DIR"):
        value = os.environ.get(var)
        if value:
            found.append(Path(value))
    found.append(Path(tempfile.gettempdir()) / "data-gym-cache")
    litellm_dir = _litellm_tokenizers_dir()
    if litellm_dir is not None:
        found.append(litellm_dir)
    return found


def _litellm_tokenizers_dir() -> Path | None:
    """litellm's bundled tokenizer folder, located without importing litellm."""
    try:
        spec = importlib.util.find_spec("litellm")
    except (ImportError, ValueError):
        return None
    for location in (spec.submodule_search_locations or []) if spec else []:
        folder = Path(location) / "litellm_core_utils" / "tokenizers"
        if (folder / _CACHE_KEY).is_file():
            return folder
    return None


def _find_verified_cache() -> Path | None:
    """The first candidate folder whose cached BPE file has the expected hash.

    A file with a wrong hash is skipped (tiktoken would delete it and download).
    """
    for folder in _candidate_dirs():
        path = folder / _CACHE_KEY
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if hashlib.sha256(data).hexdigest() == _BPE_SHA256:
            return folder
        log.debug("skipping %s: its hash does not match %s", path, ENCODING_NAME)
    return None


def _load_from(folder: Path) -> Any:
    """Load the encoding with tiktoken's cache pointed at ``folder`` (restored after)."""
    import tiktoken

    saved = os.environ.get("TIKTOKEN_CACHE_DIR")
    os.environ["TIKTOKEN_CACHE_DIR"] = str(folder)
    try:
        return tiktoken.get_encoding(ENCODING_NAME)
    finally:
        if saved is None:
            os.environ.pop("TIKTOKEN_CACHE_DIR", None)
        else:
            os.environ["TIKTOKEN_CACHE_DIR"] = saved
