"""The operating-system sandbox of the terminal tool: the boundary, not the guard.

``Sandbox(mode, network, homes)`` decides what a command may touch; ``wrap(argv,
cwd, tmpdir)`` returns the argv that runs it confined (``landlock.py`` applies the
rules, then execs it). On Linux with Landlock (kernel 5.13+):

- reads: everything, except each home's ``workbench/`` (pending items, the database)
  and ``config.toml``. Landlock grants rights to whole trees and cannot carve an
  exception out of a granted tree, so the folders on the way from ``/`` to an
  excluded path are not granted themselves: each of their other entries is granted
  one by one (:func:`carve`), and the folders on the way may only be listed (so a
  name under ``workbench/`` can be listed, but no file there can be opened);
- writes (``workspace-write``): the working folder, except any home and the bundled
  skills' source (``package_data_dir("skills")``) inside it, plus a
  private temporary folder (the command's TMPDIR) and ``/dev/null``-like devices;
  ``read-only``: the private temporary folder only. The working folder itself cannot
  be removed or renamed (its parent is not writable). A working folder of ``/`` or the
  user's home (or above it) is kept read-only: it would hold rc files, ``~/.ssh``,
  autostart folders;
- where unprivileged user namespaces work (:func:`private_mounts_available`), the
  command also gets a private mount namespace: the working folder's ``.git`` and the
  homes are bound read-only, ``workbench/`` is covered by an empty folder and
  ``config.toml`` by ``/dev/null`` (so not even their names show), the sockets of
  services that run things on request (``/run/user/UID``: systemd and D-Bus; docker, X,
  tmux) are covered too, and with the network off it has no network interface at all
  (no UDP, so no DNS exfiltration). Without it ``.git``
  is writable like the rest of the working folder (Landlock alone cannot protect a
  folder inside a writable one);
- network: TCP bind and connect refused unless ``network`` (Landlock ABI >= 4; UDP,
  so DNS, is not covered by Landlock);
- with ABI >= 6 the command cannot signal processes outside the sandbox.

Where no sandbox can be had (not Linux, Landlock missing or disabled, mode "off"),
:attr:`Sandbox.active` is False and :attr:`Sandbox.status` says why.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from hermes_tui.core.guard.commands import UNCONTAINED_RULES, classify_command, command_prefix, is_read_only
from hermes_tui.core.home import package_data_dir
from hermes_tui.core.sandbox import landlock

MODES = ("workspace-write", "read-only", "off")
_DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/tty", "/dev/ptmx", "/dev/pts")
# Sockets of services that would run things outside the sandbox (systemd, D-Bus, docker, X):
# covered in the private mount namespace.
_SERVICE_SOCKETS = ("/run/user/{uid}", "/run/docker.sock", "/run/podman", "/tmp/.X11-unix", "/tmp/tmux-{uid}", "/run/screen")
_HELPER = str(Path(landlock.__file__).resolve())


@lru_cache(maxsize=1)
def landlock_abi() -> int:
    """The kernel's Landlock ABI (0: none); asked once per process."""
    return landlock.abi_version()


def _within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def carve(root: str, excluded: Iterable[str]) -> tuple[list[str], list[str]]:
    """Paths that together cover ``root`` minus ``excluded`` (real, absolute paths).

    Returns ``(granted, passed)``: ``granted`` covers everything not excluded;
    ``passed`` are the folders on the way to an excluded path (not granted themselves).
    """
    excluded = [e for e in excluded if _within(e, root)]
    if not excluded:
        return [root], []
    if root in excluded:
        return [], []
    granted: list[str] = []
    passed = [root]
    try:
        names = sorted(os.listdir(root))
    except OSError:
        return granted, passed
    for name in names:
        more, on_the_way = carve(os.path.join(root, name), excluded)
        granted += more
        passed += on_the_way
    return granted, passed


def _real(path: str | os.PathLike[str]) -> str:
    return os.path.realpath(os.fspath(path))


