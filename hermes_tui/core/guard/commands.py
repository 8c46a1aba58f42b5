"""The dangerous-command guard: ``classify_command(cmd) -> Verdict``.

Every shell command the agent wants to run is classified before it runs:

- ``deny``: never runs (``rm -rf /``, ``mkfs``, ``dd of=/dev/sda``, fork bombs, shutdown, ...);
- ``approve``: runs only if a person approves (recursive rm, ``curl | sh``, ``git push --force``,
  writes to ``~/.ssh``, shell rc files or ``.env``, SQL ``DROP``, ``sudo``, ...);
- ``allow``: everything else.

Each rule has a stable id (``"recursive-rm"``, ``"pipe-to-shell"``, ``"git-force-push"`` ...)
that "always"/"session" approvals remember. Denial beats approval beats allow.

How a command is read
    The text is normalised first (:func:`normalize_command`): Unicode NFKC, common
    look-alike letters (Cyrillic, Greek) mapped to ASCII, zero-width characters dropped,
    ``$IFS``/``${IFS}`` turned into a space, ``$1``..``$9`` (empty in ``bash -c``) dropped,
    ``${HOME}`` spelt ``$HOME``, line continuations joined. A small shell lexer then
    splits it into simple commands (at ``;``, ``&&``, ``||``, ``|``, ``&``, newlines,
    parentheses) with quotes and backslashes removed the way the shell removes them
    (``r'm'``, ``"rm"``, ``r\\m`` and ``$'\\x72m'`` all read ``rm``); ``$(...)``, backticks
    and ``<(...)`` are classified as commands of their own, as are here-documents and
    here-strings fed to a shell. In each simple command, variable assignments and
    wrappers (``sudo``, ``env``, ``command``, ``nohup``, ``time``, ``nice``, ``timeout``,
    ``xargs``, ...) are peeled off, the program is named by its base name
    (``/usr/bin/rm`` is ``rm``), and ``sh -c``/``bash -c``/``eval``/``su -c`` strings and
    ``find -exec`` commands are classified recursively.

Quoted text given to a harmless program is data: ``echo "rm -rf /"`` is allowed (it
prints), but ``echo "rm -rf /" | sh`` is classified as the echoed command (denied).
Interpreter one-liners (``python -c``, ``perl -e``, ``awk 'BEGIN{system(...)}'``,
``git -c alias.x=!...``) are not analysed (except for SQL statements): "inline-code".

The guard is not the boundary (the OS sandbox is, ``core/sandbox``): it explains, it
hard-denies, and it fails closed. What it cannot reduce to simple commands is
"complex-command" (functions, traps, aliases, ``eval`` of built strings, expansions,
globs or odd characters in command position, characters that fold into shell syntax,
wrappers it does not look through); programs that ask a service outside any sandbox
to act (``systemd-run``, ``tmux``, ``ssh``, ``docker`` ...) are "sandbox-escape". Both
are in ``UNCONTAINED_RULES``: a person is asked even for a sandboxed command.
"""

from __future__ import annotations

import os
import posixpath
import re
import unicodedata
from dataclasses import dataclass, field

ALLOW, APPROVE, DENY = "allow", "approve", "deny"
_SEVERITY = {ALLOW: 0, APPROVE: 1, DENY: 2}


@dataclass(frozen=True)
class Verdict:
    """What to do with a command: ``action`` is "allow", "approve" or "deny"."""

    action: str
    rule: str = ""  # the stable rule id ("" for allow)
    reason: str = ""  # one line, for the approval dialog / the model
    # For "approve": every (rule, reason) that matched, first one = (rule, reason).
    # Each needs its own approval, so "always allow sudo" does not let `curl | sudo sh` through.
    matches: tuple[tuple[str, str], ...] = ()

    @property
    def allowed(self) -> bool:
        return self.action == ALLOW

    @property
    def denied(self) -> bool:
        return self.action == DENY


ALLOWED = Verdict(ALLOW)

# Every rule id this module can return, with its action (documentation and tests).
RULES: dict[str, str] = {
    "rm-root": DENY,
    "mkfs": DENY,
    "disk-write": DENY,
    "fork-bomb": DENY,
    "shutdown": DENY,
    "chmod-root": DENY,
    "recursive-rm": APPROVE,
    "find-delete": APPROVE,
    "pipe-to-shell": APPROVE,
    "git-force-push": APPROVE,
    "git-push-delete": APPROVE,
    "git-reset-hard": APPROVE,
    "git-clean": APPROVE,
    "write-ssh": APPROVE,
    "write-shell-rc": APPROVE,
    "write-env": APPROVE,
    "write-system": APPROVE,
    "sql-drop": APPROVE,
    "sql-truncate": APPROVE,
    "sql-delete-all": APPROVE,
    "chmod-777": APPROVE,
    "sudo": APPROVE,
    "kill-all": APPROVE,
    "crontab-remove": APPROVE,
    "disk-partition": APPROVE,
    "complex-command": APPROVE,
    "inline-code": APPROVE,
    "sandbox-escape": APPROVE,
    "gate-self-approval": DENY,
}

# Rules the OS sandbox does not contain: they need a person even for a sandboxed command.
# "complex-command": the guard cannot tell what runs (it fails closed); "sandbox-escape":
# the program asks a service outside the sandbox to act (systemd, tmux, D-Bus, docker, ssh).
UNCONTAINED_RULES = frozenset({"complex-command", "sandbox-escape"})

# -- normalisation ------------------------------------------------------------------------

_ZERO_WIDTH = dict.fromkeys(
    map(ord, "\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e\u034f"), None
)
_LOOKALIKES = str.maketrans(
    {
        # Cyrillic
        "а": "a", "е": "e", "ё": "e", "і": "i", "ї": "i", "ј": "j", "к": "k", "м": "m", "о": "o",
        "р": "p", "с": "c", "у": "y", "х": "x", "ѕ": "s", "һ": "h", "ԁ": "d", "ԛ": "q", "ԝ": "w",
        "ʏ": "y", "ɡ": "g", "ı": "i",
        "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C",
        "Т": "T", "У": "Y", "Х": "X", "Ѕ": "S", "І": "I", "Ј": "J",
        # Greek
        "α": "a", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u",
        "χ": "x", "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M",
        "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
        # dashes, slashes and quotes that look like ASCII ones
        "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-", "﹣": "-",
        "∕": "/", "⁄": "/", "‘": "'", "’": "'", "‚": "'", "‛": "'", "“": '"', "”": '"', "„": '"',
        "‟": '"',
    }
)
_IFS = re.compile(r"\$\{IFS\}|\$IFS(?![A-Za-z0-9_])")
_EMPTY_PARAMS = re.compile(r"\$\{?[1-9@*]\}?")
# ${PATH:0:1} and friends evaluate to "/".
_SLASH_SLICE = re.compile(r"\$\{(?:PATH|HOME|PWD|OLDPWD|SHELL):0:1\}")
_BRACED_HOME = re.compile(r"\$\{HOME\}")


