"""The loop end to end through litellm's real HTTP client, the scripted server and a real DB."""

from __future__ import annotations

import random
import threading
from typing import Any

from hermes_tui.core.agent.events import Event, EventStream, Retrying, TextDelta
from hermes_tui.core.agent.llm import ModelClient, RetryPolicy
from hermes_tui.core.agent.loop import Agent
from hermes_tui.core.agent.recorder import Recorder
from hermes_tui.core.agent.tools.base import ToolRegistry
from hermes_tui.core.config import Config
from hermes_tui.core.store import Store
from tests.llm_server import Call, DieMidStream, HttpError, Reply, ScriptedServer, llm_server  # noqa: F401
from tests.test_loop import Echo


def run_agent(home: Any, server: ScriptedServer, task: str, *, cancel_after_deltas: int | None = None):
    config = Config()
    config.model.name, config.model.api_base, config.model.api_key = server.model, server.url, server.api_key
    config.model.timeout = 10
    events = EventStream()
    seen: list[Event] = []
    events.subscribe(seen.append)
    cancel = threading.Event()
    if cancel_after_deltas is not None:
        events.subscribe(
            lambda e: cancel.set()
            if isinstance(e, TextDelta) and sum(isinstance(x, TextDelta) for x in seen) >= cancel_after_deltas
            else None
        )
    client = ModelClient(config.model, retry=RetryPolicy(max_retries=3, base_delay=0.01, rng=random.Random(1)))
    with Store.open(home.db_path) as store:
        Recorder(store).attach(events)
        agent = Agent(home, config, events=events, tools=ToolRegistry([Echo()]), store=store, cwd=home.root, client=client)
        result = agent.run(task, cancel=cancel)
        episode = store.get_episode(result.episode_id)
    return result, seen, episode


def test_tool_use_over_http_is_recorded(home, llm_server: ScriptedServer) -> None:
    llm_server.queue(
        Reply(text="Echoing.", tool_calls=[Call("echo", {"text": "alpha"}), Call("echo", {"text": "beta"})]),
        Reply(text="alpha beta"),
    )
    result, seen, episode = run_agent(home, llm_server, "echo alpha and beta")
    assert (result.outcome, result.answer) == ("success", "alpha beta")
    assert episode["outcome"] == "success" and episode["steps"] == 2 and episode["prompt_tokens"] == 22
    tools = [(e["type"], e["tool_name"], e["arguments"], e["result"]) for e in episode["events"] if e["tool_name"]]
    assert tools == [
        ("tool_call", "echo", '{"text": "alpha"}', None),
        ("tool_result", "echo", '{"text": "alpha"}', "alpha"),
        ("tool_call", "echo", '{"text": "beta"}', None),
        ("tool_result", "echo", '{"text": "beta"}', "beta"),
    ]
    second = llm_server.requests[1]["messages"]
    assert [m["role"] for m in second] == ["system", "user", "assistant", "tool", "tool"]
    assert [c["id"] for c in second[2]["tool_calls"]] == ["call_0_echo", "call_1_echo"]


def test_rate_limit_retry_then_success(home, llm_server: ScriptedServer) -> None:
    llm_server.queue(HttpError(429, "rate limited", {"Retry-After": "0"}), Reply(text="made it"))
    result, seen, episode = run_agent(home, llm_server, "x")
    assert result.outcome == "success"
    retries = [e for e in seen if isinstance(e, Retrying)]
    assert len(retries) == 1 and retries[0].attempt == 1 and retries[0].delay == 0 and "429" in retries[0].reason
    assert [e["type"] for e in episode["events"]].count("retrying") == 1


def test_server_dying_mid_stream_fails_cleanly(home, llm_server: ScriptedServer) -> None:
    llm_server.queue(DieMidStream(text="I will now expl"))
    result, seen, episode = run_agent(home, llm_server, "x")
    assert result.outcome == "failure"
    assert result.reason.startswith("the model's response broke off mid-stream")
    assert "Traceback" not in result.reason and "\n" not in result.reason
    assert episode["outcome"] == "failure" and episode["reason"] == result.reason
    partial = [e for e in episode["events"] if e["type"] == "text_delta"]
    assert len(partial) == 1 and partial[0]["data"]["text"] == "I will now expl"  # coalesced, kept
    assert [e["type"] for e in episode["events"]][-3:] == ["text_delta", "error", "episode_finished"]


def test_cancel_mid_stream_is_recorded_as_interrupted(home, llm_server: ScriptedServer) -> None:
    llm_server.queue(Reply(text="slow " * 100, chunk_size=5, delay=0.02))
    result, seen, episode = run_agent(home, llm_server, "x", cancel_after_deltas=3)
    assert result.outcome == "interrupted"
    assert episode["outcome"] == "interrupted" and episode["finished_at"] is not None
    turn = next(e for e in episode["events"] if e["type"] == "turn_finished")
    assert turn["data"]["finish_reason"] == "interrupted" and turn["data"]["text"].startswith("slow slow")
