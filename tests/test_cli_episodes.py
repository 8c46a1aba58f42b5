"""`hermes-tui episodes list | show` over episodes the agent really recorded."""

from __future__ import annotations

import json

import pytest

from hermes_tui.cli import main
from hermes_tui.core.agent.events import EventStream
from hermes_tui.core.agent.recorder import Recorder
from hermes_tui.core.store import Store
from tests.llm_scripted import Script, scripted  # noqa: F401
from tests.llm_server import Call, Reply
from tests.test_loop import make_agent


@pytest.fixture
def recorded(home, scripted: Script) -> list[str]:
    scripted.queue(Reply(tool_calls=[Call("echo", {"text": "hi"})], prompt_tokens=10, completion_tokens=5), Reply(text="said hi"))
    scripted.queue(Reply(text=""))
    with Store.open(home.db_path) as store:
        events = EventStream()
        Recorder(store).attach(events)
        agent = make_agent(home, events, store=store)
        return [agent.run("say hi").episode_id, agent.run("say nothing").episode_id]


def test_list_json(home, recorded: list[str], capsys) -> None:
    assert main(["--home", str(home.root), "episodes", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in rows] == recorded[::-1]
    first = rows[1]
    assert (first["outcome"], first["task"], first["steps"], first["tokens"]) == ("success", "say hi", 2, 33)
    assert set(first) >= {"id", "started_at", "outcome", "task", "steps", "tokens", "cost"}
    assert rows[0]["outcome"] == "failure"


def test_list_readable(home, recorded: list[str], capsys) -> None:
    assert main(["--home", str(home.root), "episodes", "list"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and out[0].startswith(recorded[1]) and "failure" in out[0] and "say hi" in out[1]


def test_show(home, recorded: list[str], capsys) -> None:
    assert main(["--home", str(home.root), "episodes", "show", recorded[0], "--json"]) == 0
    episode = json.loads(capsys.readouterr().out)
    assert episode["answer"] == "said hi"
    assert [e["type"] for e in episode["events"]][-1] == "episode_finished"
    call = next(e for e in episode["events"] if e["type"] == "tool_result")
    assert (call["tool_name"], call["result"]) == ("echo", "hi")
    assert main(["--home", str(home.root), "episodes", "show", recorded[0]]) == 0
    text = capsys.readouterr().out
    assert "tool_result" in text and "echo" in text and "said hi" in text and "outcome  success" in text


def test_show_unknown_id(home, capsys) -> None:
    assert main(["--home", str(home.root), "episodes", "show", "20990101-000000-abcdef"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("hermes-tui: error: no episode") and err.count("\n") == 1


def test_list_empty(home, capsys) -> None:
    assert main(["--home", str(home.root), "episodes", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