def normalize_command(command: str) -> str:
    """The command as the classifier reads it (before quote removal); see the module doc."""
    text = unicodedata.normalize("NFKC", command).translate(_ZERO_WIDTH).translate(_LOOKALIKES)
    text = text.replace("\\\r\n", "").replace("\\\n", "").replace("\r\n", "\n").replace("\r", "\n")
    text = _IFS.sub(" ", text)
    text = _SLASH_SLICE.sub("/", text)
    text = _EMPTY_PARAMS.sub("", text)
    return _BRACED_HOME.sub("$HOME", text)


# -- a small shell lexer --------------------------------------------------------------------


_SUBSTITUTION = "$(...)"  # what a command substitution leaves in a word (its output is unknown)


@dataclass
class _Simple:
    """One simple command: its words (quotes removed), redirections and nested commands."""

    words: list[str] = field(default_factory=list)
    redirects: list[tuple[str, str]] = field(default_factory=list)
    subs: list[str] = field(default_factory=list)  # texts of $(...), `...`, <(...), >(...)
    heredoc: str | None = None

    def empty(self) -> bool:
        return not (self.words or self.redirects or self.subs or self.heredoc)


_ANSI_C = re.compile(r"\\(x[0-9A-Fa-f]{1,2}|u[0-9A-Fa-f]{1,4}|U[0-9A-Fa-f]{1,8}|[0-7]{1,3}|.)", re.S)
_ANSI_SIMPLE = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b", "f": "\f", "v": "\v"}


def _decode_ansi_c(body: str) -> str:
    def one(m: re.Match[str]) -> str:
        esc = m.group(1)
        if esc[0] in "xuU" and len(esc) > 1:
            try:
                return chr(int(esc[1:], 16))
            except (ValueError, OverflowError):
                return esc
        if esc[0] in "01234567":
            return chr(int(esc, 8) & 0xFF)
        return _ANSI_SIMPLE.get(esc, esc)

    return _ANSI_C.sub(one, body)


def _skip_quoted(text: str, i: int) -> int:
    """Index just past the quoted string starting at ``text[i]`` (a quote)."""
    quote = text[i]
    j = i + 1
    while j < len(text):
        c = text[j]
        if c == "\\" and quote == '"':
            j += 2
            continue
        if c == quote:
            return j + 1
        j += 1
    return len(text)


def _matching_paren(text: str, i: int) -> int:
    """``text[i]`` is just after an opening ``(``: the index of its closing ``)``."""
    depth = 1
    j = i
    while j < len(text):
        c = text[j]
        if c in "'\"":
            j = _skip_quoted(text, j)
            continue
        if c == "\\":
            j += 2
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return j
        j += 1
    return len(text)


def _closing_backtick(text: str, i: int) -> int:
    j = i
    while j < len(text):
        if text[j] == "\\":
            j += 2
            continue
        if text[j] == "`":
            return j
        j += 1
    return len(text)


def _parse(text: str) -> list[list[_Simple]]:
    """Split shell text into pipelines of simple commands (lenient: never raises)."""
    pipelines: list[list[_Simple]] = [[_Simple()]]
    word: list[str] | None = None
    pending: str | None = None  # a redirection operator waiting for its target
    heredocs: list[tuple[str, bool, _Simple]] = []
    i, n = 0, len(text)

    def cur() -> _Simple:
        return pipelines[-1][-1]

    def end_word() -> None:
        nonlocal word, pending
        if word is None:
            return
        value = "".join(word)
        word = None
        if pending is not None:
            if pending in ("<<", "<<-"):
                heredocs.append((value, pending == "<<-", cur()))
            cur().redirects.append((pending, value))
            pending = None
        else:
            cur().words.append(value)

    def new_pipeline() -> None:
        nonlocal pending
        end_word()
        pending = None
        pipelines.append([_Simple()])

    while i < n:
        c = text[i]
        if c in " \t":
            end_word()
            i += 1
        elif c == "\n":
            new_pipeline()
            i += 1
            if heredocs:  # the bodies follow this line
                for delim, strip_tabs, owner in heredocs:
                    body: list[str] = []
                    while i < n:
                        end = text.find("\n", i)
                        end = n if end < 0 else end
                        line = text[i:end]
                        i = end + 1
                        if (line.lstrip("\t") if strip_tabs else line).strip() == delim:
                            break
                        body.append(line)
                    owner.heredoc = "\n".join(body)
                heredocs.clear()
        elif c == ";":
            new_pipeline()
            i += 1
        elif c == "&":
            if text.startswith("&&", i):
                new_pipeline()
                i += 2
            elif text.startswith("&>", i):
                end_word()
                op = "&>>" if text.startswith("&>>", i) else "&>"
                pending = op
                i += len(op)
            else:
                new_pipeline()
                i += 1
        elif c == "|":
            if text.startswith("||", i):
                new_pipeline()
                i += 2
            else:
                end_word()
                pending = None
                pipelines[-1].append(_Simple())
                i += 2 if text.startswith("|&", i) else 1
        elif c in "<>" and text.startswith("(", i + 1):  # process substitution
            end = _matching_paren(text, i + 2)
            cur().subs.append(text[i + 2 : end])
            word = (word or []) + list("/dev/fd/63")
            i = end + 1
        elif c in "<>":
            if word is not None and "".join(word).isdigit():
                word = None  # a file descriptor number: 2>file
            end_word()
            for op in ("<<<", "<<-", "<<", "<>", "<&", ">>", ">|", ">&", "<", ">"):
                if text.startswith(op, i):
                    break
            pending = op
            i += len(op)
        elif c == "(" and text.startswith("((", i):  # arithmetic: (( x = 1 << 2 ))
            end = _matching_paren(text, i + 2)
            cur().words.append(text[i : end + 2])
            new_pipeline()
            i = end + 2
        elif c in "()":
            new_pipeline()
            i += 1
        elif c == "#" and word is None:
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif c == "\\":
            if i + 1 < n:
                word = (word or []) + [text[i + 1]]
            i += 2
        elif c == "'":
            end = text.find("'", i + 1)
            end = n if end < 0 else end
            word = (word or []) + [text[i + 1 : end]]
            i = end + 1
        elif c == "$" and text.startswith("$'", i):
            j = i + 2
            while j < n and text[j] != "'":
                j += 2 if text[j] == "\\" else 1
            word = (word or []) + [_decode_ansi_c(text[i + 2 : min(j, n)])]
            i = j + 1
        elif c == "$" and text.startswith("$((", i):
            end = _matching_paren(text, i + 2)
            word = (word or []) + [text[i : end + 1]]
            i = end + 1
        elif c == "$" and text.startswith("$(", i):
            end = _matching_paren(text, i + 2)
            cur().subs.append(text[i + 2 : end])
            word = (word or []) + [_SUBSTITUTION]
            i = end + 1
        elif c == "`":
            end = _closing_backtick(text, i + 1)
            cur().subs.append(text[i + 1 : end])
            word = (word or []) + [_SUBSTITUTION]
            i = end + 1
        elif c == '"' or (c == "$" and text.startswith('$"', i)):
            i += 2 if c == "$" else 1
            parts: list[str] = []
            while i < n and text[i] != '"':
                ch = text[i]
                if ch == "\\" and i + 1 < n and text[i + 1] in '$`"\\\n':
                    parts.append(text[i + 1])
                    i += 2
                elif text.startswith("$((", i):
                    end = _matching_paren(text, i + 2)
                    parts.append(text[i : end + 1])
                    i = end + 1
                elif text.startswith("$(", i):
                    end = _matching_paren(text, i + 2)
                    cur().subs.append(text[i + 2 : end])
                    parts.append(_SUBSTITUTION)
                    i = end + 1
                elif ch == "`":
                    end = _closing_backtick(text, i + 1)
                    cur().subs.append(text[i + 1 : end])
                    parts.append(_SUBSTITUTION)
                    i = end + 1
                else:
                    parts.append(ch)
                    i += 1
            word = (word or []) + parts
            i += 1
        else:
            word = (word or []) + [c]
            i += 1
    end_word()
    for _delim, _strip_tabs, owner in heredocs:  # a here-document without its body
        owner.heredoc = owner.heredoc or ""
    return [[cmd for cmd in pipe if not cmd.empty()] for pipe in pipelines if any(not c.empty() for c in pipe)]


