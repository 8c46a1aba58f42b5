"""The workbench attached to a Hermes Agent home: F6 lists and decides Hermes's staged writes
beside the workbench's own; a watcher mirrors state.db live (the episode list follows it) and
notices staged writes appearing; state.db and its -wal/-shm stay byte-identical."""

from __future__ import annotations

import asyncio
import json
import os
import threading
from pathlib import Path

from hermes_tui.core.home import Home
from hermes_tui.core.workspace import Workspace
from hermes_tui.ui.app import make_app
from hermes_tui.ui.screens.review import AskScreen, ConfirmScreen
from tests.hermes_state import HermesStateDb, stage
from tests.test_hermes_sessions import state_files
from tests.ui_fixtures import T0, until

SKILL = "---\nname: deploy\ndescription: Deploy the app with make.\n---\n# deploy\n\nRun make test.\nThen run make test again.\n"
WORKBENCH_ITEM = "20251124-000000-aaaaaa"


def hermes_workspace(tmp_path: Path) -> Workspace:
    """A home with a skill 'deploy', two MEMORY.md entries, one workbench change waiting and three
    Hermes writes: a patch (background review), a memory add and a file that is not JSON."""
    from hermes_tui.core.gate import SkillChange
    from tests.ui_fixtures import fixed_pending

    ws = Workspace(Home(tmp_path / "home").ensure(), sync=False)
    ws.library.save("deploy", SKILL, author="user", category="devops")
    ws.home.memory_file.write_text("User prefers tea\n§\nProject uses uv for packaging", "utf-8")
    fixed_pending(ws, WORKBENCH_ITEM, SkillChange("create", "tidy", content=SKILL.replace("deploy", "tidy")), T0,
                  scan={"verdict": "safe", "findings": []})
    root = ws.home.root
    stage(root, "skills", {"action": "patch", "name": "deploy", "old_string": "make test", "new_string": "make check",
                           "replace_all": True}, origin="background_review", summary="patch 'deploy'",
          created_at=T0 + 3600, pending_id="patch1")
    stage(root, "memory", {"action": "add", "target": "memory", "content": "User likes green tea"},
          created_at=T0 + 7200, pending_id="mem1")
    (root / "pending" / "skills" / "broken.json").write_text("{not json", "utf-8")
    os.utime(root / "pending" / "skills" / "broken.json", (T0 + 1800, T0 + 1800))  # its age: the file's
    return ws


async def open_queue(pilot, groups: int):
    await pilot.press("f6")
    area = pilot.app.query_one("#approvals")
    area.now = lambda: T0 + 86400
    area.reload()
    await until(pilot, lambda: len(area.groups) == groups, timeout=10)
    return area


def go_to(area, item_id: str) -> None:
    area.table.move_cursor(row=[g.head.id for g in area.groups].index(item_id))


def text_of(area, part: str) -> str:
    return str(area.query_one(part).render())


