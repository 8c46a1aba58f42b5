"""The one static scanner for text that enters skills or memory.

``scan_text(text, file)`` reads one file, ``scan_folder(path)`` a whole skill folder
(SKILL.md and every other file: scripts, references, binaries, symlinks). Each
finding has a stable rule id (``injection.override``, ``exfil.secret-file`` ...), a
category, a severity ("low", "medium", "high"), the file, the 1-based line, an excerpt
(invisible characters shown as ``⟦U+200B⟧``, Tag-block text decoded) and a one-line
explanation. The verdict is the worst severity: high -> "dangerous", medium ->
"caution", otherwise "safe" (low findings are notes).

How text is read
    Each line is folded before the rules run: invisible characters dropped, Unicode
    NFKC (fullwidth letters), look-alike Cyrillic/Greek letters mapped to ASCII, lower
    case. Markdown is split into prose, fenced code, and the places a reader does not
    see: HTML comments, link targets and titles, image alt text. Base64 and hex runs
    that decode to text are scanned again as what they decode to. Injection phrases
    are also looked for with spaces, punctuation and leetspeak squeezed out.

Context
    A skill may quote attacks to teach how to spot them. A finding that the rules mark
    teachable is lowered one level when the line or the lines just before it teach
    (``detect``, ``e.g.``, ``for example``, ``never``, ``watch for`` ...) and one more
    when the phrase is quoted (in quotes or a code block), or when the skill is about
    security. Hidden places, invisible characters and structure are never lowered:
    an instruction a reader cannot see is never teaching.
"""

from __future__ import annotations

import base64
import binascii
import math
import os
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any, Iterable, Iterator

from hermes_tui.core.fsutil import os_error_reason
from hermes_tui.core.guard.unicode import reveal_invisible, strip_invisible

SAFE, CAUTION, DANGEROUS = "safe", "caution", "dangerous"
VERDICTS = (SAFE, CAUTION, DANGEROUS)
LOW, MEDIUM, HIGH = "low", "medium", "high"
SEVERITIES = (LOW, MEDIUM, HIGH)
_RANK = {LOW: 0, MEDIUM: 1, HIGH: 2}
_VERDICT_OF = {LOW: SAFE, MEDIUM: CAUTION, HIGH: DANGEROUS}

CATEGORIES = (
    "exfiltration",
    "prompt-injection",
    "invisible-unicode",
    "obfuscation",
    "persistence",
    "destructive",
    "reverse-shell",
    "supply-chain",
    "social-engineering",
    "structure",
)

MAX_TEXT_BYTES = 2_000_000  # a text file is scanned up to here
HUGE_FILE_BYTES = 1_000_000  # a bigger file is worth a look
ENORMOUS_FILE_BYTES = 8_000_000  # a skill has no reason to carry this much
MAX_FILES = 500  # a skill folder with more files is odd
EXCERPT_CHARS = 160


@dataclass(frozen=True)
class Finding:
    id: str  # the rule id: stable across runs and versions
    category: str
    severity: str  # low | medium | high
    file: str  # relative to the scanned folder ("SKILL.md", "scripts/x.sh")
    line: int  # 1-based; 0 for the file as a whole
    excerpt: str
    explanation: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "category": self.category,
            "severity": self.severity,
            "file": self.file,
            "line": self.line,
            "excerpt": self.excerpt,
            "explanation": self.explanation,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Finding":
        return cls(**{k: data[k] for k in cls.__dataclass_fields__})

    def describe(self) -> str:
        """One line for a person: ``high prompt-injection SKILL.md:12 (injection.override): ...``."""
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{self.severity} {self.category} {where} ({self.id}): {self.explanation}\n    {self.excerpt}"


@dataclass
class ScanReport:
    verdict: str = SAFE
    findings: list[Finding] = field(default_factory=list)

    @classmethod
    def of(cls, findings: Iterable[Finding]) -> "ScanReport":
        ordered = sorted(_dedupe(findings), key=lambda f: (-_RANK[f.severity], f.file, f.line, f.id))
        worst = max((_RANK[f.severity] for f in ordered), default=0)
        return cls(verdict=_VERDICT_OF[SEVERITIES[worst]], findings=ordered)

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "findings": [f.to_dict() for f in self.findings]}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "ScanReport | None":
        if not isinstance(data, dict) or data.get("verdict") not in VERDICTS:
            return None
        try:
            return cls(verdict=data["verdict"], findings=[Finding.from_dict(f) for f in data.get("findings") or []])
        except (KeyError, TypeError):
            return None

    @property
    def flagged(self) -> list[Finding]:
        """The findings that count (medium and high)."""
        return [f for f in self.findings if f.severity != LOW]

    def summary(self) -> str:
        """``dangerous: 2 findings (prompt-injection, exfiltration)``."""
        flagged = self.flagged
        if not flagged:
            return self.verdict
        categories = ", ".join(dict.fromkeys(f.category for f in flagged))
        return f"{self.verdict}: {len(flagged)} finding{'s' if len(flagged) != 1 else ''} ({categories})"


def _dedupe(findings: Iterable[Finding]) -> list[Finding]:
    best: dict[tuple[str, str, int], Finding] = {}
    for f in findings:
        key = (f.id, f.file, f.line)
        if key not in best or _RANK[f.severity] > _RANK[best[key].severity]:
            best[key] = f
    return list(best.values())


# -- rules ------------------------------------------------------------------------------
# Where a rule looks: prose, code (fences, inline code, scripts), hidden (comments, link
# targets, alt text). Rules are run on folded text (lower case, ASCII look-alikes).
PROSE, CODE, HIDDEN = "prose", "code", "hidden"
ANY = frozenset({PROSE, CODE, HIDDEN})


@dataclass(frozen=True)
class Rule:
    id: str
    category: str
    severity: str
    pattern: re.Pattern[str]
    explanation: str
    where: frozenset[str] = ANY
    teachable: bool = True  # may be lowered by a teaching context
    quotable: bool = False  # lowered once more when quoted (injection phrases)
    needles: re.Pattern[str] | None = None  # the rule runs only on text holding one of these (speed) ...
    also: re.Pattern[str] | None = None  # ... and one of these

    def search(self, folded: str) -> re.Match[str] | None:
        if self.needles is not None and self.needles.search(folded) is None:
            return None
        if self.also is not None and self.also.search(folded) is None:
            return None
        return self.pattern.search(folded)


def _rule(id: str, severity: str, pattern: str, explanation: str, **kw: Any) -> Rule:
    category = _CATEGORY_OF_PREFIX[id.split(".")[0]]
    where = kw.pop("where", ANY)
    needles = kw.pop("needles", _NEEDLES.get(id, _NEEDLES.get(id.split(".")[0], ())))
    also = _ALSO.get(id, ())
    hint = re.compile("|".join(map(re.escape, needles))) if needles else None
    and_hint = re.compile("|".join(map(re.escape, also))) if also else None
    return Rule(id, category, severity, re.compile(pattern, re.I | re.M), explanation, frozenset(where), needles=hint, also=and_hint, **kw)


_CATEGORY_OF_PREFIX = {
    "exfil": "exfiltration",
    "injection": "prompt-injection",
    "unicode": "invisible-unicode",
    "obfuscation": "obfuscation",
    "persistence": "persistence",
    "destructive": "destructive",
    "shell": "reverse-shell",
    "supply": "supply-chain",
    "social": "social-engineering",
    "structure": "structure",
}

_NET_NEEDLES = ("curl", "wget", "nc", "cat", "socat", "scp", "ftp", "telnet", "xh", "http", "iwr", "irm", "invoke", "request",
                "url", "fetch", "axios", "smtp", "/dev/", "send")
_NEEDLES: dict[str, tuple[str, ...]] = {  # by rule id, else by its prefix
    "exfil": _NET_NEEDLES + ("dig", "nslookup", "host", "drill", "ping", "resolve"),
    "obfuscation.decode-to-shell": ("base64", "b64", "xxd", "openssl", "rev", "tr ", "printf", "echo"),
    "obfuscation.eval-decoded": ("eval", "exec", "iex", "invoke", "system", "subprocess", "popen", "powershell"),
    "obfuscation.eval-built": ("eval", "exec", "__import__", "function"),
    "persistence.cron": ("cron",),
    "persistence.reboot": ("@reboot",),
    "persistence.shell-rc": ("rc", "profile", "zshenv", "fish", "/etc/environment"),
    "persistence.shell-rc-payload": ("rc", "profile", "zshenv"),
    "persistence.authorized-keys": ("authorized_keys",),
    "persistence.service": ("runatload", "keepalive", "programarguments", "execstart", "wantedby", "systemctl", "systemd", "launchctl", "launch", "init.d", "rc.local", "schtasks", "currentversion"),
    "persistence.agent-config": ("skill_gate", "auto_approve", "hermes", "pending", "memory.md", "user.md"),
    "persistence.other-skills": (".claude", ".codex", ".cursor", ".hermes"),
    "persistence.git-hook": ("hooks", "hookspath"),
    "destructive.rm-root": ("rm",),
    "destructive.disk": ("mkfs", "dd", "wipefs", "shred", "/dev/sd"),
    "destructive.fork-bomb": (":",),
    "destructive.chmod-root": ("chmod",),
    "destructive.cloud": ("terraform", "aws", "kubectl", "gcloud", "az ", "drop", "push", "clean"),
    "shell.dev-tcp": ("/dev/",),
    "shell.netcat-exec": ("nc", "ncat", "netcat", "socat", "mkfifo"),
    "shell.interactive": ("sh -i",),
    "shell.scripted": ("socket", "dup2", "pty", "fsockopen", "tcpclient"),
    "shell.tunnel": ("ngrok", "ssh", "chisel", "frpc", "serveo", "bore", "cloudflared"),
    "supply.pipe-to-shell": ("curl", "wget", "fetch", "iwr", "irm", "invoke", "iex"),
    "supply.pipe-to-shell-risky": ("curl", "wget", "iwr", "irm"),
    "supply.download-exec": ("curl", "wget"),
    "supply.odd-index": ("index", "registry"),
    "supply.insecure-index": ("install", "add", " i "),
    "supply.install-url": ("install", "add", " i "),
    "social.protected-archive": ("zip", "7z", "rar", "password"),
    "social.installer-first": ("first", "before"),
    "social.installer-hint": ("first", "before"),
    "social.disable-protection": ("disable", "turn off", "deactivate", "switch off", "bypass", "spctl", "xattr", "mppreference", "csrutil"),
    "injection.override": ("ignore", "disregard", "forget", "override", "bypass", "overrule", "discard"),
    "injection.new-instructions": ("instruction", "task", "goal", "purpose"),
    "injection.role-hijack": ("you ", "mode", "act as", "pretend"),
    "injection.conceal": ("user", "human", "operator", "owner", "reviewer", "silently", "secretly", "covertly", "quietly", "between"),
    "injection.pre-approval": ("approv", "authori", "consent", "allow", "whitelist", "permission", "confirmation", "trust", "accept"),
    "injection.prompt-leak": ("prompt", "message", "instructions"),
    "injection.fake-role": ("system", "sys", "inst", "<|", "developer"),
}
_SECRETISH = ("$", "@", ".ssh", "id_", ".aws", ".netrc", ".git-cred", ".kube", ".docker", ".gnupg", "/etc/shadow", ".env",
              ".npmrc", ".pypirc", "keychain", "cookies", "login data", "gcloud", "credentials", ".azure", "wallet", ".hermes",
              "memories/", "history", "environ", "process.env", "printenv", "`")
