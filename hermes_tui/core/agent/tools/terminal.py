"""The ``terminal`` tool: run a shell command, guarded, with a timeout and cancel."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hermes_tui.core.fsutil import os_error_reason
from hermes_tui.core.agent.tools._common import ask, bool_arg, int_arg, str_arg
from hermes_tui.core.agent.tools.base import ToolContext, ToolError, ToolResult
from hermes_tui.core.guard.commands import DENY, classify_command
from hermes_tui.core.sandbox import Sandbox, approvals_needed, sandbox_for

MAX_TIMEOUT = 600.0  # seconds; a larger configured default raises the cap to it
KILL_GRACE = 0.5  # seconds between SIGTERM and SIGKILL
DRAIN_AFTER_EXIT = 1.5  # seconds to wait for the output pipe to close after the shell exits
# Output that suggests the sandbox stopped the command (then the model is told how to ask).
_BLOCKED = re.compile(
    r"Permission denied|Read-only file system|Operation not permitted|Network is unreachable"
    r"|Could not resolve host|Temporary failure in name resolution|Failed to connect|Connection refused"
)
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][A-Za-z0-9]|\x1b[=>]")


def child_environment(base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a command: ours without HERMES_* variables, with pagers off."""
    env = {k: v for k, v in (os.environ if base is None else base).items() if not k.startswith("HERMES_")}
    env.update({"PAGER": "cat", "GIT_PAGER": "cat", "GIT_TERMINAL_PROMPT": "0"})
    return env


class _Capture:
    """Keeps the head and the tail of a command's output (memory bounded by ~3 x keep bytes)."""

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self.head = bytearray()
        self.tail = bytearray()
        self.dropped = 0

    def add(self, chunk: bytes) -> None:
        room = self.keep - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        if not chunk:
            return
        self.tail += chunk
        if len(self.tail) > 2 * self.keep:
            cut = len(self.tail) - self.keep
            self.dropped += cut
            del self.tail[:cut]

    def text(self) -> str:
        extra = max(0, len(self.tail) - self.keep)
        dropped = self.dropped + extra
        head = bytes(self.head).decode("utf-8", errors="replace")
        tail = bytes(self.tail[extra:]).decode("utf-8", errors="replace")
        middle = f"\n[... {dropped} bytes of output not kept ...]\n" if dropped else ""
        return head + middle + tail


def clean_output(text: str) -> str:
    """Remove colour codes and keep only the last state of carriage-return progress lines."""
    text = _ANSI.sub("", text).replace("\r\n", "\n")
    if "\r" in text:
        text = "\n".join(line.rsplit("\r", 1)[-1] if "\r" in line else line for line in text.split("\n"))
    return text


@dataclass
class ShellOutcome:
    output: str
    returncode: int | None
    timed_out: bool = False
    cancelled: bool = False
    leftovers_killed: bool = False  # background processes held the output open and were stopped


def _kill_group(pgid: int) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pgid, sig)
        except (ProcessLookupError, PermissionError):
            return
        if sig == signal.SIGTERM:
            deadline = time.monotonic() + KILL_GRACE
            while time.monotonic() < deadline:
                try:
                    os.killpg(pgid, 0)
                except (ProcessLookupError, PermissionError):
                    return
                time.sleep(0.02)


