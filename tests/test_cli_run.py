"""`hermes-tui run` in child processes against the scripted HTTP server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hermes_tui.core.store import Store
from tests.llm_server import Call, HttpError, Reply, ScriptedServer, llm_server  # noqa: F401

pytestmark = pytest.mark.slow  # child processes that import litellm


def hermes(args: list[str], cwd: Path, **kw) -> subprocess.Popen:
    env = {**os.environ, "HERMES_HOME": str(cwd / "home"), "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "hermes_tui", *args],
        cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, **kw,
    )  # fmt: skip


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    proc = hermes(args, cwd)
    out, err = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(args, proc.returncode, out, err)


def model_args(server: ScriptedServer) -> list[str]:
    return ["--model", server.model, "--api-base", server.url, "--api-key", server.api_key]


def json_lines(text: str) -> list[dict]:
    lines = [json.loads(line) for line in text.splitlines()]
    assert lines and all(isinstance(line, dict) and line.get("type") for line in lines)
    return lines


def test_run_json_success(tmp_path: Path, llm_server: ScriptedServer) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    llm_server.queue(
        Reply(text="Checking.", tool_calls=[Call("no_such_tool", {"path": "notes.txt"})]),
        Reply(text="The file says hello."),
    )
    proc = run(["run", "what is in notes.txt?", "--json", *model_args(llm_server)], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    events = json_lines(proc.stdout)
    assert events[0]["type"] == "episode_started" and events[0]["cwd"] == str(tmp_path)
    assert set(events[0]["sandbox"]) == {"active", "kind", "mode", "network", "detail"}
    call = next(e for e in events if e["type"] == "tool_call")
    assert call["name"] == "no_such_tool" and call["arguments"] == {"path": "notes.txt"}
    assert events[-1]["type"] == "episode_finished" and events[-1]["outcome"] == "success"
    assert events[-1]["answer"] == "The file says hello."
    with Store.open(tmp_path / "home" / "workbench" / "workbench.db") as store:
        assert store.get_episode(events[0]["episode_id"])["outcome"] == "success"


def test_run_json_failure_exits_1(tmp_path: Path, llm_server: ScriptedServer) -> None:
    llm_server.queue(HttpError(401, "invalid api key"))
    proc = run(["run", "x", "--json", *model_args(llm_server)], tmp_path)
    assert proc.returncode == 1
    events = json_lines(proc.stdout)
    assert events[-1]["type"] == "episode_finished" and events[-1]["outcome"] == "failure"
    assert events[-1]["reason"] == "authentication failed: openai rejected the API key (HTTP 401): invalid api key"
    assert len(llm_server.requests) == 1 and not [e for e in events if e["type"] == "retrying"]
    assert "Traceback" not in proc.stderr


def test_run_without_model_exits_2_with_howto(tmp_path: Path) -> None:
    proc = run(["run", "x", "--json"], tmp_path)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "HERMES_MODEL" in proc.stderr and "--model" in proc.stderr


def test_run_bad_usage_exits_2(tmp_path: Path) -> None:
    assert run(["run", "x", "--max-steps", "0", "--model", "openai/x"], tmp_path).returncode == 2
    assert run(["run", "x", "--approve", "maybe"], tmp_path).returncode == 2


def test_run_readable_trace(tmp_path: Path, llm_server: ScriptedServer) -> None:
    llm_server.queue(Reply(tool_calls=[Call("nothing", {"a": 1})]), Reply(text="Final answer here."))
    proc = run(["run", "x", *model_args(llm_server)], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "nothing" in proc.stdout and "Final answer here." in proc.stdout and "success" in proc.stdout
    assert "\x1b[" not in proc.stdout  # not a terminal: no spinner, no colour codes


def test_ctrl_c_interrupts_and_records(tmp_path: Path, llm_server: ScriptedServer) -> None:
    llm_server.queue(Reply(text="slowly " * 400, chunk_size=7, delay=0.02))
    proc = hermes(["run", "x", "--json", *model_args(llm_server)], tmp_path)
    assert proc.stdout is not None
    for line in proc.stdout:  # wait until text streams
        if json.loads(line)["type"] == "text_delta":
            break
    proc.send_signal(signal.SIGINT)
    rest, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, err
    events = json_lines(rest)
    assert events[-1]["type"] == "episode_finished" and events[-1]["outcome"] == "interrupted"
    with Store.open(tmp_path / "home" / "workbench" / "workbench.db") as store:
        assert store.get_episode(events[-1]["episode_id"])["outcome"] == "interrupted"
    assert "Traceback" not in err


def test_ctrl_c_while_litellm_imports_stops_at_once(tmp_path: Path, llm_server: ScriptedServer) -> None:
    llm_server.queue(Reply(text="never asked"))
    proc = hermes(["run", "x", "--json", *model_args(llm_server)], tmp_path)
    assert proc.stdout is not None
    for line in proc.stdout:  # the turn waits for the import (seconds)
        if json.loads(line)["type"] == "turn_started":
            break
    proc.send_signal(signal.SIGINT)
    rest, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, err
    events = json_lines(rest)
    assert events[-1]["type"] == "episode_finished" and events[-1]["outcome"] == "interrupted"
    assert llm_server.requests == []  # stopped while importing: the model was never asked
    with Store.open(tmp_path / "home" / "workbench" / "workbench.db") as store:
        assert store.get_episode(events[-1]["episode_id"])["outcome"] == "interrupted"
    assert err == "hermes-tui: cancelling (Ctrl+C again to stop at once)\n"


def free_url() -> str:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/v1"


def test_model_failures_are_one_line_without_retries(tmp_path: Path, llm_server: ScriptedServer) -> None:
    refused = free_url()
    cases = [
        (["--api-key", ""], "no API key for openai: set OPENAI_API_KEY or [model] api_key"),
        (["--api-base", refused], f"nothing listens on {refused[7:-3]} (is the model server running? check api_base)"),
    ]
    for extra, reason in cases:
        proc = run(["run", "x", "--json", *model_args(llm_server), *extra], tmp_path)
        assert proc.returncode == 1 and proc.stderr == ""
        events = json_lines(proc.stdout)
        assert events[-1]["reason"] == reason
        assert [e["message"] for e in events if e["type"] == "error"] == [reason]
        assert not [e for e in events if e["type"] == "retrying"]
    assert llm_server.requests == []


def test_invalid_api_base_is_a_usage_error(tmp_path: Path) -> None:
    proc = run(["run", "x", "--model", "openai/x", "--api-base", "not-a-url", "--api-key", "k", "--json"], tmp_path)
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr == (
        "hermes-tui: error: invalid api_base 'not-a-url': it needs http:// or https:// and a host\n"
    )


def test_timeout_and_max_retries_options(tmp_path: Path, llm_server: ScriptedServer) -> None:
    llm_server.queue(Reply(text="late", delay=2.0), Reply(text="late again", delay=2.0), Reply(text="never asked"))
    args = ["run", "x", "--json", "--timeout", "0.5", "--max-retries", "1", *model_args(llm_server)]
    proc = run(args, tmp_path)
    assert proc.returncode == 1, proc.stderr
    events = json_lines(proc.stdout)
    assert [e["attempt"] for e in events if e["type"] == "retrying"] == [1]
    assert events[-1]["reason"].startswith("the model did not answer in time")
    assert events[-1]["reason"].endswith("(gave up after 1 retries)")
    assert len(llm_server.requests) == 2
    for bad in (["--timeout", "0"], ["--timeout", "-1"], ["--max-retries", "-1"], ["--timeout", "soon"]):
        proc = run(["run", "x", "--model", "openai/x", *bad], tmp_path)
        assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr


def test_unattended_approval_says_no_one_was_asked(tmp_path: Path, llm_server: ScriptedServer) -> None:
    llm_server.queue(
        Reply(tool_calls=[Call("write_file", {"path": ".env", "content": "TOKEN=x\n"})]), Reply(text="I could not.")
    )
    proc = run(["run", "write the env file", "--json", *model_args(llm_server)], tmp_path)
    assert proc.returncode == 0, proc.stderr
    events = json_lines(proc.stdout)
    assert [e["decision"] for e in events if e["type"] == "approval_resolved"] == ["deny"]
    result = next(e for e in events if e["type"] == "tool_result")
    assert result["error"] == "denied: no one to ask (use --approve)"
    assert not (tmp_path / ".env").exists()
