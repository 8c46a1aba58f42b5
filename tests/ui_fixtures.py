"""Shared pieces of the UI tests: a workspace on the scripted model server, fixed data, waiting."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable

from hermes_tui.core.workspace import Workspace
from tests.llm_server import ScriptedServer

T0 = 1_764_000_000.0  # 2025-11-24, a fixed clock for recorded data


def server_workspace(home: Any, server: ScriptedServer) -> Workspace:
    """A workspace whose model is the scripted OpenAI-compatible server on 127.0.0.1."""
    ws = Workspace(home)
    ws.config.model.name = server.model
    ws.config.model.api_base = server.url
    ws.config.model.api_key = server.api_key
    ws.config.model.max_retries = 0
    ws.config.agent.approval_timeout = 30.0
    return ws


async def until(pilot: Any, condition: Callable[[], bool], timeout: float = 60.0) -> None:
    """Let the app run until ``condition()`` holds (fails the test after ``timeout`` seconds)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the app did not reach the expected state in time")
        await pilot.pause(0.02)


def record_fixed_episode(store: Any, episode_id: str, task: str, calls: list[tuple[str, dict, str]], *,
                         start: float, answer: str, skills: tuple[str, ...] = (), session_id: str = "s-fixed",
                         outcome: str = "success") -> None:
    """An episode with fixed times, written through the store's API (for snapshots)."""
    import json

    store.create_episode(id=episode_id, task=task, model="openai/test-model", cwd="/work", started_at=start,
                         session_id=session_id)
    seq, ts = 0, start

    def add(type_: str, data: dict, **extra: Any) -> None:
        nonlocal seq, ts
        seq += 1
        ts += 1.5
        store.add_event(episode_id=episode_id, seq=seq, ts=ts, type=type_,
                        data={"type": type_, "episode_id": episode_id, "ts": ts, **data}, **extra)

    add("episode_started", {"task": task, "model": "openai/test-model", "cwd": "/work", "session_id": session_id})
    for index, (name, arguments, result) in enumerate(calls):
        call_id = f"call_{index}"
        add("tool_call", {"step": 1, "call_id": call_id, "name": name, "arguments": arguments},
            tool_name=name, arguments=json.dumps(arguments))
        add("tool_result", {"step": 1, "call_id": call_id, "name": name, "result": result, "exit_code": 0,
                            "duration_ms": 12.0, "error": None, "truncated": False},
            tool_name=name, arguments=json.dumps(arguments), result=result, duration_ms=12.0)
    add("turn_finished", {"step": 2, "text": answer, "tool_calls": 0})
    store.finish_episode(id=episode_id, outcome=outcome, reason="", answer=answer, steps=2, prompt_tokens=900 + 100 * len(calls),
                         completion_tokens=120, cost=None, skills_shown=list(skills), skills_loaded=list(skills),
                         finished_at=ts + 1)


def fixed_workspace(home_root: Path) -> Workspace:
    """A home with fixed data: five runs of one task, getting shorter, and a sixth task."""
    from hermes_tui.core.home import Home

    ws = Workspace(Home(home_root).ensure())
    ws.config.ui.theme = "hermes-dark"
    task = "find why the nightly job failed in app.log"
    explore = [("terminal", {"command": "ls -la"}, "README.md\napp.log\njobs/"), ("read_file", {"path": "README.md"}, "# inventory-service")]
    dig = [("search_files", {"pattern": "ERROR"}, "app.log:2: ERROR db: timeout"), ("read_file", {"path": "app.log"}, "ERROR db: timeout (pool exhausted)")]
    code = [("read_file", {"path": "jobs/nightly.py"}, "POOL_SIZE = 2")]
    skill = [("skill_view", {"name": "log-triage"}, "# Log triage")]
    runs = [explore + dig + code, explore + dig + code[:1], skill + dig + code, skill + dig[:1] + code, skill + code]
    for index, calls in enumerate(runs):
        record_fixed_episode(ws.store, f"ep-{index + 1}", task, calls, start=T0 + 3600 * index,
                             answer="The pool is too small: `POOL_SIZE = 2`.",
                             skills=("debugging/log-triage",) if index >= 2 else (), session_id=f"s-{index + 1}")
    record_fixed_episode(ws.store, "ep-6", "clean the build folder", [("terminal", {"command": "rm -r build"}, "denied")],
                         start=T0 + 3600 * 6, answer="", outcome="failure", session_id="s-6")
    return ws


# -- scenes: the same fixed data for the snapshot tests and scripts/screenshots.py ----------------


