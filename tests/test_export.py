"""`hermes-tui export`: episodes recorded for real (the agent loop against the scripted
OpenAI-compatible server on 127.0.0.1, the recorder), rated and corrected, exported in every format through the CLI
(a child process), and every line read back against the format's rules."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from hermes_tui.core.feedback.ratings import correct, rate
from tests.llm_server import Call, Reply, ScriptedServer, llm_server  # noqa: F401
from tests.ui_fixtures import server_workspace

TASK = "what is in notes.txt?"
SECRET = "zq7-secret-value-4411"  # set as an env secret for the export only


def cli(home: Any, *args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "hermes_tui", "--home", str(home.root), *args],
        input=stdin, capture_output=True, text=True, timeout=120, env={**os.environ, **(env or {})},
    )


@pytest.fixture
def recorded(home, llm_server: ScriptedServer, tmp_path: Path) -> dict[str, str]:
    """Episodes of every kind, recorded through the real loop and recorder."""
    (tmp_path / "notes.txt").write_text("hello from the notes\n", encoding="utf-8")
    ids: dict[str, str] = {}
    scripted = llm_server
    with server_workspace(home, llm_server) as ws:
        agent = ws.make_agent(cwd=tmp_path)
        scripted.queue(
            Reply(text="Let me look.", reasoning="read it first", tool_calls=[
                Call("read_file", {"path": "notes.txt"}, id="c1"),
                Call("memory", {"action": "add", "target": "memory", "content": "notes.txt greets"}, id="c2"),
            ]),
            Reply(text=f"It says hello (token {SECRET})."),
        )
        ids["good"] = agent.run(TASK).episode_id
        scripted.queue(Reply(text="I do not know."))
        ids["bad"] = agent.run(f"  {TASK.upper()} ").episode_id  # the same task, case and spacing aside
        scripted.queue(Reply(tool_calls=[Call("read_file", "{not json", id="m1")]), Reply(text="sorry"))
        ids["malformed"] = agent.run("read it with bad arguments").episode_id
        agent.config.agent.max_steps = 1
        scripted.queue(Reply(tool_calls=[Call("read_file", {"path": "notes.txt"}, id="s1")]))
        ids["limit"] = agent.run("never finishes").episode_id
        ws.store.create_episode(id="running-1", task="still going", model=llm_server.model, cwd=str(tmp_path), started_at=1.0)
        rate(ws.store, ids["good"], "good", note="right file")
        rate(ws.store, ids["bad"], "2")
        correct(ws.store, ids["good"], "It says: hello from the notes.")
        memory_call = next(e["seq"] for e in ws.store.get_episode(ids["good"])["events"]
                           if e["type"] == "tool_call" and e["tool_name"] == "memory")
        correct(ws.store, ids["good"], "Only read the file; do not write memory.", event_seq=memory_call)
    return ids


def export(home: Any, fmt: str, tmp_path: Path, *extra: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    out = tmp_path / f"{fmt}.jsonl"
    done = cli(home, "export", "--format", fmt, "--out", str(out), "--json", *extra, env={"FEEDBACK_TEST_TOKEN": SECRET})
    assert done.returncode == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    assert SECRET not in text  # redacted at export time (the env secret was unknown when recording)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    return [json.loads(line) for line in text.splitlines()], json.loads(done.stdout)


# -- the formats' rules ----------------------------------------------------------------------
def check_messages(messages: list[dict[str, Any]], *, ends_with_assistant: bool = True) -> None:
    """OpenAI chat roles and fields; every tool call answered once by a result with its id;
    no empty assistant turn."""
    open_calls: dict[str, str] = {}
    for m in messages:
        assert m["role"] in ("system", "user", "assistant", "tool"), m
        if m["role"] == "assistant":
            assert set(m) <= {"role", "content", "tool_calls"}
            calls = m.get("tool_calls") or []
            assert (isinstance(m.get("content"), str) and m["content"].strip()) or calls, "an empty assistant turn"
            assert not open_calls, "a new assistant turn before every call was answered"
            for call in calls:
                assert call["type"] == "function" and set(call) == {"id", "type", "function"}
                assert isinstance(call["function"]["arguments"], str)
                json.loads(call["function"]["arguments"])
                open_calls[call["id"]] = call["function"]["name"]
        elif m["role"] == "tool":
            assert set(m) == {"role", "tool_call_id", "content"} and isinstance(m["content"], str)
            assert open_calls.pop(m["tool_call_id"], None), "a result without its call"
        else:
            assert set(m) == {"role", "content"} and isinstance(m["content"], str)
    assert not open_calls, "a tool call without a result"
    if ends_with_assistant:
        assert messages[-1]["role"] == "assistant"


def check_tools(tools: list[dict[str, Any]], messages: list[dict[str, Any]]) -> None:
    names = {t["function"]["name"] for t in tools}
    for t in tools:
        assert t["type"] == "function" and {"name", "description", "parameters"} <= set(t["function"])
    called = {c["function"]["name"] for m in messages for c in m.get("tool_calls") or []}
    assert called <= names


def test_openai_lines_are_chat_fine_tuning_examples(home, recorded, tmp_path: Path) -> None:
    lines, report = export(home, "openai", tmp_path)
    assert report["episodes"] == 5 and report["written"] == 2
    skipped = {s["reason"]: s["count"] for s in report["skipped"]}
    assert skipped == {"still running": 1, "malformed tool-call arguments": 1, "no answer": 1}
    for line in lines:
        assert set(line) == {"messages", "tools"}
        check_messages(line["messages"])
        check_tools(line["tools"], line["messages"])
    first = lines[0]["messages"]
    assert first[0] == {"role": "user", "content": TASK}
    assert [c["id"] for c in first[1]["tool_calls"]] == ["c1", "c2"] and first[1]["content"] == "Let me look."
    assert "hello from the notes" in first[2]["content"]
    assert first[-1]["content"] == "It says: hello from the notes."  # the corrected final answer
    # without --out the same lines go to stdout
    done = cli(home, "export", "--format", "openai", env={"FEEDBACK_TEST_TOKEN": SECRET})
    assert [json.loads(x) for x in done.stdout.splitlines()] == lines


def test_sharegpt_lines_alternate_and_list_their_tools(home, recorded, tmp_path: Path) -> None:
    lines, _ = export(home, "sharegpt", tmp_path, "--outcome", "success")
    assert len(lines) == 2
    for line in lines:
        assert set(line) == {"conversations", "system", "tools"}
        turns = line["conversations"]
        for i, entry in enumerate(turns):
            assert set(entry) == {"from", "value"} and isinstance(entry["value"], str) and entry["value"].strip()
            assert entry["from"] in (("human", "observation") if i % 2 == 0 else ("gpt", "function_call"))
        assert turns[-1]["from"] == "gpt"
        assert {t["name"] for t in json.loads(line["tools"])} >= {"read_file", "memory"}
    calls = json.loads(lines[0]["conversations"][1]["value"])
    assert [c["name"] for c in calls] == ["read_file", "memory"] and calls[0]["arguments"] == {"path": "notes.txt"}
    assert len(json.loads(lines[0]["conversations"][2]["value"])) == 2  # one observation for both results


def test_hermes_lines_are_hermes_agent_trajectories(home, recorded, tmp_path: Path) -> None:
    lines, _ = export(home, "hermes", tmp_path)
    assert len(lines) == 2
    for line in lines:
        assert set(line) == {"conversations", "timestamp", "model", "completed"}
        assert line["model"].endswith("test-model") and line["completed"] is True
        datetime.fromisoformat(line["timestamp"])
        turns = line["conversations"]
        assert [t["from"] for t in turns[:2]] == ["system", "human"] and "<tools>" in turns[0]["value"]
        for i, entry in enumerate(turns[2:], 2):
            assert entry["from"] in ("gpt", "tool")
            if entry["from"] == "gpt":
                assert entry["value"].startswith("<think>\n") and "</think>" in entry["value"]
            else:  # every call of the gpt turn before it answered, ids matching
                before = turns[i - 1]
                assert before["from"] == "gpt"
                calls = [json.loads(b.split("</tool_call>")[0]) for b in before["value"].split("<tool_call>\n")[1:]]
                responses = [json.loads(b.split("\n</tool_response>")[0]) for b in entry["value"].split("<tool_response>\n")[1:]]
                assert [r["name"] for r in responses] == [c["name"] for c in calls]
                assert all(set(r) == {"tool_call_id", "name", "content"} for r in responses)
        assert turns[-1]["from"] == "gpt"
    first = lines[0]["conversations"]
    assert first[2]["value"].startswith("<think>\nread it first\n</think>\nLet me look.\n<tool_call>")


def test_dpo_trl_pairs_come_from_corrections_and_ratings(home, recorded, tmp_path: Path) -> None:
    lines, report = export(home, "dpo-trl", tmp_path)
    assert report["pairs"] == {"corrections": 2, "ratings": 1} and report["written"] == 3
    for line in lines:
        assert set(line) <= {"prompt", "chosen", "rejected", "tools"} and {"prompt", "chosen", "rejected"} <= set(line)
        assert line["prompt"][0]["role"] == "user" and line["chosen"] != line["rejected"]
        for side in ("chosen", "rejected"):
            assert line[side][0]["role"] == "assistant"
            check_messages(line["prompt"] + line[side], ends_with_assistant=False)
        if any(m.get("tool_calls") for m in line["prompt"] + line["chosen"] + line["rejected"]):
            check_tools(line["tools"], line["prompt"] + line["chosen"] + line["rejected"])
    final, step, rated = lines
    assert final["chosen"] == [{"role": "assistant", "content": "It says: hello from the notes."}]
    assert "[REDACTED" in final["rejected"][0]["content"] and "It says hello" in final["rejected"][0]["content"]
    assert step["prompt"] == [{"role": "user", "content": TASK}]  # the tool step was in the first turn
    assert [c["id"] for c in step["rejected"][0]["tool_calls"]] == ["c1", "c2"]
    assert [m["tool_call_id"] for m in step["rejected"][1:]] == ["c1", "c2"]  # answered, as it happened
    assert rated["prompt"] == [{"role": "user", "content": TASK}]
    assert rated["rejected"] == [{"role": "assistant", "content": "I do not know."}]
    assert rated["chosen"][-1]["role"] == "assistant" and len(rated["chosen"]) == 4


def test_dpo_openai_pairs_hold_one_assistant_message_each(home, recorded, tmp_path: Path) -> None:
    lines, report = export(home, "dpo-openai", tmp_path)
    assert report["pairs"] == {"corrections": 1, "ratings": 0} and len(lines) == 1
    assert report["skipped"] == [{"reason": "tool calls in an answer (OpenAI preference outputs are text)", "count": 2}]
    for line in lines:
        assert set(line) == {"input", "preferred_output", "non_preferred_output"}
        assert set(line["input"]) <= {"messages", "tools"}
        for side in ("preferred_output", "non_preferred_output"):
            assert len(line[side]) == 1 and line[side][0]["role"] == "assistant"
            check_messages(line["input"]["messages"] + line[side])


def test_filters_select_episodes(home, recorded, tmp_path: Path) -> None:
    assert export(home, "openai", tmp_path, "--rated", "good")[1]["written"] == 1
    assert export(home, "openai", tmp_path, "--rated", "bad")[1]["written"] == 1
    assert export(home, "openai", tmp_path, "--min-rating", "3")[1]["written"] == 1
    assert export(home, "openai", tmp_path, "--since", "2999-01-01")[1]["episodes"] == 0
    failed = export(home, "openai", tmp_path, "--outcome", "failure")[1]  # the step limit: no answer to train on
    assert (failed["episodes"], failed["written"], failed["skipped"]) == (1, 0, [{"reason": "no answer", "count": 1}])


def test_bad_export_requests_are_one_line_errors(home, recorded, tmp_path: Path) -> None:
    for args, code, words in (
        (["--format", "csv"], 2, "invalid choice"),
        (["--format", "openai", "--min-rating", "9"], 2, "the minimum rating is 1-5"),
        (["--format", "openai", "--since", "yesterday"], 2, "--since wants a date"),
        (["--format", "openai", "--json"], 2, "--json reports on an export to a file"),
        (["--format", "openai", "--out", str(tmp_path)], 2, "is a folder"),
    ):
        done = cli(home, "export", *args)
        assert done.returncode == code and words in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_a_failed_export_leaves_the_old_file_whole(home, recorded, tmp_path: Path) -> None:
    import threading

    from hermes_tui.core.config import Config
    from hermes_tui.core.feedback.export import ExportOptions, default_tools, export_file
    from hermes_tui.core.store.db import Store
    from hermes_tui.errors import HermesError

    out = tmp_path / "old.jsonl"
    out.write_text("old\n")
    stop = threading.Event()
    stop.set()  # stopped before the first line: the file must not change
    with Store.open(home.db_path) as store:
        with pytest.raises(HermesError, match="cancelled"):
            export_file(store, ExportOptions(format="openai"), default_tools(Config()), out, cancel=stop)
    assert out.read_text() == "old\n" and sorted(p.name for p in tmp_path.iterdir() if p.suffix in (".tmp", ".jsonl")) == ["old.jsonl"]
    done = cli(home, "export", "--format", "openai", "--out", str(out / "x.jsonl"))  # a file as the folder
    assert done.returncode == 1 and done.stderr.startswith("hermes-tui: error: cannot write") and out.read_text() == "old\n"
