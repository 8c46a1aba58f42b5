"""Secret redaction: ``redact(text)`` masks credentials; ``StreamRedactor`` does it for a stream.

A secret becomes ``[REDACTED:<kind>]`` (``[REDACTED:env:NAME]`` for the value of a
secret-looking environment variable). Redaction is idempotent: markers already in the
text are left alone. Three kinds of detector find the secrets, all on one pass of spans
(overlapping finds are merged; the text is rebuilt once):

1. **Key shapes** (:data:`KEY_RULES`, data: id, literal prefix, body): provider keys
   that announce themselves (``ghp_``, ``sk-ant-``, ``AKIA``, ``xoxb-``, ``glpat-``,
   ``SG.``, ``-----BEGIN ... PRIVATE KEY-----``, JWTs ...). The prefixes and shapes
   follow gitleaks' rule set (MIT licence, config/gitleaks.toml) and detect-secrets'
   plugins (Apache-2.0), rewritten as data. The prefix is the fast pre-filter: rules
   are grouped by the last character of their prefix, and each group is ONE regex that
   starts with that character (a fast literal scan) and checks the prefixes with
   lookbehinds, so a megabyte of ordinary text costs a few scans, not one per rule.
2. **Context rules**: a secret is known by where it stands, whatever its shape:
   ``name = value`` / ``NAME=value`` / ``name: value`` / ``"name": "value"`` where the
   name ends in password, passwd, pwd, secret, token, credentials, or a qualified key
   (api_key, access_key, secret_key, private_key, AccountKey ...; any other ``*key``
   or ``auth`` only with a random-looking value: entropy); ``Authorization``,
   ``Cookie`` / ``Set-Cookie`` headers and ``Bearer`` tokens (short ones too); URLs with
   passwords (``scheme://user:PASS@host``, ``?token=``, ``&sig=``); command lines
   (``curl -u user:PASS``, ``mysql -pPASS``, ``--password=PASS``, ``--token X``,
   ``sshpass -p``, ``docker login -p``, ``redis-cli -a``); ``<add key="Password"
   value="..."/>``; the data of a Kubernetes Secret.
3. **Environment values**: the values (6+ characters) of environment variables whose
   names contain KEY, TOKEN, SECRET or PASSWORD (``os.environ`` unless ``env`` is given).

Kept as they are (what traces are made of): git SHAs, sha256/sha512 digests, UUIDs,
npm/pip integrity hashes, Docker digests, paths, versions, colours, base64 data URIs and
base64 of ordinary text (a base64 blob is masked only where its context says it is a
secret: ``"auth": ...``, ``Authorization: Basic ...``), placeholders (``${VAR}``,
``$VAR``, ``<your-key>``, ``{{ var }}``, ``****``), code (``password = getpass()``).

``StreamRedactor`` masks text that arrives in pieces (a model's streamed deltas): it
holds back a short tail, and never emits a piece that a later piece could turn into
a secret (a key split across deltas is masked before it is printed).
"""

from __future__ import annotations

import logging
import math
import os
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, Mapping

MARKER = "[REDACTED:{}]"
_SECRET_NAME_PARTS = ("KEY", "TOKEN", "SECRET", "PASSWORD")
MIN_ENV_VALUE = 6

Span = tuple[int, int, str]  # start, end, kind


@dataclass(frozen=True)
class KeyRule:
    """A provider key: ``prefix`` (literal, case-sensitive) followed by ``body`` (a regex).

    ``boundary``: the key may not start inside a word (``task-abc...`` is no ``sk-`` key).
    """

    id: str
    prefix: str
    body: str
    boundary: bool = True


_ALNUM = "A-Za-z0-9"
_B64 = "A-Za-z0-9+/"