_ALSO: dict[str, tuple[str, ...]] = {  # a second hint: the rule also needs one of these
    "exfil.secret-file": _SECRETISH,
    "exfil.env-dump": ("env", "environ", "set", "export"),
    "exfil.secret-to-odd-host": ("$", "@"),
    "exfil.odd-host": ("webhook", "requestbin", "pipedream", "ngrok", "burp", "oast", "interact", "paste", "transfer.sh", "hookbin",
                       "beeceptor", "discord", "telegram", "://1", "://2", "://3", "://4", "://5", "://6", "://7", "://8", "://9"),
    "exfil.data-in-url": ("$(",),
    "exfil.secret-in-url": ("$",),
    "exfil.dns": ("$", "`"),
}
_NET = (
    r"(?:\b(?:curl|wget|nc|ncat|netcat|socat|scp|ftp|sftp|telnet|xh|httpie|invoke-webrequest|iwr|invoke-restmethod|irm)\b"
    r"|\bhttps?\s+(?:post|put|get)\b|requests\.(?:post|put|get|request)|urllib|urlopen|\bfetch\s*\(|axios|httpx\.|smtplib"
    r"|/dev/(?:tcp|udp)/|\bsend(?:all|to)?\s*\()"
)
_SECRET_FILE = (
    r"(?:\.ssh/(?:id_\w+|identity|[\w.-]*key)\b|(?:~|\$home|\$\{home\})/\.ssh(?![\w/.-])|\bid_(?:rsa|dsa|ecdsa|ed25519)\b(?!\.pub)|\.aws/credentials|\.netrc\b"
    r"|\.git-credentials|\.kube/config|\.docker/config\.json|\.gnupg|/etc/shadow|(?<![\w.])\.env(?![\w.-])"
    r"|\.npmrc|\.pypirc|keychain-db|login\.keychain|cookies\.sqlite|\blogin data\b|\.config/gcloud"
    r"|application_default_credentials|\.azure/|wallet\.dat|\.hermes/|memories/(?:memory|user)\.md|\.bash_history)"
)
_EXFIL_HOST = (
    r"(?:webhook\.site|requestbin|pipedream\.net|ngrok(?:-free)?\.(?:io|app)|burpcollaborator|\boast\.|interact\.sh"
    r"|pastebin\.com|transfer\.sh|hookbin|beeceptor|discord(?:app)?\.com/api/webhooks|api\.telegram\.org/bot"
    r"|https?://(?!(?:127\.|10\.|192\.168\.|0\.0\.0\.0|169\.254\.))\d{1,3}(?:\.\d{1,3}){3})"
)
_RISKY_URL = (
    r"(?:http://(?!(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\]))|https?://(?!(?:127\.|10\.|192\.168\.|0\.0\.0\.0))\d{1,3}(?:\.\d{1,3}){3}"
    r"|(?:bit\.ly|tinyurl\.com|t\.co|is\.gd|goo\.gl|rb\.gy|cutt\.ly)/|pastebin\.com|hastebin|ghostbin|termbin|"
    + _EXFIL_HOST[3:]
)
_SHELL_SINK = r"\|\s*(?:sudo\s+(?:-\S+\s+)*)?(?:env\s+)?(?:/\w+/)*(?:ba|z|da|k|fi|a)?sh\b"
_SECRET_VAR = r"\$\{?\w*(?:key|token|secret|passw(?:or)?d|pass|cred\w*|auth)\w*\}?"
_HOME = r"(?:~|\$home|\$\{home\}|/root|/home/\w+|/users/\w+)"
_SAFE_EVAL = (
    r"ssh-agent|pyenv|rbenv|nodenv|jenv|goenv|plenv|brew|/opt/homebrew|/usr/local/bin/brew|/home/linuxbrew|conda|mamba"
    r"|micromamba|direnv|fnm|zoxide|starship|mise|rtx|opam|gpg-agent|keychain|thefuck|register-python-argcomplete"
    r"|_\w+_complete|\w+ completion|\w+ shellenv|\w+ init|\w+ hook|dircolors|minikube|docker-machine|luarocks|uv|poetry|pdm|gh"
)

