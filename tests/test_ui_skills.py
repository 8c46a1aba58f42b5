"""Pilot tests of the skill editor (F5), asserting on the library, its versions and the files."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from hermes_tui.core.skills.validate import validate_skill
from hermes_tui.core.workspace import Workspace
from hermes_tui.errors import HermesError
from hermes_tui.ui.app import make_app
from hermes_tui.ui.screens.skills import tree_nodes
from hermes_tui.ui.widgets.diff_view import DiffView
from tests.ui_fixtures import until

TRIAGE = "---\nname: log-triage\ndescription: Find the cause of a failed job from its log.\n---\n# Log triage\n1. grep ERROR\n"


def run(coro: Any) -> None:
    asyncio.run(coro)


def workspace(home: Any) -> Workspace:
    ws = Workspace(home)
    ws.library.save("log-triage", TRIAGE, author="user", category="debugging")
    return ws


async def open_editor(app: Any, pilot: Any, skill: str = "log-triage") -> Any:
    await pilot.press("f5")
    await until(pilot, lambda: bool(app.query("#skills-editor")))
    area = app.query_one("#skills")
    app.animation_level = "none"
    assert area.open_skill(skill)
    await pilot.pause()
    return area


def problems(area: Any) -> str:
    return str(area.query_one("#skills-problems").render())


def test_edit_and_save_makes_a_new_version_and_validates_live(home) -> None:
    ws = workspace(home)
    path = Path(ws.library.row("log-triage")["path"])

    async def drive() -> None:
        app = make_app(ws, warm_up=False)
        async with app.run_test(size=(100, 30)) as pilot:
            area = await open_editor(app, pilot)
            editor = area.editor
            assert editor.text == TRIAGE and not area.modified
            assert "✓ valid" in problems(area)
            # A bad name is an error naming its field and line, as it is typed
            editor.replace("Log_Triage", (1, 6), (1, 16))
            await pilot.pause()
            assert "✗ line 2 name:" in problems(area)
            await pilot.press("ctrl+z")
            editor.insert("2. read the stack trace\n", editor.document.end)
            await pilot.pause()
            assert area.modified and "unsaved" in str(area.query_one("#skills-title").render())
            # Ctrl+G: the buffer against the file
            await pilot.press("ctrl+g")
            diff = area.query_one("#skills-diff", DiffView)
            assert (diff.old, diff.new) == (TRIAGE, TRIAGE + "2. read the stack trace\n")
            # An invisible character is shown in the diff, never rendered invisibly
            editor.insert("\u202e", editor.document.end)
            await pilot.press("ctrl+g")
            assert "⟦U+202E⟧" in str(diff.query_one(".diff-body").render())
            await pilot.press("e", "ctrl+z")  # back in the editor, the character undone
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert path.read_text("utf-8") == TRIAGE + "2. read the stack trace\n"
            history = ws.library.history("log-triage")
            assert [(v["version"], v["author"]) for v in history] == [(1, "user"), (2, "user")]
            assert not area.modified and area.buffer.base == path.read_text("utf-8")
            assert area.query_one("#skills-versions").row_count == 2

    run(drive())
    ws.close()


def test_two_versions_are_diffed_and_one_is_restored(home) -> None:
    ws = workspace(home)
    v2 = TRIAGE + "2. read the stack trace\n"
    v3 = v2.replace("grep ERROR", "grep -n ERROR app.log")
    ws.library.save("log-triage", v2, author="user")
    ws.library.save("log-triage", v3, author="agent")

    async def drive() -> None:
        app = make_app(ws, warm_up=False)
        async with app.run_test(size=(160, 40)) as pilot:
            area = await open_editor(app, pilot)
            table = area.query_one("#skills-versions")
            assert [str(table.get_row_at(i)[1]) for i in range(table.row_count)] == ["v3", "v2", "v1"]
            area.tree.focus()
            await pilot.press("v")  # the Versions tab, its table focused
            assert table.has_focus
            await pilot.press("space", "down", "down", "space", "d")  # mark v3 and v1, diff them
            diff = area.query_one("#skills-diff", DiffView)
            assert (diff.old, diff.new, diff.labels) == (TRIAGE, v3, ("v1", "v3"))
            assert diff.side_by_side  # 160 columns: the two texts face each other
            # d on one version (nothing marked): it against the one before
            table.focus()
            await pilot.press("space", "up", "up", "space")  # unmark v1 and v3
            assert area.marked == []
            await pilot.press("d")  # d on v3
            assert (diff.old, diff.new) == (v2, v3)
            # r restores the selected version as a new version
            table.focus()
            table.move_cursor(row=2)
            await pilot.press("r")
            await pilot.pause()
            history = ws.library.history("log-triage")
            assert [(v["version"], v["author"]) for v in history][-1] == (4, "restore")
            assert Path(ws.library.row("log-triage")["path"]).read_text("utf-8") == TRIAGE
            assert area.editor.text == TRIAGE and not area.modified

    run(drive())
    ws.close()


def test_a_hand_edit_during_unsaved_changes_shows_the_banner_and_loses_nothing(home) -> None:
    ws = workspace(home)
    path = Path(ws.library.row("log-triage")["path"])
    mine = TRIAGE + "2. mine: read the stack trace\n"
    theirs = TRIAGE.replace("grep ERROR", "grep -n ERROR app.log")

    async def drive() -> None:
        app = make_app(ws, warm_up=False)
        async with app.run_test(size=(100, 34)) as pilot:
            area = await open_editor(app, pilot)
            await until(pilot, lambda: area.watcher is not None and area.watcher.ready.is_set())
            # An unedited buffer takes a hand edit made elsewhere
            path.write_text(theirs, encoding="utf-8")
            await until(pilot, lambda: area.editor.text == theirs, timeout=20)
            assert not area.banner.shown and area.buffer.base == theirs
            # Unsaved edits, then the file changes on disk: the banner, nothing overwritten
            area.editor.insert("2. mine: read the stack trace\n", area.editor.document.end)
            await pilot.pause()
            assert area.editor.text == theirs + "2. mine: read the stack trace\n"
            edited = area.editor.text
            path.write_text(TRIAGE, encoding="utf-8")  # someone reverts it by hand
            await until(pilot, lambda: area.banner.shown, timeout=20)
            assert area.editor.text == edited and path.read_text("utf-8") == TRIAGE
            banner = area.banner.query_one(DiffView)
            assert (banner.old, banner.new) == (edited, TRIAGE)
            # The hand edit was recorded as a version (author user), so keeping mine loses nothing
            texts = [ws.library.version_text("log-triage", v["version"]) for v in ws.library.history("log-triage")]
            assert texts == [TRIAGE, theirs, TRIAGE]
            await pilot.press("k")  # keep mine; the next save replaces the disk's knowingly
            assert not area.banner.shown and area.editor.text == edited
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert path.read_text("utf-8") == edited
            assert ws.library.version_text("log-triage", ws.library.history("log-triage")[-1]["version"]) == edited
            # Merge by hand: both texts with conflict markers; a save is refused until they are gone
            area.editor.insert("3. more of mine\n", area.editor.document.end)
            path.write_text(mine, encoding="utf-8")
            await until(pilot, lambda: area.banner.shown, timeout=20)
            await pilot.press("m")
            merged = area.editor.text
            assert "<<<<<<< mine" in merged and ">>>>>>> on disk" in merged and "3. more of mine" in merged
            assert "conflict markers left" in problems(area)
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert path.read_text("utf-8") == mine  # refused: the disk keeps its text
            # Ctrl+R reverts the buffer to the file
            await pilot.press("ctrl+r")
            assert area.editor.text == mine and not area.modified

    run(drive())
    ws.close()


def test_a_save_checks_the_disk_first(home) -> None:
    """Even before the watcher reports it, a save over a file changed on disk asks first."""
    ws = workspace(home)
    path = Path(ws.library.row("log-triage")["path"])

    async def drive() -> None:
        app = make_app(ws, warm_up=False)
        async with app.run_test(size=(100, 30)) as pilot:
            area = await open_editor(app, pilot)
            if area.watcher is not None:  # this test is about the save's own check
                area.watcher.stop()
            area.editor.insert("2. mine\n", area.editor.document.end)
            path.write_text(TRIAGE + "2. theirs\n", encoding="utf-8")
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert area.banner.shown
            assert path.read_text("utf-8") == TRIAGE + "2. theirs\n"
            await pilot.press("t")
            assert area.editor.text == TRIAGE + "2. theirs\n" and not area.modified

    run(drive())
    ws.close()


def test_a_new_skill_from_the_template_validates_and_saves(home) -> None:
    ws = workspace(home)

    async def drive() -> None:
        app = make_app(ws, warm_up=False)
        async with app.run_test(size=(100, 30)) as pilot:
            await open_editor(app, pilot)
            area = app.query_one("#skills")
            await pilot.press("ctrl+n")
            await until(pilot, lambda: type(app.screen).__name__ == "NewSkillDialog")
            await pilot.press(*"devops/rotate-logs", "enter")
            await until(pilot, lambda: area.buffer is not None and area.buffer.name == "rotate-logs")
            assert area.buffer.skill_id is None and area.modified
            assert "✓ valid" in problems(area)
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert ws.library.find("rotate-logs") == "devops/rotate-logs"
            skill = ws.library.load("rotate-logs")
            assert validate_skill(skill) == [] and skill.path == home.skills_dir / "devops/rotate-logs/SKILL.md"
            assert area.buffer.skill_id == "devops/rotate-logs" and not area.modified
            # An invalid name is refused in one line, nothing created
            await pilot.press("ctrl+n")
            await until(pilot, lambda: type(app.screen).__name__ == "NewSkillDialog")
            await pilot.press(*"Bad Name", "enter")
            await pilot.pause()
            assert ws.library.find("Bad Name") is None and area.buffer.skill_id == "devops/rotate-logs"

    run(drive())
    ws.close()


def test_archive_pin_and_bring_back_from_the_tree(home) -> None:
    ws = workspace(home)
    folder = Path(ws.library.row("log-triage")["path"]).parent

    async def drive() -> None:
        app = make_app(ws, warm_up=False)
        async with app.run_test(size=(100, 30)) as pilot:
            area = await open_editor(app, pilot)
            tree = area.tree
            tree.focus()
            node = next(n for n in tree_nodes(tree.root) if n.data == "debugging/log-triage")
            tree.move_cursor(node)
            await pilot.press("p")
            assert ws.library.row("log-triage")["pinned"] is True
            assert "pin" in str(next(n for n in tree_nodes(tree.root) if n.data == "debugging/log-triage").label)
            tree.focus()
            await pilot.press("a")
            await pilot.pause()
            row = ws.library.row("log-triage")
            assert row["state"] == "archived" and not folder.exists()
            archived = Path(row["path"])
            assert archived.is_file() and home.archive_dir in archived.parents
            assert area.buffer.read_only and area.editor.read_only
            area.editor.focus()
            await pilot.press("ctrl+s")  # read-only: nothing written
            tree.focus()
            await pilot.press("a")  # brings it back
            await pilot.pause()
            assert ws.library.row("log-triage")["state"] == "active" and (folder / "SKILL.md").read_text("utf-8") == TRIAGE

    run(drive())
    ws.close()


def test_open_skill_editor_with_a_proposed_text_calls_on_saved(home) -> None:
    """The approvals queue's edit-then-approve: the proposal as unsaved edits; Ctrl+S hands it over."""
    ws = workspace(home)
    proposed = TRIAGE + "2. check the pool size\n"
    handed: list[str] = []

    def approve(text: str) -> None:
        if not handed:
            handed.append("refused")
            raise HermesError("the scan found a problem")
        handed.append(text)
        ws.library.save("log-triage", text, author="agent")

    async def drive() -> None:
        app = make_app(ws, warm_up=False)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            assert app.open_skill_editor("log-triage", text=proposed, on_saved=approve)
            area = app.query_one("#skills")
            await pilot.pause()
            assert area.editor.text == proposed and area.modified
            assert "Ctrl+S approves" in str(area.query_one("#skills-title").render())
            area.editor.insert("3. and the timeout\n", area.editor.document.end)
            await pilot.press("ctrl+s")  # refused: the buffer is kept
            await pilot.pause()
            assert handed == ["refused"] and area.modified
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert handed[1] == proposed + "3. and the timeout\n"
            assert ws.library.text("log-triage") == handed[1] and not area.modified
            # Another skill while edits are unsaved: refused, nothing lost
            area.editor.insert("x", area.editor.document.end)
            assert not app.open_skill_editor("no-such-skill", text="---\n")
            assert area.editor.text.endswith("x")

    run(drive())
    ws.close()


