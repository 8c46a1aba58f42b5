"""Token counting: exact cl100k_base offline, never the network, an estimate when it must."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from hermes_tui.core.agent import tokens

# A child process that refuses every network connection and records the attempts,
# with a bogus proxy so that any HTTP client would fail loudly too.
_GUARD = """
import json, socket, sys
attempts = []
def hook(event, args):
    if event in ("socket.connect", "socket.getaddrinfo"):
        attempts.append(event)
        raise OSError("network is not allowed in this test")
sys.addaudithook(hook)
"""


def _child(code: str, tmp_path: Path, **env: str) -> dict:
    child_env = {k: v for k, v in os.environ.items() if k not in ("TIKTOKEN_CACHE_DIR", "DATA_GYM_CACHE_DIR")}
    child_env.update(
        HTTP_PROXY="http://127.0.0.1:9",
        HTTPS_PROXY="http://127.0.0.1:9",
        ALL_PROXY="http://127.0.0.1:9",
        TMPDIR=str(tmp_path),  # tiktoken's default cache starts empty
    )
    child_env.update(env)
    script = _GUARD + textwrap.dedent(code) + "\nprint(json.dumps({**result, 'attempts': attempts}))\n"
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=child_env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_exact_counts_in_process() -> None:
    assert tokens.count_tokens("") == 0
    assert tokens.count_tokens("hello world") == 2
    assert tokens.exact is True
    assert tokens.fallback_reason is None
    # Text that looks like a special token is counted as text, never refused.
    assert tokens.count_tokens("<|endoftext|>") > 1


def test_offline_load_uses_litellms_copy_without_network_or_importing_litellm(tmp_path: Path) -> None:
    result = _child(
        """
        from hermes_tui.core.agent import tokens
        result = {
            "n": tokens.count_tokens("The quick brown fox jumps over the lazy dog."),
            "exact": tokens.exact,
            "source": str(tokens.encoding_source),
            "litellm": any(m == "litellm" or m.startswith("litellm.") for m in sys.modules),
            "env_left": __import__("os").environ.get("TIKTOKEN_CACHE_DIR"),
        }
        """,
        tmp_path,
    )
    assert result["exact"] is True
    assert result["n"] == 10
    assert result["source"].endswith("litellm_core_utils/tokenizers")
    assert result["litellm"] is False
    assert result["env_left"] is None  # the user's environment is left as it was
    assert result["attempts"] == []
    assert not (tmp_path / "data-gym-cache").exists()  # nothing written to tiktoken's cache


def test_a_corrupt_user_cache_is_skipped_not_deleted_and_not_downloaded(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    bogus = cache / hashlib.sha1(tokens._BPE_URL.encode()).hexdigest()
    bogus.write_bytes(b"not a bpe file\n")
    result = _child(
        """
        from hermes_tui.core.agent import tokens
        result = {"n": tokens.count_tokens("hello world"), "exact": tokens.exact, "source": str(tokens.encoding_source)}
        """,
        tmp_path,
        TIKTOKEN_CACHE_DIR=str(cache),
    )
    assert result == {**result, "n": 2, "exact": True, "attempts": []}
    assert result["source"] != str(cache)
    assert bogus.read_bytes() == b"not a bpe file\n"


def test_falls_back_to_an_estimate_when_tiktoken_is_unavailable(tmp_path: Path) -> None:
    result = _child(
        """
        class Block:
            def find_spec(self, name, path=None, target=None):
                if name == "tiktoken" or name.startswith("tiktoken."):
                    raise ImportError("tiktoken is blocked in this test")
        sys.meta_path.insert(0, Block())
        import logging
        warnings = []
        class Collect(logging.Handler):
            def emit(self, record):
                warnings.append(record.getMessage())
        logging.getLogger("hermes_tui.core.agent.tokens").addHandler(Collect())
        from hermes_tui.core.agent import tokens
        result = {
            "counts": [tokens.count_tokens(t) for t in ("", "abc", "abcd", "abcde", "x" * 401)],
            "exact": tokens.exact,
            "reason": tokens.fallback_reason,
        }
        tokens.count_tokens("again")  # the warning is given once, not per call
        result["warnings"] = warnings
        """,
        tmp_path,
    )
    assert result["counts"] == [0, 1, 1, 2, 101]
    assert result["exact"] is False
    assert "tiktoken" in result["reason"]
    assert len(result["warnings"]) == 1 and "estimates" in result["warnings"][0]
    assert result["attempts"] == []


def test_estimate_rounds_up() -> None:
    assert tokens.estimate_tokens("") == 0
    assert tokens.estimate_tokens("a") == 1
    assert tokens.estimate_tokens("abcdefgh") == 2
    assert tokens.estimate_tokens("abcdefghi") == 3