RULES: tuple[Rule, ...] = (
    # -- credential exfiltration
    _rule("exfil.secret-file", HIGH, rf"{_NET}.{{0,160}}{_SECRET_FILE}|{_SECRET_FILE}.{{0,160}}{_NET}",
          "sends a secret file (SSH key, cloud credentials, .env, memory) over the network"),
    _rule("exfil.env-dump", HIGH,
          rf"\b(?:printenv|env|set|export\s+-p)\s*\|.*{_NET}|{_NET}.*\$\((?:printenv|env)\)|{_NET}.*(?:dict\(os\.environ\)|str\(os\.environ\)|os\.environ\.copy\(\)|json\.dumps\(os\.environ|process\.env\)|json\.stringify\(process\.env)"
          rf"|(?:dict\(os\.environ\)|json\.dumps\(os\.environ|json\.stringify\(process\.env\)).*{_NET}",
          "sends the whole environment (every key and token in it) over the network"),
    _rule("exfil.secret-to-odd-host", HIGH, rf"{_NET}.*(?:{_SECRET_VAR}|@\S+|\$\().*{_EXFIL_HOST}|{_NET}.*{_EXFIL_HOST}.*(?:{_SECRET_VAR}|\$\()",
          "sends data to a collection endpoint (webhook catcher, paste site, raw IP)"),
    _rule("exfil.odd-host", MEDIUM, rf"{_NET}.*{_EXFIL_HOST}", "talks to a collection endpoint (webhook catcher, paste site, raw IP)"),
    _rule("exfil.dns", HIGH,
          r"\b(?:dig|nslookup|host|drill|ping|resolve-dnsname)\b[^|;&\n]*(?:\$\([^)]*\)|`[^`]*`|\$\{?\w+\}?)\.[a-z0-9-]+\.[a-z]{2,}",
          "puts data into a DNS name (DNS exfiltration)"),
    _rule("exfil.data-in-url", HIGH,
          rf"{_NET}[^\n]*https?://[^\s'\"]*[?&=/][^\s'\"]*\$\([^)]*\b(?:cat|base64|env|printenv|whoami|hostname|id|uname|ls|history)\b",
          "puts command output or a secret into a URL"),
    _rule("exfil.secret-in-url", MEDIUM, rf"https?://[^\s'\"]*[?&][\w-]*=[\"']?{_SECRET_VAR}",
          "a secret in a URL's query string (ends up in logs and proxies)"),
    # -- prompt injection
    _rule("injection.override", HIGH,
          r"\b(?:ignore|disregard|forget|override|bypass|overrule|discard)\b\W+(?:(?:all|any|of|the|your|every|these|those|my)\W+){0,3}"
          r"(?:previous|prior|above|earlier|preceding|former|original|existing|system|safety|initial|other)\W+(?:\w+\W+)?"
          r"(?:instructions?|rules|directions|prompts?|guidelines|guardrails|constraints|messages|context|restrictions|policies|directives)",
          "tells the model to ignore its instructions (instruction override)", quotable=True),
    _rule("injection.set-aside", HIGH,
          r"(?:\b(?:set|put|cast|push)\s+aside|\bstop\s+following|\bno\s+longer\s+(?:follow|obey|apply|heed)|\babandon|\bthrow\s+out|\bdrop\b)"
          r"[^.\n]{0,40}\b(?:guidance|instructions?|rules|guidelines|directions|directives|system\s+prompt)\b[^.\n]{0,40}\b(?:earlier|before|previously|given|prior|so\s+far|until\s+now)\b",
          "tells the model to put its earlier instructions aside (instruction override)", quotable=True,
          needles=("aside", "stop following", "no longer", "abandon", "throw out", "drop")),
    _rule("injection.sole-authority", MEDIUM,
          r"\b(?:your|the)\s+(?:only|sole)\s+(?:rule\s*book|rules|authority|source\s+of\s+(?:truth|instructions))\b|\b(?:obey|follow)\s+only\s+(?:me|this\s+file|these\s+(?:lines|instructions))",
          "claims to be the model's only source of instructions", quotable=True, needles=("only", "sole")),
    _rule("injection.new-instructions", MEDIUM,
          r"\b(?:new|updated|real|actual|true)\s+(?:system\s+)?instructions?\s*(?:are\s*)?:|\byour\s+(?:new|real|true)\s+(?:task|goal|purpose|instructions?)\s+(?:is|are)\b",
          "announces new instructions to replace the model's own", quotable=True),
    _rule("injection.role-hijack", HIGH,
          r"\byou\s+are\s+(?:now\s+)?(?:dan\b|in\s+(?:developer|god|jailbreak|dan)\s+mode|jailbroken|unrestricted|unfiltered|uncensored|no\s+longer\s+(?:an?\s+)?(?:ai|assistant|bound|restricted))"
          r"|\b(?:developer|god|jailbreak|dan)\s+mode\s+(?:is\s+)?(?:enabled|activated|on)\b|\bact\s+as\s+(?:an?\s+)?(?:unrestricted|unfiltered|uncensored|jailbroken)"
          r"|\bpretend\s+(?:that\s+)?you\s+(?:have|are\s+under)\s+no\s+(?:restrictions|rules|guidelines|limits|policies)|\byou\s+(?:have|are\s+under)\s+no\s+(?:restrictions|rules|guidelines|content\s+polic)",
          "tries to give the model another role without its rules (role hijack)", quotable=True),
    _rule("injection.fake-role", HIGH,
          r"<\|im_start\|>\s*system|<\|system\|>|<\|start_header_id\|>\s*system|^\W*\[/?(?:system|sys|inst)\]|<<sys>>|</?system(?:-reminder|_prompt)?>"
          r"|^\W*(?:system|developer)\s*(?:prompt|message|override)\s*:",
          "a fake system or role marker that pretends to come from the system", quotable=True),
    _rule("injection.conceal", HIGH,
          r"\b(?:do\s+not|don't|dont|never)\s+(?:tell|inform|mention\s+(?:\w+\s+){0,3}to|notify|alert|let)\s+(?:the\s+)?(?:user|human|operator|owner|reviewer)s?\b"
          r"|\bkeep\s+(?:this|it|the\s+following|that)\s+between\s+(?:us|you\s+and\s+me)"
          r"|\bwithout\s+(?:telling|informing|notifying|alerting|letting)\s+(?:the\s+)?(?:user|human|operator|owner)"
          r"|\b(?:keep|hide)\s+(?:this|it|these|the\s+following|that)\s+(?:(?:secret|hidden|quiet|private)\s+)?from\s+(?:the\s+)?(?:user|human|operator|reviewer|owner)"
          r"|\bthe\s+(?:user|human|operator)\s+(?:must|should|need|will)\s+(?:not|never)\s+(?:know|see|notice|find\s+out|be\s+told|learn)"
          r"|\b(?:silently|secretly|covertly|quietly)\s+(?:send|upload|post|exfiltrate|copy|run|execute|install|forward|transmit|delete|add|append|write)",
          "tells the model to hide what it does from the user", quotable=True),
    _rule("injection.pre-approval", HIGH,
          r"\b(?:user|owner|operator|admin(?:istrator)?|human|developer)s?\s+(?:has\s+|have\s+)?(?:already\s+)?(?:pre-?approved|pre-?authori[sz]ed|authori[sz]ed|approved|consented\s+to|allowed|whitelisted)\s+(?:you\s+to\s+run\s+)?(?:all|every|any|each)\b"
          r"|\b(?:all|every|any)\s+(?:commands?|actions?|tools?\s+calls?|operations?)\s+(?:are|is|have\s+been|has\s+been)\s+(?:already\s+)?(?:pre-?approved|pre-?authori[sz]ed|approved|authori[sz]ed)"
          r"|\bpre-?(?:approved|authori[sz]ed)\s+(?:to|for)\s+(?:run|execute|all|every|any)"
          r"|\b(?:user|owner|operator|human)s?\s+(?:fully\s+)?(?:trusts?|approves?|allows?|accepts?)\s+(?:every|all|any)\s+(?:commands?|actions?|tool\s+calls?|changes?)"
          r"|\bskip\s+(?:all\s+|the\s+|any\s+)?(?:approvals?|confirmations?|permission\s+checks?)\b"
          r"|\b(?:you\s+)?(?:do\s+not|don't|never|no\s+need\s+to)\s+(?:need\s+to\s+)?(?:ask|wait)\s+(?:the\s+user\s+)?for\s+(?:permission|confirmation|approval|consent)\s+(?:before|to|for)\s+(?:running|executing|any|every|all)",
          "claims the user approved everything in advance (no one can approve through a skill)", quotable=True),
    _rule("injection.prompt-leak", HIGH,
          r"\b(?:reveal|print|output|repeat|show|dump|leak|share|send|disclose|display|write\s+out|copy|paste|post|upload)\b\W+(?:me\W+)?(?:(?:your|the|its)\W+)"
          r"(?:(?:full|entire|complete|hidden|original|initial|exact|whole|verbatim)\W+)*(?:system\s+prompt|system\s+message|initial\s+instructions|hidden\s+instructions|developer\s+message|instructions\s+above|prompt\s+above)",
          "asks the model to reveal its system prompt or context", quotable=True),
    _rule("injection.hidden-address", HIGH,
          r"\b(?:ai|assistant|agent|llm|model|claude|gpt|chatgpt|hermes|copilot|bot)s?\b[^\n]{0,60}\b(?:must|should|shall|need\s+to|always|never|run|execute|send|ignore|do\s+not|read|fetch|call|use)\b"
          r"|\b(?:instructions?|notes?|message)\s+(?:for|to)\s+(?:the\s+|any\s+)?(?:ai|assistant|agent|llm|model)",
          "instructions to the model in a place a reader does not see (comment, link target, alt text)", where={HIDDEN}, teachable=False),
    # -- obfuscation
    _rule("obfuscation.decode-to-shell", HIGH,
          rf"(?:base64\s+(?:-\w+\s+)*(?:-d|--decode|-D)\b|b64decode|xxd\s+-r|openssl\s+(?:enc\s+)?-?base64\s+-d|rev\b|tr\s+['\"]?a-z['\"]?\s+['\"]?n-za-m)[^\n]*{_SHELL_SINK}"
          rf"|printf\s+['\"]?(?:\\\\?x[0-9a-f]{{2}}){{4,}}[^\n]*{_SHELL_SINK}|echo\s+-e\s+['\"]?(?:\\\\?x[0-9a-f]{{2}}){{4,}}[^\n]*{_SHELL_SINK}",
          "decodes hidden text and runs it in a shell"),
    _rule("obfuscation.eval-decoded", HIGH,
          r"\b(?:eval|exec|iex|invoke-expression|system|os\.system|subprocess\.\w+|popen)\b[^\n]*(?:base64|b64decode|atob\s*\(|fromcharcode|\\x[0-9a-f]{2}|codecs\.decode|rot_?13|xxd\s+-r|unhexlify|bytes\.fromhex|frombase64string|zlib\.decompress|marshal\.loads|\bchr\s*\(\s*\w+\s*\)\s*for\b)"
          r"|(?:b64decode|frombase64string|atob|unhexlify|bytes\.fromhex)\s*\([^\n]*\)\s*\)?\s*(?:\|\s*iex|\.decode\(\)\s*\)\s*$)"
          r"|powershell[^\n]*\s-(?:e|enc|encodedcommand)\s+[a-z0-9+/=]{16,}",
          "runs code that was hidden by encoding (base64, hex, rot13, compressed)"),
    _rule("obfuscation.eval-pieces", HIGH, r"\beval\s+[\"']?(?:\$\{?\w+\}?){2,}|\$\{?\w+\}?\$\{?\w+\}?\s+-\w*r\w*f",
          "glues a command together from pieces and runs it (hides what runs)", needles=("$",)),
    _rule("obfuscation.eval-built", MEDIUM,
          rf"\beval\s+[\"']?\$(?!\(\s*(?:command\s+)?(?:{_SAFE_EVAL})\b)|\beval\s+[\"']?`|exec\s*\(\s*(?:compile\s*\(|['\"]{{2}}\.join|\w+\s*\+\s*\w+)|__import__\s*\(\s*['\"](?:os|subprocess|socket)['\"]\s*\)\s*\.\s*(?:system|popen|call|run)|\bnew\s+function\s*\(\s*\w",
          "evaluates a string built at run time (what runs cannot be read here)"),
    # -- persistence
    _rule("persistence.cron", MEDIUM, r"\|\s*crontab\s+(?:-\s*)?(?:$|[;&|)])|\bcrontab\s+-\s*$|>>?\s*/etc/cron|/var/spool/cron|\bcrontab\s+\S+\.(?:txt|cron)\b",
          "installs a cron job (runs again later, unattended)"),
    _rule("persistence.reboot", HIGH, r"@reboot\b", "a cron job that starts at every boot"),
    _rule("persistence.shell-rc", MEDIUM,
          rf"(?:>>|>|tee\s+(?:-a\s+)?|cat\s*>>?)\s*[\"']?(?:{_HOME}/\.(?:bashrc|zshrc|profile|bash_profile|zprofile|zshenv|bash_login|config/fish/config\.fish)|/etc/profile\.d/|/etc/(?:bash\.bashrc|profile|zsh/zshrc|environment)\b)",
          "changes a shell start-up file (runs in every new shell)"),
    _rule("persistence.shell-rc-payload", HIGH,
          rf"(?:{_NET}|base64|\bnc\b|/dev/tcp|\beval\b|\balias\s+(?:sudo|ls|cd|git|ssh)=)[^\n]*(?:>>|tee\s+-a)\s*[\"']?{_HOME}/\.(?:bashrc|zshrc|profile|bash_profile|zprofile|zshenv)",
          "puts a network call, an alias of a common command or encoded code into a shell start-up file"),
    _rule("persistence.authorized-keys", MEDIUM, r"(?:>>|>|tee|cat\s*>>|cp|echo)[^\n]*authorized_keys|authorized_keys[^\n]*(?:<<|>>)",
          "adds an SSH key to authorized_keys (a way in for whoever holds the key)"),
    _rule("persistence.authorized-keys-payload", HIGH,
          rf"(?:ssh-(?:rsa|ed25519|dss)\s+aaaa[a-z0-9+/]{{30,}}|ecdsa-sha2-\S+\s+aaaa[a-z0-9+/]{{30,}}|{_NET}|base64)[^\n]*authorized_keys",
          "adds a fixed or downloaded SSH key to authorized_keys (someone else gets in)", needles=("authorized_keys",)),
    _rule("persistence.service", MEDIUM,
          r"<key>\s*(?:runatload|keepalive|programarguments)\s*</key>|^\s*(?:execstart|wantedby)\s*=|systemctl\s+(?:--user\s+)?enable\b|\.config/systemd/user/|/etc/systemd/system/\S+\.(?:service|timer)|launchctl\s+(?:load|bootstrap|submit)|library/launch(?:agents|daemons)|/etc/init\.d/|/etc/rc\.local|schtasks\s+/create|currentversion\\\\run",
          "installs a service or start-up item (runs again later)"),
    _rule("persistence.agent-config", HIGH,
          r"skill_gate\s*=\s*false|auto_approve\s*=\s*true|hermes-tui\s+(?:--home\s+\S+\s+)?(?:pending\s+approve|skills\s+approve)|(?:\bls|\bcat|\bcp|\bmv|\brm|>)[^\n]*workbench/pending|"
          rf"(?:(?:^|[\s\d&])>>?\s*[\"']?[~/$]|\btee\b|write_text|open\([^)]*['\"][wa]|\bcp\b|\bmv\b|sed\s+-i|ln\s+-s)[^\n]*(?:(?:{_HOME}/\.hermes|\$hermes_home)/(?:config\.toml|\.env|memories|skills|soul\.md|workbench)|memories/(?:memory|user)\.md)",
          "changes the agent's own settings, memory, skills or approvals (only a person may)"),
    _rule("persistence.memory-instruction", MEDIUM,
          r"\b(?:call|use|run)\s+the\s+memory\s+tool\b[^.\n]{0,30}\b(?:save|add|store|remember|write)|\b(?:save|add|store|write)\s+(?:this|the\s+following)\s+(?:in|to|into)\s+(?:your\s+)?(?:memory|memory\.md|user\.md)",
          "tells the agent to write its long-term memory (it reaches every later session)", needles=("memory",)),
    _rule("persistence.other-skills", MEDIUM, rf"(?:(?:^|[\s\d&])>>?|\btee\b|\bcp\b|\bmv\b|write_text|sed\s+-i)[^\n]*(?:{_HOME}/\.(?:claude|codex|cursor|hermes)/(?:skills|commands|settings|rules)|\.claude/settings)",
          "writes into another agent's skills or settings"),
    _rule("persistence.git-hook", MEDIUM, r"(?:>>|>|tee|cp|mv|ln\s+-s|chmod)[^\n]*\.git/hooks/|core\.hookspath", "installs a git hook (runs on every commit or checkout)"),
    # -- destructive (the command guard's hard-deny rules run on code as well)
    _rule("destructive.rm-root", HIGH,
          rf"\brm\s+(?:-\w+\s+)*-\w*[rf]\w*\s+(?:-\w+\s+)*(?:--no-preserve-root\s+)?[\"']?(?:/|/\*|{_HOME}/?\*?|\$home/?\*?|\*)[\"']?(?:\s|$|;|&|\|)",
          "deletes the root, the home folder or everything in the current one"),
    _rule("destructive.code-rmtree", HIGH,
          r"(?:shutil\.rmtree|rmtree|fs\.rm(?:sync)?|rimraf(?:\.sync)?|fileutils\.rm_rf)\s*\(\s*(?:os\.path\.expanduser\(\s*['\"]~/?['\"]\s*\)|['\"](?:/|~/?|c:\\\\?)['\"]|(?:pathlib\.)?path\.home\(\)|os\.homedir\(\)|os\.environ\[['\"]home['\"]\]|dir\.home)",
          "deletes the home folder or the root from code", needles=("rmtree", "rmsync", "fs.rm", "rimraf", "rm_rf")),
    _rule("destructive.disk", HIGH, r"\bmkfs(?:\.\w+)?\s+/dev/|\bdd\s+[^\n]*of=/dev/(?:sd|hd|nvme|disk|vd|xvd|mmcblk)|\bwipefs\s+-a|\bshred\s+[^\n]*/dev/|>\s*/dev/sd[a-z]\b",
          "wipes a disk or partition"),
    _rule("destructive.fork-bomb", HIGH, r":\s*\(\s*\)\s*\{\s*:\s*\|\s*:\s*&\s*\}\s*;\s*:", "a fork bomb"),
    _rule("destructive.chmod-root", HIGH, rf"\bchmod\s+-r\s+(?:777|a\+rwx|0?000)\s+(?:/|{_HOME})(?:\s|$)", "opens or locks every file of the root or home"),
    _rule("destructive.cloud", MEDIUM,
          r"\bterraform\s+destroy\b[^\n]*-auto-approve|\baws\s+s3\s+(?:rb\s+[^\n]*--force|rm\s+[^\n]*--recursive)|\bkubectl\s+delete\s+(?:ns|namespace|all|--all)|\bgcloud\s+projects\s+delete|\baz\s+group\s+delete|\bdrop\s+(?:database|schema)\b|\bgit\s+push\s+[^\n]*(?:--force\b|-f\b)[^\n]*\b(?:main|master)\b|\bgit\s+clean\s+-[a-z]*f[a-z]*d[a-z]*x",
          "deletes cloud resources, databases or shared history"),
    # -- reverse shells and tunnels
    _rule("shell.dev-tcp", HIGH, r"/dev/(?:tcp|udp)/", "opens a raw network connection from the shell (reverse shell)"),
    _rule("shell.netcat-exec", HIGH, r"\b(?:nc|ncat|netcat)\b[^\n|;]*\s(?:-\w*e\w*|-c|--exec|--sh-exec)\s+\S*(?:sh|cmd|bash|python)|\bsocat\b[^\n]*\bexec:|mkfifo\b[^\n]*\b(?:nc|ncat|netcat|openssl\s+s_client|telnet)\b",
          "hands a shell to a network connection (reverse shell)"),
    _rule("shell.interactive", HIGH, r"\b(?:ba)?sh\s+-i\s*[>&<]+|\bsh\s+-i\s+2>&1\s*\|", "an interactive shell wired to a connection (reverse shell)"),
    _rule("shell.scripted", HIGH,
          r"socket\.socket[^\n]*(?:subprocess|pty\.spawn|os\.dup2)|os\.dup2\([^\n]*fileno|pty\.spawn\(\s*['\"]/bin/(?:ba)?sh|\bfsockopen\s*\(|tcpsocket\.(?:new|open)[^\n]*(?:exec|spawn|/bin/sh)|\buse\s+socket;[^\n]*exec|new-object\s+system\.net\.sockets\.tcpclient",
          "a scripted reverse shell (socket wired to a shell)"),
    _rule("shell.tunnel", MEDIUM,
          r"\bngrok\s+(?:tcp|tls)\b|\bssh\s+[^\n]*-\w*R\s*\d|\bchisel\s+(?:client|server)|\bfrpc\b|\bserveo\.net|\bbore\s+local\b|cloudflared\s+[^\n]*tunnel\s+--url\s+\S*:(?:22|3389)\b",
          "opens a tunnel into this machine from outside"),
    # -- supply chain
    _rule("supply.pipe-to-shell", MEDIUM,
          rf"\b(?:curl|wget|fetch|iwr|invoke-webrequest|irm|invoke-restmethod)\b[^|\n]*{_SHELL_SINK}|(?:ba|z)?sh\s+(?:-c\s+)?[\"']?(?:<\(|\$\()\s*(?:curl|wget)\b|\|\s*iex\b|iex\s*\(\s*(?:new-object|iwr|irm|invoke-webrequest)"
          r"|\b(?:curl|wget)\b[^|\n]*\|\s*(?:sudo\s+)?(?:python3?|perl|ruby|node)\s*(?:-\s*)?(?:$|[;&|])|\beval\s+[\"']?\$\(\s*(?:curl|wget)",
          "downloads a script and runs it at once (nothing is checked before it runs)"),
    _rule("supply.pipe-to-shell-risky", HIGH,
          rf"\b(?:curl|wget|iwr|irm)\b[^|\n]*{_RISKY_URL}[^|\n]*(?:{_SHELL_SINK}|\|\s*iex\b|\|\s*(?:sudo\s+)?(?:python3?|perl|ruby|node)\s*(?:-\s*)?(?:$|[;&|]))|\b(?:curl|wget)\b[^|\n]*\s(?:-k|--insecure|--no-check-certificate)\b[^|\n]*{_SHELL_SINK}",
          "downloads a script from an unencrypted, shortened, raw-IP or paste URL and runs it"),
    _rule("supply.download-exec", HIGH,
          rf"\b(?:curl|wget)\b[^\n]*{_RISKY_URL}[^\n]*(?:&&|;)\s*(?:sudo\s+)?(?:chmod\s+(?:-\w+\s+)*(?:[ugoa]*\+[rw]*x|0?[0-7]?[1357][0-7]{{2}})|(?:ba)?sh\s|\./|python3?\s|msiexec|start\s)",
          "downloads a program from an unencrypted, raw-IP or paste URL and runs it"),
    _rule("supply.odd-index", MEDIUM,
          r"\b(?:pip3?|uv\s+pip|python3?\s+-m\s+pip)\s+install\b[^\n]*(?:--index-url|-i|--extra-index-url)\s+(?!https://(?:pypi\.org|download\.pytorch\.org|pypi\.nvidia\.com|test\.pypi\.org))\S+"
          r"|\b(?:npm|yarn|pnpm)\s+(?:install|add|i)\b[^\n]*--registry\s+(?!https://registry\.(?:npmjs\.org|yarnpkg\.com))\S+",
          "installs packages from an unusual index (dependency confusion)"),
    _rule("supply.insecure-index", HIGH,
          rf"\b(?:pip3?|uv\s+pip|npm|yarn|pnpm|gem|cargo)\s+(?:install|add|i)\b[^\n]*(?:--trusted-host|{_RISKY_URL})",
          "installs packages over an unchecked connection or from a raw-IP or paste URL"),
    _rule("supply.install-url", LOW, r"\b(?:pip3?|uv\s+pip|npm|yarn|pnpm|gem)\s+(?:install|add|i)\b[^\n]*\s(?:git\+)?https://\S+",
          "installs a package straight from a URL (not a registry release)"),
    # -- social-engineering prerequisites
    _rule("social.protected-archive", HIGH,
          r"\b(?:unzip|7z|7za|7zz|unrar|rar)\b[^\n]*\s-p\S*|password[\s-]*(?:protected|encrypted)\s+(?:zip|archive|rar|7z|file)|\barchive\s+password\b|\bpassword\s*(?:is|:)\s*[\"'`]?infected\b",
          "a password-protected archive (hides its content from scanners)"),
    _rule("social.installer-first", HIGH,
          r"\b(?:first|before\s+(?:using|running|you\s+(?:use|run))\s+(?:this|the)\s+skill)\b[^\n]{0,80}\b(?:download|run|install|execute|open)\b[^\n]{0,120}https?://\S+\.(?:exe|msi|dmg|pkg|scr|bat|ps1|jar|appimage|apk|zip|run|bin)\b"
          r"|\b(?:download|run|install|execute)\s+(?:and\s+run\s+)?(?:the|this|our)\s+(?:installer|setup|helper|prerequisite|updater|loader)\s+(?:first|before)[^\n]{0,80}(?:https?://|\.exe|\.sh|\.dmg|\.pkg)",
          "asks to run a downloaded program before the skill (a classic malware lure)"),
    _rule("social.paste-command", HIGH,
          r"\b(?:paste|copy)\s+(?:and\s+run\s+)?(?:the\s+|this\s+)?(?:command|script|code|line)s?\s+(?:from|at|found\s+at)\s+https?://",
          "asks to paste a command fetched from a web page into a terminal (a lure)", needles=("paste", "copy")),
    _rule("social.password-prompt", MEDIUM, r"\benter\s+your\s+(?:password|passphrase|sudo\s+password)\s+(?:when|if)\s+(?:asked|prompted)",
          "asks for the user's password", needles=("password", "passphrase")),
    _rule("social.installer-hint", MEDIUM,
          r"\b(?:download|run|install|execute)\s+(?:and\s+run\s+)?(?:the|this|our)\s+(?:installer|setup\s+program|helper\s+binary|prerequisite|updater|loader)\s+(?:first|before)",
          "asks to run an installer before the skill works"),
    _rule("social.disable-protection", HIGH,
          r"\b(?:disable|turn\s+off|deactivate|switch\s+off|bypass)\s+(?:your\s+|the\s+)?(?:antivirus|anti-virus|defender|gatekeeper|sip|edr|windows\s+security|smartscreen|av\b|endpoint\s+protection|sandbox)"
          r"|spctl\s+--master-disable|xattr\s+-\w*d\w*\s+com\.apple\.quarantine|set-mppreference\s+-disable|csrutil\s+disable|add-mppreference\s+-exclusionpath",
          "asks to switch off a security protection"),
)

