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
    assert "authentication failed" in events[-1]["reason"]
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
