"""Pilot tests of feedback in the workbench: the rating keys with their note prompt,
/rate and /correct, the correction editor, the rating column and filter of the episode
list, and the palette's export in a worker."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from textual.widgets import TextArea

from hermes_tui.ui.app import make_app
from hermes_tui.ui.commands import workbench_actions
from hermes_tui.ui.feedback import CorrectionDialog, NoteDialog
from hermes_tui.ui.screens.episodes import EpisodeScreen
from hermes_tui.ui.widgets.conversation import Notice
from hermes_tui.ui.widgets.trace import TraceTable
from tests.llm_server import Reply, llm_server  # noqa: F401
from tests.ui_fixtures import fixed_workspace, server_workspace, until


def test_rate_keys_and_slash_rate_store_ratings_with_notes(home, llm_server, tmp_path: Path) -> None:
    llm_server.queue(Reply(text="first answer"), Reply(text="second answer"))
    ws = server_workspace(home, llm_server)

    async def drive() -> None:
        app = make_app(ws, cwd=str(tmp_path), warm_up=False)
        async with app.run_test(size=(120, 40)) as pilot:
            app.prompt.insert("/rate good")
            await pilot.press("enter")
            await until(pilot, lambda: any("nothing to rate yet" in str(n.render()) for n in app.query(Notice)))
            for text in ("first question", "second question"):
                app.prompt.insert(text)
                await pilot.press("enter")
                await until(pilot, lambda: app._cancel is None and len(app.session.episodes) == ("second" in text) + 1)
            first, second = app.session.episodes
            app.prompt.insert("/rate 4 clear and short")
            await pilot.press("enter")
            await until(pilot, lambda: ws.store.episode_ratings([second]) == {second: 4})
            assert ws.store.episode_feedback(second)[0]["comment"] == "clear and short"
            # the keys in the conversation: the latest answer, then a note prompt
            app.conversation.focus()
            await pilot.press("minus")
            await until(pilot, lambda: isinstance(app.screen, NoteDialog))
            assert ws.store.episode_ratings([second]) == {second: 1}
            await pilot.press(*"too vague", "enter")
            await until(pilot, lambda: not isinstance(app.screen, NoteDialog))
            assert ws.store.episode_feedback(second)[-1]["comment"] == "too vague"
            assert ws.store.episode_ratings([first]) == {}
            app.prompt.focus()
            app.prompt.insert("/correct the second answer, properly")
            await pilot.press("enter")
            await until(pilot, lambda: any(r["kind"] == "correction" for r in ws.store.episode_feedback(second)))
            fix = next(r for r in ws.store.episode_feedback(second) if r["kind"] == "correction")
            assert (fix["rejected"], fix["chosen"]) == ("second answer", "the second answer, properly")

    asyncio.run(drive())
    ws.close()


def test_the_episode_list_and_view_rate_and_show_ratings(tmp_path: Path) -> None:
    ws = fixed_workspace(tmp_path / "home")

    async def drive() -> None:
        app = make_app(ws, warm_up=False)
        async with app.run_test(size=(140, 32)) as pilot:
            await pilot.press("f3")
            area = app.query_one("#episodes")
            await until(pilot, lambda: area.table.row_count == 6)
            area.table.move_cursor(row=1)
            area.table.focus()
            target = area.shown[1]["id"]
            await pilot.press("3")
            await until(pilot, lambda: isinstance(app.screen, NoteDialog))
            await pilot.press("escape")  # no note
            await until(pilot, lambda: not isinstance(app.screen, NoteDialog))
            assert ws.store.episode_ratings([target]) == {target: 3}
            assert ws.store.episode_feedback(target)[0]["comment"] is None
            assert str(area.table.get_cell(target, "rating")) == "★★★"
            assert area.table.cursor_row == 1
            await pilot.press("enter")  # the episode view rates the episode it shows
            await until(pilot, lambda: isinstance(app.screen, EpisodeScreen) and app.screen.painted)
            await pilot.press("plus")
            await until(pilot, lambda: isinstance(app.screen, NoteDialog))
            await pilot.press(*"fixed it", "enter")
            await until(pilot, lambda: isinstance(app.screen, EpisodeScreen))
            assert ws.store.episode_ratings([target]) == {target: 5}
            assert ws.store.episode_feedback(target)[0]["comment"] == "fixed it"
            await pilot.press("e")  # the answer in an editor; Ctrl+S keeps the edit as the correction
            await until(pilot, lambda: isinstance(app.screen, CorrectionDialog))
            editor = app.screen.query_one(TextArea)
            original = editor.text
            editor.load_text("Raise POOL_SIZE to 5.")
            await pilot.press("ctrl+s")
            await until(pilot, lambda: isinstance(app.screen, EpisodeScreen))
            fix = [r for r in ws.store.episode_feedback(target) if r["kind"] == "correction"]
            assert [(r["rejected"], r["chosen"]) for r in fix] == [(original, "Raise POOL_SIZE to 5.")]
            trace = app.screen.query_one(TraceTable)
            # x on a call of the trace: that tool step marked wrong, with what it should have been
            assert trace.row_count > 1
            await pilot.press("j", "x")
            await until(pilot, lambda: isinstance(app.screen, CorrectionDialog))
            assert app.screen.query_one(TextArea).text.startswith(trace.selected.name)
            app.screen.query_one(TextArea).load_text("grep -c ERROR app.log")
            await pilot.press("ctrl+s")
            await until(pilot, lambda: isinstance(app.screen, EpisodeScreen))
            step = [r for r in ws.store.episode_feedback(target) if r["kind"] == "correction" and r["event_seq"] is not None]
            call = next(e for e in ws.store.get_episode(target)["events"] if e["seq"] == step[0]["event_seq"])
            assert call["type"] == "tool_call" and call["data"]["call_id"] == trace.selected.call_id
            assert step[0]["chosen"] == "grep -c ERROR app.log"
            await pilot.press("escape")
            await until(pilot, lambda: not isinstance(app.screen, EpisodeScreen))
            area.refresh_list()
            for words, rows in (("rated:good", 1), ("rated:bad", 0), ("rated:any nightly", 1)):
                area.query_one("#episodes-filter").value = words
                await pilot.pause()
                assert area.table.row_count == rows, words

    asyncio.run(drive())
    ws.close()


def test_the_palette_exports_in_a_worker(tmp_path: Path) -> None:
    ws = fixed_workspace(tmp_path / "home")
    folder = ws.home.workbench_dir / "exports"

    async def drive() -> None:
        app = make_app(ws, warm_up=False)
        async with app.run_test(size=(120, 30)) as pilot:
            action = next(a for a in workbench_actions(app) if a[0] == "Export: training data (sharegpt)")
            action[2]()
            await until(pilot, lambda: folder.is_dir() and any(folder.glob("sharegpt-*.jsonl")))
            await until(pilot, lambda: any("exported 5 sharegpt lines" in n.message and "(1 skipped)" in n.message for n in app._notifications))

    asyncio.run(drive())
    ws.close()
    lines = [json.loads(x) for x in next(folder.glob("sharegpt-*.jsonl")).read_text().splitlines()]
    assert len(lines) == 5 and all(line["conversations"][0]["from"] == "human" for line in lines)