# Squeezed phrases (spaces, punctuation, leetspeak removed) that an evasion may hide.
_SQUEEZED = re.compile(
    r"ignore(?:all|any|the|your)?(?:previous|prior|above|earlier)(?:instructions|rules|prompts)|disregard(?:all|any|the)?(?:previous|prior|above)"
    r"|forget(?:all|every)(?:previous|prior)|(?:user|owner)(?:has)?(?:already)?preapproved|preapproved(?:all|every|any)(?:commands|command|actions)"
    r"|reveal(?:your|the)systemprompt|youarenowdan|developermodeenabled|donottelltheuser|donttelltheuser"
)
_EVASION_HINT = re.compile(r"(?:\b[a-z0-9]\W+){4}|[a-z][0-9@$!|][a-z]|\b[0-9@$!|][a-z]{2}|[a-z][._*~^-][a-z][._*~^-][a-z]")  # spaced, leet, dotted
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i", "|": "i"})

# Words that say a line talks ABOUT an attack (for injection phrases) ...
_TALK = re.compile(
    r"\b(?:detect\w*|e\.g\.|eg\.|i\.e\.|for\s+example|for\s+instance|examples?\b(?!\.)|such\s+as|patterns?|attack\w*|malicious|injection|jailbreak\w*"
    r"|red\s+flags?|watch\s+(?:out\s+)?for|look\s+for|beware|suspicious|phrases?\s+like|like\s+this|flag\w*|scan\w*|refuse\w*|reject\w*|adversar\w*"
    r"|payloads?|test\s+cases?|red[\s-]team\w*|classif\w*|guardrail\w*|filter\w*|sanitiz\w*|defen[cs]\w*|mitigat\w*|threat\w*|exploit\w*|vulnerab\w*"
    r"|quot\w*|contains?|says?|phrased?)",
    re.I,
)
# ... and words that warn against a command shown (for commands).
_WARN = re.compile(
    r"\b(?:never|do\s+not|don't|dont|must\s+not|avoid\w*|dangerous|danger|warning|bad:|wrong:|anti-?pattern|unsafe|insecure|instead\s+of"
    r"|detect\w*|e\.g\.|for\s+example|such\s+as|malicious|attack\w*|red\s+flags?|watch\s+(?:out\s+)?for|suspicious|vulnerab\w*|exploit\w*|threat\w*"
    r"|pitfalls?|mistakes?|gotchas?|defeats?|wrong|careful|caution|risky|destroy\w*|deletes?\s+(?:from|every|all)|overwrites?)"
    r"|❌|⚠",
    re.I,
)
_URL = re.compile(r"(?:https?|ftp)://\S+|\b[\w.-]+\.(?:com|net|org|io|dev|sh|example)\b\S*", re.I)
_SECURITY_TOPIC = re.compile(
    r"\b(?:security|secure|pentest\w*|penetration|red[\s-]team|malware|forensic\w*|vulnerab\w*|exploit\w*|threat|ctf|injection|jailbreak|audit\w*|hardening|guardrail\w*|incident|detection|reverse\s+engineering|osint)\b",
    re.I,
)
_QUOTED_SPAN = re.compile(r"\"[^\"\n]{3,}\"|'[^'\n]{6,}'|`[^`\n]+`|“[^”\n]+”|«[^»\n]+»")