#: The key shapes. Prefixes and lengths after gitleaks' rules (MIT) and detect-secrets (Apache-2.0).
KEY_RULES: tuple[KeyRule, ...] = (
    # A prefix is cut to end in a character that other prefixes end in (``AI`` + ``za...`` with ``LTAI``):
    # one scan per last character.
    KeyRule("private-key", "-----BEGIN",
            r"[A-Z0-9 ]{0,40}(?:PRIVATE|SECRET) KEY(?: BLOCK)?-----[\s\S]*?(?:-----END[A-Z0-9 ]{0,40}KEY(?: BLOCK)?-----|\Z)",
            boundary=False),
    # OpenAI, Anthropic, OpenRouter, and the other model providers
    KeyRule("anthropic-key", "sk-ant-", r"[A-Za-z0-9_-]{16,}"),
    KeyRule("openrouter-key", "sk-or-", r"[A-Za-z0-9_-]{16,}"),
    KeyRule("openai-key", "sk-", r"(?!ant-|or-)(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}"),
    KeyRule("groq-key", "gsk_", rf"[{_ALNUM}]{{40,}}"),
    KeyRule("xai-key", "xai-", rf"[{_ALNUM}]{{40,}}"),
    KeyRule("perplexity-key", "pplx-", rf"[{_ALNUM}]{{40,}}"),
    KeyRule("replicate-token", "r8_", rf"[{_ALNUM}]{{30,}}"),
    KeyRule("huggingface-token", "hf_", rf"[{_ALNUM}]{{30,}}"),
    KeyRule("huggingface-token", "api_org_", r"[A-Za-z]{30,}"),
    # cloud
    *(KeyRule("aws-access-key", p, r"[A-Z0-9]{16}(?![A-Za-z0-9])") for p in ("AKIA", "ASIA", "ABIA", "ACCA")),
    KeyRule("google-api-key", "AI", r"za[0-9A-Za-z_-]{35,}"),
    KeyRule("google-oauth-secret", "GOCSPX-", r"[\w-]{20,}"),
    KeyRule("google-oauth-token", "ya29.", r"[\w-]{30,}"),
    KeyRule("azure-client-secret", "Q~", r"(?<=[\w~.]{3}\dQ~)[\w~.-]{31,34}", boundary=False),
    KeyRule("digitalocean-token", "dop_v1_", r"[a-f0-9]{64}"),
    KeyRule("digitalocean-token", "doo_v1_", r"[a-f0-9]{64}"),
    KeyRule("digitalocean-token", "dor_v1_", r"[a-f0-9]{64}"),
    KeyRule("heroku-key", "HRKU-", r"AA[\w-]{50,}"),
    KeyRule("databricks-token", "dapi", r"[a-f0-9]{32}(?:-\d)?(?![A-Za-z0-9])"),
    KeyRule("alibaba-key", "LTAI", rf"[{_ALNUM}]{{20}}(?![A-Za-z0-9])"),
    KeyRule("vault-token", "hvs.", r"[\w-]{24,}"),
    KeyRule("vault-token", "hvb.", r"[\w-]{100,}"),
    KeyRule("doppler-token", "dp.pt.", rf"[{_ALNUM}]{{40,}}"),
    KeyRule("dynatrace-token", "dt0c01.", rf"[{_ALNUM}]{{24}}\.[{_ALNUM}]{{64}}"),
    KeyRule("pulumi-token", "pul-", r"[a-f0-9]{40}"),
    KeyRule("planetscale-token", "pscale_tkn_", r"[\w=.-]{32,}"),
    KeyRule("planetscale-token", "pscale_pw_", r"[\w=.-]{32,}"),
    KeyRule("flyio-token", "fo1_", r"[\w-]{43}"),
    KeyRule("grafana-token", "glc_", rf"[{_B64}]{{32,}}=*"),
    KeyRule("grafana-token", "glsa_", rf"[{_ALNUM}]{{32}}_[A-Fa-f0-9]{{8}}"),
    KeyRule("openshift-token", "sha256~", r"[\w-]{43}"),
    KeyRule("onepassword-token", "ops_eyJ", rf"[{_B64}]{{200,}}=*"),
    KeyRule("age-secret-key", "AGE-SECRET-KEY-", r"1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}"),
    # code hosting, packages, CI
    *(KeyRule("github-token", p, rf"[{_ALNUM}]{{30,}}") for p in ("ghp_", "gho_", "ghu_", "ghs_", "ghr_")),
    KeyRule("github-token", "github_pat_", r"[A-Za-z0-9_]{22,}"),
    *(KeyRule("gitlab-token", p, r"[\w-]{20,}")
      for p in ("glpat-", "glrt-", "gldt-", "glft-", "glsoat-", "glcbt-", "glimt-", "glagent-", "gloas-", "glptt-")),
    KeyRule("npm-token", "npm_", rf"[{_ALNUM}]{{36,}}"),
    KeyRule("pypi-token", "pypi-", r"AgEIcHlwaS5vcmc[\w-]{50,}"),
    KeyRule("rubygems-token", "rubygems_", r"[a-f0-9]{48}"),
    KeyRule("clojars-token", "CLOJARS_", r"[a-z0-9]{60}"),
    KeyRule("artifactory-key", "AK", rf"Cp[{_ALNUM}]{{60,}}"),
    KeyRule("atlassian-token", "ATA", r"TT3[\w=-]{100,}"),
    KeyRule("linear-key", "lin_api_", rf"[{_ALNUM}]{{32,}}"),
    KeyRule("postman-key", "PMAK-", r"[a-f0-9]{24}-[a-f0-9]{34}"),
    KeyRule("sentry-token", "sntryu_", r"[a-f0-9]{64}"),
    KeyRule("sentry-token", "sntrys_", rf"eyJ[{_B64}]{{50,}}=*_[{_B64}]{{43}}"),
    KeyRule("prefect-token", "pnu_", rf"[{_ALNUM}]{{36}}"),
    KeyRule("scalingo-token", "tk-us-", r"[\w-]{48}"),
    KeyRule("infracost-token", "ico-", rf"[{_ALNUM}]{{32}}"),
    KeyRule("readme-token", "rdme_", r"[a-z0-9]{70}"),
    KeyRule("notion-token", "ntn_", rf"[0-9]{{11}}[{_ALNUM}]{{35}}"),
    KeyRule("newrelic-key", "NRAK-", r"[A-Z0-9]{27}"),
    KeyRule("easypost-key", "EZAK", rf"[{_ALNUM}]{{54}}"),
    # messaging, payments, mail
    *(KeyRule("slack-token", p, r"[A-Za-z0-9-]{10,}") for p in ("xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-", "xoxe-", "xoxo-")),
    KeyRule("slack-app-token", "xapp-", r"\d-[A-Za-z0-9-]{20,}"),
    KeyRule("slack-webhook", "hooks.slack.com/", r"(?:services|workflows|triggers)/[A-Za-z0-9+/_-]{20,}", boundary=False),
    KeyRule("discord-webhook", "discord.com/api/webhooks/", r"\d+/[\w-]{30,}", boundary=False),
    KeyRule("teams-webhook", "webhook.office.com/webhookb2/", r"[^\s\"'<>]{20,}", boundary=False),
    KeyRule("telegram-bot-token", ":AA", r"(?<=\d:AA)[\w-]{30,}(?![\w-])", boundary=False),
    *(KeyRule("stripe-key", p, rf"[{_ALNUM}]{{10,}}")
      for p in ("sk_live_", "sk_test_", "sk_prod_", "rk_live_", "rk_test_", "rk_prod_")),
    KeyRule("stripe-webhook-secret", "whsec_", rf"[{_ALNUM}+/=]{{24,}}"),
    KeyRule("square-token", "sq0atp-", r"[\w-]{22,}"),
    KeyRule("square-token", "sq0csp-", r"[\w-]{40,}"),
    *(KeyRule("shopify-token", p, r"[a-fA-F0-9]{32}") for p in ("shpat_", "shpca_", "shppa_", "shpss_")),
    KeyRule("sendgrid-key", "SG.", r"[\w-]{16,}\.[\w-]{16,}"),
    KeyRule("sendinblue-key", "xkeysib-", r"[a-f0-9]{64}-[A-Za-z0-9]{16}"),
    KeyRule("mailgun-key", "key-", r"[a-f0-9]{32}(?![A-Za-z0-9])"),
    KeyRule("twilio-key", "SK", r"[0-9a-fA-F]{32}(?![A-Za-z0-9])"),
    # tokens by shape
    KeyRule("jwt", "eyJ", r"[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*"),
)


