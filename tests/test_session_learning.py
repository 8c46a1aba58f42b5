"""A workbench session learns like `run --learn` does: after each episode, while learning is on."""

from __future__ import annotations

from pathlib import Path

from hermes_tui.core.agent.events import CandidateCreated
from tests.llm_server import Call, Reply, llm_server  # noqa: F401
from tests.ui_fixtures import server_workspace

STEPS = [f"printf {n} > step{n}.txt" for n in range(1, 6)]


def long_success(llm_server) -> None:
    """Five terminal calls, an answer; then a refusal to write the skill (so the
    deterministic distiller builds it from the trace)."""
    llm_server.queue(
        *[Reply(tool_calls=[Call("terminal", {"command": c}, id=f"c{i}")]) for i, c in enumerate(STEPS)],
        Reply(text="All five steps are done."),
        Reply(text="I'm sorry, I can't help with that."),
    )


def test_a_session_with_learning_on_proposes_a_candidate(home, llm_server, tmp_path: Path) -> None:
    ws = server_workspace(home, llm_server)
    ws.config.learning.enabled = True  # what /learn on does to the workspace's settings
    created: list[CandidateCreated] = []
    ws.events.subscribe(lambda e: created.append(e) if isinstance(e, CandidateCreated) else None)
    session = ws.new_session(ws.make_agent(cwd=tmp_path))
    long_success(llm_server)
    result = session.send("write the five step files")
    assert result.outcome == "success" and (tmp_path / "step5.txt").read_text() == "5"
    assert len(created) == 1 and created[0].episodes == (result.episode_id,)
    item = ws.pending.get(created[0].pending_id)
    assert all(c in item.change.content for c in STEPS)  # the procedure holds the commands that worked
    assert not created[0].approved and (home.skills_dir / "learned").exists() is False
    ws.close()


def test_a_session_with_learning_off_writes_nothing(home, llm_server, tmp_path: Path) -> None:
    ws = server_workspace(home, llm_server)
    assert ws.config.learning.enabled is False  # off until the user turns it on
    session = ws.new_session(ws.make_agent(cwd=tmp_path))
    long_success(llm_server)
    assert session.send("write the five step files").outcome == "success"
    assert ws.pending.list() == []
    ws.close()