# -- folding ----------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _lookalikes() -> dict[int, str]:
    from hermes_tui.core.guard import commands

    return commands._LOOKALIKES  # the guard's table of Cyrillic/Greek look-alikes and dashes


def fold(text: str) -> str:
    """What the rules read: no invisible characters, NFKC, ASCII look-alikes, lower case."""
    return unicodedata.normalize("NFKC", strip_invisible(text)).translate(_lookalikes()).casefold()


def squeeze(folded: str) -> str:
    """Letters only, leetspeak undone: what a spaced-out or punctuated phrase reads."""
    return re.sub(r"[^a-z]", "", folded.translate(_LEET))


# -- segments: what the reader sees and what they do not --------------------------------
@dataclass(frozen=True)
class _Segment:
    text: str  # raw text (for excerpts)
    line: int
    where: str  # prose | code | hidden
    quoted: bool = False  # in quotes or a code block (an injection phrase shown, not said)
    talk: bool = False  # the lines before it or its heading talk about attacks
    warn: bool = False  # ... or warn against what follows
    note: str = ""  # how it was found (e.g. "decoded from base64")
    block: int = 0  # the code block it is in (0: none): findings of one block are read together

    def teaching(self, rest: str, quotable: bool) -> bool:
        """Whether the finding teaches: its context, or the rest of its own line (without the match)."""
        rx = _TALK if quotable else _WARN
        return (self.talk if quotable else self.warn) or rx.search(_URL.sub(" ", rest)) is not None


_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})\s*([\w+-]*)")
_COMMENT = re.compile(r"<!--(.*?)-->", re.S)
_LINK = re.compile(r"(!?)\[([^\]\n]*)\]\(\s*<?([^)\s>]*)>?(?:\s+[\"'(]([^\n\"')]*)[\"')])?\s*\)")
_REF_LINK = re.compile(r"^\s{0,3}\[([^\]\n]+)\]:\s*(\S+)(?:\s+[\"'(]([^\n]*)[\"')])?\s*$")
_HTML_ALT = re.compile(r"<img\b[^>]*\balt\s*=\s*[\"']([^\"']*)[\"']", re.I)
_HTML_TITLE = re.compile(r"\btitle\s*=\s*[\"']([^\"']{12,})[\"']", re.I)
_INLINE_CODE = re.compile(r"`([^`\n]+)`")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s")
_CODE_SUFFIXES = {".sh", ".bash", ".zsh", ".py", ".js", ".mjs", ".cjs", ".ts", ".rb", ".pl", ".php", ".ps1", ".bat", ".cmd",
                  ".fish", ".lua", ".go", ".rs", ".java", ".yaml", ".yml", ".json", ".toml", ".cfg", ".ini", ".conf", ".plist",
                  ".service", ".timer", ".desktop", ".applescript", ".swift", ".c", ".h", ".cpp"}
_MARKDOWN_SUFFIXES = {".md", ".markdown", ".mdx", ".txt", ".rst", ""}


@lru_cache(maxsize=256)
def _read_as_code(file: str) -> bool:
    """Whether a file of this name is read as code (every line), not as Markdown."""
    suffix = PurePosixPath(file).suffix.lower()
    return suffix in _CODE_SUFFIXES or (suffix not in _MARKDOWN_SUFFIXES and not file.lower().endswith("skill.md"))


def _segments(text: str, file: str) -> list[_Segment]:
    lines = text.splitlines()
    context = _Context(lines)
    if _read_as_code(file):
        return [_Segment(line, i, CODE, block=1, **context(i - 1)) for i, line in enumerate(_logical(lines), 1) if line.strip()]
    out: list[_Segment] = []
    fence: str | None = None
    blocks = 0
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        m = _FENCE.match(line)
        if m and (fence is None or m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence)):
            fence = m.group(1) if fence is None else None
            blocks += fence is not None
            continue
        if not line.strip():
            continue
        teaching = context(i - 1)
        if fence is not None:
            first = i
            while line.rstrip().endswith("\\") and i < len(lines) and not _FENCE.match(lines[i]):
                line = line.rstrip()[:-1] + " " + lines[i].strip()  # a command continued on the next line
                i += 1
            out.append(_Segment(line, first, CODE, quoted=True, block=blocks, **teaching))
            continue
        visible = _COMMENT.sub(" ", line)
        for m in _LINK.finditer(line):
            if m.group(1) and m.group(2).strip():
                out.append(_Segment(m.group(2), i, HIDDEN, note="image alt text"))
            target = _unquote(m.group(3))
            if target and not target.startswith("#"):
                out.append(_Segment(target, i, HIDDEN, note="link target"))
            if m.group(4):
                out.append(_Segment(m.group(4), i, HIDDEN, note="link title"))
        ref = _REF_LINK.match(line)
        if ref:
            out.append(_Segment(_unquote(ref.group(2)) + " " + (ref.group(3) or ""), i, HIDDEN, note="link reference"))
            if ref.group(1).strip() in ("//", "comment", "_"):
                visible = ""
        for rx, note in ((_HTML_ALT, "image alt text"), (_HTML_TITLE, "title attribute")):
            out.extend(_Segment(m.group(1), i, HIDDEN, note=note) for m in rx.finditer(line))
        quoted = bool(_QUOTED_SPAN.search(visible)) or visible.lstrip().startswith(">")
        out.append(_Segment(visible, i, PROSE, quoted=quoted, **teaching))
        if "`" in visible:  # inline code: its own line's words count as its context
            plain = _URL.sub(" ", _INLINE_CODE.sub(" ", visible))
            own = {"talk": teaching["talk"] or bool(_TALK.search(plain)), "warn": teaching["warn"] or bool(_WARN.search(plain))}
            out.extend(_Segment(m.group(1), i, CODE, quoted=True, **own) for m in _INLINE_CODE.finditer(visible))
    for m in _COMMENT.finditer(text):  # comments may span lines
        line_no = text.count("\n", 0, m.start()) + 1
        body = m.group(1).strip()
        if body:
            out.append(_Segment(body, line_no, HIDDEN, note="HTML comment"))
    return out


def _logical(lines: list[str]) -> list[str]:
    """Lines with ``\\`` continuations joined onto their first line (later ones left empty)."""
    out = list(lines)
    i = 0
    while i < len(out):
        j = i
        while out[i].rstrip().endswith("\\") and j + 1 < len(out):
            j += 1
            out[i] = out[i].rstrip()[:-1] + " " + out[j].strip()
            out[j] = ""
        i = j + 1
    return out