def _compile_key_rules(rules: Iterable[KeyRule]) -> list[tuple[re.Pattern[str], list[KeyRule]]]:
    """One regex per last character of the prefixes: ``c(?<=[xy][ab]c)(?:(?<=PREFIX1)(?P<k0>BODY1)|...)``.

    The classes of the two characters before ``c`` reject most places at once (``-`` in
    a date); a longer prefix comes first, so ``sk-ant-`` is tried before ``sk-``.
    """
    groups: dict[str, list[KeyRule]] = {}
    for rule in rules:
        groups.setdefault(rule.prefix[-1], []).append(rule)
    compiled = []
    for last, members in groups.items():
        members.sort(key=lambda r: -len(r.prefix))
        shortest = min(len(r.prefix) for r in members)
        classes = ["[" + "".join(sorted({re.escape(r.prefix[-i]) for r in members})) + "]" for i in range(min(shortest, 3), 1, -1)]
        quick = f"(?<={''.join(classes)}{re.escape(last)})" if classes else ""
        alternatives = "|".join(f"(?<={re.escape(r.prefix)})(?P<k{i}>{r.body})" for i, r in enumerate(members))
        compiled.append((re.compile(f"{re.escape(last)}{quick}(?:{alternatives})"), members))
    return compiled


_KEY_GROUPS = _compile_key_rules(KEY_RULES)


def _word_char(ch: str) -> bool:
    return ch.isalnum() or ch in "_-"


_FAKE_KEY = re.compile(r"[xX*]{5}|(?i:your|here$|example_|placeholder)")


def _key_spans(text: str) -> Iterator[Span]:
    for pattern, members in _KEY_GROUPS:
        for match in pattern.finditer(text):
            rule = members[int(match.lastgroup[1:])]  # type: ignore[index]
            start = match.start() + 1 - len(rule.prefix)
            if rule.boundary and start > 0 and _word_char(text[start - 1]):
                continue
            if _FAKE_KEY.search(text, start, match.end()):
                continue  # sk-xxxxxxxxxxxxxxxx, ghp_your_token_here: documentation
            yield start, match.end(), rule.id


# -- context rules ------------------------------------------------------------------------
# They run on the lowercased text (same positions; see _lowered) and start with a literal.