# -- paths ---------------------------------------------------------------------------------

_FAKE_HOME = "/\0home"
_CRITICAL_DIRS = frozenset(
    {
        "/", _FAKE_HOME, "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32", "/lib64", "/opt",
        "/proc", "/root", "/sbin", "/srv", "/sys", "/usr", "/var", "/usr/bin", "/usr/lib", "/usr/local",
        "/usr/sbin", "/var/lib", "/Users", "/System", "/Library", "/Applications",
    }
)
_BLOCK_DEVICE = re.compile(
    r"^/dev/(?:sd[a-z]|hd[a-z]|vd[a-z]|xvd[a-z]|nvme\d|mmcblk\d|disk\d|rdisk\d|disk/|md\d|dm-\d|mapper/"
    r"|loop\d|sr\d|nbd\d|root$)"
)
_SHELL_RC = frozenset(
    {
        ".bashrc", ".bash_profile", ".bash_login", ".bash_logout", ".profile", ".zshrc", ".zshenv",
        ".zprofile", ".zlogin", ".zlogout", ".kshrc", ".mkshrc", ".cshrc", ".tcshrc", ".login", ".xprofile",
        ".xinitrc", ".inputrc", "bash.bashrc", "zshrc", "zshenv", "zprofile", "config.fish",
    }
)
_SYSTEM_PREFIXES = ("/etc/", "/boot/", "/bin/", "/sbin/", "/lib/", "/lib64/", "/usr/bin/", "/usr/sbin/", "/usr/lib/")


def _home_path(raw: str) -> str:
    """``~``, ``$HOME`` and the real home spelt as one marker folder, slashes collapsed."""
    t = raw.strip().replace("${HOME}", "$HOME")
    if t.startswith("$HOME"):
        t = "~" + t[5:]
    home = os.path.expanduser("~").rstrip("/")
    if t == "~" or t.startswith("~/"):
        t = _FAKE_HOME + t[1:]
    elif home and home != "~" and (t == home or t.startswith(home + "/")):
        t = _FAKE_HOME + t[len(home) :]
    return re.sub(r"/{2,}", "/", t)


def _is_critical(raw: str) -> bool:
    """The root, the home, a top system folder, or everything in one of them (``/*``)."""
    t = _home_path(raw)
    if not t.startswith("/"):
        return False
    norm = posixpath.normpath(t)
    if norm.endswith(("/*", "/.*")):  # everything in a folder
        norm = posixpath.normpath(norm.rsplit("/", 1)[0] or "/")
    return norm in _CRITICAL_DIRS


def _is_block_device(raw: str) -> bool:
    return bool(_BLOCK_DEVICE.match(re.sub(r"/{2,}", "/", raw.strip())))


def protected_write_rule(path: str | os.PathLike[str]) -> tuple[str, str] | None:
    """``(rule, reason)`` when writing ``path`` needs a person's approval, else None.

    ``~/.ssh`` (any ``.ssh`` folder), shell start-up files, ``.env`` files and system
    folders. Used by the guard for redirections/tee/cp/mv and by the file tools.
    """
    text = str(path).strip().replace("${HOME}", "$HOME")
    parts = [p for p in re.split(r"/+", text) if p]
    if not parts:
        return None
    name = parts[-1]
    if ".ssh" in parts:
        return "write-ssh", f"changes SSH keys or settings ({text})"
    if name in _SHELL_RC or text in ("/etc/profile", "/etc/environment") or "profile.d" in parts:
        return "write-shell-rc", f"changes a shell start-up file ({text})"
    if name == ".env" or name.startswith(".env.") or name == ".envrc":
        return "write-env", f"changes an environment/secrets file ({text})"
    absolute = _home_path(text)
    if absolute.startswith(_SYSTEM_PREFIXES):
        return "write-system", f"changes a system file ({text})"
    return None


# -- the rules -----------------------------------------------------------------------------

_SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "mksh", "ash", "fish", "csh", "tcsh", "yash"})
_INTERPRETERS = _SHELLS | {"python", "python2", "python3", "perl", "ruby", "node", "nodejs", "php", "deno", "bun"}
_CODE_OPTIONS = frozenset({"-c", "-e", "-E", "-m", "-r", "-p", "--eval", "--print", "--command"})
_DOWNLOADERS = frozenset({"curl", "wget", "fetch", "aria2c", "http", "https", "xh"})
_SQL_CLIENTS = frozenset(
    {
        "psql", "mysql", "mariadb", "sqlite3", "sqlite", "sqlcmd", "duckdb", "clickhouse-client", "clickhouse",
        "cockroach", "usql", "pgcli", "mycli", "litecli", "snowsql", "trino", "presto", "spark-sql", "beeline",
        "cqlsh", "bq",
    }
)
_SQL_HOSTS = _SQL_CLIENTS | {"python", "python3", "node", "ruby", "perl", "php"}
_SKIP_WORDS = frozenset({"!", "{", "}", "then", "do", "else", "elif", "if", "while", "until", "fi", "done", "esac", "coproc"})
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\+?=")
_BRACE_LIST = re.compile(r"^\{[^{}\s]*,[^{}\s]*\}$")
# wrapper -> (options taking a value, positional operands before the command)
_WRAPPERS: dict[str, tuple[frozenset[str], int]] = {
    "sudo": (frozenset({"-u", "-g", "-h", "-p", "-C", "-D", "-r", "-t", "-U", "-T", "-R", "--user", "--group", "--host", "--prompt", "--chdir", "--role", "--type", "--other-user", "--close-from", "--command-timeout", "--chroot"}), 0),
    "doas": (frozenset({"-u", "-C"}), 0),
    "pkexec": (frozenset({"--user"}), 0),
    "env": (frozenset({"-u", "--unset", "-C", "--chdir"}), 0),
    "command": (frozenset(), 0),
    "builtin": (frozenset(), 0),
    "exec": (frozenset({"-a"}), 0),
    "nohup": (frozenset(), 0),
    "time": (frozenset({"-f", "--format", "-o", "--output"}), 0),
    "nice": (frozenset({"-n", "--adjustment"}), 0),
    "ionice": (frozenset({"-c", "-n", "-p", "-P", "-u", "--class", "--classdata"}), 0),
    "stdbuf": (frozenset({"-i", "-o", "-e"}), 0),
    "setsid": (frozenset(), 0),
    "unbuffer": (frozenset(), 0),
    "timeout": (frozenset({"-s", "--signal", "-k", "--kill-after"}), 1),
    "xargs": (frozenset({"-a", "-d", "-E", "-I", "-L", "-n", "-P", "-s", "--arg-file", "--delimiter", "--eof", "--replace", "--max-lines", "--max-args", "--max-procs", "--max-chars", "--process-slot-var"}), 0),
    "chroot": (frozenset({"--userspec", "--groups"}), 1),
    "watch": (frozenset({"-n", "--interval", "-d"}), 0),
    "strace": (frozenset({"-e", "-o", "-p", "-s", "-u", "-E"}), 0),
    "flock": (frozenset({"-w", "-E", "--timeout", "--conflict-exit-code"}), 1),
    "chrt": (frozenset(), 1),
    "taskset": (frozenset(), 1),
    "busybox": (frozenset(), 0),
    "caffeinate": (frozenset({"-t", "-w"}), 0),
}
_PRIVILEGED = frozenset({"sudo", "doas", "pkexec"})
# A program name the guard cannot read: expansions, globs, braces, quotes or characters
# no program name has (bash would expand or keep them; the guard does not guess).
_OPAQUE_PROGRAM = re.compile(r"^(?!\[\[?$)(?:$|.*[^A-Za-z0-9._+/@%,:~=-])", re.S)
# Programs that run a command the guard does not look through.
_OPAQUE_RUNNERS = frozenset(
    {
        "unshare", "setpriv", "script", "runuser", "sg", "newgrp", "firejail", "bwrap", "proot", "fakeroot",
        "chpst", "xvfb-run", "dbus-run-session", "parallel", "expect", "socat", "sshpass", "trap", "alias",
        "enable", "ltrace", "gdb", "valgrind", "catchsegv", "entr", "inotifywait", "osascript",
    }
)
# Programs that ask a service outside any sandbox to run something (or reach another machine).
_ESCAPES = frozenset(
    {
        "systemd-run", "tmux", "screen", "ssh", "mosh", "dbus-send", "busctl", "gdbus", "qdbus", "docker",
        "podman", "nerdctl", "kubectl", "flatpak-spawn", "at", "batch", "nsenter", "machinectl", "run0",
        "launchctl", "open", "xdg-open", "zellij", "byobu",
    }
)
_SYSTEMCTL_READ = ("status", "show", "cat", "is-active", "is-enabled", "is-failed", "list-units", "list-unit-files", "list-timers", "help")
_GIT_CODE_CONFIG = re.compile(r"^(?:alias\.[^=]*=\s*!|core\.(?:sshcommand|pager|editor|hookspath|fsmonitor|askpass)=|.*\.(?:command|cmd)=)", re.I)
_AWK_CODE = re.compile(r"\bsystem\s*\(|\|\s*getline|\bprint[^;{}]*\|\s*\"|>\s*\"/")
_INLINE_HOSTS = _INTERPRETERS - _SHELLS | {"lua", "luajit", "Rscript", "julia", "tclsh", "osascript", "pwsh", "powershell"}
_BUNDLED_CODE_OPTION = re.compile(r"-[a-zA-Z0-9]*[ce]")  # perl -ne, ruby -pe, python -Bc
_INLINE_OPTIONS = frozenset({"-c", "-e", "-E", "-r", "--eval", "--print", "-p", "--command", "-Command"})
_FUNCTION_DEF = re.compile(r"(?:^|[\s;&|(){}])(?:function\s+[^\s(){};|&<>]+|[^\s(){};|&<>'\"=$]+\s*\(\s*\)\s*[{(])")
_MAX_DEPTH = 6
_MAX_LENGTH = 256_000


def _name(word: str) -> str:
    return word.rsplit("/", 1)[-1].lower()


def _short(words: list[str]) -> str:
    text = " ".join(words)
    return text if len(text) <= 100 else text[:97] + "..."