def test_the_record_shows_runs_effect_and_provenance_and_opens_an_episode(tmp_path: Path) -> None:
    from hermes_tui.ui.screens.episodes import EpisodeScreen
    from tests.ui_fixtures import fixed_workspace

    ws = fixed_workspace(tmp_path / "home")
    ws.library.save("log-triage", TRIAGE, author="user", category="debugging")
    ws.store.add_skill_provenance("debugging/log-triage", ["ep-1", "ep-2"])

    async def drive() -> None:
        app = make_app(ws, warm_up=False)
        async with app.run_test(size=(120, 36)) as pilot:
            area = await open_editor(app, pilot)
            area.show_record()
            table = area.query_one("#skills-record")
            await until(pilot, lambda: table.row_count == 5)
            assert [str(table.get_row_at(i)[0]) for i in range(5)] == ["ran with it"] * 3 + ["learned from"] * 2
            assert list(area.query_one("#skills-sparkline").data) == [4, 3, 2]  # tool calls per run, oldest first
            effect = str(area.query_one("#skills-effect").render())
            assert "with it: 3 runs" in effect and "−2.0 tool calls per run" in effect
            table.focus()
            table.move_cursor(row=3)
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, EpisodeScreen))
            assert app.screen.episode["id"] == "ep-1"

    run(drive())
    ws.close()


