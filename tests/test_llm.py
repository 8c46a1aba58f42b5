"""ModelClient through litellm's real client against the scripted HTTP server."""

from __future__ import annotations

import random
import socket
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
    assert not [key for key in sent if key.startswith("_")]  # litellm's private switches stay local
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


def refused_url() -> str:
    """The URL of a port nothing listens on (bound, then closed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/v1"


def fail_fast(client: ModelClient) -> tuple[str, list[tuple[int, float, str]], float]:
    """Run a failing turn: (its one-line message, the retries, the wall time after the import)."""
    import_litellm()
    retries: list[tuple[int, float, str]] = []
    start = time.monotonic()
    with pytest.raises(ModelError) as info:
        client.stream_turn(USER, on_retry=lambda *a: retries.append(a))
    return info.value.message, retries, time.monotonic() - start


def test_missing_api_key_fails_at_once_naming_the_variable(llm_server: ScriptedServer) -> None:
    config = ModelConfig(name=llm_server.model, api_base=llm_server.url, api_key="", max_retries=4)
    message, retries, wall = fail_fast(ModelClient(config))
    assert message == "no API key for openai: set OPENAI_API_KEY or [model] api_key"
    assert retries == [] and llm_server.requests == [] and wall < 2.0


def test_rejected_api_key_is_one_attempt(llm_server: ScriptedServer) -> None:
    llm_server.queue(HttpError(401, "Incorrect API key provided"), Reply(text="never asked"))
    message, retries, wall = fail_fast(ModelClient(client_for(llm_server).config))
    assert message == "authentication failed: openai rejected the API key (HTTP 401): Incorrect API key provided"
    assert retries == [] and len(llm_server.requests) == 1 and wall < 2.0


def test_a_401_without_any_key_says_which_variable_to_set(llm_server: ScriptedServer) -> None:
    llm_server.queue(HttpError(401, "No auth credentials found"))
    message, retries, wall = fail_fast(ModelClient(ModelConfig(name="openrouter/some/model", api_base=llm_server.url)))
    assert message == (
        "no API key for openrouter: set OPENROUTER_API_KEY or [model] api_key (HTTP 401: No auth credentials found)"
    )
    assert retries == [] and len(llm_server.requests) == 1 and wall < 2.0


def test_refused_connection_names_the_address_and_is_not_retried() -> None:
    url = refused_url()
    config = ModelConfig(name="openai/test-model", api_base=url, api_key="k", max_retries=4)
    message, retries, wall = fail_fast(ModelClient(config))
    address = url.removeprefix("http://").removesuffix("/v1")
    assert message == f"nothing listens on {address} (is the model server running? check api_base)"
    assert retries == [] and wall < 2.0


@pytest.mark.parametrize(
    ("api_base", "why"),
    [
        ("not-a-url", "it needs http:// or https:// and a host"),
        ("127.0.0.1:8000/v1", "it needs http:// or https:// and a host"),
        ("http://", "it needs http:// or https:// and a host"),
        ("http://127.0.0.1:99999/v1", "Port out of range 0-65535"),
    ],
)
def test_invalid_api_base_is_refused_before_any_request(api_base: str, why: str) -> None:
    with pytest.raises(ModelNotConfigured) as info:
        ModelClient(ModelConfig(name="openai/x", api_base=api_base, api_key="k"))
    assert info.value.message == f"invalid api_base {api_base!r}: {why}"


@pytest.mark.parametrize("key", ["sk-abc\nx", "sk-clé"])
def test_an_api_key_http_cannot_carry_fails_at_once_without_showing_it(llm_server: ScriptedServer, key: str) -> None:
    config = ModelConfig(name=llm_server.model, api_base=llm_server.url, api_key=key)
    message, retries, _ = fail_fast(ModelClient(config))
    assert message == "cannot send the request: the API key (or another header) has characters HTTP cannot carry"
    assert retries == [] and llm_server.requests == []


def test_model_not_found_names_model_and_endpoint(llm_server: ScriptedServer) -> None:
    llm_server.queue(HttpError(404, "The model `test-model` does not exist"))
    message, retries, _ = fail_fast(client_for(llm_server))
    assert message == (
        f"model 'openai/test-model' not found at {llm_server.url} (HTTP 404): The model `test-model` does not exist"
    )
    assert retries == [] and len(llm_server.requests) == 1


def test_server_error_then_success_is_two_attempts(llm_server: ScriptedServer) -> None:
    llm_server.queue(HttpError(500, "overloaded"), Reply(text="fine now"))
    retries: list[tuple[int, float, str]] = []
    turn = client_for(llm_server).stream_turn(USER, on_retry=lambda *a: retries.append(a))
    assert turn.text == "fine now" and len(llm_server.requests) == 2
    assert [(r[0], r[2]) for r in retries] == [(1, "the provider failed (HTTP 500): overloaded")]


def test_timeout_and_dropped_connection_are_retried(llm_server: ScriptedServer) -> None:
    llm_server.queue(Reply(text="too slow", delay=1.5), DieMidStream(text=""), Reply(text="made it"))
    config = ModelConfig(name=llm_server.model, api_base=llm_server.url, api_key=llm_server.api_key, timeout=0.5)
    client = ModelClient(config, retry=RetryPolicy(max_retries=3, base_delay=0.01, max_delay=0.05))
    retries: list[tuple[int, float, str]] = []
    turn = client.stream_turn(USER, on_retry=lambda *a: retries.append(a))
    assert turn.text == "made it" and len(llm_server.requests) == 3
    assert [r[0] for r in retries] == [1, 2]
    assert retries[0][2].startswith("the model did not answer in time")
    assert retries[1][2].startswith("the connection to the model dropped")


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
    raw = 'litellm.AuthenticationError: OpenrouterException - {"error": {"message": "No auth", "code": 401}}'
    assert clean_message(raw) == "No auth"
    assert clean_message('{"detail": "not the usual shape"}') == '{"detail": "not the usual shape"}'


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
    assert lines[0].startswith("OURS: nothing listens on 127.0.0.1:"), lines[0]
    assert lines[1].startswith("OURS: unknown provider in model 'nosuchprovider/x'"), lines[1]
    assert "Provider List" not in proc.stdout and "Give Feedback" not in proc.stdout