def _unwrap(words: list[str]) -> tuple[list[str], list[Verdict]]:
    """Peel assignments, keywords and wrappers off a command; sudo needs approval."""
    verdicts: list[Verdict] = []
    words = list(words)
    for _ in range(32):  # wrappers may nest: sudo env nice rm ...
        while words and (_ASSIGNMENT.match(words[0]) or words[0] in _SKIP_WORDS):
            words.pop(0)
        if not words:
            break
        if _BRACE_LIST.match(words[0]):  # {rm,-rf,/} -> rm -rf /
            words = words[0][1:-1].split(",") + words[1:]
            continue
        if _OPAQUE_PROGRAM.search(words[0]):
            verdicts.append(Verdict(APPROVE, "complex-command", f"the program is built at run time ({_short(words)})"))
            break
        name = _name(words[0])
        spec = _WRAPPERS.get(name)
        if spec is None:
            break
        if name in _PRIVILEGED:
            verdicts.append(Verdict(APPROVE, "sudo", f"runs as another user ({_short(words)})"))
        takes_value, operands = spec
        rest = words[1:]
        while rest:
            arg = rest[0]
            if arg == "--":
                rest.pop(0)
                break
            if name == "env" and _ASSIGNMENT.match(arg):
                rest.pop(0)
            elif name == "env" and (arg in ("-S", "--split-string") or arg.startswith("-S")):
                rest.pop(0)
                value = arg[2:] if arg.startswith("-S") and len(arg) > 2 else (rest.pop(0) if rest else "")
                rest = value.split() + rest
            elif arg.startswith("-") and len(arg) > 1:
                rest.pop(0)
                if arg in takes_value and rest:
                    rest.pop(0)
            else:
                break
        for _skip in range(operands):
            if rest:
                rest.pop(0)
        words = rest
    return words, verdicts


def _options_and_operands(args: list[str]) -> tuple[list[str], list[str]]:
    options: list[str] = []
    operands: list[str] = []
    ended = False
    for arg in args:
        if not ended and arg == "--":
            ended = True
        elif not ended and arg.startswith("-") and len(arg) > 1:
            options.append(arg)
        else:
            operands.append(arg)
    return options, operands


def _has_short(options: list[str], letters: str) -> bool:
    return any(o.startswith("-") and not o.startswith("--") and any(ch in o[1:] for ch in letters) for o in options)


def _long(options: list[str], full: str) -> bool:
    """A GNU long option, also spelt as an unambiguous prefix (``--recur``)."""
    return any(o.startswith("--") and len(o) >= 5 and full.startswith(o.split("=", 1)[0]) for o in options)


def _target_verdicts(target: str, what: str) -> list[Verdict]:
    if _is_block_device(target):
        return [Verdict(DENY, "disk-write", f"writes straight to a disk device ({what})")]
    rule = protected_write_rule(target)
    return [Verdict(APPROVE, rule[0], rule[1])] if rule else []


def _check_rm(args: list[str], words: list[str]) -> list[Verdict]:
    options, targets = _options_and_operands(args)
    recursive = _has_short(options, "rR") or _long(options, "--recursive")
    if any(o.startswith("--no") and "--no-preserve-root".startswith(o) for o in options):
        return [Verdict(DENY, "rm-root", f"deletes without root protection ({_short(words)})")]
    if recursive and any(_is_critical(t) for t in targets):
        return [Verdict(DENY, "rm-root", f"deletes the root, the home or a system folder ({_short(words)})")]
    out = [v for t in targets for v in _target_verdicts(t, _short(words))]
    if recursive:
        out.append(Verdict(APPROVE, "recursive-rm", f"deletes recursively ({_short(words)})"))
    return out


def _check_dd(args: list[str], words: list[str]) -> list[Verdict]:
    return [v for a in args if a.startswith("of=") for v in _target_verdicts(a[3:], _short(words))]


def _check_copy(name: str, args: list[str], words: list[str]) -> list[Verdict]:
    """cp/mv/install/ln: the destination (and for mv the sources) may be protected."""
    options, operands = _options_and_operands(args)
    dests: list[str] = []
    sources = operands
    for i, opt in enumerate(args):
        if opt in ("-t", "--target-directory") and i + 1 < len(args):
            dests.append(args[i + 1])
            sources = [o for o in operands if o != args[i + 1]]
        elif opt.startswith("--target-directory="):
            dests.append(opt.split("=", 1)[1])
    if not dests and len(operands) >= 2:
        dests, sources = [operands[-1]], operands[:-1]
    out: list[Verdict] = []
    what = _short(words)
    for dest in dests:
        out += _target_verdicts(dest, what)
        into_folder = dest.endswith("/") or dest in ("~", "$HOME", ".", "..") or len(sources) > 1 or dest not in operands
        for src in sources if into_folder else ():
            out += _target_verdicts(dest.rstrip("/") + "/" + src.rstrip("/").rsplit("/", 1)[-1], what)
    if name == "mv":
        if any(_is_critical(s) for s in sources):
            return [Verdict(DENY, "rm-root", f"moves away the root, the home or a system folder ({what})")]
        out += [v for s in sources for v in _target_verdicts(s, what)]
    return out


def _check_writers(name: str, args: list[str], words: list[str]) -> list[Verdict]:
    """tee, sed -i, curl -o, wget -O, shred, truncate: files they write."""
    what = _short(words)
    targets: list[str] = []
    options, operands = _options_and_operands(args)
    if name in ("tee", "shred", "truncate"):
        targets = operands
    elif name == "sed" and (_has_short(options, "i") or any(o.startswith("--in-place") for o in options)):
        targets = operands
    elif name in ("curl", "wget"):
        flags = ("-o", "--output") if name == "curl" else ("-O", "--output-document")
        for i, arg in enumerate(args):
            if arg in flags and i + 1 < len(args):
                targets.append(args[i + 1])
            elif arg.startswith(flags[1] + "="):
                targets.append(arg.split("=", 1)[1])
    return [v for t in targets for v in _target_verdicts(t, what)]


def _check_chmod(name: str, args: list[str], words: list[str]) -> list[Verdict]:
    options, operands = _options_and_operands(args)
    recursive = _has_short(options, "R") or _long(options, "--recursive")
    targets = operands[1:] if operands and not any(o.startswith("--reference") for o in options) else operands
    what = _short(words)
    if recursive and any(_is_critical(t) for t in targets):
        return [Verdict(DENY, "chmod-root", f"changes permissions of the root, the home or a system folder ({what})")]
    if name == "chmod" and operands:
        mode = operands[0]
        wide = mode.lstrip("0") in ("777", "666") or re.fullmatch(r"[ugoa]*\+[rwxX]*w[rwxX]*", mode) and ("a" in mode or "o" in mode or mode.startswith("+"))
        if wide and (recursive or any(_is_critical(t) for t in targets)):
            return [Verdict(APPROVE, "chmod-777", f"makes files writable by everyone ({what})")]
    return []


