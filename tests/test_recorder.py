"""The recorder: events -> episodes in a real SQLite file (apsw)."""

from __future__ import annotations

from hermes_tui.core.agent.events import (
    EpisodeFinished,
    EpisodeStarted,
    ErrorEvent,
    Event,
    EventStream,
    ReasoningDelta,
    SkillLoaded,
    SkillShown,
    TextDelta,
    ToolCallFinished,
    ToolCallStarted,
    TurnFinished,
    TurnStarted,
)
from hermes_tui.core.agent.recorder import Recorder
from hermes_tui.core.store import Store
from tests.llm_scripted import Script, scripted  # noqa: F401
from tests.llm_server import Call, Reply
from tests.test_loop import collect, make_agent

SECRET = "ghp_" + "Z" * 36


def episode_events(eid: str) -> list[Event]:
    return [
        EpisodeStarted(episode_id=eid, ts=100.0, task=f"use token {SECRET}", model="m", cwd="/w"),
        SkillShown(episode_id=eid, ts=100.1, relevant=("a/one",), listed=("b/two", "a/one"), tokens=40),
        TurnStarted(episode_id=eid, ts=101.0, step=1, model="m"),
        ReasoningDelta(episode_id=eid, ts=101.1, step=1, text="think "),
        ReasoningDelta(episode_id=eid, ts=101.2, step=1, text="hard"),
        TextDelta(episode_id=eid, ts=101.3, step=1, text="Let "),
        TextDelta(episode_id=eid, ts=101.4, step=1, text="me"),
        TurnFinished(episode_id=eid, ts=101.5, step=1, text="Let me", tool_calls=1, prompt_tokens=5, completion_tokens=2),
        ToolCallStarted(episode_id=eid, ts=102.0, step=1, call_id="c1", name="shell", arguments={"command": f"echo {SECRET}"}),
        SkillLoaded(episode_id=eid, ts=102.1, name="a/one", via="tool"),
        ToolCallFinished(episode_id=eid, ts=102.5, step=1, call_id="c1", name="shell", result=f"{SECRET}\n", duration_ms=12.5),
        EpisodeFinished(episode_id=eid, ts=103.0, outcome="success", answer="done", steps=1, prompt_tokens=5,
                        completion_tokens=2, cost=0.25, duration_ms=3000.0, skills_shown=("a/one", "b/two"),
                        skills_loaded=("a/one",)),
    ]  # fmt: skip


def test_records_an_episode_with_coalesced_deltas_and_redaction(home) -> None:
    with Store.open(home.db_path) as store:
        recorder = Recorder(store)
        for event in episode_events("ep-1"):
            recorder(event)
        episode = store.get_episode("ep-1")
    assert episode is not None and recorder.errors == []
    assert (episode["outcome"], episode["answer"], episode["steps"], episode["cost"]) == ("success", "done", 1, 0.25)
    assert (episode["started_at"], episode["finished_at"]) == (100.0, 103.0)
    assert episode["skills_shown"] == ["a/one", "b/two"] and episode["skills_loaded"] == ["a/one"]
    kinds = [e["type"] for e in episode["events"]]
    assert kinds == [
        "episode_started", "skill_shown", "turn_started", "reasoning_delta", "turn_finished",
        "tool_call", "skill_loaded", "tool_result", "episode_finished",
    ]  # fmt: skip
    assert [e["seq"] for e in episode["events"]] == list(range(1, 10))
    by_type = {e["type"]: e for e in episode["events"]}
    assert by_type["reasoning_delta"]["data"]["text"] == "think hard"
    assert abs(by_type["turn_finished"]["duration_ms"] - 500) < 1e-6
    result = by_type["tool_result"]
    assert result["duration_ms"] == 12.5 and result["tool_name"] == "shell"
    assert "echo [REDACTED" in result["arguments"] and result["result"].startswith("[REDACTED")
    everything = repr(episode)
    assert SECRET not in everything  # task, arguments, results and event data


def test_store_failure_is_reported_and_does_not_stop_the_loop(home, scripted: Script) -> None:
    store = Store.open(home.db_path)
    store.close()  # every write now fails
    scripted.queue(Reply(tool_calls=[Call("echo", {"text": "x"})]), Reply(text="still fine"))
    events, seen = collect()
    recorder = Recorder(store)
    recorder.attach(events)
    result = make_agent(home, events).run("x")
    assert result.outcome == "success" and isinstance(seen[-1], EpisodeFinished)
    errors = [e for e in seen if isinstance(e, ErrorEvent)]
    assert len(errors) == 1 and not errors[0].fatal and "not recorded" in errors[0].message
    assert len(recorder.errors) == 1 and events.errors == []


def test_agent_episodes_land_in_the_db(home, scripted: Script) -> None:
    scripted.queue(Reply(text="one"), Reply(text="two"))
    with Store.open(home.db_path) as store:
        events = EventStream()
        Recorder(store).attach(events)
        agent = make_agent(home, events, store=store)
        first, second = agent.run("first"), agent.run("second")
        listed = store.list_episodes()
        assert [e["id"] for e in listed] == [second.episode_id, first.episode_id]
        assert [e["answer"] for e in listed] == ["two", "one"]
        assert all(e["outcome"] == "success" and e["finished_at"] for e in listed)
    reopened = Store.open(home.db_path)  # really on disk
    try:
        assert reopened.get_episode(first.episode_id)["task"] == "first"
    finally:
        reopened.close()
