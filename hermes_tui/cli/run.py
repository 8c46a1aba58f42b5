"""`hermes-tui run "TASK"`: do one task to completion in the current folder, headless.

``--json`` prints the event stream as JSON lines (one ``Event.to_dict()`` per line;
the last line is the ``episode_finished`` event). Without it a readable live trace
goes to stdout. Exit code 0 on success, 1 on failure or interruption, 2 on bad usage
(including no model configured, or an invalid api_base). Ctrl+C cancels at once
(also while litellm is still being imported) and records the episode as
interrupted (a second Ctrl+C stops at once).

Learning: with ``--learn`` (or ``[learning] enabled = true``) the finished episode goes
through the learning loop; its ``candidate_created`` / ``skill_patch_proposed`` events
follow ``episode_finished`` in the stream. ``episode_started`` says whether learning is on.

Approvals: ``--approve all|deny`` answers every request; otherwise a person is asked
on the terminal when stdin is a terminal (and never with ``--json``), else denied
("no one to ask").
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from typing import Any, Callable

from hermes_tui.cli.common import Workspace, stdout_is_tty
from hermes_tui.core.agent.events import (
    ApprovalRequested,
    ApprovalResolved,
    CandidateCreated,
    EpisodeFinished,
    EpisodeStarted,
    ErrorEvent,
    Event,
    Retrying,
    SkillLoaded,
    SkillPatchProposed,
    TextDelta,
    ToolCallFinished,
    ToolCallStarted,
    TurnStarted,
)
from hermes_tui.errors import ModelNotConfigured, UsageError


def register(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    """Add the `run` command to the parser."""
    p = sub.add_parser("run", parents=[parent], help="do one task with the agent, headless")
    p.add_argument("task", metavar="TASK", help="what to do (a leading /skill-name loads that skill)")
    p.add_argument("--model", metavar="M", help="a litellm model, e.g. openai/gpt-4o-mini")
    p.add_argument("--api-base", metavar="URL", help="the model endpoint (e.g. an OpenAI-compatible server)")
    p.add_argument("--api-key", metavar="K", help="the API key (prefer the provider's environment variable)")
    p.add_argument("--approve", choices=("deny", "all"), help="answer every approval request without asking")
    p.add_argument("--max-steps", type=int, metavar="N", help="stop after N model turns")
    p.add_argument("--timeout", type=float, metavar="SECONDS", help="wait at most this long for the model's answer")
    p.add_argument("--max-retries", type=int, metavar="N", help="retries of a rate limit, server error, timeout or dropped connection")
    p.add_argument("--json", action="store_true", help="print the events as JSON lines")
    p.add_argument("--learn", action="store_true", help="learn from this episode (skill candidates go to pending/)")
    p.set_defaults(func=cmd_run)


def cmd_run(args: argparse.Namespace) -> int:
    if not args.task.strip():
        raise UsageError("the task is empty")
    if args.max_steps is not None and args.max_steps < 1:
        raise UsageError("--max-steps must be at least 1")
    if args.timeout is not None and not args.timeout > 0:
        raise UsageError("--timeout must be a positive number of seconds")
    if args.max_retries is not None and args.max_retries < 0:
        raise UsageError("--max-retries must be 0 or more")
    with Workspace(args, strict_config=True) as ws:
        config = ws.config
        if args.model:
            config.model.name = args.model
        if args.api_base:
            config.model.api_base = args.api_base
        if args.api_key:
            config.model.api_key = args.api_key
        if args.max_steps is not None:
            config.agent.max_steps = args.max_steps
        if args.timeout is not None:
            config.model.timeout = args.timeout
        if args.max_retries is not None:
            config.model.max_retries = args.max_retries
        if args.learn:
            config.learning.enabled = True
        try:
            agent = ws.make_agent(approval_policy=args.approve)
        except ModelNotConfigured as exc:
            raise UsageError(exc.message.replace("~/.hermes/config.toml", str(ws.home.config_path))) from None
        interactive = args.approve is None and not args.json and _stdin_is_tty()
        if args.approve is None and not interactive:
            agent.approval_policy = "unattended"  # nobody to ask: deny, and say so
        sink: Callable[[Event], None] = JsonSink() if args.json else TraceSink(agent, interactive=interactive)
        ws.events.subscribe(sink)
        cancel = threading.Event()
        with _ctrl_c_cancels(cancel):
            result = agent.run(args.task, cancel=cancel)
            if config.learning.enabled and result.outcome != "interrupted":
                ws.learn(result.episode_id, config)
        if isinstance(sink, TraceSink):
            sink.close()
        return 0 if result.outcome == "success" else 1


def _stdin_is_tty() -> bool:
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


class _ctrl_c_cancels:
    """While active, the first Ctrl+C sets ``cancel``; a second one stops at once."""

    def __init__(self, cancel: threading.Event) -> None:
        self.cancel = cancel
        self._previous: Any = None

    def _handler(self, signum: int, frame: Any) -> None:
        if self.cancel.is_set():
            raise KeyboardInterrupt
        self.cancel.set()
        print("hermes-tui: cancelling (Ctrl+C again to stop at once)", file=sys.stderr, flush=True)

    def __enter__(self) -> "_ctrl_c_cancels":
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handler)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)


class JsonSink:
    """One JSON object per event, one per line, flushed at once."""

    def __call__(self, event: Event) -> None:
        sys.stdout.write(json.dumps(event.to_dict(), ensure_ascii=False, default=str) + "\n")
        sys.stdout.flush()


class TraceSink:
    """A readable live trace on stdout (rich); asks approvals on the terminal when interactive."""

    RESULT_LINES = 4
    RESULT_CHARS = 300

    def __init__(self, agent: Any, *, interactive: bool) -> None:
        from rich.console import Console

        self.agent = agent
        self.interactive = interactive
        self.console = Console(highlight=False, soft_wrap=True)
        self._spinner: Any = None
        self._in_text = False

    def close(self) -> None:
        self._stop_spinner()

    # spinner while waiting for the model (terminals only)
    def _start_spinner(self) -> None:
        if stdout_is_tty() and self._spinner is None:
            self._spinner = self.console.status("waiting for the model…")
            self._spinner.start()

    def _stop_spinner(self) -> None:
        if self._spinner is not None:
            self._spinner.stop()
            self._spinner = None

    def _end_text(self) -> None:
        if self._in_text:
            self.console.print()
            self._in_text = False

    def __call__(self, event: Event) -> None:
        out = self.console
        if isinstance(event, EpisodeStarted):
            if event.learning:
                out.print("[dim]learning on: this episode may become a skill candidate[/]")
            return
        if isinstance(event, TurnStarted):
            self._start_spinner()
            return
        self._stop_spinner()
        if isinstance(event, TextDelta):
            out.print(event.text, end="", markup=False)
            self._in_text = True
            return
        self._end_text()
        if isinstance(event, EpisodeStarted) and event.sandbox:
            style = "dim" if event.sandbox.get("active") else "bold yellow"
            out.print(f"sandbox: {event.sandbox.get('detail', '')}", markup=False, style=style)
        elif isinstance(event, ToolCallStarted):
            args = event.arguments if isinstance(event.arguments, str) else json.dumps(event.arguments, ensure_ascii=False)
            out.print(f"[bold cyan]▶ {event.name}[/] ", end="")
            out.print(_shorten(args, self.RESULT_CHARS), markup=False)
        elif isinstance(event, ToolCallFinished):
            mark = "[red]✗[/]" if event.error else "[green]✓[/]"
            status = f" (exit {event.exit_code})" if event.exit_code not in (None, 0) else ""
            out.print(f"  {mark} {event.name}{status} {event.duration_ms:.0f} ms")
            lines = event.result.splitlines()[: self.RESULT_LINES]
            for line in lines:
                out.print("    " + _shorten(line, self.RESULT_CHARS), markup=False, style="dim")
        elif isinstance(event, Retrying):
            out.print(f"[yellow]↻ retry {event.attempt} in {event.delay:.1f}s:[/] ", end="")
            out.print(event.reason, markup=False)
        elif isinstance(event, SkillLoaded):
            out.print(f"[magenta]◆ skill loaded: {event.name}[/] ({event.via})", markup=True)
        elif isinstance(event, ApprovalRequested):
            out.print(f"[bold yellow]? approval needed[/] ({event.rule}): ", end="")
            out.print(f"{event.command} — {event.reason}", markup=False)
            if self.interactive:
                threading.Thread(target=self._ask, args=(event,), daemon=True).start()
        elif isinstance(event, ApprovalResolved):
            out.print(f"  approval: {event.decision}", markup=False)
        elif isinstance(event, (CandidateCreated, SkillPatchProposed)):
            what = "skill candidate" if isinstance(event, CandidateCreated) else "skill patch proposed"
            state = "approved" if event.approved else f"pending {event.pending_id}"
            out.print(f"[magenta]✚ {what}: {event.skill} ({state})[/]", markup=True)
        elif isinstance(event, ErrorEvent):
            out.print("[red]error:[/] ", end="")
            out.print(event.message, markup=False)
        elif isinstance(event, EpisodeFinished):
            usage = f"{event.steps} steps, {event.prompt_tokens + event.completion_tokens} tokens"
            if event.cost is not None:
                usage += f", ${event.cost:.4f}"
            colour = {"success": "green", "interrupted": "yellow"}.get(event.outcome, "red")
            out.print(f"[bold {colour}]{event.outcome}[/] ({usage})", end="")
            out.print(f": {event.reason}" if event.reason else "", markup=False)

    def _ask(self, event: ApprovalRequested) -> None:
        """Ask on the terminal (in a thread: the loop is waiting in the broker)."""
        choices = {"o": "once", "s": "session", "a": "always", "d": "deny", "": "deny"}
        try:
            reply = input("  allow? [o]nce / [s]ession / [a]lways / [d]eny: ").strip().lower()
        except (EOFError, OSError):
            reply = "d"
        decision = choices.get(reply[:1], "deny")
        broker = self.agent.approvals
        if broker is not None:
            broker.answer(event.request_id, decision)


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split()) if "\n" in text else text
    return text if len(text) <= limit else text[: limit - 1] + "…"