def _unquote(target: str) -> str:
    from urllib.parse import unquote

    return unquote(target)


class _Context:
    """What the two lines before a line (0-based) and its section heading say:
    ``talk`` (they discuss attacks: ``detect``, ``e.g.``, ``phrases like`` ...) and
    ``warn`` (they warn against what follows: ``never``, ``do not``, ``dangerous`` ...)."""

    def __init__(self, lines: list[str]) -> None:
        plain = [_URL.sub(" ", line) if line.strip() else "" for line in lines]
        self.flags = [(bool(_TALK.search(t)), bool(_WARN.search(t))) if t else (False, False) for t in plain]
        self.section: list[tuple[bool, bool]] = []
        current = (False, False)
        for line, flags in zip(lines, self.flags):
            if _HEADING.match(line):
                current = flags
            self.section.append(current)

    def __call__(self, index: int) -> dict[str, bool]:
        before = self.flags[max(index - 2, 0) : index]
        talk = any(t for t, _ in before) or self.section[index][0]
        warn = any(w for _, w in before) or self.section[index][1]
        return {"talk": talk, "warn": warn}


# -- encoded payloads -------------------------------------------------------------------
_B64 = re.compile(r"(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/]{20,}={0,2}(?![A-Za-z0-9+/=_-])")
_HEX_ESCAPES = re.compile(r"(?:\\x[0-9a-fA-F]{2}){6,}")
_HEX_RUN = re.compile(r"(?<![0-9a-fA-F])(?:[0-9a-fA-F]{2}){12,}(?![0-9a-fA-F])")


def _decoded(text: str) -> Iterator[tuple[str, str]]:
    """(decoded text, how) for each base64 or hex run in ``text`` that decodes to readable text."""
    for m in _B64.finditer(text):
        blob = m.group()
        if blob.isalnum() and (blob.isalpha() or blob.isdigit()):
            continue  # a long word or number
        try:
            raw = base64.b64decode(blob + "=" * (-len(blob) % 4), validate=True)
        except (binascii.Error, ValueError):
            continue
        plain = _readable(raw)
        if plain:
            yield plain, "decoded from base64"
    for m in _HEX_ESCAPES.finditer(text):
        plain = _readable(bytes(int(h, 16) for h in re.findall(r"\\x([0-9a-fA-F]{2})", m.group())))
        if plain:
            yield plain, "decoded from hex escapes"
    for m in _HEX_RUN.finditer(text):
        if re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}|[0-9a-f]{32}", m.group().lower()):
            continue  # a git SHA or a digest
        plain = _readable(bytes.fromhex(m.group()))
        if plain:
            yield plain, "decoded from hex"


def _readable(raw: bytes) -> str | None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    printable = sum(ch.isprintable() or ch in "\n\t" for ch in text)
    letters = sum(ch.isalpha() for ch in text)
    if len(text) < 8 or printable < 0.95 * len(text) or letters < 0.25 * len(text) or " " not in text.strip():
        return None
    return text


# -- invisible characters ---------------------------------------------------------------
_TAG = re.compile("[\U000e0000-\U000e007f]+")
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\u2061-\u2064\ufeff\u180e\u00ad\u034f\u115f\u1160\u3164\uffa0]")
_MARKS = re.compile("[\u200e\u200f\u061c]")
_SELECTORS = re.compile("[\ufe00-\ufe0e\U000e0100-\U000e01ef]+")


def _emoji_context(text: str, start: int, end: int) -> bool:
    """A joiner or selector between emoji/symbols (👨‍💻, ❤️) is how emoji are written."""
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    return any(ch and unicodedata.category(ch) in ("So", "Sk", "Sm") for ch in (before, after)) or (
        ord(before or "a") >= 0x1F000 or ord(after or "a") >= 0x1F000
    )


def _invisible_findings(text: str, file: str) -> Iterator[Finding]:
    for line_no, line in enumerate(text.splitlines(), 1):
        if line.isascii():
            continue
        for m in _TAG.finditer(line):
            hidden = "".join(chr(ord(c) - 0xE0000) for c in m.group() if 0xE0020 <= ord(c) <= 0xE007E)
            yield Finding("unicode.tag-text", "invisible-unicode", HIGH, file, line_no, _cut(f"hidden text: {hidden}"),
                          "Unicode Tag characters spell text a reader cannot see (shown decoded)")
        if _BIDI.search(line):
            yield Finding("unicode.bidi", "invisible-unicode", HIGH, file, line_no, _excerpt(line),
                          "bidi controls reorder what a reader sees (Trojan Source)")
        zero = [m for m in _ZERO_WIDTH.finditer(line) if not (m.group() == "\u200d" and _emoji_context(line, m.start(), m.end()))]
        if zero:
            yield Finding("unicode.zero-width", "invisible-unicode", MEDIUM if len(zero) < 3 else HIGH, file, line_no, _excerpt(line),
                          f"{len(zero)} zero-width character(s) hide text between visible letters")
        for m in _SELECTORS.finditer(line):
            if len(m.group()) == 1 and _emoji_context(line, m.start(), m.end()):
                continue
            yield Finding("unicode.selectors", "invisible-unicode", HIGH if len(m.group()) > 2 else MEDIUM, file, line_no,
                          _excerpt(line), "variation selectors that carry no visible change (a way to smuggle data)")
        if _MARKS.search(line) and not re.search("[\u0590-\u08ff]", line):
            yield Finding("unicode.direction-mark", "invisible-unicode", MEDIUM, file, line_no, _excerpt(line),
                          "direction marks in text without right-to-left script")


# -- the scan ---------------------------------------------------------------------------
def _excerpt(text: str, start: int = 0) -> str:
    shown = reveal_invisible(text.strip())
    return _cut(shown, start)


def _cut(text: str, start: int = 0) -> str:
    flat = " ".join(text.split())
    if len(flat) <= EXCERPT_CHARS:
        return flat
    begin = max(0, min(start - 40, len(flat) - EXCERPT_CHARS))
    return ("…" if begin else "") + flat[begin : begin + EXCERPT_CHARS - 1] + "…"


def _lower(severity: str, steps: int) -> str:
    return SEVERITIES[max(_RANK[severity] - steps, 0)]


def _apply_rules(seg: _Segment, file: str, security_topic: bool, depth: int = 0) -> Iterator[Finding]:
    folded = fold(seg.text)
    hits = 0
    for rule in RULES:
        if seg.where not in rule.where:
            continue
        m = rule.search(folded)
        if m is None:
            continue
        hits += 1
        rest = folded[: m.start()] + " " + folded[m.end() :]
        yield _finding(rule.id, rule.category, rule.severity, rule.explanation, seg, file, security_topic,
                       teachable=rule.teachable, quotable=rule.quotable, start=m.start(), rest=rest)
    if hits == 0 and seg.where != CODE and _EVASION_HINT.search(folded) and _SQUEEZED.search(squeeze(folded)):
        yield _finding("injection.spaced-out", "prompt-injection", HIGH,
                       "an injection phrase hidden by spacing, punctuation or leetspeak", seg, file, security_topic,
                       teachable=False, quotable=False)
    if seg.where == CODE and depth == 0:
        expanded = _expand_variables(seg.text)
        if expanded != seg.text:
            inner = _Segment(expanded, seg.line, CODE, quoted=seg.quoted, talk=seg.talk, warn=seg.warn, note="with its variables expanded", block=seg.block)
            yield from _apply_rules(inner, file, security_topic, depth + 1)
            yield from _guard_findings(inner, file, security_topic)
    if depth == 0:
        for plain, how in _decoded(seg.text):
            inner = _Segment(plain, seg.line, CODE if seg.where == CODE else PROSE, note=how)
            found = [f for f in _apply_rules(inner, file, False, depth + 1) if f.severity != LOW]
            for f in found:
                yield f
            if found:
                yield Finding("obfuscation.encoded-payload", "obfuscation", HIGH, file, seg.line,
                              _cut(f"{how}: {reveal_invisible(plain)}"), f"encoded text hides {found[0].category} ({found[0].id})")


_ASSIGNMENT = re.compile(r"(?:^|[\s;&|(])([A-Za-z_]\w*)=(?:\"([^\"$`]*)\"|'([^']*)'|([^\s;&|'\"`$()]*))")


def _expand_variables(text: str) -> str:
    """``a=rm; $a -rf ~`` read as ``rm -rf ~``: plain assignments on the line put in place."""
    if "=" not in text or "$" not in text:
        return text
    values = {m.group(1): next(g for g in m.groups()[1:] if g is not None) for m in _ASSIGNMENT.finditer(text)}
    if not values:
        return text
    return re.sub(r"\$\{?([A-Za-z_]\w*)\}?", lambda m: values.get(m.group(1), m.group()), text)


def _finding(rule_id: str, category: str, severity: str, explanation: str, seg: _Segment, file: str, security_topic: bool,
             *, teachable: bool, quotable: bool, start: int = 0, rest: str = "") -> Finding:
    if seg.where == HIDDEN:
        severity = HIGH if category == "prompt-injection" else severity
        explanation = f"{explanation} (in {seg.note})"
    elif teachable:
        steps = int(seg.teaching(rest, quotable)) + int(quotable and seg.quoted) + int(security_topic)
        severity = _lower(severity, steps)
    if seg.note and seg.where != HIDDEN:
        explanation = f"{explanation} ({seg.note})"
    excerpt = _excerpt(seg.text, start) if not seg.note or seg.where == HIDDEN else _cut(f"{seg.note}: {seg.text}", start)
    return Finding(rule_id, category, severity, file, seg.line, excerpt, explanation)


_FRONT_FIELD = re.compile(r"^(name|description)\s*:\s*(.+)$", re.M)


def _topic(text: str) -> bool:
    """Whether a skill's name or description says it is about security."""
    head = text[:3000]
    if not head.lstrip().startswith("---"):
        return False
    fields = " ".join(m.group(2) for m in _FRONT_FIELD.finditer(head.split("\n---", 2)[0] if "\n---" in head else head))
    return bool(_SECURITY_TOPIC.search(fields))


_GUARD_HINT = re.compile(r"\b(?:rm|mkfs(?:\.\w+)?|dd|chmod|chown|mv|wipefs|shred|find)\b|:\s*\(\s*\)")


