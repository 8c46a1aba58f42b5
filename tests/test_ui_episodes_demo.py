"""Episodes (F3): list, filter, open and step, compare; the demo; themes."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from hermes_tui.core.agent.scripted import DEMO_MODEL_NAME
from hermes_tui.core.demo import REPEATED_TASK, create_demo
from hermes_tui.core.workspace import Workspace
from hermes_tui.ui.app import make_app
from hermes_tui.ui.demo import make_demo_app
from hermes_tui.ui.screens.approval import ApprovalScreen
from hermes_tui.ui.screens.episodes import CompareScreen, EpisodeScreen, align, matches
from hermes_tui.ui.themes import load_theme, theme_files
from tests.ui_fixtures import fixed_workspace, until


def run(coro) -> None:
    asyncio.run(coro)


def test_the_episode_list_filters_by_text_outcome_date_and_skill(tmp_path: Path) -> None:
    ws = fixed_workspace(tmp_path / "home")

    async def drive() -> None:
        app = make_app(ws, warm_up=False)
        async with app.run_test(size=(120, 30)) as pilot:
            await pilot.press("f3")
            area = app.query_one("#episodes")
            assert area.table.row_count == 6
            box = area.query_one("#episodes-filter")
            for text, expected in (("nightly", 5), ("outcome:failure", 1), ("skill:log-triage", 3),
                                   ("nightly since:2025-11-24 skill:triage", 3), ("until:2000-01-01", 0)):
                box.value = text
                await pilot.pause()
                assert area.table.row_count == expected, text

    run(drive())
    ws.close()


def test_an_episode_opens_in_the_same_widgets_and_steps_call_by_call(tmp_path: Path) -> None:
    ws = fixed_workspace(tmp_path / "home")

    async def drive() -> None:
        app = make_app(ws, warm_up=False)
        async with app.run_test(size=(120, 30)) as pilot:
            await pilot.press("f3")
            area = app.query_one("#episodes")
            area.query_one("#episodes-filter").value = "nightly"
            await pilot.pause()
            area.table.move_cursor(row=4)  # the oldest: the first, longest run
            area.table.focus()
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, EpisodeScreen))
            screen = app.screen
            trace = screen.query_one("#episode-trace")
            await until(pilot, lambda: trace.row_count == 5)
            assert [trace.calls[k].name for k in trace.order] == ["terminal", "read_file", "search_files", "read_file", "read_file"]
            assert str(screen.query_one("#episode-step").render()).startswith("call 1/5: terminal ls -la")
            await pilot.press("j", "j")
            step = str(screen.query_one("#episode-step").render())
            assert step.startswith("call 3/5: search_files ERROR") and "+3.0 s" in step
            await pilot.press("k")
            assert str(screen.query_one("#episode-step").render()).startswith("call 2/5: read_file")
            assert screen.query_one("#episode-conversation").last_answer().startswith("The pool is too small")
            await pilot.press("escape")
            assert not isinstance(app.screen, EpisodeScreen)

    run(drive())
    ws.close()


def test_two_episodes_compare_side_by_side(tmp_path: Path) -> None:
    ws = fixed_workspace(tmp_path / "home")

    async def drive() -> None:
        app = make_app(ws, warm_up=False)
        async with app.run_test(size=(160, 40)) as pilot:
            await pilot.press("f3")
            area = app.query_one("#episodes")
            area.table.focus()
            await pilot.press("c")  # nothing marked yet: a hint, no screen
            assert not isinstance(app.screen, CompareScreen)
            area.table.move_cursor(row=1)  # ep-5, the last run
            await pilot.press("space")
            area.table.move_cursor(row=5)  # ep-1, the first run
            await pilot.press("space", "c")
            await until(pilot, lambda: isinstance(app.screen, CompareScreen))
            screen = app.screen
            assert (screen.first["id"], screen.second["id"]) == ("ep-1", "ep-5")
            summary = " ".join(str(label.render()) for label in screen.query(".compare-summary"))
            assert "A: 2025-11-24" in summary and "5 calls, 1,520 tokens" in summary and "2 calls, 1,220 tokens" in summary
            tags = [tag for tag, _a, _b in screen.rows]
            assert len(tags) == screen.query_one("#compare-table").row_count
            assert tags.count("equal") == 1  # read_file jobs/nightly.py is common to both ends

    run(drive())
    ws.close()


def test_alignment_of_call_sequences() -> None:
    a = [("terminal", "ls"), ("read_file", "x"), ("read_file", "y")]
    b = [("skill_view", "s"), ("read_file", "y")]
    rows = align(a, b)
    assert [(t, x and x[0], y and y[0]) for t, x, y in rows] == [
        ("replace", "terminal", "skill_view"),
        ("delete", "read_file", None),  # only in A
        ("equal", "read_file", "read_file"),  # the same call (tool and arguments) lines up
    ]
    assert matches({"task": "Fix the Build", "outcome": "success", "skills_loaded": ["a/b"], "started_at": 0}, ["build", "outcome:succ", "skill:b"])


def test_the_demo_home_is_throwaway_and_seeded(tmp_path: Path) -> None:
    real_home = Path(os.environ["HOME"])
    before = sorted(real_home.rglob("*"))
    setup = create_demo(tmp_path / "demo")
    assert sorted(real_home.rglob("*")) == before  # the (test's) user home is untouched
    with Workspace(setup.home) as ws:
        runs = [e for e in reversed(ws.store.list_episodes()) if e["task"] == REPEATED_TASK]
        calls = [ws.store.tool_call_counts([e["id"]])[e["id"]] for e in runs]
        assert len(runs) == 5 and all(e["outcome"] == "success" for e in runs)
        assert calls == sorted(calls, reverse=True) and calls[0] > calls[-1]  # getting shorter
        assert all(e["cwd"] == str(setup.workdir) for e in runs)
        assert [i.change.skill for i in ws.pending.list()] == ["db-pool-sizing"]
        assert ws.memory.entries("memory") and ws.memory.entries("user")
        assert {"debugging/log-triage", "devops/git-hygiene"} <= {r["skill_id"] for r in ws.library.list()}
    setup.remove()
    assert not setup.root.exists()


def test_the_demo_app_streams_tool_calls_in_its_sample_folder(tmp_path: Path) -> None:
    setup = create_demo(tmp_path / "demo", with_runs=False)
    ws = Workspace(setup.home)

    async def drive() -> None:
        app = make_demo_app(setup, ws, delay=0)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: app.query_one("#episodes").table.row_count == 5)  # recorded in the background
            assert DEMO_MODEL_NAME in str(app.query_one("#status").render())
            app.prompt.insert("what is in this project?")
            await pilot.press("enter")
            await until(pilot, lambda: app._cancel is None and app.session.episodes)
            assert [app.trace.calls[k].name for k in app.trace.order] == ["terminal", "read_file", "search_files"]
            assert all(app.trace.calls[k].status == "ok" for k in app.trace.order)
            # The bridge hands the streamed text over in slices: the whole answer shows soon after.
            await until(pilot, lambda: "scripted demo model" in app.conversation.last_answer())
            app.prompt.insert("publish it")
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, ApprovalScreen))
            assert app.screen.request.command.startswith("git push --force origin main")
            await pilot.press("n")
            await until(pilot, lambda: app._cancel is None)
            assert app.trace.calls[app.trace.order[-1]].status == "error"  # denied: never run
            await pilot.press("ctrl+q")
        assert app.return_code == 0

    run(drive())
    ws.close()


def test_the_project_themes_load_and_a_user_theme_is_added(tmp_path: Path, home) -> None:
    names = {load_theme(p).name for p in theme_files(tmp_path / "none")}
    assert {"hermes-dark", "hermes-light", "hermes-high-contrast"} <= names
    (home.root / "themes").mkdir()
    (home.root / "themes" / "mine.toml").write_text('primary = "#ff0000"\ndark = false\n', encoding="utf-8")
    (home.root / "themes" / "broken.toml").write_text('primary = "#ff0000"\nbogus = 1\n', encoding="utf-8")
    home.config_path.write_text('[ui]\ntheme = "mine"\n', encoding="utf-8")
    ws = Workspace(home)

    async def drive() -> None:
        app = make_app(ws, warm_up=False)
        async with app.run_test() as pilot:
            assert app.theme == "mine"
            assert "hermes-high-contrast" in app.available_themes
            assert any("unknown field 'bogus'" in n.message for n in app._notifications)

    run(drive())
    ws.close()


@pytest.mark.parametrize("text", ['primary = "not a colour"', "primary = ", 'dark = true'])
def test_a_bad_theme_file_is_a_one_line_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "t.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError) as info:
        load_theme(path)
    assert "\n" not in str(info.value) and str(path) in str(info.value)


def test_the_demo_skills_pass_the_validator() -> None:
    """What the demo shows in the skill editor has no validation error (tags as one string)."""
    from pathlib import Path

    from hermes_tui.core.demo import LOG_TRIAGE, PENDING_SKILL
    from hermes_tui.core.skills.validate import errors, validate_text

    for name, text in (("log-triage", LOG_TRIAGE), ("db-pool-sizing", PENDING_SKILL)):
        assert errors(validate_text(text, path=Path(name) / "SKILL.md")) == [], name
