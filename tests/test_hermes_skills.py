"""Hermes Agent's skill marks honoured by the workbench: pins (skills/.usage.json), the curator's
stale state, hub installs and their scan verdicts (skills/.hub/lock.json). Real files, a real store."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from hermes_tui.cli import main
from hermes_tui.core.agent.prompt import build_skills_index
from hermes_tui.core.agent.tools.base import ToolContext
from hermes_tui.core.agent.tools.registry import build_default_registry
from hermes_tui.core.config import Config
from hermes_tui.core.gate import PendingQueue
from hermes_tui.core.learning.review import curate
from hermes_tui.core.workspace import Workspace
from hermes_tui.ui.app import make_app
from hermes_tui.ui.screens.skills import tree_nodes
from tests.hermes_state import write_hub_lock, write_usage
from tests.test_learning import LONG, TASK, learner, record
from tests.ui_fixtures import until

SKILL = "---\nname: {name}\ndescription: {desc}\n---\n# {name}\n\nRun make test.\n"


def write_skill(home, rel: str, desc: str = "Deploy the app with make.") -> Path:
    path = home.skills_dir / rel / "SKILL.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(SKILL.format(name=Path(rel).name, desc=desc), "utf-8")
    return path


def hub(verdict: str, trust: str = "community") -> dict:
    return {"source": "github", "identifier": "acme/skills/x", "trust_level": trust, "scan_verdict": verdict,
            "installed_at": "2025-10-02T09:00:00+00:00"}


def test_a_hermes_hub_install_is_source_hub_and_a_dangerous_verdict_quarantines_it(home, capsys) -> None:
    write_skill(home, "tools/fetcher", "Fetch pages.")
    bad = write_skill(home, "tools/shady", "Does odd things.")
    write_skill(home, "tools/mine", "My own skill.")
    write_hub_lock(home.root, {"fetcher": hub("safe"), "shady": hub("dangerous")})
    with Workspace(home) as ws:
        rows = {r["name"]: r for r in ws.library.list()}
        assert (rows["fetcher"]["source"], rows["fetcher"]["state"]) == ("hub", "active")
        assert (rows["mine"]["source"], rows["mine"]["state"]) == ("user", "active")
        # Whoever changes it since (an approved agent edit here), Hermes's hub install stays "hub".
        ws.library.save("fetcher", SKILL.format(name="fetcher", desc="Fetch pages politely."), author="agent")
        assert ws.library.row("fetcher")["source"] == "hub"
        shady = rows["shady"]
        assert (shady["source"], shady["state"]) == ("hub", "quarantined")
        assert any(w.startswith("scan: dangerous") and "supply-chain" in w for w in shady["warnings"])
        assert "tools/shady" not in {r["skill_id"] for r in ws.library.active()}  # never in a prompt
    # A person clears it, as any quarantined skill; a sync keeps it cleared.
    assert main(["--home", str(home.root), "skills", "approve", "shady"]) == 0
    capsys.readouterr()
    with Workspace(home) as ws:
        assert ws.library.sync().changed is False
        assert ws.library.row("shady")["state"] == "active"
        # The cleared text changed: the lock's verdict holds again.
        bad.write_text(bad.read_text() + "One more line.\n")
        ws.library.sync()
        assert ws.library.row("shady")["state"] == "quarantined"
    # The lock file itself is never written.
    assert json.loads((home.skills_dir / ".hub" / "lock.json").read_text())["installed"]["shady"] == hub("dangerous")


def test_a_lock_written_after_the_files_were_synced_is_applied(home) -> None:
    write_skill(home, "tools/late")
    with Workspace(home) as ws:
        assert (ws.library.row("late")["source"], ws.library.row("late")["state"]) == ("user", "active")
        assert not ws.library.sync().changed  # nothing to do: nothing written
        write_hub_lock(home.root, {"late": hub("dangerous")})
        # What the watcher hands over when Hermes writes its lock: the lock's path.
        report = ws.library.sync_paths([home.skills_dir / ".hub" / "lock.json"])
        assert report.updated == ["tools/late"]
        row = ws.library.row("late")
        assert (row["source"], row["state"]) == ("hub", "quarantined")
        assert not ws.library.sync().changed  # applied once


def test_skill_manage_refuses_a_skill_pinned_in_hermes(home, tmp_path) -> None:
    write_skill(home, "devops/deploy")
    write_skill(home, "devops/other", "Another skill.")
    write_usage(home.root, {"deploy": {"pinned": True, "state": "active", "use_count": 3}})
    with Workspace(home) as ws:
        ctx = ToolContext(home=home, config=Config(), cwd=tmp_path, episode_id="ep-1", approvals=None,  # type: ignore[arg-type]
                          emit=lambda _e: None, store=ws.store, library=ws.library)
        tools = build_default_registry(ctx.config)
        before = (home.skills_dir / "devops" / "deploy" / "SKILL.md").read_text()
        for args in ({"action": "edit", "content": SKILL.format(name="deploy", desc="Changed.")},
                     {"action": "patch", "old_string": "make test", "new_string": "make check"},
                     {"action": "delete"},
                     {"action": "write_file", "file_path": "notes.md", "file_content": "x"}):
            result = tools.run("skill_manage", {"name": "deploy", **args}, ctx)
            assert result.error and "deploy is pinned in Hermes" in result.error and "ask the user" in result.error
        assert PendingQueue(home).list() == []  # nothing queued
        assert (home.skills_dir / "devops" / "deploy" / "SKILL.md").read_text() == before
        # Another skill, and the same one by its id after Hermes unpins it, go to the gate as before.
        assert "pending" in tools.run("skill_manage", {"action": "patch", "name": "other", "old_string": "make test",
                                                       "new_string": "make check"}, ctx).output
        write_usage(home.root, {"deploy": {"pinned": False, "state": "active"}})
        assert "pending" in tools.run("skill_manage", {"action": "delete", "name": "devops/deploy"}, ctx).output
        # A person may still change a pinned skill (the editor and the CLI save through the library).
        write_usage(home.root, {"deploy": {"pinned": True}})
        assert ws.library.save("deploy", before + "A person's line.\n", author="user") == 2


def test_the_learning_loop_leaves_a_hermes_pinned_skill_alone(home) -> None:
    with Workspace(home) as ws:
        store, lib = ws.store, ws.library
        loop = learner(home, store, lib, auto_approve=True)
        record(store, "e1", TASK, LONG, ts=1000)
        created = loop.consider("e1")
        skill_id = lib.find(created.skill)
        write_usage(home.root, {created.skill: {"pinned": True, "state": "active"}})
        text = Path(lib.row(skill_id)["path"]).read_text("utf-8")
        # A new failure on the way would be a patch (see test_learning); pinned in Hermes, it is not.
        extra = LONG[:3] + [("terminal", "grep -c TODO src > todo_count.txt", 2, "grep: src: Is a directory\n[exit code: 2]")] + LONG[3:]
        record(store, "e3", TASK, extra, ts=3000)
        outcome = loop.consider("e3")
        assert (outcome.action, outcome.skill) == ("skipped", skill_id)
        assert "pinned in Hermes" in outcome.reason
        assert Path(lib.row(skill_id)["path"]).read_text("utf-8") == text and PendingQueue(home).list() == []
        # Curation keeps it too, although the agent wrote it and nobody used it for months.
        later = store.get_skill(skill_id)["updated_at"] + 400 * 86400
        (entry,) = [e for e in curate(store, lib, Config().learning, dry_run=False, now=later) if e["skill_id"] == skill_id]
        assert entry["action"] == "kept" and "pinned in Hermes" in entry["reason"]
        assert lib.row(skill_id)["state"] == "active"


def test_the_index_ranks_hermes_pinned_first_and_hermes_stale_last_among_equals(home) -> None:
    for name in ("alpha", "bravo", "charlie"):
        write_skill(home, f"tools/{name}", f"The {name} tool.")
    with Workspace(home) as ws:
        def names() -> list[str]:
            text, _relevant, _listed = build_skills_index(library=ws.library, store=ws.store, task="", budget=2000)
            line = next(line for line in text.splitlines() if line.startswith("tools:"))
            return [n.strip() for n in line.partition(":")[2].split(",")]

        assert names() == ["alpha", "bravo", "charlie"]
        write_usage(home.root, {"alpha": {"state": "stale"}, "charlie": {"pinned": True, "state": "active"}})
        assert names() == ["charlie", "bravo", "alpha"]  # a stale skill is still listed: it is available


def test_f5_shows_hermes_telemetry_and_marks(home) -> None:
    write_skill(home, "devops/deploy")
    write_usage(home.root, {"deploy": {"use_count": 7, "view_count": 12, "patch_count": 2, "state": "stale",
                                       "pinned": True, "created_by": "agent",
                                       "last_used_at": "2025-10-01T10:00:00+00:00"}})
    write_hub_lock(home.root, {"deploy": hub("safe", trust="trusted")})
    ws = Workspace(home)

    async def drive() -> None:
        app = make_app(ws, warm_up=False)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("f5")
            await until(pilot, lambda: bool(app.query("#skills-editor")))
            area = app.query_one("#skills")
            node = next(n for n in tree_nodes(area.tree.root) if n.data == "devops/deploy")
            assert "H:pin,stale" in str(node.label)
            area.tree.focus()
            area.tree.move_cursor(node)
            await pilot.pause()
            info = area.query_one("#skills-info")
            text = str(info.render())
            hermes_part = text[text.index("Hermes"):]
            assert hermes_part.splitlines() == ["Hermes: used 7×, viewed 12×", "patched 2×, by agent", "last used 2025-10-01",
                                                "stale · pinned", "hub acme/skills/x", "trust trusted · scan safe"]
            assert info.has_class("hermes") and info.outer_size.height < 14  # under its max-height: shown whole
            # A person may edit a skill pinned in Hermes: the title says so, the save goes through.
            assert area.open_skill("deploy")
            await pilot.pause()
            assert "pinned in Hermes" in str(area.query_one("#skills-title").render())
            area.editor.insert("One more step.\n", area.editor.document.end)
            area.editor.focus()
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert "One more step." in (home.skills_dir / "devops" / "deploy" / "SKILL.md").read_text()

    asyncio.run(drive())
    ws.close()