def test_a_skill_removed_on_disk_keeps_the_buffer_and_a_save_writes_it_back(home) -> None:
    import shutil

    ws = workspace(home)
    folder = Path(ws.library.row("log-triage")["path"]).parent

    async def drive() -> None:
        app = make_app(ws, warm_up=False)
        async with app.run_test(size=(100, 30)) as pilot:
            area = await open_editor(app, pilot)
            await until(pilot, lambda: area.watcher is not None and area.watcher.ready.is_set())
            area.editor.insert("2. mine\n", area.editor.document.end)
            shutil.rmtree(folder)  # a temporary home: the skill is removed by hand
            await until(pilot, lambda: area.buffer.skill_id is None, timeout=20)
            assert area.editor.text == TRIAGE + "2. mine\n" and area.modified
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert (folder / "SKILL.md").read_text("utf-8") == TRIAGE + "2. mine\n"
            assert area.buffer.skill_id == "debugging/log-triage"

    run(drive())
    ws.close()


def test_ctrl_q_with_unsaved_edits_warns_once(home) -> None:
    ws = workspace(home)

    async def drive() -> None:
        app = make_app(ws, warm_up=False)
        async with app.run_test(size=(100, 30)) as pilot:
            area = await open_editor(app, pilot)
            area.editor.insert("2. unsaved\n", area.editor.document.end)
            await pilot.press("ctrl+q")
            await pilot.pause()
            assert app.is_running and area.warned_on_quit
            await pilot.press("ctrl+q")
            await until(pilot, lambda: not app.is_running)

    run(drive())
    assert ws.library.text("log-triage") == TRIAGE  # quitting never saves
    ws.close()