def _check_git(args: list[str], words: list[str]) -> list[Verdict]:
    i = 0
    while i < len(args) and args[i].startswith("-"):
        i += 2 if args[i] in ("-C", "-c", "--git-dir", "--work-tree", "--namespace", "--config-env") else 1
    if i >= len(args):
        return []
    sub, rest = args[i], args[i + 1 :]
    options, operands = _options_and_operands(rest)
    what = _short(words)
    if sub == "push":
        if (
            _has_short(options, "f")
            or any(o in ("--force", "--force-if-includes", "--mirror") or o.startswith("--force-with-lease") for o in options)
            or any(op.startswith("+") for op in operands)
        ):
            return [Verdict(APPROVE, "git-force-push", f"rewrites history on the remote ({what})")]
        if _has_short(options, "d") or "--delete" in options or any(op.startswith(":") for op in operands[1:]):
            return [Verdict(APPROVE, "git-push-delete", f"deletes a branch or tag on the remote ({what})")]
    elif sub == "reset" and "--hard" in options:
        return [Verdict(APPROVE, "git-reset-hard", f"throws away uncommitted changes ({what})")]
    elif sub == "clean" and (_has_short(options, "f") or "--force" in options):
        return [Verdict(APPROVE, "git-clean", f"deletes untracked files ({what})")]
    return []


def _check_kill(args: list[str], words: list[str]) -> list[Verdict]:
    seen_signal = False
    targets: list[str] = []
    ended = False
    i = 0
    while i < len(args):
        arg = args[i]
        if not ended and arg == "--":
            ended = True
        elif not ended and arg in ("-s", "-n", "--signal"):
            seen_signal = True
            i += 1
        elif not ended and arg.startswith("-") and not seen_signal and not targets:
            seen_signal = True  # -9, -KILL, -SIGKILL
        else:
            targets.append(arg)
        i += 1
    if "-1" in targets:
        return [Verdict(APPROVE, "kill-all", f"signals every process you own ({_short(words)})")]
    return []


def _check_find(args: list[str], words: list[str], depth: int) -> list[Verdict]:
    out: list[Verdict] = []
    roots = []
    for arg in args:
        if arg.startswith("-") or arg in ("(", "!"):
            break
        roots.append(arg)
    if "-delete" in args:
        if any(_is_critical(r) for r in roots):
            out.append(Verdict(DENY, "rm-root", f"deletes the root, the home or a system folder ({_short(words)})"))
        out.append(Verdict(APPROVE, "find-delete", f"deletes every file found ({_short(words)})"))
    for i, arg in enumerate(args):
        if arg in ("-exec", "-execdir", "-ok", "-okdir"):
            inner: list[str] = []
            for item in args[i + 1 :]:
                if item in (";", "+"):
                    break
                inner.append(item)
            inner_words, _ = _unwrap(inner)
            if inner_words and _name(inner_words[0]) in ("rm", "shred", "unlink") and any(_is_critical(r) for r in roots):
                out.append(Verdict(DENY, "rm-root", f"deletes every file under a critical folder ({_short(words)})"))
            out += _check_words(inner, depth + 1)
    return out


_SQL_DROP = re.compile(r"\bdrop\s+(?:table|database|schema|index|view|user)\b", re.I)
_SQL_TRUNCATE = re.compile(r"\btruncate\s+(?:table\s+)?[`\"\[\w]", re.I)
_SQL_DELETE = re.compile(r"\bdelete\s+from\b", re.I)
_SQL_WHERE = re.compile(r"\bwhere\b", re.I)


def _check_sql(text: str) -> list[Verdict]:
    out: list[Verdict] = []
    if _SQL_DROP.search(text):
        out.append(Verdict(APPROVE, "sql-drop", "drops a database object (SQL DROP)"))
    if _SQL_TRUNCATE.search(text):
        out.append(Verdict(APPROVE, "sql-truncate", "empties a table (SQL TRUNCATE)"))
    for m in _SQL_DELETE.finditer(text):
        end = text.find(";", m.end())
        statement = text[m.end() : end if end >= 0 else len(text)]
        if not _SQL_WHERE.search(statement):
            out.append(Verdict(APPROVE, "sql-delete-all", "deletes every row of a table (DELETE without WHERE)"))
            break
    return out


def _reads_script_from_stdin(name: str, args: list[str]) -> bool:
    """An interpreter with no script file and no code option reads its program from stdin."""
    skip = False
    for arg in args:
        if skip:
            skip = False
            continue
        if arg in ("-", "-s"):
            return True
        if arg.startswith("-") or (arg.startswith("+") and name in _SHELLS):
            if name in _SHELLS and not arg.startswith("--") and "c" in arg[1:]:
                return False
            if name not in _SHELLS and arg in _CODE_OPTIONS:
                return False
            skip = arg in ("-o", "+o", "-O", "+O", "--rcfile", "--init-file", "-W", "-X")
            continue
        return False  # a script file
    return True


def _shell_command_string(args: list[str]) -> str | None:
    """The string of ``sh -c STRING`` (None without ``-c``)."""
    has_c = False
    for i, arg in enumerate(args):
        if arg.startswith("-") and not arg.startswith("--") and "c" in arg[1:]:
            has_c = True
        elif arg in ("-o", "+o", "-O", "+O"):
            continue
        elif arg.startswith(("-", "+")):
            continue
        elif has_c:
            return arg
        elif i > 0 and args[i - 1] in ("-o", "+o", "-O", "+O"):
            continue
        else:
            return None
    return "" if has_c else None


def _names_in(text: str, depth: int) -> set[str]:
    if depth > _MAX_DEPTH:
        return set()
    names: set[str] = set()
    for pipeline in _parse(text):
        for cmd in pipeline:
            words, _ = _unwrap(cmd.words)
            if words:
                names.add(_name(words[0]))
            for sub in cmd.subs:
                names |= _names_in(sub, depth + 1)
    return names


