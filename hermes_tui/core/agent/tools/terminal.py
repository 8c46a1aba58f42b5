"""The ``terminal`` tool: run a shell command, guarded, with a timeout and cancel."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hermes_tui.core.agent.tools._common import ask, int_arg, str_arg
from hermes_tui.core.agent.tools.base import ToolContext, ToolError, ToolResult
from hermes_tui.core.guard.commands import APPROVE, DENY, classify_command

MAX_TIMEOUT = 600.0  # seconds; a larger configured default raises the cap to it
KILL_GRACE = 0.5  # seconds between SIGTERM and SIGKILL
DRAIN_AFTER_EXIT = 1.5  # seconds to wait for the output pipe to close after the shell exits
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
) -> ShellOutcome:
    """Run ``bash -c command`` in its own process group; stdin closed, stdout+stderr merged.

    The group is killed on timeout and on ``cancel``, and when background processes
    keep the output open after the shell exits.
    """
    try:
        proc = subprocess.Popen(
            ["bash", "-c", command],
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=child_environment() if env is None else env,
            start_new_session=True,
        )
    except OSError as exc:
        raise ToolError(f"cannot start bash: {(exc.strerror or str(exc)).lower()}") from None
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


class TerminalTool:
    name = "terminal"
    description = (
        "Run a shell command with bash in the session's working folder; returns its output "
        "(stdout and stderr together) and exit code. Use it to run programs, tests, git, builds and "
        "package managers. Commands cannot be interactive (stdin is closed: pass -y, --no-pager ...). "
        "Dangerous commands are refused or wait for the user's approval. Background jobs must send "
        "their output to a file (cmd > log 2>&1 &) or they are stopped when the command ends. "
        "Prefer read_file, search_files and patch for reading and editing files."
    )
    parameters: dict[str, Any] = {
        "type": "object",
        "properties": {
            "command": {"type": "string", "description": "The shell command to run."},
            "timeout": {
                "type": "integer",
                "description": "Seconds before the command is killed (default from the settings, at most 600).",
            },
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
        if verdict.action == APPROVE:
            refusal = ask(ctx, tool=self.name, command=command, matches=verdict.matches, what="the command")
            if refusal is not None:
                return refusal
        keep = max(int(ctx.config.agent.tool_output_chars), 16_000) * 2
        outcome = run_shell(command, cwd=Path(ctx.cwd), timeout=timeout, cancel=ctx.cancel, keep_bytes=keep)
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
        return ToolResult(output=f"{text}{note}[exit code: {outcome.returncode}]", exit_code=outcome.returncode)