def test_support_files_get_tabs_and_a_pending_skill_opens_read_only(home) -> None:
    from textual.widgets import TabbedContent, TextArea

    from hermes_tui.core.gate import SkillChange

    ws = workspace(home)
    folder = Path(ws.library.row("log-triage")["path"]).parent
    (folder / "scripts").mkdir()
    (folder / "scripts" / "grep_errors.sh").write_text("grep -n ERROR \"$1\"\n", encoding="utf-8")
    (folder / "assets").mkdir()
    (folder / "assets" / "[logo].png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    proposal = TRIAGE.replace("log-triage", "db-pool-sizing")
    ws.pending.submit(SkillChange("create", "db-pool-sizing", category="databases", content=proposal, author="agent"))

    async def drive() -> None:
        app = make_app(ws, warm_up=False)
        async with app.run_test(size=(120, 30)) as pilot:
            area = await open_editor(app, pilot)
            tabs = area.query_one(TabbedContent)
            await until(pilot, lambda: len(area.file_panes) == 2)
            binary, script = (tabs.get_pane(pane_id) for pane_id in area.file_panes)
            assert "[logo].png: a binary file" in str(binary.query_one("Static").render())
            shown = script.query_one(TextArea)
            assert shown.text == "grep -n ERROR \"$1\"\n" and shown.read_only and shown.language == "bash"
            # A skill that only a pending create holds: its proposal, read-only, nothing unsaved
            assert area.open_skill("databases/db-pool-sizing")
            await pilot.pause()
            assert area.editor.text == proposal and area.editor.read_only and not area.modified
            await until(pilot, lambda: area.file_panes == [])  # its support files are not listed
            await pilot.press("ctrl+s")  # refused: it waits for approval
            assert ws.library.find("db-pool-sizing") is None
            assert area.open_skill("log-triage")  # nothing unsaved held it

    run(drive())
    ws.close()


def test_the_palette_holds_the_editor_actions(home) -> None:
    from hermes_tui.ui.commands import workbench_actions

    ws = workspace(home)

    async def drive() -> None:
        app = make_app(ws, warm_up=False)
        async with app.run_test(size=(100, 30)) as pilot:
            await until(pilot, lambda: bool(app.query("#skills-editor")))
            actions = {title: run for title, _keys, run in workbench_actions(app) if title.startswith("Skills: ")}
            assert len(actions) == 8
            actions["Skills: new skill from the template"]()
            await until(pilot, lambda: type(app.screen).__name__ == "NewSkillDialog")
            assert app.query_one("#areas").current == "skills"

    run(drive())
    ws.close()
