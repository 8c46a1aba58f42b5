"""Memory (F4): search as you type, filters, the preview, opening a hit where it lives;
MEMORY.md / USER.md as entries within their budget, never clobbering a change on disk."""

from __future__ import annotations

import asyncio
from pathlib import Path

from hermes_tui.core.memory import MemoryChanged, parse_entries
from hermes_tui.ui.app import make_app
from hermes_tui.ui.screens.memory import ConflictScreen, EntryEditor, EpisodeAtCall, parse_filters
from tests.ui_fixtures import T0, fixed_workspace, until


def run(coro) -> None:
    asyncio.run(coro)


async def search(pilot, area, text: str) -> None:
    area.input.focus()
    area.input.value = ""
    for ch in text:
        await pilot.press("space" if ch == " " else ch)
    await until(pilot, lambda: area.shown_generation == area.generation, 20)


def test_a_typed_query_finds_a_tool_call_and_opens_the_episode_at_that_call(tmp_path: Path) -> None:
    ws = fixed_workspace(tmp_path / "home")

    async def drive() -> None:
        app = make_app(ws, warm_up=False)
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("f4")
            area = app.query_one("#memory")
            assert app.focused is area.input
            await search(pilot, area, "pool exhausted")
            assert area.hits, "no hits"
            first = area.hits[0]
            assert first.kind == "event" and first.title == "read_file"
            assert "«pool»" in first.snippet.lower() and "«exhausted»" in first.snippet.lower()
            assert "hits" in str(area.query_one("#memory-count").render())
            # The preview holds the whole result, both words marked; n/N move between them.
            preview = area.preview
            assert "ERROR db: timeout (pool exhausted)" in preview.document.text
            assert len(preview.matches) == 2 and preview.current == 0
            preview.focus()
            await pilot.press("n")
            assert preview.current == 1
            await pilot.press("n")
            assert preview.current == 0
            await pilot.press("N")
            assert preview.current == 1
            # Enter in the box goes to the results; Enter on a result opens it where it lives.
            area.input.focus()
            await pilot.press("enter")
            assert app.focused is area.table
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, EpisodeAtCall) and app.screen.painted)
            screen = app.screen
            event = ws.store.get_event(int(first.id))
            assert screen.episode["id"] == first.episode_id == event["episode_id"]
            row = screen.query_one("#episode-trace").selected
            assert row.call_id == event["data"]["call_id"]
            assert row.name == "read_file" and row.arguments == {"path": "app.log"}
            await pilot.press("escape")
            assert not isinstance(app.screen, EpisodeAtCall)

    run(drive())
    ws.close()


def test_filters_narrow_the_search_by_kind_outcome_date_and_skill(tmp_path: Path) -> None:
    ws = fixed_workspace(tmp_path / "home")
    ws.library.save("log-triage", "---\nname: log-triage\ndescription: Triage a failed job from its log.\n---\n# Log triage\n",
                    author="user", category="debugging")

    async def drive() -> None:
        app = make_app(ws, warm_up=False)
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("f4")
            area = app.query_one("#memory")
            await search(pilot, area, "build")
            assert {h.kind for h in area.hits} == {"episode", "event", "skill"}
            await search(pilot, area, "build outcome:failure")
            assert {(h.kind, h.episode_id) for h in area.hits} == {("episode", "ep-6"), ("event", "ep-6")}
            await search(pilot, area, "app.log outcome:failure")
            assert area.hits == []
            await search(pilot, area, "log kind:episode")
            assert {h.kind for h in area.hits} == {"episode"} and len(area.hits) == 5
            await search(pilot, area, "triage kind:skill")
            assert [h.id for h in area.hits] == ["debugging/log-triage"]
            await search(pilot, area, "timeout kind:event skill:log-triage")
            assert {h.episode_id for h in area.hits} == {"ep-3", "ep-4"}  # the runs that loaded it
            await search(pilot, area, "timeout until:2025-11-23")
            assert area.hits == []
            await search(pilot, area, "timeout since:2025-11-24 kind:nonsense")
            assert "kind 'nonsense'" in str(area.query_one("#memory-count").render())

    run(drive())
    ws.close()


def test_filters_parse_dates_as_whole_days(tmp_path: Path) -> None:
    ws = fixed_workspace(tmp_path / "home")
    query = parse_filters("pool since:2025-11-24 until:2025-11-24 outcome:success kind:calls", ws.library)
    assert query.text == "pool" and query.kinds == ["event"] and query.outcome == "success"
    assert query.until - query.since > 86_000 and query.since <= T0 <= query.until
    assert parse_filters("x since:yesterday", ws.library).problems == ["since: 'yesterday' is not a date (YYYY-MM-DD)"]
    ws.close()


def test_a_memory_entry_hit_opens_in_the_entries_pane(tmp_path: Path) -> None:
    ws = fixed_workspace(tmp_path / "home")
    ws.memory.add("user", "Prefers short answers with the exact file and line.")
    ws.sync()

    async def drive() -> None:
        app = make_app(ws, warm_up=False)
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("f4")
            area = app.query_one("#memory")
            await search(pilot, area, "short answers kind:note")
            assert area.hits[0].kind == "note"
            area.table.focus()
            await pilot.press("enter")
            assert area.pane == "memory-entries"
            assert app.focused is area.query_one("#entries-user").table

    run(drive())
    ws.close()


