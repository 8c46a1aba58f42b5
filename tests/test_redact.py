"""Secret redaction: key shapes, headers, URLs, env values; idempotent and fast enough."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hermes_tui.core.guard.redact import redact, redact_obj

NO_ENV: dict[str, str] = {}

CASES = [
    ("key sk-abcdefghijklmnopqrstuvwxyz0123 end", "key [REDACTED:openai-key] end"),
    ("sk-proj-abcdefghijklmnopqrstuvwxyz0123456789_-AB", "[REDACTED:openai-key]"),
    ("x=sk-ant-api03-abcdefghijklmnopqrstuvwxyz-0123", "x=[REDACTED:anthropic-key]"),
    ("sk-or-v1-0123456789abcdef0123456789abcdef", "[REDACTED:openrouter-key]"),
    ("ghp_abcdefghijklmnopqrstuvwxyz0123456789AB", "[REDACTED:github-token]"),
    ("token: gho_abcdefghijklmnopqrstuvwxyz0123456789AB", "token: [REDACTED:github-token]"),
    ("ghs_abcdefghijklmnopqrstuvwxyz0123456789AB ghu_abcdefghijklmnopqrstuvwxyz0123456789AB",
     "[REDACTED:github-token] [REDACTED:github-token]"),
    ("github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz", "[REDACTED:github-token]"),
    ("AWS AKIAIOSFODNN7EXAMPLE.", "AWS [REDACTED:aws-access-key]."),
    ("ASIAIOSFODNN7EXAMPLE", "[REDACTED:aws-access-key]"),
    ("xoxb-123456789012-1234567890123-abcdefghijkl", "[REDACTED:slack-token]"),
    ("xoxp-1234-5678-abcdef", "[REDACTED:slack-token]"),
    ("AIzaSyA-abcdefghijklmnopqrstuvwxyz0123456", "[REDACTED:google-api-key]"),
    ("hf_abcdefghijklmnopqrstuvwxyzABCDEFGH", "[REDACTED:huggingface-token]"),
    ("-----BEGIN RSA PRIVATE KEY-----\nMIIE\nabc\n-----END RSA PRIVATE KEY-----\nnext",
     "[REDACTED:private-key]\nnext"),
    ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn (cut off", "[REDACTED:private-key]"),
    ("curl -H 'Authorization: Bearer abc.def-ghi_123' https://x",
     "curl -H 'Authorization: Bearer [REDACTED:bearer-token]' https://x"),
    ('{"authorization": "token 0123456789abcdef"}', '{"authorization": "token [REDACTED:bearer-token]"}'),
    ("Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc", "Bearer [REDACTED:jwt]"),
    ("postgres://app:hunter2@db.internal:5432/app", "postgres://app:[REDACTED:url-password]@db.internal:5432/app"),
    ("https://x.io/login?user=a&password=hunter2&next=/", "https://x.io/login?user=a&password=[REDACTED:url-password]&next=/"),
    ("https://x.io/cb?access_token=abc123", "https://x.io/cb?access_token=[REDACTED:url-password]"),
]

KEEP = [
    "task-abcdefghijklmnopqrstuvwxyz0123 is not a key",
    "the bearer of bad news",
    "mask sk-short",
    "https://example.com/path?q=1",
    "user@example.com",
    "AKIA is a prefix, AKIAshort too",
    "ssh://git@github.com/owner/repo.git",
    "a 2,200 character budget",
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_key_shapes(text: str, expected: str) -> None:
    assert redact(text, NO_ENV) == expected


@pytest.mark.parametrize("text", KEEP)
def test_ordinary_text_is_kept(text: str) -> None:
    assert redact(text, NO_ENV) == text


def test_env_values_are_masked_by_name() -> None:
    env = {
        "OPENAI_API_KEY": "sk-test-abcdefghijklmnopqrstuvwxyz",
        "MY_SERVICE_TOKEN": "tok-98765",
        "DB_PASSWORD": "correct horse",
        "GH_SECRET_THING": "s3cr3t!",
        "SHORT_KEY": "abc",  # too short to mask
        "PATH": "/usr/local/bin:/usr/bin",  # not a secret name
    }
    text = "a sk-test-abcdefghijklmnopqrstuvwxyz b tok-98765 c correct horse d s3cr3t! e abc f /usr/local/bin"
    assert redact(text, env) == (
        "a [REDACTED:env:OPENAI_API_KEY] b [REDACTED:env:MY_SERVICE_TOKEN] c [REDACTED:env:DB_PASSWORD] "
        "d [REDACTED:env:GH_SECRET_THING] e abc f /usr/local/bin"
    )


def test_os_environ_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXAMPLE_API_TOKEN", "value-from-env-123")
    assert redact("x value-from-env-123 y") == "x [REDACTED:env:EXAMPLE_API_TOKEN] y"
    assert redact("x value-from-env-123 y", {}) == "x value-from-env-123 y"


def test_env_value_inside_a_marker_is_left_alone() -> None:
    env = {"A_TOKEN": "REDACTED", "B_KEY": "openai-key"}
    once = redact("sk-abcdefghijklmnopqrstuvwxyz0123", env)
    assert once == "[REDACTED:openai-key]"
    assert redact(once, env) == once


def test_longer_env_value_wins_and_markers_stay_whole() -> None:
    env = {"LONG_TOKEN": "abcdef123456", "SHORT_TOKEN": "abcdef", "NAME_KEY": "LONG_TOKEN"}
    assert redact("abcdef123456 abcdef", env) == "[REDACTED:env:LONG_TOKEN] [REDACTED:env:SHORT_TOKEN]"


def test_redact_obj_recurses() -> None:
    data = {
        "cmd": "curl -H 'Authorization: Bearer abcdefgh12345'",
        "list": ["ghp_abcdefghijklmnopqrstuvwxyz0123456789AB", 3, None],
        "tuple": ("AKIAIOSFODNN7EXAMPLE",),
        "n": 1.5,
    }
    out = redact_obj(data, {})
    assert out == {
        "cmd": "curl -H 'Authorization: Bearer [REDACTED:bearer-token]'",
        "list": ["[REDACTED:github-token]", 3, None],
        "tuple": ("[REDACTED:aws-access-key]",),
        "n": 1.5,
    }
    assert data["list"][0].startswith("ghp_")  # the input is not changed


_ALPHABET = list("sk-antprojghp_AKIA0123456789abcdefXYZ:/@?&=. \n[]REDACTED") + ["Bearer ", "Authorization: ", "://u:"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_ALPHABET), max_size=80).map("".join))
def test_idempotent(text: str) -> None:
    env = {"X_TOKEN": "abcdef", "Y_SECRET": "0123456789"}
    once = redact(text, env)
    assert redact(once, env) == once


def test_a_megabyte_is_fast() -> None:
    """Not a timing assertion (see benchmarks); checks the megabyte path works and masks."""
    text = ("lorem ipsum sk task ghp key token AKIA :// ?a=b & " * 20000)[:1_000_000] + " sk-" + "a" * 30
    out = redact(text, {"A_TOKEN": "ipsum-not-here"})
    assert out.endswith("[REDACTED:openai-key]")
    assert len(out) < len(text)


def test_a_dict_value_is_masked_by_its_key() -> None:
    out = redact_obj({"password": "hunter2!x", "db_token": "abc123def", "max_tokens": 4096, "sort_key": "name",
                      "api_key": "${OPENAI_API_KEY}", "nested": [{"client_secret": "s3cr3t-value"}]}, {})
    assert out == {"password": "[REDACTED:password]", "db_token": "[REDACTED:token]", "max_tokens": 4096,
                   "sort_key": "name", "api_key": "${OPENAI_API_KEY}", "nested": [{"client_secret": "[REDACTED:secret]"}]}


@pytest.mark.parametrize("code", [
    "password = getpass.getpass()",
    "token = request.headers.get('Authorization')",
    'api_key = os.environ["OPENAI_API_KEY"]',
    "client = Anthropic(api_key=api_key)",
    "token: Optional[str] = None",
    "const token = process.env.GH_TOKEN;",
    'if password == "":',
    "password_hash = bcrypt(password)",
    "--password-stdin",
    "git push -u origin main",
    "mkdir -p build/out",
])
def test_code_is_not_a_secret(code: str) -> None:
    assert redact(code, NO_ENV) == code