def _guard_findings(seg: _Segment, file: str, security_topic: bool) -> Iterator[Finding]:
    """The command guard's hard-deny rules on a line of code that reads as a command."""
    from hermes_tui.core.guard.commands import classify_command

    text = seg.text.strip().lstrip("$#> ").strip()
    if not text or len(text) > 400 or not _GUARD_HINT.search(text) or not re.match(r"^(?:sudo\s+)?[a-z_./:({]", text):
        return
    verdict = classify_command(text)
    if verdict.denied and verdict.rule not in ("gate-self-approval", "shutdown"):
        yield _finding(f"destructive.{verdict.rule}", "destructive", HIGH, verdict.reason, seg, file, security_topic,
                       teachable=True, quotable=False, rest=fold(text))


def scan_text(text: str, file: str = "SKILL.md", *, security_topic: bool | None = None) -> ScanReport:
    """Scan one file's text. ``file`` names it in findings and says how to read it
    (Markdown, or code for scripts). For many texts, :func:`nothing_to_find` first."""
    return ScanReport.of(_scan(text, file, security_topic))


_PAYLOAD_CATEGORIES = frozenset({"exfiltration", "reverse-shell", "supply-chain", "obfuscation", "prompt-injection"})


def _scan(text: str, file: str, security_topic: bool | None = None) -> list[Finding]:
    if security_topic is None:
        security_topic = _topic(text)
    findings = list(_invisible_findings(text, file))
    blocks: dict[int, list[Finding]] = {}
    for seg in _segments(text, file):
        found = list(_apply_rules(seg, file, security_topic))
        if seg.where == CODE:
            found.extend(_guard_findings(seg, file, security_topic))
        findings.extend(found)
        if seg.block:
            blocks.setdefault(seg.block, []).extend(found)
    lines: dict[int, list[Finding]] = {}
    for f in findings:
        if f.line:
            lines.setdefault(f.line, []).append(f)
    escalated = [f for group in [*blocks.values(), *lines.values()] for f in _escalate(group)]
    return findings + escalated


def _escalate(block: list[Finding]) -> list[Finding]:
    """Persistence that installs a network call, a shell or a download in the same code
    block (or script) is a backdoor: the persistence findings are raised to high."""
    if not any(f.category in _PAYLOAD_CATEGORIES and f.severity != LOW for f in block):
        return []
    return [
        Finding(f.id, f.category, HIGH, f.file, f.line, f.excerpt, f"{f.explanation}; what it installs calls out or runs a download")
        for f in block
        if f.category == "persistence" and f.severity == MEDIUM
    ]


# -- the quick check: text no rule can match is safe without the full scan ---------------
# Each rule's pattern (and its hints) is read once for the literal strings any match must
# contain, as a tree of AND / OR (``ignore`` or ``disregard`` ..., and ``instruction`` or
# ``rules`` ...; whitespace as one space, the text's runs of whitespace read as one space
# too). One regex of a "key" string per way a rule can match finds whether any may; only
# then are the trees checked, and only a text some rule may match is scanned in full.
# This is exact only where every segment the scan reads is a piece of the folded text,
# so a text holding anything the scan transforms first is always scanned in full:
# characters folding changes (anything but ASCII and plain CJK), Markdown that makes
# hidden segments (comments, links, <img>, title=), line continuations, variables,
# base64 / hex runs, code with a word the command guard reads, a squeezed evasion.
_QUICK_CHARS = re.compile(r"[^\x00-\x7f\u3041-\u3096\u30a1-\u30fa\u4e00-\u9fff\uac00-\ud7a3]")
_CLASS_CHARS = 12  # a character class of more characters is no requirement
_EDGE = "\x00"  # a word edge (\b) in a required string: only ever searched for as a regex
_EXACT_STRINGS = 64  # a run of items matching more strings is cut

Need = Any  # None (nothing required) | str (present) | ("and" | "or", tuple[Need, ...])


def _all_of(needs: list[Need]) -> Need:
    needs = [n for n in dict.fromkeys(needs) if n is not None]
    return None if not needs else needs[0] if len(needs) == 1 else ("and", tuple(needs))


def _one_of(needs: list[Need]) -> Need:
    if not needs or any(n is None for n in needs):
        return None
    needs = list(dict.fromkeys(needs))
    return needs[0] if len(needs) == 1 else ("or", tuple(needs))


def _class(items: Any) -> set[str] | None:
    """The characters a class matches (lower case, whitespace as " "), None when too many or unknown."""
    from re import _constants as c  # type: ignore[attr-defined]

    chars: set[str] = set()
    for op, arg in items:
        if op == c.LITERAL and arg < 128:
            chars.add(" " if chr(arg).isspace() else chr(arg).lower())
        elif op == c.RANGE and arg[1] < 128 and arg[1] - arg[0] < _CLASS_CHARS:
            chars.update(" " if chr(o).isspace() else chr(o).lower() for o in range(arg[0], arg[1] + 1))
        elif op == c.CATEGORY and arg == c.CATEGORY_SPACE:
            chars.add(" ")
        else:  # a negation, another category, a non-ASCII character, a wide range
            return None
    return chars if len(chars) <= _CLASS_CHARS else None


def _join(a: str, b: str) -> str:
    joined = a + b[1:] if a.endswith(" ") and b.startswith(" ") else a + b  # whitespace runs are one space
    return joined.replace(_EDGE + _EDGE, _EDGE)


def _product(left: set[str], right: set[str]) -> set[str] | None:
    out = {_join(a, b) for a in left for b in right}
    return out if len(out) <= _EXACT_STRINGS else None


def _exact(op: Any, arg: Any) -> set[str] | None:
    """The strings one pattern item matches, when they are few (lower case, whitespace
    runs as one space); None otherwise."""
    from re import _constants as c  # type: ignore[attr-defined]

    if op == c.LITERAL:
        return {" " if chr(arg).isspace() else chr(arg).lower()} if arg < 128 else None
    if op == c.AT and arg == c.AT_BOUNDARY:
        return {_EDGE}
    if op in (c.AT, c.ASSERT, c.ASSERT_NOT):
        return {""}  # zero width
    if op == c.IN:
        return _class(arg)
    if op in _repeats() and arg[1] <= 1:  # x? (or x{1})
        inner = _exact_seq(arg[2])
        return None if inner is None else inner | ({""} if arg[0] == 0 else set())
    if op in _repeats() and len(arg[2]) == 1 and arg[2][0][0] == c.IN and _class(arg[2][0][1]) == {" "}:
        return {" "} if arg[0] >= 1 else {"", " "}  # \s+ / \s*: one space in the text as read
    if op == c.SUBPATTERN and not arg[1] and not arg[2]:
        return _exact_seq(arg[3])
    if op == c.BRANCH:
        alts = [_exact_seq(alt) for alt in arg[1]]
        if any(a is None for a in alts):
            return None
        out = set().union(*alts)  # type: ignore[arg-type]
        return out if len(out) <= _EXACT_STRINGS else None
    return None


def _exact_seq(items: Any) -> set[str] | None:
    out: set[str] | None = {""}
    for op, arg in items:
        part = _exact(op, arg)
        out = None if part is None or out is None else _product(out, part)
        if out is None:
            return None
    return out