_PLACEHOLDER = re.compile(
    r"""(?x)
    [$%][{(\w]            # $VAR ${VAR} $(cmd) %VAR%
    | [^<>]*<[^<>]*>      # <your-api-key>
    | \{\{? | \[REDACTED  # {{ var }} {var}; an existing marker
    | (?-i:\[[A-Z]{2,5}\]$)  # [UNK], [PAD]: a tokenizer's special tokens
    | (?-i:[A-Z][A-Z0-9]*_[A-Z0-9_]+$)  # AUTH_TOKEN: the name of a variable
    | op://               # a 1Password reference
    | (?:none|null|nil|true|false|yes|no|undefined|required|optional|string|str|bytes|secret|password|token|empty)$
    | (?:~|\.{1,2})?/     # a path
    | .*(?:[xX*•]{3}|\.\.\.|…|your[-_ ]?|[-_]here$|placeholder|changeme)  # sk-xxxx, abc..., your-key-here
    """,
    re.IGNORECASE,
)
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")
_FILE_NAME = re.compile(r"\.[a-z][a-z0-9]{1,4}$")  # models/exp-42.pkl: a path, not a key
_HEX_DIGEST = re.compile(r"(?:[a-f0-9]{32}|[a-f0-9]{40}|[a-f0-9]{64}|[a-f0-9]{128})$", re.IGNORECASE)
_KEY_QUALIFIERS = (
    "api", "apps", "app", "secret", "access", "private", "client", "account", "master", "encryption", "signing",
    "license", "licence", "consumer", "subscription", "shared", "service", "webhook", "hmac", "storage", "admin",
    "deploy", "session", "bot", "auth", "server", "write", "read", "root", "crypt", "cipher", "aes", "jwt",
)


def _entropy(value: str) -> float:
    counts: dict[str, int] = {}
    for ch in value:
        counts[ch] = counts.get(ch, 0) + 1
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def _random_looking(value: str) -> bool:
    """A machine-made secret: long, letters and digits mixed, high entropy, not a hex digest."""
    return (
        len(value) >= 16
        and not any(c.isspace() for c in value)
        and not _FILE_NAME.search(value)
        and any(c.isdigit() for c in value)
        and any(c.isalpha() for c in value)
        and not _HEX_DIGEST.match(value)
        and _entropy(value) >= 3.3
    )


# The endings of a secret's name, each a pattern of its own that starts with a literal
# (a fast scan); then an optional closing quote and a separator.
_NAME_ENDINGS = (r"pass(?:word|wd|phrase)?", "pwd", "secret", "token", r"cred(?:entials?|s)", "key", "auth")
_SEPARATOR = r"(?P<q>[\"']?)[ \t]*(?P<sep>:=|=>|=|:)(?P<sp>[ \t]*)"
_ASSIGNMENT_PATTERNS = tuple(re.compile(f"(?P<end>{ending}){_SEPARATOR}") for ending in _NAME_ENDINGS)


def _name_before(lower: str, end: int) -> tuple[int, str]:
    """The start of the name that ends at ``end`` (word characters, ``.`` and ``-``)."""
    start = end
    limit = max(0, end - 80)
    while start > limit and (lower[start - 1].isalnum() or lower[start - 1] in "_-."):
        start -= 1
    return start, lower[start:end]


def _assignment_kind(name: str, ending: str) -> tuple[str, str] | None:
    """(kind, requirement) for a name that ends in ``ending``, or None when it is no secret's name."""
    if ending == "pass":  # db_pass, --pass; a bare "pass" is often a verb (tests pass: ...)
        if name == "pass":
            return "password", "random"
        return ("password", "any") if name[-5:-4] in "_-." else None  # not bypass, compass
    if ending.startswith("pass"):
        return "password", "any"
    if ending == "pwd":
        return "password", "any"
    if ending == "secret":
        return "secret", "any"
    if ending == "token":
        return "token", "not-number"
    if ending.startswith("cred"):
        return "credentials", "any"
    if ending == "auth":
        return "auth", "random"
    stem = name[: -len("key")].rstrip("_-.")
    if stem.endswith(_KEY_QUALIFIERS):
        return "api-key", "any"
    return "key", "random"


def _value_at(text: str, pos: int, spaced: bool) -> tuple[int, int, bool]:
    """The value starting at ``pos``: (start, end, quoted); empty when there is none.

    Quoted: up to the closing quote on the line (none: no value). Unquoted after a
    spaced separator (``a = b``, ``a: b``): the rest of the line, less a trailing
    comment and delimiters. Otherwise (``A=b``): up to whitespace or a delimiter.
    """
    n = len(text)
    if pos < n and text[pos] in "\"'":
        end = text.find(text[pos], pos + 1, pos + 500)
        newline = text.find("\n", pos + 1, end)
        return (pos + 1, end, True) if end > 0 and newline < 0 else (pos, pos, True)
    end = pos
    if spaced:
        stop = text.find("\n", pos, pos + 500)
        end = stop if stop >= 0 else min(n, pos + 500)
        for delimiter in (" #", '"', "'", "`"):  # a comment; the end of a quoted header ("x-api-key: KEY")
            found = text.find(delimiter, pos, end)
            end = found if found >= 0 else end
        while end > pos and text[end - 1] in " \t\r,;)]}":
            end -= 1
        return pos, end, False
    while end < n and end - pos < 500 and not text[end].isspace() and text[end] not in "\"'`,;)]}<>":
        end += 1
    return pos, end, False