def run_shell(
    command: str,
    *,
    cwd: Path,
    timeout: float,
    cancel: threading.Event | None = None,
    keep_bytes: int = 256_000,
    env: dict[str, str] | None = None,
    argv: list[str] | None = None,
) -> ShellOutcome:
    """Run ``bash -c command`` (or ``argv``, which runs it: the sandbox's helper) in its
    own process group; stdin closed, stdout+stderr merged.

    The group is killed on timeout and on ``cancel``, and when background processes
    keep the output open after the shell exits.
    """
    try:
        proc = subprocess.Popen(
            argv or ["bash", "-c", command],
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=child_environment() if env is None else env,
            start_new_session=True,
        )
    except OSError as exc:
        raise ToolError(f"cannot start bash: {os_error_reason(exc)}") from None
    capture = _Capture(keep_bytes)
    assert proc.stdout is not None
    fd = proc.stdout.fileno()

    def reader() -> None:
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            capture.add(chunk)

    thread = threading.Thread(target=reader, name="terminal-output", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    timed_out = cancelled = leftovers = False
    try:
        while True:
            try:
                proc.wait(timeout=0.05)
                break
            except subprocess.TimeoutExpired:
                pass
            if cancel is not None and cancel.is_set():
                cancelled = True
            elif time.monotonic() >= deadline:
                timed_out = True
            if cancelled or timed_out:
                _kill_group(proc.pid)
                proc.wait()
                break
        thread.join(DRAIN_AFTER_EXIT)
        if thread.is_alive():  # background children still hold the pipe
            leftovers = True
            _kill_group(proc.pid)
            thread.join(5)
    finally:
        if proc.poll() is None:
            _kill_group(proc.pid)
            proc.wait()
        proc.stdout.close()
    return ShellOutcome(clean_output(capture.text()), proc.returncode, timed_out, cancelled, leftovers)


def _run_confined(command: str, sandbox: Sandbox | None, *, cwd: Path, timeout: float,
                  cancel: threading.Event | None, keep_bytes: int) -> ShellOutcome:
    """Run ``command`` in ``sandbox`` (None: unconfined) with a private TMPDIR, removed after."""
    env = child_environment()
    with tempfile.TemporaryDirectory(prefix="hermes-cmd-") as tmpdir:
        env.update(TMPDIR=tmpdir, TMP=tmpdir, TEMP=tmpdir)
        argv = sandbox.wrap(["bash", "-c", command], cwd=cwd, tmpdir=tmpdir) if sandbox else None
        return run_shell(command, cwd=cwd, timeout=timeout, cancel=cancel, keep_bytes=keep_bytes, env=env, argv=argv)


class TerminalTool:
    name = "terminal"
    description = (
        "Run a shell command with bash in the working folder; returns its output (stdout and stderr "
        "together) and exit code. Not interactive (stdin is closed: pass -y, --no-pager ...). It runs in a "
        "sandbox: writes only in the working folder (not .git) and $TMPDIR, no network unless allowed. "
        "When a command needs more (network, paths outside, git commit), set outside_sandbox with a "
        "justification: the user is asked. Destructive commands are refused. Background jobs must send "
        "output to a file (cmd > log 2>&1 &). Prefer read_file, search_files and patch for files."
    )
    parameters: dict[str, Any] = {
        "type": "object",
        "properties": {
            "command": {"type": "string", "description": "The shell command to run."},
            "timeout": {
                "type": "integer",
                "description": "Seconds before the command is killed (default from the settings, at most 600).",
            },
            "outside_sandbox": {
                "type": "boolean",
                "description": "Run without the sandbox (the network, paths outside the working folder); the user must approve.",
            },
            "justification": {"type": "string", "description": "Why the command needs to run outside the sandbox."},
        },
        "required": ["command"],
    }

    def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolResult:
        command = str_arg(args, "command")
        assert command is not None
        default = float(ctx.config.agent.tool_timeout)
        cap = max(MAX_TIMEOUT, default)
        timeout = float(int_arg(args, "timeout", int(default), low=1, high=int(cap)))
        if not Path(ctx.cwd).is_dir():
            raise ToolError(f"the working folder {ctx.cwd} does not exist")
        verdict = classify_command(command)
        if verdict.action == DENY:
            return ToolResult(
                output=f"error: blocked ({verdict.rule}): {verdict.reason}. This command is never run; "
                "find a safer way or ask the user to run it.",
                error=f"blocked by rule {verdict.rule}",
            )
        sandbox = ctx.sandbox or sandbox_for(ctx.config, ctx.home)
        outside = bool_arg(args, "outside_sandbox")
        shown = command
        justification = str_arg(args, "justification", required=False)
        if outside and justification:
            shown = f"{command}\n# why: {' '.join(justification.split())[:300]}"
        matches = approvals_needed(command, sandbox, outside=outside)
        if matches:
            refusal = ask(ctx, tool=self.name, command=shown, matches=matches, what="the command")
            if refusal is not None:
                return refusal
        confined = sandbox.active and not outside
        keep = max(int(ctx.config.agent.tool_output_chars), 16_000) * 2
        outcome = _run_confined(command, sandbox if confined else None, cwd=Path(ctx.cwd), timeout=timeout,
                                cancel=ctx.cancel, keep_bytes=keep)
        text = outcome.output if outcome.output.strip() else "(no output)\n"
        if not text.endswith("\n"):
            text += "\n"
        if outcome.timed_out:
            error = f"timed out after {timeout:g} s"
            return ToolResult(output=f"{text}[{error}; the command and its children were killed]",
                              exit_code=outcome.returncode, error=error)
        if outcome.cancelled:
            return ToolResult(output=f"{text}[cancelled; the command and its children were killed]",
                              exit_code=outcome.returncode, error="cancelled")
        note = "[background processes kept the output open and were stopped]\n" if outcome.leftovers_killed else ""
        if confined and outcome.returncode and _BLOCKED.search(text):
            note += (f"[the sandbox may have stopped this ({sandbox.status['detail']}); if the task needs it, "
                     "run it again with outside_sandbox: true and a justification, and the user will be asked]\n")
        return ToolResult(output=f"{text}{note}[exit code: {outcome.returncode}]", exit_code=outcome.returncode)
