"""Pilot tests of the workbench: each flow against the scripted model server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from hermes_tui.core.agent.events import ToolCallFinished
from hermes_tui.core.config import Config
from hermes_tui.core.workspace import Workspace
from hermes_tui.ui.app import make_app
from hermes_tui.ui.screens.approval import ApprovalScreen
from hermes_tui.ui.screens.call_detail import CallDetailScreen
from hermes_tui.ui.screens.dialogs import ErrorDialog
from hermes_tui.ui.widgets.answer import Answer
from hermes_tui.ui.widgets.conversation import Notice, UserMessage
from tests.llm_server import Call, HttpError, Reply, llm_server  # noqa: F401
from tests.ui_fixtures import server_workspace, until


def run(coro) -> None:
    asyncio.run(coro)


def notices(app) -> list[str]:
    return [str(n.render()) for n in app.query(Notice)]


def test_a_message_streams_its_answer_and_the_trace_rows(home, llm_server, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("the answer is 42\n" + "x" * 5000, encoding="utf-8")
    llm_server.queue(
        Reply(tool_calls=[Call("read_file", {"path": "notes.txt"}, id="c1")]),
        Reply(text="The file says **42**.\n\n```sh\ncat notes.txt\n```\n", chunk_size=3, delay=0.01),
    )
    ws = server_workspace(home, llm_server)

    async def drive() -> None:
        app = make_app(ws, cwd=str(tmp_path), warm_up=False)
        async with app.run_test(size=(120, 40)) as pilot:
            app.prompt.insert("what does notes.txt say?")
            await pilot.press("enter")
            await until(pilot, lambda: app._cancel is None and app.session.episodes)
            assert [str(m.render()) for m in app.query(UserMessage)] == ["what does notes.txt say?"]
            expected = "The file says **42**.\n\n```sh\ncat notes.txt\n```\n"
            # The bridge hands streamed text over in slices: the whole answer shows soon after.
            await until(pilot, lambda: [a.text for a in app.query(Answer)][-1:] == [expected])
            row = app.trace.calls[f"{app.session.episodes[0]}/c1"]
            assert (row.name, row.status, row.arguments) == ("read_file", "ok", {"path": "notes.txt"})
            assert app.trace.row_count == 1
            assert "test-model" in str(app.query_one("#status").render())
            # Enter on the row opens the call, with the stored result and a search inside it
            app.trace.focus()
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, CallDetailScreen))
            assert "the answer is 42" in app.screen.result
            app.screen.query_one("#call-search").value = "answer is"
            await pilot.pause()
            assert len(app.screen._hits) == 1
            await pilot.press("escape", "escape")
            # copy of the answer and of its code block (OSC 52 through the app's clipboard)
            app.conversation.focus()
            await pilot.press("Y")
            assert app.clipboard == "cat notes.txt\n"
            await pilot.press("y")
            assert app.clipboard.startswith("The file says")
        stored = ws.store.get_episode(app.session.episodes[0])
        assert stored["outcome"] == "success" and stored["session_id"] == app.session.id

    run(drive())
    ws.close()


async def start_a_long_answer(app, pilot) -> None:
    """Send a message whose (queued) answer streams slowly; return once it streams."""
    app.prompt.insert("write a long essay")
    await pilot.press("enter")
    await until(pilot, lambda: any(a.text for a in app.query(Answer)))


SLOW = Reply(text="word " * 400, chunk_size=5, delay=0.02)


def test_esc_interrupts_the_running_turn(home, llm_server) -> None:
    llm_server.queue(SLOW)
    ws = server_workspace(home, llm_server)

    async def drive() -> None:
        app = make_app(ws, warm_up=False)
        async with app.run_test() as pilot:
            await start_a_long_answer(app, pilot)
            await pilot.press("escape")
            await until(pilot, lambda: app._cancel is None)
            assert any(n.startswith("interrupted") for n in notices(app))
        episode = ws.store.list_episodes()[0]
        assert episode["outcome"] == "interrupted"

    run(drive())
    ws.close()


def test_ctrl_q_while_the_agent_streams_exits_cleanly(home, llm_server) -> None:
    llm_server.queue(SLOW)
    ws = server_workspace(home, llm_server)

    async def drive() -> None:
        app = make_app(ws, warm_up=False)
        async with app.run_test() as pilot:
            await start_a_long_answer(app, pilot)
            await pilot.press("ctrl+q")
        assert app.return_code == 0

    run(drive())
    deadline = time.monotonic() + 30  # the worker thread records the end after the app is gone
    while not ws.store.list_episodes()[0]["outcome"] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ws.store.list_episodes()[0]["outcome"] == "interrupted"
    ws.close()


@pytest.mark.parametrize("key, decision, removed", [("n", "deny", False), ("y", "once", True), ("a", "always", True)])
def test_an_approval_is_answered_by_one_key(home, llm_server, tmp_path: Path, key: str, decision: str, removed: bool) -> None:
    canary = tmp_path / "canary"
    (canary / "inner").mkdir(parents=True)
    (canary / "inner" / "file.txt").write_text("keep?", encoding="utf-8")
    # Inside the working folder the sandbox lets `rm -r` run unasked: asking to run it
    # outside the sandbox is what needs a person.
    outside = {"command": "rm -r canary", "outside_sandbox": True, "justification": "remove the canary"}
    llm_server.queue(Reply(tool_calls=[Call("terminal", outside, id="rm1")]), Reply(text="done"))
    ws = server_workspace(home, llm_server)

    async def drive() -> None:
        app = make_app(ws, cwd=str(tmp_path), warm_up=False)
        async with app.run_test() as pilot:
            app.prompt.insert("remove the canary folder")
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, ApprovalScreen))
            assert app.screen.request.command.startswith("rm -r canary")
            assert app.trace.selected.status == "approval?"
            answered: set[str] = set()
            while app._cancel is not None:  # each rule the command needs is asked in turn
                answered.add(app.screen.request.request_id)
                await pilot.press(key)
                await until(pilot, lambda: app._cancel is None or (
                    isinstance(app.screen, ApprovalScreen) and app.screen.request.request_id not in answered))
            assert not isinstance(app.screen, ApprovalScreen)
            assert app.trace.selected.status == ("ok" if removed else "error")

    run(drive())
    assert canary.exists() is not removed
    always = Config.load(ws.home, env={}).approvals.always
    assert bool(always) is (decision == "always")
    ws.close()


def test_a_past_session_resumes_in_the_conversation(home, llm_server) -> None:
    ws = server_workspace(home, llm_server)
    llm_server.queue(Reply(text="Paris."), Reply(text="About 2.1 million."))
    first = ws.new_session(ws.make_agent())
    first.send("capital of France?")

    async def drive() -> None:
        app = make_app(ws, warm_up=False)
        async with app.run_test() as pilot:
            app.prompt.insert(f"/resume {first.id}")
            await pilot.press("enter")
            await until(pilot, lambda: app.session.id == first.id)
            assert [str(m.render()) for m in app.query(UserMessage)] == ["capital of France?"]
            app.prompt.insert("and its population?")
            await pilot.press("enter")
            await until(pilot, lambda: app._cancel is None and len(app.session.episodes) == 2)
        sent = [(m["role"], m["content"]) for m in llm_server.requests[-1]["messages"][1:]]
        assert sent == [("user", "capital of France?"), ("assistant", "Paris."), ("user", "and its population?")]
        assert [e["session_id"] for e in ws.store.session_episodes(first.id)] == [first.id, first.id]

    run(drive())
    ws.close()


def test_new_starts_a_new_session_and_up_recalls_prompts(home, llm_server) -> None:
    llm_server.queue(Reply(text="one"), Reply(text="two"))
    ws = server_workspace(home, llm_server)

    async def drive() -> None:
        app = make_app(ws, warm_up=False)
        async with app.run_test() as pilot:
            app.prompt.insert("first")
            await pilot.press("enter")
            await until(pilot, lambda: app._cancel is None and app.session.episodes)
            old = app.session.id
            app.prompt.insert("/ne")
            await pilot.press("tab")
            assert app.prompt.text == "/new "
            await pilot.press("enter")
            assert app.session.id != old and not app.query(UserMessage)
            await pilot.press("up")
            assert app.prompt.text == "/new"
            await pilot.press("up")
            assert app.prompt.text == "first"
            await pilot.press("enter")
            await until(pilot, lambda: app._cancel is None and app.session.episodes)
        assert len(llm_server.requests[-1]["messages"]) == 2  # system + the new message: no old history

    run(drive())
    ws.close()


def test_a_model_error_is_one_line_and_the_app_keeps_running(home, llm_server) -> None:
    llm_server.queue(HttpError(400, "model does not exist"), Reply(text="recovered"))
    ws = server_workspace(home, llm_server)

    async def drive() -> None:
        app = make_app(ws, warm_up=False)
        async with app.run_test() as pilot:
            app.prompt.insert("hello")
            await pilot.press("enter")
            await until(pilot, lambda: app._cancel is None and app.session.episodes)
            failure = [n for n in notices(app) if n.startswith("failure")]
            assert len(failure) == 1 and "\n" not in failure[0]
            app.prompt.insert("again")
            await pilot.press("enter")
            await until(pilot, lambda: len(app.session.episodes) == 2 and app._cancel is None)
            await until(pilot, lambda: app.conversation.last_answer() == "recovered")  # the bridge drains in slices

    run(drive())
    ws.close()


def test_without_a_model_the_app_opens_and_says_how_to_set_one(home) -> None:
    ws = Workspace(home)

    async def drive() -> None:
        app = make_app(ws, warm_up=False)
        async with app.run_test() as pilot:
            hint = notices(app)[0]
            assert "/model" in hint and "config.toml" in hint and "hermes-tui demo" in hint
            app.prompt.insert("/model openai/gpt-4o-mini")
            await pilot.press("enter")
            assert app.model_name == "openai/gpt-4o-mini"
        assert Config.load(ws.home, env={}).model.name == "openai/gpt-4o-mini"

    run(drive())
    ws.close()


def test_slash_commands_report_in_the_conversation(home) -> None:
    ws = Workspace(home)
    ws.config.model.name = "openai/test-model"

    async def drive() -> None:
        app = make_app(ws, warm_up=False)
        async with app.run_test() as pilot:
            for command in ("/learn on", "/skills", "/search nothing-matches-this", "/approve", "/help", "/learn maybe"):
                app.prompt.insert(command)
                await pilot.press("enter")
            said = notices(app)[1:]  # after the welcome line
            assert said[0] == "learning on" and "learning on" in str(app.query_one("#status").render())
            assert said[1].endswith("active skills:") or "active skills" in said[1]
            assert "nothing found" in said[2] and said[3] == "nothing is pending"
            assert "/resume" in said[4] and said[5] == "/learn: use /learn on or /learn off"
        assert Config.load(ws.home, env={}).learning.enabled is True

    run(drive())
    ws.close()


def test_a_failing_worker_shows_a_dialog(home) -> None:
    ws = Workspace(home)

    def broken() -> None:
        raise OSError(28, "No space left on device")

    async def drive() -> None:
        app = make_app(ws, warm_up=False, background=broken)
        async with app.run_test() as pilot:
            await until(pilot, lambda: isinstance(app.screen, ErrorDialog))
            assert "No space left on device" in app.screen.message and "\n" not in app.screen.message
            await pilot.press("enter")
            assert not isinstance(app.screen, ErrorDialog)
            await pilot.press("ctrl+q")
        assert app.return_code == 0

    run(drive())
    ws.close()


def test_a_key_is_rebound_from_config(home) -> None:
    home.config_path.write_text('[keys]\n"app.area.episodes" = "f8"\n', encoding="utf-8")
    ws = Workspace(home)

    async def drive() -> None:
        app = make_app(ws, warm_up=False)
        async with app.run_test() as pilot:
            switcher = app.query_one("#areas")
            await pilot.press("f3")
            assert switcher.current == "work"
            await pilot.press("f8")
            assert switcher.current == "episodes"
            await pilot.press("f2")
            assert switcher.current == "work"

    run(drive())
    ws.close()


def test_config_problems_are_said_once_and_the_defaults_stand_in(home, caplog) -> None:
    home.config_path.write_text('[sandbox]\nmode = "danger"\n[ui]\ntheme = "hermes-light"\n', encoding="utf-8")
    ws = Workspace(home, strict_config=False)  # as `hermes-tui` opens the home
    expected = ("config.toml: sandbox.mode must be one of workspace-write, read-only, off, got 'danger' "
                "(using the defaults)")

    async def drive() -> None:
        app = make_app(ws, warm_up=False)
        async with app.run_test() as pilot:
            await pilot.pause()
            assert [n.message for n in app._notifications if "config.toml" in n.message] == [expected]
            assert ws.config.sandbox.mode == "workspace-write" and app.theme == "hermes-light"

    with caplog.at_level("WARNING", logger="hermes_tui"):
        run(drive())
    assert [r.getMessage() for r in caplog.records if "sandbox.mode" in r.getMessage()] == [expected]
    ws.close()


def test_library_and_pending_events_update_the_app_without_polling(home) -> None:
    from hermes_tui.core.gate import SkillChange

    ws = Workspace(home)
    skill = "---\nname: tidy-logs\ndescription: Rotate and compress old logs.\n---\n# Tidy\n"

    async def drive() -> None:
        app = make_app(ws, warm_up=False)
        async with app.run_test() as pilot:
            ws.library.save("tidy-logs", skill, author="user")
            ws.pending.submit(SkillChange("edit", "tidy-logs", content=skill + "more\n"))
            await pilot.pause()
            assert "/tidy-logs" in app.prompt.completions
            assert "1 pending" in str(app.query_one("#status").render())
            assert app.query_one("#approvals").table.row_count == 1

    run(drive())
    ws.close()


def test_tool_results_stream_into_the_trace_in_place(home, llm_server, tmp_path: Path) -> None:
    """Two calls in one turn: two rows, each updated by its own call id."""
    (tmp_path / "a.txt").write_text("A", encoding="utf-8")
    llm_server.queue(
        Reply(tool_calls=[Call("read_file", {"path": "a.txt"}, id="r1"), Call("read_file", {"path": "missing.txt"}, id="r2")]),
        Reply(text="ok"),
    )
    ws = server_workspace(home, llm_server)
    finished: list[ToolCallFinished] = []
    ws.events.subscribe(lambda e: finished.append(e) if isinstance(e, ToolCallFinished) else None)

    async def drive() -> None:
        app = make_app(ws, cwd=str(tmp_path), warm_up=False)
        async with app.run_test() as pilot:
            app.prompt.insert("read both")
            await pilot.press("enter")
            await until(pilot, lambda: app._cancel is None and app.session.episodes)
            statuses = [app.trace.calls[k].status for k in app.trace.order]
            assert statuses == ["ok", "error"] and app.trace.row_count == 2

    run(drive())
    assert [f.call_id for f in finished] == ["r1", "r2"]
    ws.close()


def test_the_status_line_says_whether_commands_run_sandboxed(home) -> None:
    """What `hermes-tui` passes to the status line follows [sandbox] and the kernel."""
    from hermes_tui.core.sandbox import landlock_abi
    from hermes_tui.ui.app import sandbox_label

    with Workspace(home) as ws:
        label = sandbox_label(ws)
        assert label == ("sandboxed, net off" if landlock_abi() else "")
    config = Config.load(home)
    config.sandbox.mode = "off"
    config.save(home)
    with Workspace(home) as ws:
        assert sandbox_label(ws) == ""