def _assignment_spans(text: str, lower: str) -> Iterator[Span]:
    for pattern in _ASSIGNMENT_PATTERNS:
        for match in pattern.finditer(lower):
            start, name = _name_before(lower, match.end("end"))
            if start > 0 and lower[start - 1] in "?&":
                continue  # a URL's query: _url_query_spans
            found = _assignment_kind(name, match.group("end"))
            if found is None:
                continue
            kind, need = found
            sep, spaced = match.group("sep"), bool(match.group("sp"))
            if sep == ":" and not spaced and not match.group("q"):
                need = "random"  # name:value with no space: a secret only when it looks like one
            vstart, vend, quoted = _value_at(text, match.end(), spaced or sep == ":")
            value = text[vstart:vend]
            if not quoted and sep == ":" and " " in value.strip():
                # more words follow: prose ("Get your API token: Settings > About"), unless the first looks random
                value = value.split()[0]
                vend, need = vstart + len(value), "random"
            code_context = not quoted and not (_env_name(text, start, match.end("end")) and not spaced)
            code = sep != ":" or match.group("q")  # a = b, f(a=b), {'a': b}: the value may be code
            if code_context and (_looks_like_code(value) if code else _looks_like_reference(value)):
                continue  # password = getpass(), api_key=api_key, token: Optional[str] = None
            if not _secret_value(value, need):
                continue
            yield vstart, vend, kind


def _env_name(text: str, start: int, end: int) -> bool:
    """An upper-case name (``DB_PASSWORD``): an environment variable, whose value is a literal."""
    name = text[start:end]
    return name.upper() == name and any(c.isalpha() for c in name)


def _secret_value(value: str, need: str) -> bool:
    """Whether ``value``, assigned to a secret's name, is one (``need``: "any", "not-number", "random")."""
    if len(value.strip()) < 4 or _PLACEHOLDER.match(value):
        return False
    if need == "random":
        return _random_looking(value)
    return not (need == "not-number" and value.replace(".", "").isdigit())


def _looks_like_reference(value: str) -> bool:
    """After ``name:``: a call, an index or a dotted name (``process.env.KEY``), not a literal."""
    return any(c in value for c in "()[]") or ("." in value and bool(_IDENTIFIER.fullmatch(value)))


def _looks_like_code(value: str) -> bool:
    """After ``name =``: a call, an index, or a bare name without digits (``api_key=api_key``)."""
    if "(" in value or "[" in value:
        return True
    return bool(_IDENTIFIER.fullmatch(value)) and not any(c.isdigit() for c in value)


def _header_spans(text: str, lower: str) -> Iterator[Span]:
    """``Authorization: <scheme> TOKEN`` (any length with a scheme) and a bare ``Bearer TOKEN``."""
    for match in _AUTHORIZATION.finditer(lower):
        value = text[match.start("s") : match.end("s")]
        if _PLACEHOLDER.match(value):
            continue
        if match.group("scheme") or (len(value) >= 8 and any(c.isdigit() for c in value)):
            yield match.start("s"), match.end("s"), "bearer-token"
    for match in _BEARER.finditer(lower):
        value = text[match.start("s") : match.end("s")].rstrip(".")
        if not _PLACEHOLDER.match(value) and (len(value) >= 20 or (len(value) >= 8 and any(c.isdigit() for c in value))):
            yield match.start("s"), match.start("s") + len(value), "bearer-token"


_AUTHORIZATION = re.compile(
    r"authorization[\"']?[ \t]*[:=][ \t]*[\"']?"
    r"(?:(?P<scheme>bearer|basic|token|ssws|digest|negotiate|apikey|api-key|key|dsn|hmac|otp)[ \t]+)?"
    r"(?P<s>[^\s\"',;]+)"
)
_BEARER = re.compile(r"bearer[ \t]+(?P<s>[a-z0-9._~+/-]+=*)")


def _cookie_spans(text: str, lower: str) -> Iterator[Span]:
    """The values of a ``Cookie:`` header (all) and of a ``Set-Cookie:`` header (the first)."""
    for match in _COOKIE.finditer(lower):
        pos, end = match.start("v"), match.end("v")
        first_only = lower.endswith("set-", 0, match.start())
        while pos < end:
            stop = text.find(";", pos, end)
            stop = end if stop < 0 else stop
            eq = text.find("=", pos, stop)
            if eq >= 0:
                value = text[eq + 1 : stop].strip().strip("\"'")
                if value and not _PLACEHOLDER.match(value):
                    start = text.index(value, eq + 1, stop)
                    yield start, start + len(value), "cookie"
            if first_only:
                break
            pos = stop + 1


_COOKIE = re.compile(r"cookie[\"']?[ \t]*:[ \t]*(?P<v>[^\r\n\"']+)")

_VALUE = r"(?P<s>\"[^\"\n]*\"|'[^'\n]*'|[^\s\"']+)"
#: ``-u user:PASS`` (curl), ``-pPASS`` (mysql, mariadb), ``-p PASS`` (sshpass, docker/podman/helm login),
#: ``-a PASS`` (redis-cli): one scan for a short flag after a space; the command is checked on its line.
_SHORT_FLAG = re.compile(r"-(?<=\s-)(?P<flag>[upa])(?P<gap>[ \t]*)" + _VALUE)
_USER = re.compile(r"--user[= \t]+" + _VALUE)


