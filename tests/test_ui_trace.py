"""The live trace and the bridge under a burst: rows follow the newest, redraws are
spaced out, a flooding worker waits for the UI, the streamed answer arrives whole."""

from __future__ import annotations

import asyncio
import threading
import time

from hermes_tui.core.agent.events import TextDelta, ToolCallFinished, ToolCallStarted, TurnFinished
from hermes_tui.core.workspace import Workspace
from hermes_tui.ui import messages
from hermes_tui.ui.app import make_app
from hermes_tui.ui.widgets import trace as trace_module
from hermes_tui.ui.widgets.answer import Answer
from hermes_tui.ui.widgets.trace import short_arguments
from tests.ui_fixtures import until


def test_short_arguments_leave_out_how_a_command_runs() -> None:
    arguments = {"command": "curl -sS https://example.org", "outside_sandbox": True, "timeout": 60,
                 "justification": "the user asked to fetch the page"}
    assert short_arguments(arguments) == "curl -sS https://example.org"
    assert short_arguments({"path": "a.py", "replace_all": False, "old": "x"}) == "a.py x"
    assert short_arguments({"command": "echo " + "x" * 100}, 20) == "echo " + "x" * 14 + "…"
    assert short_arguments(["a", 1]) == '["a", 1]'


def _burst(ws: Workspace, rows: int) -> threading.Thread:
    def post() -> None:  # as the agent's worker thread does
        for i in range(rows):
            ws.events.emit(ToolCallStarted(episode_id="e", step=1, call_id=f"c{i}", name="terminal",
                                           arguments={"command": f"echo {i}", "outside_sandbox": False}))
            ws.events.emit(ToolCallFinished(episode_id="e", step=1, call_id=f"c{i}", name="terminal",
                                            result=str(i), exit_code=0, duration_ms=1.0))

    thread = threading.Thread(target=post)
    thread.start()
    return thread


def test_a_burst_of_rows_follows_the_newest_with_few_redraws(home, monkeypatch) -> None:
    monkeypatch.setattr(messages, "BACKLOG", 64)  # the worker waits for the UI often
    redraws: list[float] = []
    original = trace_module.TraceTable._redraw_now

    def counted(self) -> None:
        redraws.append(time.monotonic())
        original(self)

    monkeypatch.setattr(trace_module.TraceTable, "_redraw_now", counted)
    ws = Workspace(home)

    async def drive() -> None:
        app = make_app(ws, warm_up=False)
        async with app.run_test(size=(120, 30)) as pilot:
            await pilot.pause()
            thread = _burst(ws, 2000)
            await until(pilot, lambda: not thread.is_alive() and app.trace.row_count == 2000
                        and app.trace.calls["e/c1999"].status == "ok")
            await until(pilot, lambda: app.trace.cursor_row == 1999)  # the last redraw followed the newest
            assert app.trace.selected.call_id == "c1999"
            assert app.trace.scroll_offset.y > 0
            gaps = [b - a for a, b in zip(redraws, redraws[1:])]
            assert gaps and min(gaps) >= trace_module.BURST_REDRAW_SECONDS * 0.9
            # The user moves up: a later burst no longer pulls the cursor down.
            app.trace.focus()
            await pilot.press("up", "up")
            assert app.trace.cursor_row == 1997
            thread = _burst(ws, 2100)  # c0..c1999 again (ignored) and 100 new rows
            await until(pilot, lambda: not thread.is_alive() and app.trace.row_count == 2100)
            await pilot.pause(trace_module.BURST_REDRAW_SECONDS * 2)
            assert app.trace.cursor_row == 1997

    try:
        asyncio.run(drive())
    finally:
        ws.close()


def test_a_flooding_worker_waits_for_the_ui_and_loses_nothing(home, monkeypatch) -> None:
    monkeypatch.setattr(messages, "BACKLOG", 32)
    ws = Workspace(home)
    waiting: list[int] = []  # the bridge's queue as each emit returns (a sink after the bridge)

    async def drive() -> None:
        app = make_app(ws, warm_up=False)
        async with app.run_test(size=(120, 30)) as pilot:
            await pilot.pause()
            ws.events.subscribe(lambda event: waiting.append(len(app._bridge._pending)))
            thread = _burst(ws, 500)
            await until(pilot, lambda: not thread.is_alive() and app.trace.row_count == 500)
            await until(pilot, lambda: all(app.trace.calls[f"e/c{i}"].status == "ok" for i in range(500)))
            assert len(waiting) == 1000
            assert max(waiting) < 4 * messages.BACKLOG  # unbounded, it holds hundreds
            # Text deltas from a worker reach the answer whole and in order, however it was written
            # (the stream's redactor holds back a short tail until the turn's next event).
            words = [f"w{i} " for i in range(300)]

            def stream() -> None:
                for word in words:
                    ws.events.emit(TextDelta(episode_id="e", step=2, text=word))
                ws.events.emit(TurnFinished(episode_id="e", step=2, text="".join(words)))

            worker = threading.Thread(target=stream)
            worker.start()
            await until(pilot, lambda: not worker.is_alive() and bool(app.query(Answer))
                        and app.query(Answer).last().text == "".join(words))
            answer = app.query(Answer).last()
            await app.conversation.finish_answer()
            assert answer.source == "".join(words)

    try:
        asyncio.run(drive())
    finally:
        ws.close()