@lru_cache(maxsize=1)
def private_mounts_available() -> bool:
    """Can the helper make a private mount namespace here? (Asked once, in a child.)"""
    if not sys.platform.startswith("linux"):
        return False
    try:
        probe = subprocess.run([sys.executable, "-S", "-E", _HELPER, "--probe"], capture_output=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return False
    return probe.returncode == 0


@dataclass(frozen=True)
class Sandbox:
    """How the terminal tool confines commands; see the module doc."""

    mode: str = "workspace-write"
    network: bool = False
    homes: tuple[str, ...] = ()  # the workbench homes: read-only, their workbench/ and config.toml unreadable
    abi: int = -1  # -1: ask the kernel
    namespaces: bool | None = None  # None: probe (private_mounts_available)

    @property
    def private_mounts(self) -> bool:
        return private_mounts_available() if self.namespaces is None else self.namespaces

    @property
    def kernel_abi(self) -> int:
        return landlock_abi() if self.abi < 0 else self.abi

    @property
    def active(self) -> bool:
        return self.mode != "off" and self.kernel_abi > 0

    @property
    def network_off(self) -> bool:
        """Commands cannot reach the network (Landlock ABI >= 4, or a network namespace)."""
        return self.active and not self.network and (self.kernel_abi >= 4 or self.private_mounts)

    @property
    def status(self) -> dict[str, object]:
        """For ``episode_started`` and the status line: {"active", "kind", "mode", "network", "detail"}."""
        abi = self.kernel_abi
        if self.mode == "off":
            detail = "sandbox off ([sandbox] mode = \"off\"): commands run unconfined"
        elif abi <= 0:
            where = "this system" if sys.platform.startswith("linux") else sys.platform
            detail = f"no sandbox on {where} (Landlock unavailable): every command that is not read-only needs approval"
        else:
            net = "network off" if self.network_off else "network allowed"
            git = ".git read-only" if self.private_mounts else ".git writable (no user namespaces)"
            detail = f"Landlock ABI {abi}: {self.mode}, {net}, {git}"
        return {
            "active": self.active,
            "kind": "landlock" if self.active else "none",
            "mode": self.mode,
            "network": not self.network_off,
            "detail": detail,
        }

    def rules(self, cwd: str | os.PathLike[str], tmpdir: str | os.PathLike[str]) -> dict[str, object]:
        """The Landlock rules for a command run in ``cwd`` with its private ``tmpdir``."""
        homes = [_real(h) for h in self.homes]
        hidden = [os.path.join(h, name) for h in homes for name in ("workbench", "config.toml")]
        read, passed = carve("/", hidden)
        write = [_real(tmpdir)] + [d for d in _DEVICES if os.path.exists(d)]
        work = _real(cwd)
        mounts = self.private_mounts
        bundled = package_data_dir("skills")
        keep = homes + ([_real(bundled)] if bundled is not None else [])
        if self.mode == "workspace-write" and not _too_broad(work):
            write += carve(work, [] if mounts else keep)[0]
        rules: dict[str, object] = {"abi": self.kernel_abi, "read": read, "list": passed, "write": write, "network": self.network}
        if mounts:
            rules["readonly"] = [os.path.join(work, ".git"), *keep]
            services = [_real(p.format(uid=os.getuid())) for p in _SERVICE_SOCKETS]
            rules["hide"] = hidden + [p for p in services if os.path.exists(p) and not _within(work, p)]
        return rules

    def wrap(self, argv: list[str], *, cwd: str | os.PathLike[str], tmpdir: str | os.PathLike[str]) -> list[str]:
        """``argv`` confined (unchanged when the sandbox is not active)."""
        if not self.active:
            return list(argv)
        rules = json.dumps(self.rules(cwd, tmpdir), separators=(",", ":"))
        return [sys.executable, "-S", "-E", _HELPER, rules, "--", *argv]


def _too_broad(work: str) -> bool:
    """``/`` or the user's home (or a folder above it) as the workspace: then it stays read-only
    (a workspace that holds ~/.bashrc, ~/.ssh and autostart folders would contain nothing)."""
    user_home = _real(os.path.expanduser("~"))
    return work == "/" or _within(user_home, work)


OUTSIDE = "outside-sandbox:"  # + the command's prefix: the rule an approval to run unconfined remembers


def _names_the_workbench(command: str, homes: Iterable[str]) -> bool:
    """A command that names a home, its workbench or its settings is never "just reading"."""
    words = ("workbench", "config.toml", ".hermes", *homes)
    return any(word in command for word in words)


def approvals_needed(command: str, sandbox: Sandbox, *, outside: bool = False) -> tuple[tuple[str, str], ...]:
    """The (rule, reason) pairs a person must approve before ``command`` runs.

    Sandboxed: only what the sandbox does not contain (``UNCONTAINED_RULES``). Outside
    it (asked for, or no sandbox on this system): every rule the guard matched, plus an
    approval to run unconfined, remembered by the command's prefix; with no sandbox to
    be had, a command on the short read-only list needs none. With ``mode = "off"``
    (the person's choice) only the guard's rules.
    """
    verdict = classify_command(command)
    if sandbox.active and not outside:
        return tuple(m for m in verdict.matches if m[0] in UNCONTAINED_RULES)
    needed = list(verdict.matches)
    exempt = not sandbox.active and is_read_only(command) and not _names_the_workbench(command, sandbox.homes)
    if sandbox.mode != "off" and not exempt:
        why = "asked to run outside the sandbox" if sandbox.active else "there is no sandbox on this system"
        needed.append((OUTSIDE + command_prefix(command), f"{why}: it runs unconfined, with your rights"))
    return tuple(needed)


def sandbox_for(config: object, home: object) -> Sandbox:
    """The sandbox a session's settings ask for (``[sandbox] mode``, ``network``)."""
    section = getattr(config, "sandbox")
    return Sandbox(mode=section.mode, network=bool(section.network), homes=(str(getattr(home, "root")),))


__all__ = ["MODES", "OUTSIDE", "Sandbox", "approvals_needed", "carve", "landlock_abi", "sandbox_for"]
