"""ModelClient through litellm's real client against the scripted HTTP server."""

from __future__ import annotations

import random
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from hermes_tui.core.agent.llm import (
    MODEL_HOWTO,
    ModelClient,
    ModelError,
    RetryPolicy,
    ToolCallAccumulator,
    clean_message,
    import_litellm,
    parse_retry_after,
)
from hermes_tui.core.config import ModelConfig
from hermes_tui.errors import ModelNotConfigured
from tests.llm_server import Call, DieMidStream, HttpError, Reply, ScriptedServer, llm_server  # noqa: F401

USER = [{"role": "user", "content": "hi"}]
TOOLS = [
    {"type": "function", "function": {"name": n, "description": n, "parameters": {"type": "object", "properties": {}}}}
    for n in ("read", "ls")
]


def client_for(server: ScriptedServer, *, retries: int = 3) -> ModelClient:
    config = ModelConfig(name=server.model, api_base=server.url, api_key=server.api_key, timeout=10, max_retries=retries)
    return ModelClient(config, retry=RetryPolicy(max_retries=retries, base_delay=0.01, max_delay=0.05, rng=random.Random(7)))


def test_streams_text_and_parallel_tool_calls(llm_server: ScriptedServer) -> None:
    llm_server.queue(
        Reply(
            text="Looking at both.",
            reasoning="plan first",
            tool_calls=[Call("read", {"path": "a.txt"}), Call("ls", {"dir": "src", "all": True})],
            prompt_tokens=21,
            completion_tokens=9,
        )
    )
    texts: list[str] = []
    thoughts: list[str] = []
    turn = client_for(llm_server).stream_turn(USER, TOOLS, on_text=texts.append, on_reasoning=thoughts.append)
    assert len(texts) > 1 and "".join(texts) == turn.text == "Looking at both."
    assert "".join(thoughts) == turn.reasoning == "plan first"
    assert [(c.id, c.name, c.arguments) for c in turn.tool_calls] == [
        ("call_0_read", "read", '{"path": "a.txt"}'),
        ("call_1_ls", "ls", '{"dir": "src", "all": true}'),
    ]
    assert turn.finish_reason == "tool_calls"
    assert (turn.prompt_tokens, turn.completion_tokens) == (21, 9)
    assert turn.cost is None  # litellm has no price for the test model
    sent = llm_server.requests[0]
    assert sent["stream"] is True and sent["stream_options"] == {"include_usage": True}
    assert [t["function"]["name"] for t in sent["tools"]] == ["read", "ls"]
    assert sent["messages"] == USER


def test_accumulator_agrees_with_stream_chunk_builder(llm_server: ScriptedServer) -> None:
    litellm = import_litellm()
    llm_server.queue(Reply(text="x", tool_calls=[Call("read", {"path": "ä" * 9}), Call("ls", "{}"), Call("read", '{"n": 1}')], chunk_size=3))
    response = litellm.completion(
        model=llm_server.model, api_base=llm_server.url, api_key=llm_server.api_key, messages=USER, tools=TOOLS,
        stream=True, max_retries=0,
    )
    chunks = list(response)
    acc = ToolCallAccumulator()
    for chunk in chunks:
        for delta in chunk.choices[0].delta.tool_calls or () if chunk.choices else ():
            acc.add(delta)
    built = litellm.stream_chunk_builder(chunks)
    expected = [(c.id, c.function.name, c.function.arguments) for c in built.choices[0].message.tool_calls]
    assert [(c.id, c.name, c.arguments) for c in acc.result()] == expected
    assert len(expected) == 3


def test_accumulator_splits_calls_that_reuse_an_index() -> None:
    acc = ToolCallAccumulator()
    acc.add({"index": 0, "id": "a", "function": {"name": "read", "arguments": '{"p":'}})
    acc.add({"index": 0, "function": {"arguments": " 1}"}})
    acc.add({"index": 0, "id": "b", "function": {"name": "ls", "arguments": "{}"}})
    assert [(c.id, c.name, c.arguments) for c in acc.result()] == [("a", "read", '{"p": 1}'), ("b", "ls", "{}")]


def test_rate_limit_is_retried_after_retry_after(llm_server: ScriptedServer) -> None:
    llm_server.queue(HttpError(429, "slow down", {"Retry-After": "0.3"}), HttpError(503), Reply(text="ok"))
    retries: list[tuple[int, float, str]] = []
    start = time.monotonic()
    turn = client_for(llm_server).stream_turn(USER, on_retry=lambda *a: retries.append(a))
    assert turn.text == "ok"
    assert [r[0] for r in retries] == [1, 2]
    assert retries[0][1] == pytest.approx(0.3)
    assert "429" in retries[0][2] and "slow down" in retries[0][2]
    assert "503" in retries[1][2]
    assert time.monotonic() - start >= 0.3
    assert len(llm_server.requests) == 3


def test_server_errors_give_up_after_max_retries(llm_server: ScriptedServer) -> None:
    llm_server.queue(*[HttpError(500, "boom")] * 3)
    with pytest.raises(ModelError) as info:
        client_for(llm_server, retries=2).stream_turn(USER)
    assert "gave up after 2 retries" in info.value.message and "500" in info.value.message
    assert len(llm_server.requests) == 3