def _short_flag_secret(flag: str, spaced: bool, line: str) -> bool:
    if flag == "p":
        return (not spaced and ("mysql" in line or "mariadb" in line)) or "sshpass" in line or (spaced and "login" in line)
    return flag == "a" and spaced and "redis-cli" in line


def _command_spans(text: str, lower: str) -> Iterator[Span]:
    for match in (*_SHORT_FLAG.finditer(text), *_USER.finditer(text)):
        start, end = match.span("s")
        value = text[start:end].strip("\"'")
        if not value or _PLACEHOLDER.match(value) or value.startswith("-"):
            continue
        flag = match.group("flag") if match.re is _SHORT_FLAG else "u"
        if flag == "u":  # user:PASS: the password only
            if ":" not in value or not _secret_value(value.split(":", 1)[1], "any"):
                continue
            start = text.index(":", start) + 1
            end = end - 1 if text[end - 1] in "\"'" else end
        elif not _short_flag_secret(flag, bool(match.group("gap")), lower[lower.rfind("\n", 0, match.start()) + 1 : match.start()]):
            continue
        yield start, end, "password"
    for match in _FLAG.finditer(lower):
        name = match.group("name").replace("-", "_")
        found = _assignment_kind(name, next(e for e in _FLAG_ENDINGS if name.endswith(e)))
        value = text[match.start("s") : match.end("s")]
        if found and not value.startswith("-") and _secret_value(value.strip("\"'"), found[1]):
            yield match.start("s"), match.end("s"), found[0]


_FLAG_ENDINGS = ("password", "passwd", "pass", "token", "secret", "key")
_FLAG = re.compile(
    r"--(?P<name>[a-z0-9-]{1,40})" + "(?:" + "|".join(f"(?<={e})" for e in _FLAG_ENDINGS) + ")" + r"(?:=|[ \t]+)" + _VALUE
)


def _url_spans(text: str, lower: str) -> Iterator[Span]:
    """``scheme://user:PASS@host`` and secret query parameters (``?token=``, ``&sig=``)."""
    for match in _URL_USERINFO.finditer(text):
        if not _PLACEHOLDER.match(match.group("s")):
            yield match.start("s"), match.end("s"), "url-password"
    for pattern in _URL_QUERY:
        for match in pattern.finditer(lower):
            name, value = match.group("name"), text[match.start("s") : match.end("s")]
            if _secret_value(value, "any") and _query_name_is_secret(name, value):
                yield match.start("s"), match.end("s"), "url-password"


_URL_USERINFO = re.compile(r"://[^\s/:@\[\]\"'<>]{0,256}:(?P<s>[^\s/@\[\]\"'<>]{1,256})@")
_QUERY_NAME_ENDINGS = ("pass", "passwd", "password", "pwd", "secret", "token", "key", "sig", "signature", "credential", "auth")
_URL_QUERY = tuple(
    re.compile(
        sep + r"(?P<name>[a-z0-9_.-]{1,60})" + "(?:" + "|".join(f"(?<={e})" for e in _QUERY_NAME_ENDINGS) + ")"
        + r"=(?P<s>[^&\s#\"'`\[\]<>]+)"
    )
    for sep in (r"\?", "&")
)


def _query_name_is_secret(name: str, value: str) -> bool:
    """``?token=``, ``&client_secret=``, ``?key=``, ``&sig=`` (a signed URL), ``X-Amz-Credential``."""
    if name in ("key", "sig", "signature") or name.endswith(("signature", "credential")):
        return True
    found = _secret_name(name)
    return found is not None and (found[1] != "random" or _random_looking(value))


def _markup_spans(text: str, lower: str) -> Iterator[Span]:
    """``<add key="Password" value="..."/>`` and ``<password>...</password>``."""
    for match in _XML_ADD.finditer(lower):
        found = _secret_name(match.group("name"))
        if found and _secret_value(text[match.start("s") : match.end("s")], found[1]):
            yield match.start("s"), match.end("s"), found[0]
    for pattern in _XML_ELEMENTS:
        for match in pattern.finditer(lower):
            if not _PLACEHOLDER.match(match.group("s")):
                yield match.start("s"), match.end("s"), "password"


_XML_ADD = re.compile(r"key=\"(?P<name>[^\"\n]{1,60})\"[ \t]+value=\"(?P<s>[^\"\n]*)\"")
_XML_ELEMENTS = (re.compile(r">(?:(?<=password>)|(?<=secret>)|(?<=token>))(?P<s>[^<\n]{1,200})</"),)
_NAME_END = re.compile(r"(?:pass(?:word|wd|phrase)?|pwd|secret|token|credentials?|creds|key|auth)$")


def _secret_name(name: str) -> tuple[str, str] | None:
    """(kind, requirement) when the lowercased ``name`` names a secret (see :func:`_assignment_kind`)."""
    ending = _NAME_END.search(name)
    return _assignment_kind(name, ending.group(0)) if ending else None


