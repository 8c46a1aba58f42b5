"""The core workspace, conversations (a session holds episodes) and the UI-facing events."""

from __future__ import annotations

import logging

import pytest

from hermes_tui.core.agent.events import ErrorEvent, Event, LibraryChanged, PendingChanged
from hermes_tui.core.gate import SkillChange
from hermes_tui.core.session import Session
from hermes_tui.core.workspace import Workspace
from hermes_tui.errors import HermesError
from tests.llm_scripted import MODEL, Script, scripted  # noqa: F401
from tests.llm_server import Call, Reply

SKILL = "---\nname: tidy-logs\ndescription: Rotate and compress old log files.\n---\n# Tidy logs\n1. gzip *.log older than a week\n"


@pytest.fixture
def ws(home):
    workspace = Workspace(home)
    yield workspace
    workspace.close()


def collect(ws: Workspace) -> list[Event]:
    seen: list[Event] = []
    ws.events.subscribe(seen.append)
    return seen


def test_a_follow_up_continues_the_conversation(ws: Workspace, scripted: Script) -> None:
    scripted.queue(Reply(tool_calls=[Call("memory", {"action": "add", "target": "memory", "content": "x"})]),
                   Reply(text="first answer"), Reply(text="second answer"))
    session = ws.new_session(ws.make_agent(model=MODEL))
    assert session.send("first question").outcome == "success"
    assert session.send("and a follow-up?").answer == "second answer"
    last = scripted.requests[-1]["messages"]
    roles = [(m["role"], m.get("content")) for m in last[1:]]
    assert roles[0] == ("user", "first question")
    assert ("assistant", "first answer") in roles and roles[-1] == ("user", "and a follow-up?")
    assert any(m["role"] == "tool" for m in last)  # the first episode's tool call went along
    episodes = ws.store.session_episodes(session.id)
    assert [e["task"] for e in episodes] == ["first question", "and a follow-up?"]
    assert all(e["session_id"] == session.id for e in episodes)
    assert session.tokens == 3 * (11 + 7)


def test_a_past_session_resumes_with_its_history(ws: Workspace, scripted: Script) -> None:
    scripted.queue(Reply(text="it is 4"), Reply(text="still 4"))
    first = ws.new_session(ws.make_agent(model=MODEL))
    first.send("what is 2+2?")
    resumed = ws.resume_session(ws.make_agent(model=MODEL), first.id)
    assert resumed.episodes == first.episodes and resumed.tokens == first.tokens
    resumed.send("sure?")
    sent = [(m["role"], m["content"]) for m in scripted.requests[-1]["messages"][1:]]
    assert sent == [("user", "what is 2+2?"), ("assistant", "it is 4"), ("user", "sure?")]
    assert [s["session_id"] for s in ws.store.list_sessions()] == [first.id]
    assert ws.store.list_sessions()[0]["episodes"] == 2
    with pytest.raises(HermesError, match="no session"):
        ws.resume_session(ws.make_agent(model=MODEL), "s-nope")


def test_a_failed_request_leaves_a_note_not_a_half_tool_exchange(ws: Workspace, scripted: Script) -> None:
    scripted.queue(Reply(tool_calls=[Call("memory", {"action": "add", "target": "memory", "content": "y"})]), Reply(text=""))
    scripted.queue(Reply(text="ok"))
    session = Session(ws.make_agent(model=MODEL))
    assert session.send("do it").outcome == "failure"
    assert [m["role"] for m in session.messages] == ["user", "assistant"]
    assert "ended: failure" in session.messages[1]["content"]
    session.send("again")
    assert scripted.requests[-1]["messages"][-1]["content"] == "again"


def test_library_and_pending_changes_are_events(ws: Workspace) -> None:
    seen = collect(ws)
    ws.library.save("tidy-logs", SKILL, author="user")
    item = ws.pending.submit(SkillChange("edit", "tidy-logs", content=SKILL + "2. keep 4\n"))
    ws.pending.approve(item.id, ws.library)
    other = ws.pending.submit(SkillChange("create", "other-skill", content=SKILL.replace("tidy-logs", "other-skill")))
    ws.pending.reject(other.id)
    ws.library.archive("tidy-logs")
    library = [(e.action, e.skill_ids, e.author) for e in seen if isinstance(e, LibraryChanged)]
    assert library == [("saved", ("tidy-logs",), "user"), ("saved", ("tidy-logs",), "agent"), ("archived", ("tidy-logs",), "user")]
    pending = [(e.action, e.item_id) for e in seen if isinstance(e, PendingChanged)]
    assert pending == [("submitted", item.id), ("approved", item.id), ("submitted", other.id), ("rejected", other.id)]


def test_hand_edits_synced_from_disk_are_a_reload_event(ws: Workspace) -> None:
    folder = ws.home.skills_dir / "ops" / "by-hand"
    folder.mkdir(parents=True)
    (folder / "SKILL.md").write_text(SKILL.replace("tidy-logs", "by-hand"), encoding="utf-8")
    seen = collect(ws)
    ws.library.sync_paths([folder / "SKILL.md"])
    assert [(e.action, e.skill_ids) for e in seen if isinstance(e, LibraryChanged)] == [("reloaded", ("ops/by-hand",))]


def test_a_sink_that_raises_is_reported_once_as_an_error_event_and_logged(ws: Workspace, caplog) -> None:
    seen = collect(ws)
    calls = []

    def broken(event: Event) -> None:
        calls.append(event)
        raise RuntimeError("boom in the sink")

    ws.events.subscribe(broken)
    with caplog.at_level(logging.ERROR, logger="hermes_tui"):
        ws.library.save("tidy-logs", SKILL, author="user")
        ws.library.save("tidy-logs", SKILL + "more\n", author="user")
    errors = [e for e in seen if isinstance(e, ErrorEvent)]
    assert len(calls) == 1 and len(errors) == 1 and not errors[0].fatal
    assert "boom in the sink" in errors[0].message
    assert [r.getMessage() for r in caplog.records if "boom in the sink" in r.getMessage()] == [errors[0].message]


def test_the_cli_workspace_is_the_core_one(home) -> None:
    from argparse import Namespace

    from hermes_tui.cli.common import Workspace as CliWorkspace

    with CliWorkspace(Namespace(home=str(home.root))) as ws:
        assert isinstance(ws, Workspace) and ws.home == home
        assert ws.pending.home == home and ws.memory is not None