def _check_words(words: list[str], depth: int) -> list[Verdict]:
    """The rules for one simple command given as words (after redirections)."""
    words, out = _unwrap(words)
    if not words:
        return out
    name, args = _name(words[0]), words[1:]
    if name == "rm":
        out += _check_rm(args, words)
    elif name == "dd":
        out += _check_dd(args, words)
    elif name.startswith("mkfs") or name in ("mke2fs", "mkswap", "wipefs", "mkdosfs", "mkntfs"):
        out.append(Verdict(DENY, "mkfs", f"formats or wipes a filesystem ({_short(words)})"))
    elif name in ("shutdown", "reboot", "halt", "poweroff") or (
        name in ("init", "telinit") and args[:1] in (["0"], ["6"])
    ):
        out.append(Verdict(DENY, "shutdown", f"shuts down or restarts the machine ({_short(words)})"))
    elif name == "systemctl" and any(a in ("poweroff", "reboot", "halt", "kexec", "emergency", "rescue") for a in args):
        out.append(Verdict(DENY, "shutdown", f"shuts down or restarts the machine ({_short(words)})"))
    elif name in ("cp", "mv", "install", "ln"):
        out += _check_copy(name, args, words)
    elif name in ("tee", "sed", "curl", "wget", "shred", "truncate"):
        out += _check_writers(name, args, words)
    elif name in ("chmod", "chown", "chgrp"):
        out += _check_chmod(name, args, words)
    elif name == "git":
        out += _check_git(args, words)
        if any(args[i] == "-c" and i + 1 < len(args) and _GIT_CODE_CONFIG.match(args[i + 1]) for i in range(len(args))):
            out.append(Verdict(APPROVE, "inline-code", f"git configured to run a command ({_short(words)})"))
    elif name == "kill":
        out += _check_kill(args, words)
    elif name == "crontab" and _has_short(_options_and_operands(args)[0], "r"):
        out.append(Verdict(APPROVE, "crontab-remove", f"deletes your crontab ({_short(words)})"))
    elif name in ("fdisk", "sfdisk", "cfdisk", "parted", "gdisk", "sgdisk") and not {"-l", "--list"} & set(args):
        out.append(Verdict(APPROVE, "disk-partition", f"changes disk partitions ({_short(words)})"))
    elif name == "find":
        out += _check_find(args, words, depth)
    elif name == "su":
        out.append(Verdict(APPROVE, "sudo", f"runs as another user ({_short(words)})"))
        for i, arg in enumerate(args):
            if arg in ("-c", "--command") and i + 1 < len(args):
                out += _classify_text(args[i + 1], depth + 1)
    elif name == "eval":
        if any("$" in a or "`" in a for a in args):
            out.append(Verdict(APPROVE, "complex-command", f"evaluates a string built at run time ({_short(words)})"))
        out += _classify_text(" ".join(args), depth + 1)
    elif name in ("source", ".") and any("$" in a or a.startswith("/dev/fd/") or a.startswith("/proc/") for a in args[:1]):
        out.append(Verdict(APPROVE, "complex-command", f"runs a script built at run time ({_short(words)})"))
    elif name in _OPAQUE_RUNNERS:
        out.append(Verdict(APPROVE, "complex-command", f"{name} runs something the guard does not look through ({_short(words)})"))
    elif name in _ESCAPES or (name == "systemctl" and not (set(args) & set(_SYSTEMCTL_READ) or not args)):
        out.append(Verdict(APPROVE, "sandbox-escape", f"{name} asks a service outside the sandbox to act ({_short(words)})"))
    elif name in _INLINE_HOSTS and any(a in _INLINE_OPTIONS or _BUNDLED_CODE_OPTION.fullmatch(a) for a in args[:4]):
        out.append(Verdict(APPROVE, "inline-code", f"runs {name} code given on the command line ({_short(words)})"))
    elif name in ("awk", "gawk", "mawk", "nawk", "busybox-awk") and any(_AWK_CODE.search(a) for a in args):
        out.append(Verdict(APPROVE, "inline-code", f"awk code that runs commands or writes files ({_short(words)})"))
    elif name in ("hermes-tui", "hermes_tui") or (name.startswith("python") and args[:2] == ["-m", "hermes_tui"]):
        rest = args[2:] if args[:1] == ["-m"] else args
        if any(a in ("approve", "reject") for a in rest) or "config.toml" in " ".join(rest):
            out.append(Verdict(DENY, "gate-self-approval", "only a person approves, rejects or configures the workbench"))
    elif name in _SHELLS:
        string = _shell_command_string(args)
        if string:
            out += _classify_text(string, depth + 1)
    return out


def _check_simple(cmd: _Simple, prev: _Simple | None, depth: int) -> list[Verdict]:
    out: list[Verdict] = []
    for op, target in cmd.redirects:
        if op in (">", ">>", ">|", "&>", "&>>", "<>") or (op == ">&" and not target.isdigit() and target != "-"):
            out += _target_verdicts(target, f"{op} {target}")
    out += _check_words(cmd.words, depth)
    words, _ = _unwrap(cmd.words)
    if not words:
        return out
    name, args = _name(words[0]), words[1:]
    if name in _INTERPRETERS or name in ("source", ".", "eval"):
        # bash <(curl ...), sh -c "$(wget ...)", source <(curl ...)
        if any(_names_in(sub, depth + 1) & _DOWNLOADERS for sub in cmd.subs):
            out.append(Verdict(APPROVE, "pipe-to-shell", f"runs code downloaded from the network ({_short(words)})"))
    if name in _INTERPRETERS and _reads_script_from_stdin(name, args):
        for op, target in cmd.redirects:
            if op == "<<<":
                out += _classify_text(target, depth + 1)
        if cmd.heredoc is not None:
            out += _classify_text(cmd.heredoc, depth + 1)
        if prev is not None:
            fed, _ = _unwrap(prev.words)
            if fed and _name(fed[0]) in ("echo", "printf"):
                shown = [a for a in fed[1:] if not re.fullmatch(r"-[neE]+", a)]
                out += _classify_text(" ".join(shown).replace("\\n", "\n"), depth + 1)
            else:
                out.append(Verdict(APPROVE, "pipe-to-shell", f"pipes text into {name} to run it ({_short(words)})"))
    return out


_FORK_BOMB = re.compile(
    r"(?P<a>[^\s(){};|&<>]+)\s*\(\s*\)\s*\{[^}]*?(?P=a)\s*\|\s*&?\s*(?P=a)\s*&"
    r"|function\s+(?P<b>[^\s(){};|&<>]+)\s*(?:\(\s*\))?\s*\{[^}]*?(?P=b)\s*\|\s*(?P=b)\s*&"
    r"|\bfork\s*(?:\(\s*\))?\s*while\s+fork\b"
    r"|while\s*\(?\s*(?:true|1|True)\s*\)?\s*:?\s*;?\s*(?:do\s+)?os\.fork\(\)",
)