def _kubernetes_spans(text: str, lower: str) -> Iterator[Span]:
    """The values under ``data:`` / ``stringData:`` of a Kubernetes Secret."""
    if not _K8S_SECRET.search(lower):
        return
    for block in _K8S_DATA.finditer(lower):
        outer, pos = len(block.group("indent")), block.end()
        while pos < len(lower):
            line = _K8S_LINE.match(lower, pos)
            if line is None or len(line.group("indent")) <= outer:
                break
            if line.group("s") and not _PLACEHOLDER.match(line.group("s")):
                yield line.start("s"), line.end("s"), "kubernetes-secret"
            pos = line.end()


_K8S_SECRET = re.compile(r"kind:[ \t]*[\"']?secret\b")
_K8S_DATA = re.compile(r"(?m)^(?P<indent>[ \t]*)(?:data|stringdata):[ \t]*\n")
_K8S_LINE = re.compile(r"(?P<indent>[ \t]*)[\w.-]+:[ \t]*(?P<s>[^\s#][^\n]*)?(?:\n|$)")


#: Every context rule: a function (text, lowercased text) -> spans.
CONTEXT_RULES: tuple[Callable[[str, str], Iterable[Span]], ...] = (
    _header_spans,
    _cookie_spans,
    _command_spans,
    _url_spans,
    _markup_spans,
    _kubernetes_spans,
    _assignment_spans,
)


# -- environment values -------------------------------------------------------------------
def _secret_env_items(env: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """(name, value) of secret-looking variables, longest value first."""
    items = []
    for name, value in env.items():
        if not isinstance(value, str) or len(value) < MIN_ENV_VALUE:
            continue
        upper = name.upper()
        if any(part in upper for part in _SECRET_NAME_PARTS):
            items.append((name, value))
    return tuple(sorted(items, key=lambda item: (-len(item[1]), item[0])))


def _env_spans(text: str, items: tuple[tuple[str, str], ...]) -> Iterator[Span]:
    for name, value in items:
        start = text.find(value)
        while start >= 0:
            yield start, start + len(value), f"env:{name}"
            start = text.find(value, start + len(value))


# -- putting it together ------------------------------------------------------------------
_EXISTING_MARKER = re.compile(r"\[REDACTED:[A-Za-z0-9_.:-]{1,120}\]")


def _lowered(text: str) -> str:
    """``text.lower()`` with the same positions (a character that lowercases to two stays)."""
    lower = text.lower()
    if len(lower) == len(text):
        return lower
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)




def _trigger() -> re.Pattern[str]:
    """What every rule needs: a key prefix's last character (the prefix itself when that is a
    lower-case letter, too common to tell), a separator, a flag's dash, or "Bearer"."""
    lasts = {rule.prefix[-1] for rule in KEY_RULES if not rule.prefix[-1].islower()}
    prefixes = [re.escape(rule.prefix) for rule in KEY_RULES if rule.prefix[-1].islower()]
    return re.compile("|".join(["[" + re.escape("".join(sorted(lasts))) + r":=@>?&-]", "[Bb]earer", *prefixes]))


#: A short text without a trigger (a tool's name, a word) is skipped.
_TRIGGER = _trigger()
_SHORT_TEXT = 512


def find_secrets(text: str, env_items: tuple[tuple[str, str], ...] = ()) -> list[Span]:
    """The secrets in ``text``: sorted, merged (start, end, kind) spans, none inside an existing marker."""
    detectors: tuple[Iterable[Span], ...] = (_env_spans(text, env_items),)
    if len(text) > _SHORT_TEXT or _TRIGGER.search(text):
        lower = _lowered(text)
        detectors += (_key_spans(text), *(rule(text, lower) for rule in CONTEXT_RULES))
    found: list[tuple[int, int, int, str]] = []  # start, end, priority, kind
    for priority, spans in enumerate(detectors):
        found.extend((start, end, min(priority, 2), kind) for start, end, kind in spans if end > start)
    if not found:
        return []
    markers = [m.span() for m in _EXISTING_MARKER.finditer(text)] if "[REDACTED:" in text else []
    found.sort(key=lambda f: (f[0], -f[1], f[2]))
    merged: list[Span] = []
    for start, end, _, kind in found:
        if any(start < m_end and m_start < end for m_start, m_end in markers):
            continue
        if merged and start < merged[-1][1]:
            last = merged[-1]
            merged[-1] = (last[0], max(last[1], end), last[2])
        else:
            merged.append((start, end, kind))
    return merged


def _apply(text: str, spans: Iterable[Span]) -> str:
    out, pos = [], 0
    for start, end, kind in spans:
        out.append(text[pos:start])
        out.append(MARKER.format(kind))
        pos = end
    out.append(text[pos:])
    return "".join(out)


_MEMO_MIN_CHARS = 4096
_MEMO_SIZE = 8
_memo: "OrderedDict[tuple[str, tuple[tuple[str, str], ...]], str]" = OrderedDict()
_memo_lock = threading.Lock()  # the loop's thread, the UI's and the recorder's share it