def test_memory_md_is_edited_within_its_budget_and_refused_past_it(tmp_path: Path) -> None:
    ws = fixed_workspace(tmp_path / "home")
    ws.memory.add("memory", "The nightly job runs at 02:00.")
    path = ws.memory.path("memory")

    async def drive() -> None:
        app = make_app(ws, warm_up=False)
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("f4", "ctrl+g")
            entries = app.query_one("#entries-memory")
            assert app.focused is entries.table and entries.table.row_count == 1
            await pilot.press("a")
            assert isinstance(app.screen, EntryEditor)
            editor = app.screen
            editor.query_one("TextArea").text = "x" * 2300
            await pilot.pause()
            assert "2,333/2,200" in str(editor.query_one("#entry-budget").render())
            await pilot.press("ctrl+s")
            assert app.screen is editor, "the editor stays open: nothing is lost"
            assert "cannot save: MEMORY.md would hold 2333/2200" in str(editor.query_one("#entry-error").render())
            assert parse_entries(path.read_text("utf-8")) == ["The nightly job runs at 02:00."]
            editor.query_one("TextArea").text = "Postgres listens on 5433 here, not 5432."
            await pilot.press("ctrl+s")
            await until(pilot, lambda: not isinstance(app.screen, EntryEditor))
            assert parse_entries(path.read_text("utf-8")) == ["The nightly job runs at 02:00.",
                                                             "Postgres listens on 5433 here, not 5432."]
            assert entries.table.row_count == 2
            assert "73/2,200" in str(entries.query_one(".entries-gauge").render())
            # reorder, then remove (confirmed)
            entries.table.move_cursor(row=1)
            await pilot.press("K")
            assert parse_entries(path.read_text("utf-8"))[0].startswith("Postgres")
            assert entries.table.cursor_row == 0
            await pilot.press("d", "y")
            await pilot.pause()
            assert parse_entries(path.read_text("utf-8")) == ["The nightly job runs at 02:00."]
            # the search sees what the file holds
            assert [n[0] for n in ws.store.execute("SELECT text FROM notes WHERE source = 'memories/MEMORY.md'")] == [
                "The nightly job runs at 02:00."]

    run(drive())
    ws.close()


def test_a_file_changed_on_disk_since_it_was_opened_is_never_clobbered(tmp_path: Path) -> None:
    ws = fixed_workspace(tmp_path / "home")
    ws.memory.add("memory", "first")
    path = ws.memory.path("memory")

    async def drive() -> None:
        app = make_app(ws, warm_up=False)
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("f4", "ctrl+g", "enter")
            editor = app.screen
            assert isinstance(editor, EntryEditor)
            path.write_text("first\n§\nwritten by another session\n", "utf-8")  # behind the editor's back
            editor.query_one("TextArea").text = "first, edited"
            await pilot.press("ctrl+s")
            await until(pilot, lambda: isinstance(app.screen, ConflictScreen))
            conflict = app.screen
            assert conflict.disk == ["first", "written by another session"] and conflict.mine == ["first, edited"]
            assert path.read_text("utf-8") == "first\n§\nwritten by another session\n", "nothing written"
            await pilot.press("t")  # take the disk's
            await pilot.pause()
            entries = app.query_one("#entries-memory")
            assert entries.opened == ["first", "written by another session"]
            assert path.read_text("utf-8") == "first\n§\nwritten by another session\n"
            # again, and this time keep mine
            entries.table.move_cursor(row=0)
            await pilot.press("enter")
            path.write_text("first\n§\nagain\n", "utf-8")
            app.screen.query_one("TextArea").text = "mine"
            await pilot.press("ctrl+s")
            await until(pilot, lambda: isinstance(app.screen, ConflictScreen))
            await pilot.press("k")
            await pilot.pause()
            assert parse_entries(path.read_text("utf-8")) == ["mine", "written by another session"]
            # after a sync (the app refreshes its areas) the view is the disk's again
            path.write_text("z\n", "utf-8")
            app.query_one("#memory").refresh_list()
            assert entries.opened == ["z"] and entries.table.row_count == 1

    run(drive())
    ws.close()


def test_set_entries_checks_what_was_opened_and_the_budget(tmp_path: Path) -> None:
    ws = fixed_workspace(tmp_path / "home")
    memory = ws.memory
    memory.add("user", "a")
    memory.path("user").write_text("a\n§\nb\n", "utf-8")
    try:
        memory.set_entries("user", ["c"], base=["a"])
        raise AssertionError("a changed file was overwritten")
    except MemoryChanged as exc:
        assert exc.disk == ["a", "b"]
    assert memory.set_entries("user", ["b", "a"], base=["a", "b"]).startswith("saved USER.md")
    memory.path("user").write_text("y" * 2000 + "\n", "utf-8")  # over the budget by a hand edit
    memory.set_entries("user", ["y" * 1500], base=["y" * 2000])  # trimming is allowed
    assert parse_entries(memory.path("user").read_text("utf-8")) == ["y" * 1500]
    ws.close()


def test_the_palette_opens_the_entries(tmp_path: Path) -> None:
    from hermes_tui.ui.commands import workbench_actions

    ws = fixed_workspace(tmp_path / "home")

    async def drive() -> None:
        app = make_app(ws, warm_up=False)
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            action = dict((title, callback) for title, _help, callback in workbench_actions(app))
            action["Memory: MEMORY.md and USER.md entries"]()
            await pilot.pause()
            area = app.query_one("#memory")
            assert area.pane == "memory-entries" and app.focused is area.query_one("#entries-memory").table

    run(drive())
    ws.close()
