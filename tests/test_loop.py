"""The agent loop with the scripted litellm provider (fast, no HTTP)."""

from __future__ import annotations

import random
import threading
from typing import Any

import pytest

from hermes_tui.core.agent.events import (
    ApprovalRequested,
    EpisodeFinished,
    EpisodeStarted,
    ErrorEvent,
    Event,
    EventStream,
    SkillLoaded,
    SkillShown,
    TextDelta,
    ToolCallFinished,
    ToolCallStarted,
    TurnFinished,
)
from hermes_tui.core.agent.llm import ModelClient, RetryPolicy
from hermes_tui.core.agent.loop import Agent, new_episode_id, parse_arguments
from hermes_tui.core.agent.tools.base import ToolContext, ToolError, ToolRegistry, ToolResult
from hermes_tui.core.config import Config
from hermes_tui.core.guard.commands import classify_command
from hermes_tui.errors import ModelNotConfigured
from tests.llm_scripted import MODEL, Script, scripted  # noqa: F401
from tests.llm_server import Call, Reply


class Echo:
    name = "echo"
    description = "Echo the text back."
    parameters = {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}

    def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolResult:
        return ToolResult(output=str(args["text"]), exit_code=0)


class Broken:
    name = "broken"
    description = "Always fails."
    parameters = {"type": "object", "properties": {}}

    def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolResult:
        raise ToolError("the disk is on fire")


class Shell:
    """A test shell: classify with the real guard, ask the broker, never actually runs."""

    name = "shell"
    description = "Pretend to run a command."
    parameters = {"type": "object", "properties": {"command": {"type": "string"}}, "required": ["command"]}

    def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolResult:
        command = args["command"]
        verdict = classify_command(command)
        if verdict.action == "deny":
            raise ToolError(f"blocked: {verdict.reason}")
        if verdict.action == "approve":
            decision = ctx.approvals.request(
                call_id=ctx.call_id, tool=self.name, command=command, rule=verdict.rule, reason=verdict.reason
            )
            if not ctx.approvals.approved(decision):
                raise ToolError(f"not approved ({decision})")
        return ToolResult(output=f"ran: {command}", exit_code=0)


def make_agent(home, events: EventStream, *tools: Any, policy: str | None = None, max_steps: int = 8, **kw: Any) -> Agent:
    config = Config()
    config.model.name = MODEL
    config.agent.max_steps = max_steps
    config.agent.approval_timeout = 10
    registry = ToolRegistry(list(tools) or [Echo()])
    client = ModelClient(config.model, retry=RetryPolicy(max_retries=2, base_delay=0.01, rng=random.Random(0)))
    return Agent(
        home, config, events=events, tools=registry, approval_policy=policy, cwd=home.root, client=client, **kw
    )


def collect() -> tuple[EventStream, list[Event]]:
    events = EventStream()
    seen: list[Event] = []
    events.subscribe(seen.append)
    return events, seen


def types(seen: list[Event]) -> list[str]:
    return [e.type for e in seen if not isinstance(e, TextDelta)]


def test_multi_step_tool_use_and_history(home, scripted: Script) -> None:
    scripted.queue(
        Reply(text="Reading.", tool_calls=[Call("echo", {"text": "one"})]),
        Reply(tool_calls=[Call("echo", {"text": "two"})]),
        Reply(text="All done: one two."),
    )
    events, seen = collect()
    result = make_agent(home, events).run("echo twice")
    assert (result.outcome, result.answer, result.steps) == ("success", "All done: one two.", 3)
    assert (result.prompt_tokens, result.completion_tokens) == (33, 21)
    assert types(seen) == [
        "episode_started", "skill_shown",
        "turn_started", "turn_finished", "tool_call", "tool_result",
        "turn_started", "turn_finished", "tool_call", "tool_result",
        "turn_started", "turn_finished", "episode_finished",
    ]  # fmt: skip
    assert all(e.episode_id == result.episode_id for e in seen)
    last = scripted.requests[-1]["messages"]
    assert [m["role"] for m in last] == ["system", "user", "assistant", "tool", "assistant", "tool"]
    assert last[1]["content"] == "echo twice"
    assert last[2]["tool_calls"][0]["function"] == {"name": "echo", "arguments": '{"text": "one"}'}
    assert last[3] == {"role": "tool", "tool_call_id": "call_0_echo", "content": "one"}
    assert scripted.requests[0]["tools"][0]["function"]["name"] == "echo"
    deltas = "".join(e.text for e in seen if isinstance(e, TextDelta) and e.step == 1)
    assert deltas == "Reading."