def secret_environment() -> dict[str, str]:
    """The environment variables whose values redaction masks (each judged by ``redact`` itself,
    given one at a time). Passing only these as ``env`` gives the same result as the whole
    environment, without filtering ``os.environ`` for every text: for a caller that redacts
    many texts (an export, a mirror of Hermes's sessions)."""
    return {name: value for name, value in os.environ.items() if redact(value, {name: value}) != redact(value, {})}


def redact(text: str, env: Mapping[str, str] | None = None) -> str:
    """``text`` with secrets replaced by ``[REDACTED:kind]`` markers (see the module doc).

    ``env`` gives the environment whose secret-looking values are masked
    (``os.environ`` when None; pass ``{}`` to mask key shapes and contexts only).
    A large text is redacted once: the same text met again at the next exit (the
    event stream, then the store) is answered from a small memo.
    """
    if not text:
        return text
    items = _secret_env_items(os.environ if env is None else env)
    if len(text) < _MEMO_MIN_CHARS:
        return _apply(text, find_secrets(text, items))
    key = (text, items)
    with _memo_lock:
        if key in _memo:
            _memo.move_to_end(key)
            return _memo[key]
    result = _apply(text, find_secrets(text, items))
    with _memo_lock:
        _memo[key] = result
        _memo[(result, items)] = result  # redaction is idempotent
        while len(_memo) > _MEMO_SIZE:
            _memo.popitem(last=False)
    return result


def redact_obj(obj: Any, env: Mapping[str, str] | None = None) -> Any:
    """A copy of ``obj`` with every string in it redacted (dicts, lists and tuples, recursively).

    Dict keys are kept as they are; other values (numbers, None, ...) are returned unchanged.
    """
    environment = os.environ if env is None else env
    if isinstance(obj, str):
        return redact(obj, environment)
    if isinstance(obj, dict):
        return {key: _redact_item(key, value, environment) for key, value in obj.items()}
    if isinstance(obj, list):
        return [redact_obj(item, environment) for item in obj]
    if isinstance(obj, tuple):
        return tuple(redact_obj(item, environment) for item in obj)
    return obj


def _redact_item(key: Any, value: Any, env: Mapping[str, str]) -> Any:
    """A dict's value: masked whole when its key names a secret (``{"password": "..."}``)."""
    found = _secret_name(key.lower()) if isinstance(key, str) and isinstance(value, str) else None
    if found and not value.startswith("[REDACTED:") and _secret_value(value, found[1]):
        return MARKER.format(found[0])
    return redact_obj(value, env)


class StreamRedactor:
    """Redacts text that arrives in pieces: ``feed(delta)`` returns what is safe to show now,
    ``flush()`` the rest (at the end of the stream).

    It holds back at least the last :attr:`HOLD` characters, cuts only at whitespace
    (a key has none), never between a secret found so far and the start of its line
    (its context) nor after the start of a private-key block that has not ended, so a key split across deltas is masked
    before any of it is shown. The pieces it returns, joined, are the redacted text.
    """

    HOLD = 64

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self.env = env
        self._pending = ""
        self._next_try = 2 * self.HOLD

    def feed(self, delta: str) -> str:
        self._pending += delta
        if len(self._pending) < self._next_try:
            return ""
        out = self._emit(final=False)
        # Nothing safe yet (one long token): wait for twice as much, so the work stays linear.
        self._next_try = len(self._pending) + self.HOLD if out else 2 * len(self._pending)
        return out

    def flush(self) -> str:
        out = self._emit(final=True)
        self._next_try = 2 * self.HOLD
        return out

    def _emit(self, *, final: bool) -> str:
        text = self._pending
        if not text:
            return ""
        spans = find_secrets(text, _secret_env_items(os.environ if self.env is None else self.env))
        cut = len(text) if final else _safe_cut(text, spans, len(text) - self.HOLD)
        if cut <= 0:
            return ""
        self._pending = text[cut:]
        return _apply(text[:cut], [span for span in spans if span[1] <= cut])


def _safe_cut(text: str, spans: list[Span], limit: int) -> int:
    """The last whitespace position before ``limit`` that no secret straddles, counting a
    secret from the start of its line (where its context is: ``password = ...``), nor
    a private-key block still open."""
    block = text.rfind("-----BEGIN")
    if block >= 0 and "-----END" not in text[block:]:
        limit = min(limit, block)
    guarded = [(text.rfind("\n", 0, start) + 1, end) for start, end, _ in spans]
    while limit > 0:
        cut = max(text.rfind(ws, 0, limit) for ws in (" ", "\n", "\t")) + 1
        crossing = [start for start, end in guarded if start < cut < end]
        if not crossing:
            return cut
        limit = min(crossing)
    return 0


class RedactingFormatter(logging.Formatter):
    """A log formatter that masks secrets in the whole record (message and traceback)."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


__all__ = ["CONTEXT_RULES", "RedactingFormatter", "KEY_RULES", "KeyRule", "MARKER", "MIN_ENV_VALUE", "StreamRedactor", "find_secrets", "redact", "redact_obj"]
