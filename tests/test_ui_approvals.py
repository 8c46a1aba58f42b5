"""Approvals (F6): approve, reject, edit then approve, bulk approve only of clean scans,
similar changes decided once, decisions recorded; the status line follows the queue."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

from hermes_tui.core.gate import PendingItem, SkillChange, similar_groups
from hermes_tui.ui.app import make_app
from hermes_tui.ui.screens.approvals import EditApproveScreen
from hermes_tui.ui.screens.episodes import EpisodeScreen
from hermes_tui.ui.screens.review import AskScreen, ConfirmScreen
from tests.ui_fixtures import POOL, T0, TRIAGE, fixed_workspace, seed_more_pending, seed_pending, until

A, B, C, D = ("20251124-000000-aaaaaa", "20251125-000000-bbbbbb", "20251130-000000-cccccc", "20251202-000000-dddddd")


def run(coro) -> None:
    asyncio.run(coro)


def workspace(tmp_path: Path):
    ws = fixed_workspace(tmp_path / "home")
    ws.library.save("log-triage", TRIAGE, author="user", category="debugging")
    seed_pending(ws)
    seed_more_pending(ws)
    return ws


def change_json(ws, status: str, item_id: str) -> dict:
    return json.loads((ws.home.pending_dir / status / item_id / "change.json").read_text("utf-8"))


async def open_queue(pilot):
    await pilot.press("f6")
    area = pilot.app.query_one("#approvals")
    area.now = lambda: T0 + 9 * 86400  # the clock of the fixed data
    area.reload()
    await until(pilot, lambda: len(area.groups) == 3)
    return area


def test_similar_changes_are_one_row_and_approving_it_decides_them_all(tmp_path: Path) -> None:
    ws = workspace(tmp_path)

    async def drive() -> None:
        app = make_app(ws, warm_up=False)
        async with app.run_test(size=(140, 40)) as pilot:
            area = await open_queue(pilot)
            assert [g.head.id for g in area.groups] == [B, C, D]
            assert [i.id for i in area.groups[0].items] == [A, B]
            title = str(area.query_one("#approvals-title").render())
            assert "4 changes wait" in title and "in 3 decisions" in title and "2 waited more than 7 days" in title
            assert app.query_one("#status").status.pending == 4
            # provenance: the episodes of the whole group; o opens the first
            assert area.provenance == ["ep-3", "ep-1", "ep-2"]
            await pilot.press("o")
            await until(pilot, lambda: isinstance(app.screen, EpisodeScreen))
            assert app.screen.episode["id"] == "ep-3"
            await pilot.press("escape")
            await pilot.press("a")
            await until(pilot, lambda: len(area.groups) == 2)
            row = ws.library.row("db-pool-sizing")
            assert Path(row["path"]).read_text("utf-8") == POOL + "3. restart the job\n"  # the newest of the two
            approved, rejected = change_json(ws, "approved", B), change_json(ws, "rejected", A)
            assert approved["status"] == "approved" and approved["decided_by"] and approved["decided_at"] > time.time() - 60
            assert rejected["note"] == f"duplicate of {B} (approved)"
            assert not (ws.home.pending_dir / A).exists() and not (ws.home.pending_dir / B).exists()
            await until(pilot, lambda: app.query_one("#status").status.pending == 2)

    run(drive())
    ws.close()


def test_reject_with_a_reason_and_the_diff_shows_invisible_characters(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    before = Path(ws.library.row("log-triage")["path"]).read_text("utf-8")

    async def drive() -> None:
        app = make_app(ws, warm_up=False)
        async with app.run_test(size=(140, 40)) as pilot:
            area = await open_queue(pilot)
            await pilot.press("n")
            assert area.current.head.id == C
            diff = str(area.query_one("#approvals-change").render())
            assert "+1. grep ERROR app.log⟦U+200B⟧" in diff and "-1. grep ERROR" in diff
            assert "invisible characters" in str(area.query_one("#approvals-head").render())
            assert "caution" in str(area.query_one("#approvals-scan").render())
            await pilot.press("r")
            assert isinstance(app.screen, AskScreen)
            await pilot.press(*"too vague")
            await pilot.press("enter")
            await until(pilot, lambda: len(area.groups) == 2)
            assert change_json(ws, "rejected", C)["note"] == "too vague"
            assert Path(ws.library.row("log-triage")["path"]).read_text("utf-8") == before
            await pilot.press("h")
            assert isinstance(app.screen, ConfirmScreen) and "too vague" in str(app.screen.body)

    run(drive())
    ws.close()


def test_edit_then_approve_saves_the_edited_text_as_the_users(tmp_path: Path) -> None:
    ws = workspace(tmp_path)

    async def drive() -> None:
        app = make_app(ws, warm_up=False)
        async with app.run_test(size=(140, 40)) as pilot:
            area = await open_queue(pilot)
            await pilot.press("n", "n")
            assert area.current.head.id == D
            await pilot.press("e")
            assert isinstance(app.screen, EditApproveScreen)
            editor = app.screen.query_one("TextArea")
            assert "name: tidy-build" in editor.text
            editor.text = editor.text.replace("Find the cause of a failed job from its log.", "Tidy the build folder safely.")
            await pilot.press("ctrl+s")
            await until(pilot, lambda: not isinstance(app.screen, EditApproveScreen))
            await until(pilot, lambda: len(area.groups) == 2)
            text = Path(ws.library.row("tidy-build")["path"]).read_text("utf-8")
            assert "description: Tidy the build folder safely." in text
            assert ws.library.history("tidy-build")[-1]["author"] == "user"
            record = change_json(ws, "approved", D)
            assert record["edited"] is True and record["op"] == "create" and record["author"] == "user"

    run(drive())
    ws.close()


def test_bulk_approve_refuses_a_change_without_a_clean_scan(tmp_path: Path) -> None:
    ws = workspace(tmp_path)

    async def drive() -> None:
        app = make_app(ws, warm_up=False)
        async with app.run_test(size=(140, 40)) as pilot:
            area = await open_queue(pilot)
            await pilot.press("space", "n", "n", "space")  # the learned skill (safe) and the install (no scan)
            assert area.selected == {B, D}
            await pilot.press("A")
            await pilot.pause()
            assert not isinstance(app.screen, ConfirmScreen)
            assert len(ws.pending.list()) == 4, "nothing approved"
            assert ws.library.find("db-pool-sizing") is None and ws.library.find("tidy-build") is None
            assert any("bulk approve refused" in n.message and "tidy-build (not scanned)" in n.message
                       for n in app._notifications)
            await pilot.press("space", "p", "space")  # D out, C (caution) in
            assert area.selected == {B, C}
            await pilot.press("A")
            await pilot.pause()
            assert len(ws.pending.list()) == 4 and not isinstance(app.screen, ConfirmScreen)
            await pilot.press("space")  # only the clean one left
            await pilot.press("A")
            assert isinstance(app.screen, ConfirmScreen) and "db-pool-sizing" in str(app.screen.body)
            await pilot.press("y")
            await until(pilot, lambda: len(area.groups) == 2)
            assert ws.library.find("db-pool-sizing") is not None
            assert {i.id for i in ws.pending.list()} == {C, D}

    run(drive())
    ws.close()


def test_the_status_line_follows_changes_submitted_elsewhere(tmp_path: Path) -> None:
    ws = workspace(tmp_path)

    async def drive() -> None:
        app = make_app(ws, warm_up=False)
        async with app.run_test(size=(140, 40)) as pilot:
            area = await open_queue(pilot)
            status = app.query_one("#status")
            assert status.status.pending == 4
            await asyncio.to_thread(ws.pending.submit, SkillChange("create", "fresh", content=TRIAGE.replace("log-triage", "fresh")))
            await until(pilot, lambda: status.status.pending == 5 and len(area.groups) == 4)

    run(drive())
    ws.close()


def test_similar_groups_pair_near_duplicates_and_keep_distinct_changes_apart(tmp_path: Path) -> None:
    body = "\n".join(f"{n}. step {n} of the checklist for case {n * 7}" for n in range(1, 30))

    def item(name: str, content: str, index: int) -> PendingItem:
        return PendingItem(f"i{index}", SkillChange("create", name, content=content), float(index), tmp_path)

    items = [item("alpha", "---\nname: alpha\n---\n" + body, 0),
             item("beta", "---\nname: beta\n---\n" + body + "\n30. one more", 1),  # > 0.9 alike
             item("gamma", "---\nname: gamma\n---\n" + body.replace("step", "do"), 2),  # every line differs
             item("Alpha", "different text", 3)]  # the same name
    groups = [[i.id for i in g] for g in similar_groups(items)]
    assert groups == [["i0", "i1", "i3"], ["i2"]]