def test_parallel_tool_calls_run_in_order(home, scripted: Script) -> None:
    calls = [Call("echo", {"text": str(i)}, id=f"c{i}") for i in range(4)]
    scripted.queue(Reply(tool_calls=calls), Reply(text="ok"))
    events, seen = collect()
    result = make_agent(home, events).run("four at once")
    assert result.outcome == "success"
    started = [(e.call_id, e.arguments) for e in seen if isinstance(e, ToolCallStarted)]
    finished = [(e.call_id, e.result) for e in seen if isinstance(e, ToolCallFinished)]
    assert started == [(f"c{i}", {"text": str(i)}) for i in range(4)]
    assert finished == [(f"c{i}", str(i)) for i in range(4)]
    tool_messages = [m for m in scripted.requests[1]["messages"] if m["role"] == "tool"]
    assert [m["tool_call_id"] for m in tool_messages] == ["c0", "c1", "c2", "c3"]


def test_failing_and_unknown_tools_go_back_to_the_model(home, scripted: Script) -> None:
    scripted.queue(Reply(tool_calls=[Call("broken"), Call("nosuch", {})]), Reply(text="I could not."))
    events, seen = collect()
    result = make_agent(home, events, Echo(), Broken()).run("try")
    assert result.outcome == "success"
    finished = [e for e in seen if isinstance(e, ToolCallFinished)]
    assert finished[0].error == "the disk is on fire" and "the disk is on fire" in finished[0].result
    assert "unknown tool" in (finished[1].error or "")
    tool_messages = [m["content"] for m in scripted.requests[1]["messages"] if m["role"] == "tool"]
    assert tool_messages[0] == "error: the disk is on fire"


def test_malformed_arguments_are_explained_to_the_model(home, scripted: Script) -> None:
    scripted.queue(Reply(tool_calls=[Call("echo", '{"text": "unterminated')]), Reply(text="fixed"))
    events, seen = collect()
    result = make_agent(home, events).run("x")
    assert result.outcome == "success"
    started = next(e for e in seen if isinstance(e, ToolCallStarted))
    assert started.arguments == '{"text": "unterminated'  # the raw text when it does not parse
    finished = next(e for e in seen if isinstance(e, ToolCallFinished))
    assert finished.error == "malformed arguments JSON" and "not valid JSON" in finished.result
    history = scripted.requests[1]["messages"]
    assert history[2]["tool_calls"][0]["function"]["arguments"] == "{}"
    assert "unterminated" in history[3]["content"]


def test_step_limit(home, scripted: Script) -> None:
    scripted.queue(*[Reply(tool_calls=[Call("echo", {"text": "again"})]) for _ in range(3)])
    events, seen = collect()
    result = make_agent(home, events, max_steps=3).run("loop forever")
    assert (result.outcome, result.reason, result.steps) == ("failure", "step limit of 3 reached", 3)
    assert isinstance(seen[-1], EpisodeFinished) and seen[-1].reason == "step limit of 3 reached"


def test_model_error_fails_the_episode_with_one_line(home, scripted: Script) -> None:
    scripted.queue(*[RuntimeError("provider exploded\nwith details")] * 3)
    events, seen = collect()
    result = make_agent(home, events).run("x")
    assert result.outcome == "failure" and result.reason.endswith("(gave up after 2 retries)")
    assert [e.to_dict()["attempt"] for e in seen if e.type == "retrying"] == [1, 2]
    assert "provider exploded with details" in result.reason and "\n" not in result.reason
    assert "Traceback" not in result.reason
    errors = [e for e in seen if isinstance(e, ErrorEvent)]
    assert len(errors) == 1 and errors[0].fatal and errors[0].message == result.reason
    assert isinstance(seen[-1], EpisodeFinished) and seen[-1].outcome == "failure"


