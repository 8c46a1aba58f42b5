"""memory, session_search, skills_list, skill_view and skill_manage with a real store and library."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest

from hermes_tui.core.agent.approvals import ApprovalBroker
from hermes_tui.core.agent.events import Event, SkillLoaded
from hermes_tui.core.agent.tools.base import ToolContext
from hermes_tui.core.agent.tools.registry import build_default_registry
from hermes_tui.core.config import Config
from hermes_tui.core.skills.library import SkillLibrary
from hermes_tui.core.store.db import Store

NEW_SKILL = """---
name: tidy-imports
description: Sort and group Python imports with ruff before committing.
---

# Tidy imports

Run `ruff check --select I --fix .` and commit the result.
"""


@pytest.fixture
def setup(home, tmp_path: Path):
    store = Store.open(home.db_path)
    library = SkillLibrary(home, store)
    library.sync()
    events: list[Event] = []
    ctx = ToolContext(
        home=home,
        config=Config(),
        cwd=tmp_path,
        episode_id="ep-7",
        approvals=ApprovalBroker(events.append, policy="deny"),
        emit=events.append,
        store=store,
        library=library,
    )
    yield ctx, events, build_default_registry(ctx.config)
    store.close()


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# -- memory ------------------------------------------------------------------------------------
def test_memory_tool_round_trip(setup, home) -> None:
    ctx, _, tools = setup
    added = tools.run("memory", {"action": "add", "target": "user", "content": "Prefers metric units."}, ctx)
    assert added.error is None
    assert added.output.startswith("added to USER.md (")
    assert "- Prefers metric units." in added.output
    replaced = tools.run(
        "memory", {"action": "replace", "target": "user", "old_text": "metric", "content": "Prefers SI units."}, ctx
    )
    assert replaced.error is None
    assert home.user_file.read_text("utf-8") == "Prefers SI units.\n"
    removed = tools.run("memory", {"action": "remove", "target": "user", "old_text": "SI"}, ctx)
    assert "(no entries)" in removed.output
    assert ctx.memory is not None  # one MemoryFiles for the session


def test_memory_tool_errors_and_clobber_refusal(setup, home) -> None:
    ctx, _, tools = setup
    assert "target must be" in tools.run("memory", {"action": "add", "target": "x", "content": "y"}, ctx).error
    assert "action must be" in tools.run("memory", {"action": "view", "target": "memory"}, ctx).error
    assert "missing the 'content'" in tools.run("memory", {"action": "add", "target": "memory"}, ctx).error
    tools.run("memory", {"action": "add", "target": "memory", "content": "one"}, ctx)
    home.memory_file.write_text("one\n§\nedited by hand\n", "utf-8")
    refused = tools.run("memory", {"action": "add", "target": "memory", "content": "two"}, ctx)
    assert "changed on disk since it was read" in refused.error
    assert home.memory_file.read_text("utf-8") == "one\n§\nedited by hand\n"


# -- session_search ------------------------------------------------------------------------
def test_session_search_formats_hits(setup) -> None:
    ctx, _, tools = setup
    store = ctx.store
    store.create_episode(id="ep-1", task="Fix the flaky websocket reconnect test", model="m", cwd="/x", started_at=time.time())
    store.add_event(episode_id="ep-1", seq=1, ts=time.time(), type="tool_result", data={}, tool_name="terminal",
                    arguments='{"command": "pytest tests/test_ws.py"}', result="websocket reconnect passed")
    store.finish_episode(id="ep-1", outcome="success", reason="", answer="Raised the reconnect timeout.",
                         steps=3, prompt_tokens=1, completion_tokens=1, cost=None)
    result = tools.run("session_search", {"query": "websocket reconnect"}, ctx)
    assert result.error is None
    assert "(episode ep-1," in result.output
    assert "«" in result.output
    assert tools.run("session_search", {"query": "zebra-unicorn-nothing"}, ctx).output.startswith("no past sessions")
    ctx.store = None
    assert "no session store" in tools.run("session_search", {"query": "x"}, ctx).error


# -- skills_list / skill_view ---------------------------------------------------------------
def test_skills_list_groups_active_skills(setup) -> None:
    ctx, _, tools = setup
    output = tools.run("skills_list", {}, ctx).output
    active = ctx.library.active()
    assert output.startswith(f"{len(active)} skills\n")
    for row in active:
        assert f"{row['name']} — " in output
    devops = tools.run("skills_list", {"category": "devops"}, ctx).output
    assert "safe-shell-commands — " in devops and "meta:" not in devops
    assert "categories:" in tools.run("skills_list", {"category": "nope"}, ctx).error


def test_skill_view_loads_body_records_and_emits(setup) -> None:
    ctx, events, tools = setup
    before = ctx.store.get_skill("workbench/using-the-workbench")["views"]
    result = tools.run("skill_view", {"name": "using-the-workbench"}, ctx)
    assert result.error is None
    text = (ctx.home.skills_dir / "workbench/using-the-workbench/SKILL.md").read_text("utf-8")
    assert text.rstrip() in result.output
    assert "- references/cli-reference.md" in result.output
    assert ctx.loaded_skills == ["workbench/using-the-workbench"]
    assert [(e.name, e.via, e.episode_id) for e in events if isinstance(e, SkillLoaded)] == [
        ("workbench/using-the-workbench", "tool", "ep-7")
    ]
    assert ctx.store.get_skill("workbench/using-the-workbench")["views"] == before + 1


def test_skill_view_support_file_and_traversal(setup) -> None:
    ctx, _, tools = setup
    ref = tools.run("skill_view", {"name": "workbench/using-the-workbench", "file": "references/cli-reference.md"}, ctx)
    expected = (ctx.home.skills_dir / "workbench/using-the-workbench/references/cli-reference.md").read_text("utf-8")
    assert ref.output == expected
    for bad in ("../../../config.toml", "/etc/passwd", "references/../../other/SKILL.md"):
        result = tools.run("skill_view", {"name": "using-the-workbench", "file": bad}, ctx)
        assert result.error and "invalid file path" in result.error
    assert "has no file" in tools.run("skill_view", {"name": "using-the-workbench", "file": "nope.md"}, ctx).error


def test_only_active_skills_are_visible(setup, home) -> None:
    ctx, _, tools = setup
    broken = home.skills_dir / "misc" / "no-description"
    broken.mkdir(parents=True)
    (broken / "SKILL.md").write_text("---\nname: no-description\n---\nbody\n", "utf-8")
    ctx.library.sync()
    assert ctx.store.get_skill("misc/no-description") is not None
    result = tools.run("skill_view", {"name": "no-description"}, ctx)
    assert "no active skill named 'no-description'" in result.error
    assert "no-description" not in tools.run("skills_list", {}, ctx).output


# -- skill_manage -------------------------------------------------------------------------
def test_skill_manage_with_the_gate_leaves_skills_untouched(setup, home) -> None:
    ctx, _, tools = setup
    before = tree_digest(home.skills_dir)
    result = tools.run(
        "skill_manage",
        {"action": "create", "name": "tidy-imports", "content": NEW_SKILL, "category": "python", "reason": "used twice"},
        ctx,
    )
    assert result.error is None
    assert result.output.startswith("saved for review as pending ")
    pending_id = result.output.split()[5].rstrip(";")
    folder = home.pending_dir / pending_id
    assert (folder / "SKILL.md").read_text("utf-8") == NEW_SKILL
    assert '"episode_id": "ep-7"' in (folder / "change.json").read_text("utf-8")
    assert tree_digest(home.skills_dir) == before
    assert "tidy-imports" not in tools.run("skills_list", {}, ctx).output
    patch = tools.run(
        "skill_manage",
        {"action": "patch", "name": "using-the-workbench", "old_string": "a", "new_string": "b"},
        ctx,
    )
    assert "pending" in patch.output
    assert tree_digest(home.skills_dir) == before


def test_skill_manage_checks_its_arguments(setup) -> None:
    ctx, _, tools = setup
    assert "action must be one of" in tools.run("skill_manage", {"action": "rename", "name": "x"}, ctx).error
    assert "full SKILL.md" in tools.run("skill_manage", {"action": "create", "name": "x"}, ctx).error
    assert "file_path" in tools.run("skill_manage", {"action": "write_file", "name": "x"}, ctx).error


def test_skill_manage_without_the_gate_applies_through_the_library(setup, home) -> None:
    ctx, _, tools = setup
    ctx.config.approvals.skill_gate = False
    result = tools.run("skill_manage", {"action": "create", "name": "tidy-imports", "content": NEW_SKILL,
                                        "category": "python"}, ctx)
    assert result.error is None, result.output
    assert result.output.startswith("created tidy-imports")
    assert (home.skills_dir / "python" / "tidy-imports" / "SKILL.md").read_text("utf-8") == NEW_SKILL
    assert list(home.pending_dir.iterdir()) == []