@lru_cache(maxsize=1)
def _repeats() -> tuple[Any, ...]:
    from re import _constants as c  # type: ignore[attr-defined]

    return (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", c.MAX_REPEAT))


def _needs(items: Any) -> Need:
    """What a match of a parsed pattern must contain. Sound: when in doubt, require less.
    Runs of items with few exact strings become an OR of those strings ("https?://" is
    "http://" or "https://"); other items add what they need themselves."""
    from re import _constants as c  # type: ignore[attr-defined]

    parts: list[Need] = []
    exact: set[str] = {""}

    def flush() -> None:
        nonlocal exact
        if all(_size(s) for s in exact):  # a string that is empty or a space requires nothing
            parts.append(_one_of(sorted(exact)))
        exact = {""}

    for op, arg in items:
        part = _exact(op, arg)
        if part is not None:
            joined = _product(exact, part)
            if joined is None:
                flush()
                joined = part
            exact = joined
            continue
        flush()
        if op in _repeats() and arg[0] >= 1:
            parts.append(_needs(arg[2]))
        elif op == c.SUBPATTERN and not arg[1] and not arg[2]:  # a group without inline flags
            parts.append(_needs(arg[3]))
        elif op == getattr(c, "ATOMIC_GROUP", None):
            parts.append(_needs(arg))
        elif op == c.BRANCH:
            parts.append(_one_of([_needs(alt) for alt in arg[1]]))
        # anything else (ANY, NOT_LITERAL, references, a non-ASCII literal, an optional part): nothing
    flush()
    return _all_of(parts)


def _keys(need: Need) -> frozenset[str]:
    """Strings one of which any text meeting ``need`` holds: the best child of an AND
    (its shortest key the longest), every child of an OR."""
    if isinstance(need, str):
        return frozenset([need])
    kind, children = need
    keys = [_keys(child) for child in children]
    if kind == "or":
        return frozenset().union(*keys)
    return min(keys, key=_odds)


def _odds(keys: frozenset[str]) -> float:
    """How likely ordinary text holds one of ``keys``, roughly (English letter frequencies;
    digits and punctuation rarer)."""
    return sum(math.prod(_char_odds(ch) for ch in key) for key in keys)


def _char_odds(ch: str) -> float:
    rank = _LETTER_ORDER.find(ch)
    return 1.0 if ch == _EDGE else 0.15 if rank == 0 else 0.07 if 0 < rank <= 10 else 0.02 if rank > 10 else 0.005


def _size(key: str) -> int:
    """How telling a key is: its characters besides spaces and word edges."""
    return len(key.replace(_EDGE, "").replace(" ", ""))


def _regex(strings: Iterable[str]) -> str:
    """A regex of any of ``strings`` (a word edge as ``\\b``)."""
    return "|".join(r"\b".join(map(re.escape, s.split(_EDGE))) for s in sorted(strings, key=len, reverse=True))


def _held(need: Need, text: str) -> bool:
    kind, children = need
    if kind == "in":
        return children in text
    if kind == "rx":  # an OR of strings, as one regex (made when first needed: most never are)
        return _one_regex(children).search(text) is not None
    if kind == "or":
        for child in children:
            if _held(child, text):
                return True
        return False
    for child in children:
        if not _held(child, text):
            return False
    return True


def _compiled(need: Need) -> Need:
    """``need`` ready to check: each AND's children in the order that fails soonest (the
    longest keys first), each OR of plain strings one regex ("rx")."""
    if isinstance(need, str):
        return ("rx", (need,)) if _EDGE in need else ("in", need)
    kind, children = need
    if kind == "or" and all(isinstance(c, str) for c in children):
        return ("rx", tuple(_fewest(children)))
    if kind == "and":
        children = tuple(sorted(children, key=lambda c: _odds(_keys(c))))
    return (kind, tuple(map(_compiled, children)))


_LETTER_ORDER = " etaoinshrdlcumwfgypbvkjxqz"  # English, most frequent first
_GROUPS = 3


@lru_cache(maxsize=1)
def _quick() -> tuple[tuple[re.Pattern[str], ...], dict[str, tuple[Need, ...]]]:
    """The key regexes, and per key the needs of the rules it shows may match (rules that
    read hidden segments only are left out: the quick check is never taken for a text
    with hidden segments). ``((), {})`` when some rule requires nothing (then no text is
    cleared). Built once, in about 0.2 s."""
    from re import _parser as parser  # type: ignore[attr-defined]

    needs, own_keys = [], []
    for rule in RULES:
        if rule.where == frozenset({HIDDEN}):
            continue
        pattern = _needs(parser.parse(rule.pattern.pattern, rule.pattern.flags))
        hints = [_needs(parser.parse(h.pattern, h.flags)) for h in (rule.needles, rule.also) if h is not None]
        needs.append(_all_of([pattern, *hints]))
        # Keys from the pattern: a rule's hints are common words ("user"), its phrases are not.
        own_keys.append(_keys(pattern) if pattern is not None else None)
    if any(n is None for n in [*needs, *own_keys]):  # a rule that requires nothing: no text could be cleared
        return (), {}
    # A rule that matches holds one of its keys, so every listed key inside one of them
    # (word edges dropped: requiring less is always safe). The list holds no key inside
    # another, so no two keys start at one place of a text: searching on from each key
    # found finds every key a text holds.
    plain = [frozenset(k.replace(_EDGE, "") for k in own) for own in own_keys]
    keys = _fewest(frozenset().union(*plain))
    known = frozenset(keys)
    shown = [frozenset(k for mine in own for k in _inside(mine, known)) for own in plain]
    # Three regexes, each for the keys starting with a third of the characters (common and
    # rare ones spread): the engine skips the places where no key of a regex starts.
    heads = sorted({k[0] for k in keys}, key=lambda ch: (_LETTER_ORDER.find(ch) % 99, ch))
    groups = [set(heads[i::_GROUPS]) for i in range(_GROUPS)]
    regexes = tuple(re.compile(_trie([k for k in keys if k[0] in group])) for group in groups if group)
    compiled = [_compiled(need) for need in needs]
    return regexes, {key: tuple(need for own, need in zip(shown, compiled) if key in own) for key in keys}


def _every(regex: re.Pattern[str], text: str) -> Iterator[str]:
    """Every match of ``regex`` at every place of ``text`` (overlapping ones too)."""
    pos = 0
    while (found := regex.search(text, pos)) is not None:
        yield found.group()
        pos = found.start() + 1


@lru_cache(maxsize=1)
def _squeezed_need() -> Need:
    """What a squeezed phrase needs (the evasion check's regex, read like a rule's)."""
    from re import _parser as parser  # type: ignore[attr-defined]

    need = _needs(parser.parse(_SQUEEZED.pattern, _SQUEEZED.flags))
    return ("in", "") if need is None else _compiled(need)


@lru_cache(maxsize=None)
def _one_regex(strings: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(_trie(list(strings)))


def _inside(string: str, strings: "set[str] | frozenset[str]") -> Iterator[str]:
    """The members of ``strings`` that ``string`` holds."""
    return (string[i:j] for i in range(len(string)) for j in range(i + 1, len(string) + 1) if string[i:j] in strings)


def _fewest(strings: Iterable[str]) -> list[str]:
    """``strings`` without those holding a shorter one (which is present whenever they are)."""
    kept: set[str] = set()
    for string in sorted(strings, key=lambda k: (len(k), k)):
        if next(_inside(string, kept), None) is None:
            kept.add(string)
    return sorted(kept)


def _trie(keys: list[str]) -> str:
    """One regex matching any of ``keys`` (none a prefix of another), as a trie: at each
    position of the text the regex tries only the keys starting with its character."""
    heads: dict[str, list[str]] = {}
    for key in keys:
        heads.setdefault(key[0], []).append(key[1:])
    alts = [_regex([h]) + (f"(?:{_trie(rest)})" if rest != [""] else "") for h, rest in sorted(heads.items())]
    return alts[0] if len(alts) == 1 else "|".join(alts)


_SPACE_ASCII = {c: " " for c in range(128) if chr(c).isspace()}
_RUN = re.compile(r"[A-Za-z0-9+/]{20}")  # where a base64 or hex run may start (the scan decodes those)
_TITLE_ATTRIBUTE = re.compile(r"title\s*=")
_SQUEEZE_ASCII = {c: _LEET.get(c, chr(c) if 97 <= c <= 122 else None) for c in range(128)}


def nothing_to_find(text: str, file: str = "SKILL.md") -> bool:
    """True only when :func:`scan_text` would find nothing at all in ``text`` (no rule
    can match it); False means "scan it". Much cheaper than the scan on ordinary text."""
    if _QUICK_CHARS.search(text) or "\\" in text or "<!--" in text or "](" in text or "]:" in text:
        return False
    if ("$" in text and "=" in text) or _RUN.search(text):
        return False
    folded = text.lower()
    if "<img" in folded or ("title" in folded and _TITLE_ATTRIBUTE.search(folded)):
        return False
    if ("`" in text or "~~~" in text or _read_as_code(file)) and _GUARD_HINT.search(text):
        return False
    squeezed = folded.translate(_SQUEEZE_ASCII) if folded.isascii() else squeeze(folded)
    if _held(_squeezed_need(), squeezed) and _SQUEEZED.search(squeezed):
        return False
    spaced = folded.translate(_SPACE_ASCII)  # whitespace runs as one space (the text here is ASCII or CJK)
    while "  " in spaced:
        spaced = spaced.replace("  ", " ")
    regexes, by_key = _quick()
    if not by_key:
        return False
    present = {key for rx in regexes for key in _every(rx, spaced)}
    maybe = {id(need): need for key in present for need in by_key[key]}
    return not any(_held(need, spaced) for need in maybe.values())


# -- folders ----------------------------------------------------------------------------
_EXECUTABLE_MAGIC = (b"\x7fELF", b"MZ", b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"\xca\xfe\xba\xbe", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf")
_MEDIA_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".ico", ".bmp", ".svgz", ".pdf", ".woff", ".woff2", ".ttf", ".otf",
                   ".mp3", ".mp4", ".wav", ".ogg", ".webm", ".xlsx", ".docx", ".pptx", ".odt", ".ods", ".sqlite", ".db", ".parquet", ".npy"}
_ARCHIVE_SUFFIXES = {".zip", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".rar", ".jar", ".whl", ".egg", ".dmg", ".pkg", ".deb", ".rpm", ".apk"}


def scan_folder(path: Path) -> ScanReport:
    """Scan a skill folder: SKILL.md and every file in it (symlinks are not followed)."""
    root = Path(path)
    if not root.is_dir():
        from hermes_tui.errors import HermesError

        raise HermesError(f"not a folder: {root}")
    skill_md = next((root / n for n in ("SKILL.md", "skill.md", "Skill.md") if (root / n).is_file()), None)
    security_topic = False
    if skill_md is not None:
        try:
            security_topic = _topic(skill_md.read_text("utf-8", errors="replace"))
        except OSError:
            pass
    findings: list[Finding] = []
    count = 0
    real_root = root.resolve()
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = [d for d in dirs if d not in (".git", "__pycache__")]
        for name in sorted([*files, *(d for d in dirs if (Path(folder) / d).is_symlink())]):
            item = Path(folder) / name
            rel = item.relative_to(root).as_posix()
            count += 1
            if item.is_symlink():
                findings.extend(_symlink_findings(item, rel, real_root))
                continue
            findings.extend(_file_findings(item, rel, security_topic))
    if count > MAX_FILES:
        findings.append(Finding("structure.many-files", "structure", MEDIUM, ".", 0, f"{count} files",
                                f"the folder holds {count} files (a skill rarely needs more than {MAX_FILES})"))
    return ScanReport.of(findings)


def _symlink_findings(item: Path, rel: str, real_root: Path) -> list[Finding]:
    try:
        target = os.readlink(item)
        resolved = item.resolve()
    except (OSError, RuntimeError):
        return [Finding("structure.symlink-loop", "structure", HIGH, rel, 0, rel, "a symlink that cannot be resolved (a loop)")]
    if resolved != real_root and real_root not in resolved.parents:
        return [Finding("structure.symlink-escape", "structure", HIGH, rel, 0, f"{rel} -> {target}",
                        "a symlink that leads out of the skill folder (reads or writes files elsewhere)")]
    return []


def _file_findings(item: Path, rel: str, security_topic: bool) -> list[Finding]:
    try:
        size = item.stat().st_size
        with item.open("rb") as fh:
            data = fh.read(MAX_TEXT_BYTES)
    except OSError as exc:
        return [Finding("structure.unreadable", "structure", MEDIUM, rel, 0, rel, f"cannot be read: {os_error_reason(exc)}")]
    findings: list[Finding] = []
    suffix = item.suffix.lower()
    if size > HUGE_FILE_BYTES:
        findings.append(Finding("structure.huge-file", "structure", HIGH if size > ENORMOUS_FILE_BYTES else MEDIUM, rel, 0, f"{rel}: {size:,} bytes",
                                "a very large file (hides content from review; only its start is scanned)"))
    if data.startswith(_EXECUTABLE_MAGIC) and not (data.startswith(b"MZ") and suffix in _MEDIA_SUFFIXES):
        findings.append(Finding("structure.executable-binary", "structure", HIGH, rel, 0, rel,
                                "a compiled program (cannot be reviewed; runs whatever it holds)"))
        return findings
    if b"\0" in data[:8192]:
        if suffix in _ARCHIVE_SUFFIXES:
            findings.append(Finding("structure.archive", "structure", MEDIUM, rel, 0, rel, "an archive (its content is not scanned)"))
        elif suffix not in _MEDIA_SUFFIXES:
            findings.append(Finding("structure.binary", "structure", MEDIUM, rel, 0, rel, "a binary file that is not a known media type"))
        return findings
    findings.extend(_scan(data.decode("utf-8", errors="replace"), rel, security_topic))
    return findings


__all__ = [
    "CATEGORIES",
    "DANGEROUS",
    "CAUTION",
    "SAFE",
    "VERDICTS",
    "Finding",
    "RULES",
    "ScanReport",
    "fold",
    "scan_folder",
    "scan_text",
]