def test_empty_answer_is_a_failure(home, scripted: Script) -> None:
    scripted.queue(Reply(text=""))
    events, seen = collect()
    result = make_agent(home, events).run("x")
    assert (result.outcome, result.reason) == ("failure", "the model returned an empty answer")


def test_a_broken_sink_does_not_stop_the_loop(home, scripted: Script) -> None:
    scripted.queue(Reply(tool_calls=[Call("echo", {"text": "a"})]), Reply(text="fine"))
    events, seen = collect()

    def bad_sink(event: Event) -> None:
        raise ValueError("sink bug")

    events.subscribe(bad_sink)
    result = make_agent(home, events).run("x")
    assert result.outcome == "success" and isinstance(seen[-1], EpisodeFinished)
    assert len(events.errors) == 1 and "sink bug" in events.errors[0]


def test_hard_denied_command_never_asks(home, scripted: Script) -> None:
    scripted.queue(Reply(tool_calls=[Call("shell", {"command": "rm -rf /"})]), Reply(text="refused"))
    events, seen = collect()
    result = make_agent(home, events, Shell(), policy="all").run("clean up")
    assert result.outcome == "success"
    finished = next(e for e in seen if isinstance(e, ToolCallFinished))
    assert finished.error and finished.error.startswith("blocked:")
    assert not any(isinstance(e, ApprovalRequested) for e in seen)


@pytest.mark.parametrize("decision", ["once", "deny", "always"])
def test_approval_round_trip_from_another_thread(home, scripted: Script, decision: str) -> None:
    scripted.queue(Reply(tool_calls=[Call("shell", {"command": "rm -rf build"})]), Reply(text="done"))
    events, seen = collect()
    agent = make_agent(home, events, Shell())
    answered: list[bool] = []

    def ui_sink(event: Event) -> None:  # the TUI's way: answer later, from its own thread
        if isinstance(event, ApprovalRequested):
            broker = agent.approvals
            assert broker is not None
            threading.Thread(target=lambda: answered.append(broker.answer(event.request_id, decision))).start()

    events.subscribe(ui_sink)
    result = agent.run("clean the build")
    assert result.outcome == "success" and answered == [True]
    finished = next(e for e in seen if isinstance(e, ToolCallFinished))
    resolved = [e.to_dict()["decision"] for e in seen if e.type == "approval_resolved"]
    assert resolved == [decision]
    if decision == "deny":
        assert finished.error == "not approved (deny)"
    else:
        assert finished.result == "ran: rm -rf build"
    saved = Config.load(home, env={}).approvals.always
    assert saved == (["recursive-rm"] if decision == "always" else [])


def test_cancel_mid_stream_is_interrupted(home, scripted: Script) -> None:
    scripted.queue(Reply(text="word " * 200, chunk_size=5, delay=0.01))
    events, seen = collect()
    cancel = threading.Event()

    def canceller(event: Event) -> None:
        if isinstance(event, TextDelta) and event.text and sum(isinstance(e, TextDelta) for e in seen) >= 3:
            cancel.set()

    events.subscribe(canceller)
    result = make_agent(home, events).run("talk a lot", cancel=cancel)
    assert result.outcome == "interrupted"
    turn = next(e for e in seen if isinstance(e, TurnFinished))
    assert turn.finish_reason == "interrupted" and 0 < len(turn.text) < 1000
    assert isinstance(seen[-1], EpisodeFinished) and seen[-1].outcome == "interrupted"


def test_secrets_are_redacted_in_arguments_and_results(home, scripted: Script) -> None:
    secret = "sk-" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6"
    scripted.queue(Reply(tool_calls=[Call("echo", {"text": f"key={secret}"})]), Reply(text="ok"))
    events, seen = collect()
    make_agent(home, events).run("x")
    started = next(e for e in seen if isinstance(e, ToolCallStarted))
    finished = next(e for e in seen if isinstance(e, ToolCallFinished))
    assert secret not in str(started.arguments) and "REDACTED" in str(started.arguments)
    assert secret not in finished.result and "REDACTED" in finished.result
    assert secret not in scripted.requests[1]["messages"][3]["content"]