@pytest.mark.parametrize(
    ("status", "words"),
    [(401, "authentication failed"), (404, "not found"), (400, "rejected the request"), (403, "permission denied")],
)
def test_client_errors_are_one_line_and_not_retried(llm_server: ScriptedServer, status: int, words: str) -> None:
    llm_server.queue(HttpError(status, "nope\nsecond line"))
    with pytest.raises(ModelError) as info:
        client_for(llm_server).stream_turn(USER)
    message = info.value.message
    assert words in message and "nope" in message
    assert "\n" not in message and "litellm." not in message and "OpenAIException" not in message
    assert len(llm_server.requests) == 1


def test_stream_dying_after_output_fails_without_retry(llm_server: ScriptedServer) -> None:
    llm_server.queue(DieMidStream(text="half an answ"), Reply(text="never asked"))
    seen: list[str] = []
    with pytest.raises(ModelError) as info:
        client_for(llm_server).stream_turn(USER, on_text=seen.append)
    assert "broke off mid-stream" in info.value.message
    assert "".join(seen) == "half an answ"
    assert len(llm_server.requests) == 1 and llm_server.pending == 1


def test_cancel_stops_a_slow_stream_promptly(llm_server: ScriptedServer) -> None:
    llm_server.queue(Reply(text="z" * 400, chunk_size=1, delay=0.02))
    cancel = threading.Event()
    seen: list[str] = []

    def on_text(piece: str) -> None:
        seen.append(piece)
        if len(seen) == 5:
            cancel.set()

    start = time.monotonic()
    turn = client_for(llm_server).stream_turn(USER, cancel=cancel, on_text=on_text)
    assert turn.interrupted and turn.finish_reason == "interrupted"
    assert turn.text == "zzzzz"
    assert time.monotonic() - start < 2.0  # the whole stream would take 8 s
    deadline = time.monotonic() + 3
    while llm_server.disconnects == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert llm_server.disconnects == 1  # the response was closed, the server saw it


def test_cancel_during_backoff(llm_server: ScriptedServer) -> None:
    llm_server.queue(HttpError(429, headers={"Retry-After": "30"}))
    cancel = threading.Event()
    start = time.monotonic()
    turn = client_for(llm_server).stream_turn(USER, cancel=cancel, on_retry=lambda *a: cancel.set())
    assert turn.interrupted and time.monotonic() - start < 5


def test_no_model_configured() -> None:
    with pytest.raises(ModelNotConfigured) as info:
        ModelClient(ModelConfig(name="  "))
    assert info.value.message == MODEL_HOWTO
    assert "HERMES_MODEL" in MODEL_HOWTO and "--model" in MODEL_HOWTO and "config.toml" in MODEL_HOWTO


def test_retry_policy_backoff_is_bounded_and_honours_retry_after() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=8.0, jitter=0.25, rng=random.Random(3))
    delays = [policy.delay(n) for n in range(1, 7)]
    for n, delay in enumerate(delays, start=1):
        base = min(2 ** (n - 1), 8.0)
        assert base <= delay <= base * 1.25
    assert policy.delay(1, retry_after=4.5) == 4.5
    assert policy.delay(1, retry_after=10_000) == policy.max_retry_after


def test_parse_retry_after_forms() -> None:
    assert parse_retry_after({"retry-after": "7"}) == 7.0
    assert parse_retry_after({"retry-after-ms": "250"}) == 0.25
    soon = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 60))
    assert 50 <= (parse_retry_after({"retry-after": soon}) or 0) <= 61
    assert parse_retry_after({"retry-after": "whenever"}) is None
    assert parse_retry_after(None) is None


def test_clean_message_strips_litellm_prefixes() -> None:
    raw = "litellm.RateLimitError: RateLimitError: OpenAIException - too many\nrequests"
    assert clean_message(raw) == "too many requests"


@pytest.mark.slow
def test_litellm_prints_nothing_on_a_failing_call(tmp_path) -> None:
    """A child process: a completion against a dead endpoint; only our own line is printed."""
    code = textwrap.dedent(
        """
        import socket
        from hermes_tui.core.agent.llm import ModelClient, ModelError, RetryPolicy
        from hermes_tui.core.config import ModelConfig
        s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
        for model in (f"openai/x", "nosuchprovider/x"):
            config = ModelConfig(name=model, api_base=f"http://127.0.0.1:{port}/v1", api_key="k", timeout=5)
            try:
                ModelClient(config, retry=RetryPolicy(max_retries=1, base_delay=0.01)).stream_turn(
                    [{"role": "user", "content": "hi"}])
            except ModelError as exc:
                print("OURS:", exc.message)
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    lines = proc.stdout.splitlines()
    assert len(lines) == 2 and all(line.startswith("OURS: ") for line in lines), proc.stdout
    assert "cannot reach the model" in lines[0]
    assert "Provider List" not in proc.stdout and "Give Feedback" not in proc.stdout