def test_f6_lists_hermes_writes_beside_the_workbench_and_decides_them(tmp_path: Path) -> None:
    ws = hermes_workspace(tmp_path)
    root = ws.home.root
    skill_file = Path(ws.library.row("deploy")["path"])
    versions = len(ws.library.history("deploy"))

    async def drive() -> None:
        app = make_app(ws, warm_up=False)
        async with app.run_test(size=(140, 40)) as pilot:
            area = await open_queue(pilot, 4)
            assert [g.head.id for g in area.groups] == [WORKBENCH_ITEM, "broken", "patch1", "mem1"]
            assert "4 changes wait (3 staged by Hermes)" in text_of(area, "#approvals-title")
            await until(pilot, lambda: app.query_one("#status").status.pending == 4)

            go_to(area, "patch1")
            await pilot.pause()
            head = text_of(area, "#approvals-head")
            assert "patch deploy" in head and "patch1 · Hermes · skills · background_review" in head and "waited 23h" in head
            assert "the patch in context against the current SKILL.md" in text_of(area, "#approvals-change-label")
            change = text_of(area, "#approvals-change")
            assert "-Run make test." in change and "+Then run make check again." in change
            assert "safe" in text_of(area, "#approvals-scan")
            await pilot.press("e")  # Hermes replays its own payload: no edit
            assert any("cannot be edited here" in n.message for n in app._notifications)
            await pilot.press("a")
            await until(pilot, lambda: not (root / "pending" / "skills" / "patch1.json").exists(), timeout=10)
            await until(pilot, lambda: len(area.groups) == 3, timeout=10)
            assert "Run make check." in skill_file.read_text("utf-8")
            history = ws.library.history("deploy")
            assert len(history) == versions + 1 and history[-1]["author"] == "agent"

            go_to(area, "mem1")
            await pilot.pause()
            assert "Hermes · memory · foreground" in text_of(area, "#approvals-head")
            assert "MEMORY.md entries before and after" in text_of(area, "#approvals-change-label")
            assert "+User likes green tea" in text_of(area, "#approvals-change")
            await pilot.press("r")
            assert isinstance(app.screen, AskScreen)
            await pilot.press(*"not now", "enter")
            await until(pilot, lambda: not (root / "pending" / "memory" / "mem1.json").exists(), timeout=10)
            kept = json.loads((ws.home.workbench_dir / "hermes-rejected" / "memory" / "mem1.json").read_text("utf-8"))
            assert kept["reason"] == "not now" and "green tea" in kept["record"]
            assert "green tea" not in ws.home.memory_file.read_text("utf-8")

            await until(pilot, lambda: len(area.groups) == 2, timeout=10)
            go_to(area, "broken")
            await pilot.pause()
            assert "problem: unreadable pending file" in text_of(area, "#approvals-head")
            await pilot.press("a")
            refusals = [n.message for n in app._notifications if "cannot approve Hermes write broken" in n.message]
            assert len(refusals) == 1 and "\n" not in refusals[0]
            assert (root / "pending" / "skills" / "broken.json").exists()
            await until(pilot, lambda: app.query_one("#status").status.pending == 2)

    asyncio.run(drive())
    ws.close()


def test_bulk_approve_takes_hermes_writes_with_a_clean_scan(tmp_path: Path) -> None:
    ws = hermes_workspace(tmp_path)
    root = ws.home.root

    async def drive() -> None:
        app = make_app(ws, warm_up=False)
        async with app.run_test(size=(140, 40)) as pilot:
            area = await open_queue(pilot, 4)
            go_to(area, "broken")
            await pilot.press("space")
            await pilot.press("A")  # a write that cannot apply is never bulk-approved
            assert not isinstance(app.screen, ConfirmScreen)
            assert any("bulk approve refused" in n.message and "cannot apply" in n.message for n in app._notifications)
            await pilot.press("space")
            for item_id in (WORKBENCH_ITEM, "mem1"):
                go_to(area, item_id)
                await pilot.press("space")
            assert area.selected == {WORKBENCH_ITEM, "mem1"}
            await pilot.press("A")
            assert isinstance(app.screen, ConfirmScreen) and "Hermes's add MEMORY.md (mem1)" in str(app.screen.body)
            await pilot.press("y")
            await until(pilot, lambda: not (root / "pending" / "memory" / "mem1.json").exists(), timeout=10)
            await until(pilot, lambda: [g.head.id for g in area.groups] == ["broken", "patch1"], timeout=10)
            assert ws.library.find("tidy") is not None
            assert "User likes green tea" in ws.home.memory_file.read_text("utf-8")

    asyncio.run(drive())
    ws.close()


def test_the_workbench_follows_a_live_hermes_state_db(tmp_path: Path) -> None:
    home = Home(tmp_path / "home").ensure()
    db = HermesStateDb.create(home.root / "state.db")
    first = db.session("20251124_cli_0001", started_at=T0, title="first chat")
    db.message(first, "user", "hello from the first chat", timestamp=T0 + 1)
    db.close()
    before = state_files(home.root)
    ws = Workspace(home, sync=False)  # nothing mirrored yet: the app does it

    async def drive() -> None:
        app = make_app(ws, warm_up=False, watch_hermes=True)
        async with app.run_test(size=(120, 30)) as pilot:
            await pilot.press("f3")
            episodes = app.query_one("#episodes")
            shown = lambda: [e["id"] for e in episodes.episodes]  # noqa: E731
            await until(pilot, lambda: first in shown(), timeout=10)
            assert state_files(home.root) == before
            writer = HermesStateDb(home.root / "state.db", 30)
            second = writer.session("20251124_tg_0002", source="telegram", started_at=T0 + 60, title="second chat")
            writer.message(second, "user", "hello from telegram", timestamp=T0 + 61)
            writer.close()
            after_write = state_files(home.root)
            await until(pilot, lambda: second in shown(), timeout=10)
            stage(home.root, "memory", {"action": "add", "target": "user", "content": "Likes short answers"})
            await until(pilot, lambda: app.query_one("#status").status.pending == 1, timeout=10)
            assert state_files(home.root) == after_write
            watcher = app.hermes_watcher
            assert watcher is not None
        assert app.hermes_watcher is None and watcher._stop.is_set()
        assert not any(t.name == "hermes-watcher" and t.is_alive() for t in threading.enumerate())

    asyncio.run(drive())
    ws.close()


