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


async def _memory(pilot: Any) -> None:
    await _settle(pilot)
    await pilot.press("f4")
    area = pilot.app.query_one("#memory")
    area.input.cursor_blink = False
    area.input.value = "pool exhausted"
    await until(pilot, lambda: area.hits and area.shown_generation == area.generation)
    await pilot.pause()


async def _memory_entries(pilot: Any) -> None:
    await _settle(pilot)
    await pilot.press("f4", "ctrl+g")
    await pilot.pause()


async def _approvals(pilot: Any) -> None:
    await _settle(pilot)
    await pilot.press("f6")
    seed_more_pending(pilot.app.workspace)
    area = pilot.app.query_one("#approvals")
    area.now = lambda: T0 + 9 * 86400  # a fixed clock: the oldest change waited 9 days
    area.reload()
    await until(pilot, lambda: pilot.app.query_one("#status").status.pending == 4)  # the events are drained
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
    "memory": _memory,
    "memory-entries": _memory_entries,
    "skills": _skills,
    "skill-diff": _skill_diff,
    "approvals": _approvals,
}

TRIAGE = "---\nname: log-triage\ndescription: Find the cause of a failed job from its log.\n---\n# Log triage\n1. grep ERROR\n"


def fixed_pending(ws: Workspace, item_id: str, change: Any, created_at: float, evidence: dict | None = None,
                  **fields: Any) -> Any:
    """A waiting change with a fixed id and time (and fields such as the scanner's "scan")."""
    import json

    item = ws.pending.submit(change, evidence=evidence)
    folder = item.folder.with_name(item_id)
    item.folder.rename(folder)
    data = json.loads((folder / "change.json").read_text("utf-8"))
    data.update(id=item_id, created_at=created_at, folder=str(folder), **fields)
    (folder / "change.json").write_text(json.dumps(data, indent=2), "utf-8")
    return ws.pending.get(item_id)


POOL = TRIAGE.replace("log-triage", "db-pool-sizing").replace("# Log triage\n1. grep ERROR\n",
                                                                "# DB pool sizing\n1. grep 'pool exhausted'\n2. raise POOL_SIZE\n")


def seed_pending(ws: Workspace) -> None:
    """A learned skill waiting, with evidence and a clean scan (every scene has it)."""
    from hermes_tui.core.gate import SkillChange

    evidence = {"source": "learning", "kind": "create", "trigger": "repeated task", "distiller": "deterministic",
                "episodes": [{"episode_id": f"ep-{i}", "task": "find why the nightly job failed in app.log",
                              "outcome": "success", "tool_calls": [{"tool": "terminal"}] * (6 - i)} for i in (1, 2, 3)]}
    fixed_pending(ws, "20251124-000000-aaaaaa", SkillChange("create", "db-pool-sizing", category="learned", content=POOL,
                  episode_id="ep-3", reason="learned from 3 episode(s) (repeated task; deterministic)"), T0,
                  evidence, scan={"verdict": "safe", "findings": []})


def seed_more_pending(ws: Workspace) -> None:
    """Three more: a near-duplicate of the learned skill, an edit of log-triage with a hidden
    character and a risky scan, and an install without a scan."""
    from hermes_tui.core.gate import SkillChange

    safe = {"verdict": "safe", "findings": []}
    fixed_pending(ws, "20251125-000000-bbbbbb", SkillChange("create", "db-pool-sizing", category="learned",
                  content=POOL + "3. restart the job\n", reason="learned again"), T0 + 86400, scan=safe)
    edit = TRIAGE.replace("1. grep ERROR", "1. grep ERROR app.log\u200b\n2. open the file it names")
    fixed_pending(ws, "20251130-000000-cccccc", SkillChange("edit", "log-triage", content=edit, reason="a clearer first step"),
                  T0 + 6 * 86400, scan={"verdict": "caution", "findings": [
                      {"id": "invisible-unicode", "category": "obfuscation", "severity": "medium", "file": "SKILL.md",
                       "line": 5, "excerpt": "grep ERROR app.log\u200b", "explanation": "a zero-width space hides in the text"}]})
    fixed_pending(ws, "20251202-000000-dddddd", SkillChange("create", "tidy-build", content=TRIAGE.replace("log-triage", "tidy-build"),
                  reason="installed from the hub", author="hub"), T0 + 8 * 86400, scan=None)  # as before the scanner


def scene_app(scene: str, home_root: Path) -> tuple[Any, Callable[[Any], Any]]:
    """The app for one scene, on fixed data, and what to do before the picture."""
    from hermes_tui.ui.app import make_app

    ws = fixed_workspace(home_root)
    ws.config.model.name = "openai/test-model"
    ws.library.save("log-triage", TRIAGE, author="user", category="debugging")
    ws.memory.add("memory", "The nightly job runs at 02:00 and talks to Postgres.")
    ws.memory.add("user", "Prefers short answers with the exact file and line.")
    seed_pending(ws)
    app = make_app(ws, warm_up=False)
    return app, SCENES[scene]


# -- Hermes Agent's staged writes (pending/{skills,memory}/ID.json) beside the workbench's ------------
HERMES_PATCH, HERMES_MEMORY = "a1b2c3d4", "e5f6a7b8"


def seed_hermes_pending(root: Path) -> None:
    """Two writes Hermes staged, with fixed ids and times: a patch of log-triage from its background
    review and a memory add from the conversation."""
    from tests.hermes_state import stage

    stage(root, "skills", {"action": "patch", "name": "log-triage", "old_string": "1. grep ERROR",
                           "new_string": "1. grep -n ERROR app.log"},
          origin="background_review", summary="patch 'log-triage'", created_at=T0 + 7 * 86400, pending_id=HERMES_PATCH)
    stage(root, "memory", {"action": "add", "target": "memory", "content": "The pool size lives in jobs/nightly.py."},
          summary="add to memory", created_at=T0 + 8 * 86400, pending_id=HERMES_MEMORY)


async def approvals_hermes(pilot: Any) -> None:
    """F6 with the Hermes patch selected (the snapshot of a Hermes write)."""
    await _settle(pilot)
    seed_hermes_pending(pilot.app.workspace.home.root)
    await pilot.press("f6")
    area = pilot.app.query_one("#approvals")
    area.now = lambda: T0 + 9 * 86400
    area.reload()
    await until(pilot, lambda: len(area.groups) == 3 and pilot.app.query_one("#status").status.pending == 3)
    area.table.move_cursor(row=1)
    await pilot.pause()
