"""Landlock through ctypes, and the helper that confines a command before it starts.

Self-contained on purpose (standard library only, no package imports): the terminal
tool runs ``python .../landlock.py RULES_JSON -- bash -c COMMAND``; this file
applies the rules to itself (``no_new_privs`` + ``landlock_restrict_self``) and
then ``execvp``s the command, so the command and every process it starts inherit
the ruleset and can never leave it.

RULES_JSON: ``{"abi": N, "read": [paths], "write": [paths], "list": [paths],
"network": bool, "readonly": [paths], "hide": [paths]}``. ``readonly`` and ``hide`` need a
private mount namespace (an unprivileged user namespace; with ``network`` false it also
gets a network namespace of its own, so UDP and DNS are cut too): each ``readonly`` path is
bound read-only onto itself, each ``hide`` path is covered (an empty tmpfs on a folder,
``/dev/null`` on a file); this happens first, as Landlock forbids mount changes after. ``read`` paths get read+execute beneath them, ``write`` paths
every file-system right, ``list`` paths only the right to list the folder itself
(Landlock rights are inherited below a rule's path, so a path in neither list and
under no listed path is not accessible at all). Network: with ABI >= 4 and
``network`` false, TCP bind and connect are refused. With ABI >= 6 the command can
neither signal nor reach the abstract UNIX sockets of processes outside the sandbox.
"""

from __future__ import annotations

import ctypes
import json
import os
import sys

SYS_CREATE_RULESET, SYS_ADD_RULE, SYS_RESTRICT_SELF = 444, 445, 446  # the same on every Linux architecture
CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH = 1
PR_SET_NO_NEW_PRIVS = 38

EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
REMOVE_DIR, REMOVE_FILE, MAKE_CHAR, MAKE_DIR, MAKE_REG = 1 << 4, 1 << 5, 1 << 6, 1 << 7, 1 << 8
MAKE_SOCK, MAKE_FIFO, MAKE_BLOCK, MAKE_SYM = 1 << 9, 1 << 10, 1 << 11, 1 << 12
REFER, TRUNCATE, IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15  # ABI 2, 3, 5
NET_BIND_TCP, NET_CONNECT_TCP = 1 << 0, 1 << 1  # ABI 4
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1  # ABI 6

FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV  # the only rights a rule on a file may hold
READ_RIGHTS = EXECUTE | READ_FILE | READ_DIR | IOCTL_DEV
WRITE_RIGHTS = (
    WRITE_FILE | REMOVE_DIR | REMOVE_FILE | MAKE_CHAR | MAKE_DIR | MAKE_REG | MAKE_SOCK | MAKE_FIFO | MAKE_BLOCK
    | MAKE_SYM | REFER | TRUNCATE
)


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64), ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return libc


def abi_version() -> int:
    """The kernel's Landlock ABI version; 0 when Landlock is missing or disabled."""
    if not sys.platform.startswith("linux"):
        return 0
    try:
        version = _libc().syscall(SYS_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(CREATE_RULESET_VERSION))
    except (OSError, AttributeError):
        return 0
    return max(int(version), 0)


def handled_fs(abi: int) -> int:
    """Every file-system right the kernel's ABI knows (all of them are handled = denied unless granted)."""
    rights = (1 << 13) - 1
    for version, right in ((2, REFER), (3, TRUNCATE), (5, IOCTL_DEV)):
        if abi >= version:
            rights |= right
    return rights


def _check(result: int, what: str) -> int:
    if result < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")
    return result


CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWNET = 0x00020000, 0x10000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 8, 32, 4096, 16384, 1 << 18
# statvfs flags -> mount flags that a remount in a user namespace must keep (they are locked)
_LOCKED = ((2, MS_NOSUID), (4, MS_NODEV), (8, MS_NOEXEC), (1024, 1024), (2048, 2048), (4096, 1 << 21))


