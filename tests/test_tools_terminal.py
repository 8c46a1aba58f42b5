"""The terminal tool with real child processes and a real ApprovalBroker.

Every command here is harmless even if the guard misjudged it: "dangerous" ones only
touch folders inside tmp_path or name programs that do not exist.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from hermes_tui.core.agent.approvals import ApprovalBroker
from hermes_tui.core.agent.events import ApprovalRequested, ApprovalResolved, Event
from hermes_tui.core.agent.tools.base import ToolContext, ToolRegistry
from hermes_tui.core.agent.tools.registry import build_default_registry
from hermes_tui.core.agent.tools.terminal import TerminalTool, run_shell
from hermes_tui.core.config import Config
from hermes_tui.core.sandbox import Sandbox


def make_ctx(home, cwd: Path, *, policy: str | None = "deny", timeout: float = 5.0, answer: str | None = None,
             sandbox: Sandbox = Sandbox(mode="off")):
    """A context with a real broker; ``answer`` makes a thread answer every request.

    The sandbox is off by default here: these tests are about the guard's approvals
    (test_sandbox.py covers commands run in the sandbox)."""
    events: list[Event] = []
    broker_box: list[ApprovalBroker] = []

    def emit(event: Event) -> None:
        events.append(event)
        if answer is not None and isinstance(event, ApprovalRequested):
            def respond() -> None:  # the request registers just after emitting: retry briefly
                deadline = time.monotonic() + 5
                while not broker_box[0].answer(event.request_id, answer) and time.monotonic() < deadline:
                    time.sleep(0.01)

            threading.Thread(target=respond, daemon=True).start()

    broker = ApprovalBroker(emit, episode_id="ep-1", timeout=timeout, policy=None if answer or policy is None else policy)
    broker_box.append(broker)
    ctx = ToolContext(home=home, config=Config(), cwd=cwd, episode_id="ep-1", approvals=broker, emit=emit, call_id="call-1",
                      sandbox=sandbox)
    return ctx, events


def alive(pid: int) -> bool:
    """True while the process exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_gone(pids: list[int], seconds: float = 3.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not any(alive(pid) for pid in pids):
            return True
        time.sleep(0.05)
    return False


def run(ctx: ToolContext, command: str, **extra) -> object:
    return ToolRegistry([TerminalTool()]).run("terminal", {"command": command, **extra}, ctx)


def test_output_exit_code_and_cwd(home, tmp_path: Path) -> None:
    ctx, _ = make_ctx(home, tmp_path)
    result = run(ctx, "pwd; echo out; echo err >&2; exit 3")
    assert result.exit_code == 3
    assert result.error is None
    assert result.output == f"{tmp_path}\nout\nerr\n[exit code: 3]"


def test_stdin_is_closed_and_empty_output_is_said(home, tmp_path: Path) -> None:
    ctx, _ = make_ctx(home, tmp_path)
    start = time.monotonic()
    result = run(ctx, "cat")
    assert time.monotonic() - start < 5
    assert result.output == "(no output)\n[exit code: 0]"


def test_hermes_variables_are_removed(home, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HERMES_API_KEY", "internal-value")
    monkeypatch.setenv("SOME_OTHER_VAR", "kept")
    ctx, _ = make_ctx(home, tmp_path)
    result = run(ctx, 'echo "[${HERMES_API_KEY:-}][${HERMES_HOME:-}][$SOME_OTHER_VAR][$PAGER]"')
    assert result.output.startswith("[][][kept][cat]\n")


def test_colour_codes_and_progress_lines_are_cleaned(home, tmp_path: Path) -> None:
    ctx, _ = make_ctx(home, tmp_path)
    result = run(ctx, r"printf '\033[31mred\033[0m\n10%%\r50%%\r100%%\n'")
    assert result.output.startswith("red\n100%\n")


def test_timeout_kills_the_whole_group(home, tmp_path: Path) -> None:
    ctx, _ = make_ctx(home, tmp_path)
    start = time.monotonic()
    result = run(ctx, "echo $$ > pids; sleep 30 & echo $! >> pids; sleep 30", timeout=1)
    elapsed = time.monotonic() - start
    assert result.error == "timed out after 1 s"
    assert "killed" in result.output
    assert elapsed < 6
    pids = [int(p) for p in (tmp_path / "pids").read_text().split()]
    assert len(pids) == 2
    assert wait_gone(pids), "a child of the timed-out command is still running"


def test_cancel_stops_the_command(home, tmp_path: Path) -> None:
    ctx, _ = make_ctx(home, tmp_path)
    threading.Timer(0.3, ctx.cancel.set).start()
    start = time.monotonic()
    result = run(ctx, "echo $$ > pid; sleep 30")
    assert result.error == "cancelled"
    assert time.monotonic() - start < 5
    assert wait_gone([int((tmp_path / "pid").read_text())])


def test_background_job_holding_the_output_is_stopped(home, tmp_path: Path) -> None:
    ctx, _ = make_ctx(home, tmp_path)
    start = time.monotonic()
    result = run(ctx, "sleep 30 & echo $! > bg; echo started")
    assert time.monotonic() - start < 8
    assert result.exit_code == 0
    assert "background processes kept the output open" in result.output
    assert wait_gone([int((tmp_path / "bg").read_text())])


def test_background_job_with_redirected_output_keeps_running(home, tmp_path: Path) -> None:
    ctx, _ = make_ctx(home, tmp_path)
    result = run(ctx, "sleep 30 > /dev/null 2>&1 & echo $! > bg")
    assert result.exit_code == 0
    pid = int((tmp_path / "bg").read_text())
    try:
        assert alive(pid)
    finally:
        import os
        import signal

        os.kill(pid, signal.SIGKILL)


def test_big_output_is_cut_with_a_marker(home, tmp_path: Path) -> None:
    ctx, _ = make_ctx(home, tmp_path)
    registry = ToolRegistry([TerminalTool()], output_limit=2000)
    result = registry.run("terminal", {"command": "seq 1 200000"}, ctx)
    assert result.truncated
    assert "output cut" in result.output
    assert result.output.startswith("1\n2\n3\n")
    assert result.output.endswith("200000\n[exit code: 0]")


def test_capture_memory_is_bounded(tmp_path: Path) -> None:
    outcome = run_shell("seq 1 300000", cwd=tmp_path, timeout=30, keep_bytes=1000)
    assert "bytes of output not kept" in outcome.output
    assert len(outcome.output) < 4000
    assert outcome.output.rstrip().endswith("300000")
    assert outcome.returncode == 0


def test_denied_command_never_runs(home, tmp_path: Path) -> None:
    ctx, events = make_ctx(home, tmp_path, policy="all")
    result = run(ctx, "mkfs.hermes-test-nothing /nonexistent-device; touch ran")
    assert result.error == "blocked by rule mkfs"
    assert "never run" in result.output
    assert not (tmp_path / "ran").exists()
    assert not any(isinstance(e, ApprovalRequested) for e in events)


def test_approved_command_runs_after_a_person_answers(home, tmp_path: Path) -> None:
    (tmp_path / "victim" / "sub").mkdir(parents=True)
    ctx, events = make_ctx(home, tmp_path, answer="once")
    result = run(ctx, "rm -r victim && echo removed")
    assert result.exit_code == 0 and "removed" in result.output
    assert not (tmp_path / "victim").exists()
    requested = [e for e in events if isinstance(e, ApprovalRequested)]
    assert len(requested) == 1
    assert (requested[0].tool, requested[0].rule, requested[0].call_id) == ("terminal", "recursive-rm", "call-1")
    assert requested[0].command == "rm -r victim && echo removed"
    assert [e.decision for e in events if isinstance(e, ApprovalResolved)] == ["once"]


def test_denied_by_the_user(home, tmp_path: Path) -> None:
    (tmp_path / "victim").mkdir()
    ctx, _ = make_ctx(home, tmp_path, answer="deny")
    result = run(ctx, "rm -r victim")
    assert result.error == "denied by the user"
    assert (tmp_path / "victim").is_dir()


def test_no_answer_means_denied(home, tmp_path: Path) -> None:
    (tmp_path / "victim").mkdir()
    ctx, events = make_ctx(home, tmp_path, policy=None, timeout=0.3)
    result = run(ctx, "rm -r victim")
    assert result.error == "no answer: denied"
    assert (tmp_path / "victim").is_dir()
    assert [e.decision for e in events if isinstance(e, ApprovalResolved)] == ["timeout"]


def test_session_approval_is_remembered_per_rule(home, tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
    ctx, events = make_ctx(home, tmp_path, answer="session")
    assert run(ctx, "rm -r a").exit_code == 0
    assert run(ctx, "rm -r b").exit_code == 0
    assert len([e for e in events if isinstance(e, ApprovalRequested)]) == 1
    # another rule still asks
    ctx2_result = run(ctx, "git -C . reset --hard 2>/dev/null; true")
    assert ctx2_result.exit_code == 0
    assert [e.rule for e in events if isinstance(e, ApprovalRequested)] == ["recursive-rm", "git-reset-hard"]


def test_every_matched_rule_needs_its_approval(home, tmp_path: Path) -> None:
    from hermes_tui.core.guard.commands import classify_command

    command = "cat /dev/null | sudo -n bash 2>/dev/null; echo done"  # harmless: bash reads an empty stdin
    assert [rule for rule, _ in classify_command(command).matches] == ["sudo", "pipe-to-shell"]
    ctx, events = make_ctx(home, tmp_path, answer="once")
    ctx.approvals.session_rules.add("sudo")  # approved earlier in the session
    result = run(ctx, command)
    assert result.error is None and "done" in result.output
    assert [e.rule for e in events if isinstance(e, ApprovalRequested)] == ["pipe-to-shell"]


def test_a_command_needing_two_rules_is_asked_once_for_both(home, tmp_path: Path) -> None:
    command = "cat /dev/null | sudo -n bash 2>/dev/null; echo done"  # harmless: bash reads an empty stdin
    ctx, events = make_ctx(home, tmp_path, answer="session")
    assert "done" in run(ctx, command).output
    requests = [e for e in events if isinstance(e, ApprovalRequested)]
    assert len(requests) == 1  # one modal, not one per rule
    assert [rule for rule, _reason in requests[0].rules] == ["sudo", "pipe-to-shell"]
    assert requests[0].rule == "sudo, pipe-to-shell"
    assert ctx.approvals.session_rules >= {"sudo", "pipe-to-shell"}  # the answer covers each rule
    assert "done" in run(ctx, command).output
    assert len([e for e in events if isinstance(e, ApprovalRequested)]) == 1  # not asked again


def test_a_refusal_names_every_rule_it_covered(home, tmp_path: Path) -> None:
    ctx, events = make_ctx(home, tmp_path, answer="deny")
    result = run(ctx, "cat /dev/null | sudo -n bash 2>/dev/null; echo done")
    assert result.error == "denied by the user"
    assert "(sudo, pipe-to-shell: " in result.output and "done" not in result.output
    assert [e.decision for e in events if isinstance(e, ApprovalResolved)] == ["deny"]


def test_bad_arguments_are_error_results(home, tmp_path: Path) -> None:
    ctx, _ = make_ctx(home, tmp_path)
    registry = build_default_registry(Config())
    assert registry.run("terminal", {}, ctx).error == "missing the 'command' argument"
    assert "whole number" in registry.run("terminal", {"command": "true", "timeout": "soon"}, ctx).error
    missing = ToolContext(**{**ctx.__dict__, "cwd": tmp_path / "nope"})
    assert "does not exist" in registry.run("terminal", {"command": "true"}, missing).error


def test_default_registry_has_every_tool() -> None:
    config = Config()
    config.agent.tool_output_chars = 1234
    registry = build_default_registry(config)
    assert registry.output_limit == 1234
    assert registry.names() == [
        "terminal", "read_file", "write_file", "patch", "search_files", "memory",
        "session_search", "skills_list", "skill_view", "skill_manage",
    ]
    for schema in registry.schemas():
        function = schema["function"]
        assert function["parameters"]["type"] == "object"
        assert set(function["parameters"]["required"]) <= set(function["parameters"]["properties"])
        assert 40 < len(function["description"]) < 700