def test_slash_command_loads_the_skill(home, scripted: Script) -> None:
    from hermes_tui.core.skills.library import SkillLibrary
    from hermes_tui.core.store import Store

    with Store.open(home.db_path) as store:
        library = SkillLibrary(home, store)
        library.sync()
        skill_id = "software-development/writing-tests"
        name = library.load(skill_id).name
        scripted.queue(Reply(text="Tests written."))
        events, seen = collect()
        result = make_agent(home, events, store=store, library=library).run(f"/{name} add tests for the parser")
        assert result.outcome == "success" and result.skills_loaded == (skill_id,)
        loaded = [e for e in seen if isinstance(e, SkillLoaded)]
        assert [(e.name, e.via) for e in loaded] == [(skill_id, "slash")]
        user = scripted.requests[0]["messages"][1]["content"]
        assert user.startswith("<skill ") and user.endswith("add tests for the parser")
        shown = next(e for e in seen if isinstance(e, SkillShown))
        assert skill_id in shown.relevant + shown.listed and shown.tokens > 0
        assert library.row(skill_id)["successes"] == 1


def test_no_model_configured_raises_before_anything(home) -> None:
    events, seen = collect()
    with pytest.raises(ModelNotConfigured):
        Agent(home, Config(), events=events, tools=ToolRegistry())
    assert seen == []


def test_episode_ids_sort_and_are_unique() -> None:
    ids = [new_episode_id() for _ in range(200)]
    assert len(set(ids)) == 200
    assert all(len(i) == 22 and i[8] == "-" and i[15] == "-" for i in ids)


def test_parse_arguments() -> None:
    assert parse_arguments("") == ({}, None)
    assert parse_arguments('{"a": 1}') == ({"a": 1}, None)
    value, error = parse_arguments("{oops")
    assert value == "{oops" and error and "position" in error


def test_episode_started_first_and_finished_last(home, scripted: Script) -> None:
    scripted.queue(Reply(text="hi"))
    events, seen = collect()
    make_agent(home, events).run("x")
    assert isinstance(seen[0], EpisodeStarted) and isinstance(seen[-1], EpisodeFinished)
    assert sum(isinstance(e, EpisodeFinished) for e in seen) == 1


def test_skill_view_tool_load_is_counted(home, scripted: Script) -> None:
    from hermes_tui.core.agent.tools.skill_view import SkillViewTool
    from hermes_tui.core.skills.library import SkillLibrary
    from hermes_tui.core.store import Store

    with Store.open(home.db_path) as store:
        library = SkillLibrary(home, store)
        library.sync()
        skill_id = "software-development/systematic-debugging"
        name = library.load(skill_id).name
        scripted.queue(Reply(tool_calls=[Call("skill_view", {"name": name})]), Reply(text="Debugged."))
        events, seen = collect()
        result = make_agent(home, events, SkillViewTool(), store=store, library=library).run("fix the flaky test")
        assert result.outcome == "success" and result.skills_loaded == (skill_id,)
        assert [e.via for e in seen if isinstance(e, SkillLoaded)] == ["tool"]  # once, from the tool
        assert library.row(skill_id)["successes"] == 1


def test_terminal_tool_hard_denies_and_asks(home, scripted: Script, tmp_path) -> None:
    from hermes_tui.core.agent.tools.terminal import TerminalTool
    from hermes_tui.core.sandbox import landlock_abi

    victim = tmp_path / "build"
    victim.mkdir()
    scripted.queue(
        Reply(tool_calls=[Call("terminal", {"command": "rm -rf /"}), Call("terminal", {"command": f"rm -rf {victim}"})]),
        Reply(text="done"),
    )
    events, seen = collect()
    result = make_agent(home, events, TerminalTool(), policy="deny").run("clean everything")
    assert result.outcome == "success"
    first, second = [e for e in seen if isinstance(e, ToolCallFinished)]
    assert first.error and first.exit_code != 0  # hard deny: never asked, never run
    requests = [r.rule for r in seen if isinstance(r, ApprovalRequested)]
    if landlock_abi():  # the second runs in the sandbox, unasked: outside the workspace it deletes nothing
        assert requests == []
        assert second.exit_code != 0 and "sandbox may have stopped this" in second.result
    else:  # no sandbox here: it asks (and the policy denies)
        assert requests[0] == "recursive-rm" and second.error
    assert victim.exists()