def private_mounts(readonly: list[str], hide: list[str], *, no_network: bool = False) -> None:
    """Enter a new user + mount namespace (same uid) and apply ``readonly`` / ``hide``;
    with ``no_network`` also a network namespace with no interface up (no UDP, no DNS)."""
    libc = _libc()
    uid, gid = os.getuid(), os.getgid()
    flags = CLONE_NEWUSER | CLONE_NEWNS | (CLONE_NEWNET if no_network else 0)
    _check(libc.unshare(flags), "unshare(user, mount namespaces)")
    for name, text in (("uid_map", f"{uid} {uid} 1"), ("setgroups", "deny"), ("gid_map", f"{gid} {gid} 1")):
        with open(f"/proc/self/{name}", "w") as handle:
            handle.write(text)
    _check(libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "mount(private)")
    for path in readonly:
        if not os.path.exists(path):
            continue
        target = os.fsencode(path)
        _check(libc.mount(target, target, None, MS_BIND | MS_REC, None), f"bind {path}")
        locked = os.statvfs(path).f_flag
        flags = MS_REMOUNT | MS_BIND | MS_RDONLY
        for st_flag, ms_flag in _LOCKED:
            if locked & st_flag:
                flags |= ms_flag
        _check(libc.mount(None, target, None, flags, None), f"remount {path} read-only")
    for path in hide:
        target = os.fsencode(path)
        if os.path.isdir(path):
            _check(libc.mount(b"tmpfs", target, b"tmpfs", MS_NOSUID | MS_NODEV, b"size=4k,mode=000"), f"hide {path}")
        elif os.path.exists(path):
            _check(libc.mount(b"/dev/null", target, None, MS_BIND, None), f"hide {path}")


def restrict_self(rules: dict) -> None:
    """Confine this process (and what it will exec) to ``rules`` (see the module doc)."""
    abi = int(rules["abi"])
    libc = _libc()
    fs = handled_fs(abi)
    attr = _RulesetAttr(handled_access_fs=fs)
    size = 8
    if abi >= 4:
        size = 16
        if not rules.get("network"):
            attr.handled_access_net = NET_BIND_TCP | NET_CONNECT_TCP
    if abi >= 6:
        size = 24
        attr.scoped = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL
    fd = _check(libc.syscall(SYS_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0)), "landlock_create_ruleset")
    try:
        for key, rights in (("list", READ_DIR), ("read", READ_RIGHTS), ("write", READ_RIGHTS | WRITE_RIGHTS)):
            for path in rules.get(key, ()):
                _add_path(libc, fd, path, rights & fs)
        _check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(no_new_privs)")
        _check(libc.syscall(SYS_RESTRICT_SELF, fd, ctypes.c_uint32(0)), "landlock_restrict_self")
    finally:
        os.close(fd)


def _add_path(libc: ctypes.CDLL, ruleset: int, path: str, rights: int) -> None:
    try:
        target = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return  # gone since the rules were made: nothing to grant
    try:
        if not os.path.isdir(f"/proc/self/fd/{target}"):
            rights &= FILE_RIGHTS
        if rights:
            rule = _PathBeneathAttr(allowed_access=rights, parent_fd=target)
            _check(libc.syscall(SYS_ADD_RULE, ruleset, RULE_PATH_BENEATH, ctypes.byref(rule), ctypes.c_uint32(0)), f"landlock_add_rule({path})")
    finally:
        os.close(target)


def probe_namespaces() -> bool:
    """Can this process make a private mount namespace? (Run in a child: it changes the caller.)"""
    try:
        private_mounts([], [])
    except OSError:
        return False
    return True


def main(argv: list[str]) -> int:
    """``landlock.py RULES_JSON -- PROGRAM ARGS...``: confine, then exec PROGRAM."""
    if argv == ["--probe"]:
        return 0 if probe_namespaces() else 1
    if len(argv) < 3 or argv[1] != "--":
        print("usage: landlock.py RULES_JSON -- PROGRAM [ARGS...]", file=sys.stderr)
        return 2
    try:
        rules = json.loads(argv[0])
        if rules.get("readonly") or rules.get("hide"):
            private_mounts(rules.get("readonly", []), rules.get("hide", []), no_network=not rules.get("network"))
        restrict_self(rules)
    except (OSError, ValueError, KeyError) as exc:
        print(f"hermes-tui sandbox: cannot confine the command: {exc}", file=sys.stderr)
        return 126  # never run the command unconfined
    try:
        os.execvp(argv[2], argv[2:])
    except OSError as exc:
        print(f"hermes-tui sandbox: cannot run {argv[2]}: {exc.strerror}", file=sys.stderr)
        return 127


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
