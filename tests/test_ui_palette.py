"""The command palette (Ctrl+P): a provider per area, through Textual's Provider API."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.command import CommandList, CommandPalette

from hermes_tui.core.agent.scripted import DemoModel
from hermes_tui.ui.app import make_app
from hermes_tui.ui.screens.episodes import CompareScreen
from tests.ui_fixtures import fixed_workspace, until


async def search(pilot, query: str) -> list[str]:
    """Open the palette and type ``query``; the titles it offers once its search is done."""
    app = pilot.app
    await pilot.press("ctrl+p")
    await until(pilot, lambda: isinstance(app.screen, CommandPalette))
    await pilot.press(*query)
    await pilot.pause()
    group = CommandPalette._GATHER_COMMANDS_GROUP
    await until(pilot, lambda: not any(w.group == group and not w.is_finished for w in app.workers))
    return [option.hit.text for option in app.screen.query_one(CommandList)._options if hasattr(option, "hit")]


async def offered(pilot, query: str) -> list[str]:
    """What the palette offers for ``query`` (then closed again)."""
    titles = await search(pilot, query)
    await pilot.press("escape")
    await until(pilot, lambda: not isinstance(pilot.app.screen, CommandPalette))
    return titles


def test_each_area_offers_its_own_commands(tmp_path: Path) -> None:
    ws = fixed_workspace(tmp_path / "home")

    async def drive() -> None:
        app = make_app(ws, client=DemoModel(), warm_up=False)
        async with app.run_test(size=(160, 40)) as pilot:
            await pilot.pause()
            in_conversation = await offered(pilot, "conversation")
            assert "Conversation: new session" in in_conversation
            assert any(t.startswith("Conversation: resume 'find why the nightly job failed") for t in in_conversation)
            assert "Conversation: resume 'clean the build folder'" in in_conversation
            assert not [t for t in await offered(pilot, "episodes") if t.startswith("Episodes:")]

            await pilot.press("f3")
            area = app.query_one("#episodes")
            area.table.move_cursor(row=1)
            assert not [t for t in await offered(pilot, "conversation") if t.startswith("Conversation:")]
            in_episodes = await offered(pilot, "episodes")
            assert "Episodes: filter" in in_episodes
            assert any(t.startswith("Episodes: open 'find why") for t in in_episodes)
            assert "Episodes: compare the two marked" not in in_episodes  # nothing marked yet
            area.table.focus()
            await pilot.press("space")
            area.table.move_cursor(row=5)
            await pilot.press("space")
            # Choosing a command runs it: compare the two marked runs of the task.
            assert (await search(pilot, "compare the two"))[:1] == ["Episodes: compare the two marked"]
            await pilot.press("down", "enter")
            await until(pilot, lambda: isinstance(app.screen, CompareScreen))
            assert (app.screen.first["id"], app.screen.second["id"]) == ("ep-1", "ep-5")

    try:
        asyncio.run(drive())
    finally:
        ws.close()


def test_resume_from_the_palette_continues_a_past_session(tmp_path: Path) -> None:
    ws = fixed_workspace(tmp_path / "home")

    async def drive() -> None:
        app = make_app(ws, client=DemoModel(), warm_up=False)
        async with app.run_test(size=(160, 40)) as pilot:
            await pilot.pause()
            assert (await search(pilot, "resume clean the build"))[:1] == ["Conversation: resume 'clean the build folder'"]
            await pilot.press("down", "enter")
            await until(pilot, lambda: app.session is not None and app.session.id == "s-6")
            assert app.trace.row_count == 1  # its one call replayed in the trace

    try:
        asyncio.run(drive())
    finally:
        ws.close()