async def _settle(pilot: Any) -> None:
    app = pilot.app
    app.animation_level = "none"
    app.prompt.cursor_blink = False
    await pilot.pause()
    await until(pilot, lambda: not app.query("Lazy"))  # every area mounted (they come after the first frame)
    await pilot.pause()


async def _conversation(pilot: Any) -> None:
    await _settle(pilot)
    await pilot.app.resume_session("s-1")
    pilot.app.prompt.insert("and how do I fix it?")
    await pilot.pause()


async def _episodes(pilot: Any) -> None:
    await _settle(pilot)
    await pilot.press("f3")
    await pilot.pause()


async def _episode(pilot: Any) -> None:
    await _episodes(pilot)
    area = pilot.app.query_one("#episodes")
    area.table.move_cursor(row=5)
    await pilot.press("enter")
    await until(pilot, lambda: pilot.app.screen.query("#episode-trace") and pilot.app.screen.query_one("#episode-trace").row_count == 5)
    await pilot.press("j", "j")
    await pilot.pause()


async def _compare(pilot: Any) -> None:
    await _episodes(pilot)
    table = pilot.app.query_one("#episodes").table
    table.move_cursor(row=1)
    await pilot.press("space")
    table.move_cursor(row=5)
    await pilot.press("space", "c")
    await until(pilot, lambda: type(pilot.app.screen).__name__ == "CompareScreen")
    await pilot.pause()


async def _call(pilot: Any) -> None:
    await _conversation(pilot)
    pilot.app.trace.focus()
    pilot.app.trace.move_cursor(row=3)
    await pilot.press("enter")
    await until(pilot, lambda: type(pilot.app.screen).__name__ == "CallDetailScreen")
    await pilot.pause()


async def _approval(pilot: Any) -> None:
    from hermes_tui.core.agent.events import ApprovalRequested
    from hermes_tui.ui.screens.approval import ApprovalScreen

    await _settle(pilot)
    request = ApprovalRequested(episode_id="ep-7", ts=T0, request_id="r1", call_id="c1", tool="terminal",
                                command="rm -r build", rule="recursive-rm", reason="deletes recursively (rm -r build)")
    pilot.app.push_screen(ApprovalScreen(request))
    await pilot.pause()


async def _skills(pilot: Any) -> None:
    """F5 on a pinned skill with an unsaved line (the tree, the badges, live validation)."""
    await _settle(pilot)
    app = pilot.app
    app.workspace.library.pin("log-triage")
    await pilot.press("f5")
    await until(pilot, lambda: bool(app.query("#skills-editor")))
    area = app.query_one("#skills")
    area.open_skill("log-triage")
    area.editor.cursor_blink = False
    area.editor.insert("2. read the stack trace around it\n", area.editor.document.end)
    await pilot.pause()


async def _skill_diff(pilot: Any) -> None:
    """The buffer against the file (Ctrl+G): unified at 80 columns, side by side at 160."""
    await _skills(pilot)
    area = pilot.app.query_one("#skills")
    area.editor.replace("grep -n ERROR app.log", (5, 3), (5, 13))
    await pilot.press("ctrl+g")
    await pilot.pause()


def _area(key: str) -> Callable[[Any], Any]:
    async def go(pilot: Any) -> None:
        await _settle(pilot)
        await pilot.press(key)
        await pilot.pause()

    return go


SCENES: dict[str, Callable[[Any], Any]] = {
    "conversation": _conversation,
    "episodes": _episodes,
    "episode": _episode,
    "compare": _compare,
    "call": _call,
    "approval": _approval,
    "memory": _area("f4"),
    "skills": _skills,
    "skill-diff": _skill_diff,
    "approvals": _area("f6"),
}

TRIAGE = "---\nname: log-triage\ndescription: Find the cause of a failed job from its log.\n---\n# Log triage\n1. grep ERROR\n"


def scene_app(scene: str, home_root: Path) -> tuple[Any, Callable[[Any], Any]]:
    """The app for one scene, on fixed data, and what to do before the picture."""
    from hermes_tui.core.gate import SkillChange
    from hermes_tui.ui.app import make_app

    ws = fixed_workspace(home_root)
    ws.config.model.name = "openai/test-model"
    ws.library.save("log-triage", TRIAGE, author="user", category="debugging")
    ws.memory.add("memory", "The nightly job runs at 02:00 and talks to Postgres.")
    ws.memory.add("user", "Prefers short answers with the exact file and line.")
    ws.pending.submit(SkillChange("create", "db-pool-sizing", content=TRIAGE.replace("log-triage", "db-pool-sizing"),
                                  reason="learned from the nightly-job episodes", author="agent"))
    app = make_app(ws, warm_up=False)
    return app, SCENES[scene]