def test_no_watcher_without_a_state_db_or_unless_asked(tmp_path: Path) -> None:
    bare = Workspace(Home(tmp_path / "bare").ensure(), sync=False)  # the demo's case: no state.db
    hermes = Home(tmp_path / "hermes").ensure()
    HermesStateDb.create(hermes.root / "state.db").close()
    attached = Workspace(hermes, sync=False)

    async def drive(ws: Workspace, **options) -> object:
        app = make_app(ws, warm_up=False, **options)
        async with app.run_test(size=(100, 30)) as pilot:
            await until(pilot, lambda: not app.query("Lazy"))
            await pilot.pause()
            return app.hermes_watcher

    assert asyncio.run(drive(bare, watch_hermes=True)) is None
    assert asyncio.run(drive(attached)) is None  # tests (and make_app's default) do not watch
    bare.close()
    attached.close()


def test_a_corrupt_state_db_is_one_notice(tmp_path: Path) -> None:
    home = Home(tmp_path / "home").ensure()
    (home.root / "state.db").write_bytes(b"this is not a database" * 10)
    ws = Workspace(home, sync=False)

    async def drive() -> None:
        app = make_app(ws, warm_up=False, watch_hermes=True)
        async with app.run_test(size=(120, 30)) as pilot:
            said = lambda: [n.message for n in app._notifications if "not an SQLite database" in n.message]  # noqa: E731
            await until(pilot, lambda: said(), timeout=10)
            watcher = app.hermes_watcher
            await until(pilot, lambda: watcher.attempts >= 3, timeout=10)  # tried again, said once
            assert len(said()) == 1 and "\n" not in said()[0]

    asyncio.run(drive())
    ws.close()


def test_the_episode_list_filters_and_labels_hermes_sessions() -> None:
    from hermes_tui.ui.screens.episodes import matches, outcome_label

    own = {"task": "fix the build", "outcome": None}
    chat = {"task": "what is in this picture", "outcome": None, "source": "hermes", "platform": "telegram"}
    assert (outcome_label(own), outcome_label(chat), outcome_label({**chat, "outcome": "ended"})) == ("running", "open", "ended")
    assert [matches(e, ["from:hermes"]) for e in (own, chat)] == [False, True]
    assert [matches(e, ["from:telegram"]) for e in (own, chat)] == [False, True]
    assert [matches(e, ["from:workbench"]) for e in (own, chat)] == [True, False]
    assert [matches(e, ["from:discord"]) for e in (own, chat)] == [False, False]


def test_a_hermes_create_shows_its_new_skill_md(tmp_path: Path) -> None:
    """A create's diff (from /dev/null) is for the CLI; F6 shows the SKILL.md itself, raw or rendered."""
    ws = Workspace(Home(tmp_path / "home").ensure(), sync=False)
    text = "---\nname: tidy-up\ndescription: Tidy the build folder before a release.\n---\n# Tidy up\n\nRun make clean.\n"
    stage(ws.home.root, "skills", {"action": "create", "name": "tidy-up", "category": "devops", "content": text},
          created_at=T0, pending_id="create1")

    async def drive() -> None:
        app = make_app(ws, warm_up=False)
        async with app.run_test(size=(140, 40)) as pilot:
            area = await open_queue(pilot, 1)
            await pilot.pause()
            assert "the whole new SKILL.md (raw" in text_of(area, "#approvals-change-label")
            change = area.query_one("#approvals-change").content.code  # a rich Syntax of the SKILL.md
            assert change == text
            await pilot.press("m")
            await pilot.pause()
            assert "the whole new SKILL.md (rendered" in text_of(area, "#approvals-change-label")

    asyncio.run(drive())
    ws.close()