def _merge(verdicts: list[Verdict]) -> Verdict:
    """Denial beats approval beats allow; an approval lists every rule that matched."""
    for verdict in verdicts:
        if verdict.action == DENY:
            return verdict
    matches: dict[str, str] = {}
    for verdict in verdicts:
        if verdict.action == APPROVE:
            for rule, reason in verdict.matches or ((verdict.rule, verdict.reason),):
                matches.setdefault(rule, reason)
    if not matches:
        return ALLOWED
    (rule, reason), *_ = matches.items()
    return Verdict(APPROVE, rule, reason, tuple(matches.items()))


def _classify_text(text: str, depth: int) -> list[Verdict]:
    if depth > _MAX_DEPTH:
        return [Verdict(APPROVE, "complex-command", "nested too deeply to check")]
    if _FORK_BOMB.search(text.replace("'", "").replace('"', "")):
        return [Verdict(DENY, "fork-bomb", "a fork bomb (spawns processes until the machine stalls)")]
    verdicts: list[Verdict] = []
    if _FUNCTION_DEF.search(text):
        verdicts.append(Verdict(APPROVE, "complex-command", "defines a shell function (the guard does not follow calls)"))
    names: set[str] = set()
    for pipeline in _parse(text):
        for index, cmd in enumerate(pipeline):
            verdicts += _check_simple(cmd, pipeline[index - 1] if index else None, depth)
            for sub in cmd.subs:
                verdicts += _classify_text(sub, depth + 1)
            words, _ = _unwrap(cmd.words)
            if words:
                names.add(_name(words[0]))
    if names & _SQL_HOSTS:
        verdicts += _check_sql(text)
    return verdicts


def _syntax_lookalikes(command: str) -> bool:
    """A character that bash reads as part of a word but the normaliser turns into shell syntax (``＃``, ``；``)."""
    for char in command:
        if char.isascii():
            continue
        folded = unicodedata.normalize("NFKC", char).translate(_LOOKALIKES)
        if folded != char and any(c in _SHELL_SYNTAX for c in folded):
            return True
    return False


_SHELL_SYNTAX = frozenset("#;&|<>()$`'\"\\ \t\n{}*?[]~=!")


def classify_command(command: str) -> Verdict:
    """Classify a shell command: ``Verdict(action, rule, reason)``; see the module doc."""
    if len(command) > _MAX_LENGTH:
        return _merge([Verdict(APPROVE, "complex-command", f"too long to check ({len(command)} characters)")])
    verdicts = _classify_text(normalize_command(command), 0)
    if _syntax_lookalikes(command):
        verdicts.append(Verdict(APPROVE, "complex-command", "characters that look like shell syntax but are not"))
    return _merge(verdicts)


# Programs that only read (with the options checked in is_read_only): without a sandbox
# these run without asking; every other command needs a person.
_READ_ONLY = frozenset(
    {
        "ls", "cat", "head", "tail", "wc", "grep", "egrep", "fgrep", "rg", "pwd", "echo", "printf", "true", "false",
        "stat", "file", "which", "type", "whoami", "id", "uname", "date", "du", "df", "diff", "cmp", "uniq", "cut",
        "tr", "basename", "dirname", "realpath", "readlink", "test", "[", "[[", "find", "git", "sha256sum",
        "sha1sum", "md5sum", "jq", "nl", "od", "xxd", "hexdump", "cd", "hostname", "locale", "nproc", "free",
    }
)
_GIT_READ = frozenset({"status", "log", "diff", "show", "rev-parse", "ls-files", "blame", "describe", "shortlog"})
_FIND_ACTIONS = frozenset({"-exec", "-execdir", "-ok", "-okdir", "-delete", "-fprint", "-fprint0", "-fprintf", "-fls"})


def is_read_only(command: str) -> bool:
    """True when every part of ``command`` is a simple, reading command (no writes, no code)."""
    if classify_command(command).action != ALLOW or len(command) > 10_000:
        return False
    text = normalize_command(command)
    if _FUNCTION_DEF.search(text):
        return False
    for pipeline in _parse(text):
        for cmd in pipeline:
            if cmd.subs or cmd.heredoc is not None:
                return False
            if any(op not in ("<", "<<<") and not (op in (">", ">>", "&>", ">&") and target in ("/dev/null", "1", "2"))
                   for op, target in cmd.redirects):
                return False
            if cmd.words and not _reads_only(cmd.words):
                return False
    return True


def command_prefix(command: str) -> str:
    """What an "always for this command" approval remembers: the program and its
    subcommand (``git commit``) for one simple command, else the whole command."""
    text = normalize_command(command).strip()
    pipelines = _parse(text)
    simple = [cmd for pipeline in pipelines for cmd in pipeline if not cmd.empty()]
    if len(simple) == 1 and not (simple[0].subs or simple[0].heredoc is not None or simple[0].redirects):
        words, _ = _unwrap(simple[0].words)
        if words and words == simple[0].words and not _OPAQUE_PROGRAM.match(words[0]):
            second = words[1:2]
            return " ".join(words[:1] + [w for w in second if re.fullmatch(r"[a-z][a-z0-9-]*", w)])
    return " ".join(text.split())


def _reads_only(words: list[str]) -> bool:
    name, args = _name(words[0]), words[1:]
    if words[0] != name and not words[0].startswith(("/usr/bin/", "/bin/")):
        return False  # a program from an unusual place
    if name not in _READ_ONLY:
        return False
    if name == "git":
        operands = [a for a in args if not a.startswith("-")]
        return bool(operands) and operands[0] in _GIT_READ and not any(a.startswith(("-c", "--output", "--ext-diff")) for a in args)
    if name == "find":
        return not _FIND_ACTIONS & set(args)
    return True


def describe_rules() -> list[tuple[str, str]]:
    """(rule id, action) pairs, for help screens and settings."""
    return sorted(RULES.items(), key=lambda item: (-_SEVERITY[item[1]], item[0]))


__all__ = ["Verdict", "classify_command", "is_read_only", "command_prefix", "UNCONTAINED_RULES", "normalize_command", "protected_write_rule", "RULES", "describe_rules"]
