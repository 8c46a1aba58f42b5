"""The placeholder workbench screen (the TUI issue replaces it)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from hermes_tui.core.home import Home
from hermes_tui.ui.app import WorkbenchApp


def test_placeholder_snapshot(snap_compare) -> None:
    app = WorkbenchApp(Home(Path("/home/user/.hermes")), summary="12 skills")
    assert snap_compare(app, terminal_size=(90, 20))


def test_placeholder_quits_with_ctrl_q() -> None:
    app = WorkbenchApp(Home(Path("/home/user/.hermes")))

    async def drive() -> None:
        async with app.run_test() as pilot:
            assert "hermes-tui" in str(app.query_one("#welcome").render())
            await pilot.press("ctrl+q")

    asyncio.run(drive())
    assert app.return_code == 0
