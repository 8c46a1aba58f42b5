"""Snapshots of each area at 80x24 and 160x48, from fixed data (no clock, no blink, no animation).

Update after a deliberate change with ``pytest tests/test_ui_snapshots.py --snapshot-update``
and look at every changed SVG (``scripts/screenshots.py`` renders the same scenes).
"""

from __future__ import annotations

import time

import pytest

from tests.ui_fixtures import SCENES, scene_app

SIZES = [(80, 24), (160, 48)]


@pytest.fixture(autouse=True)
def _utc(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("scene", sorted(SCENES))
def test_area_snapshot(snap_compare, tmp_path, scene: str, size: tuple[int, int]) -> None:
    app, run_before = scene_app(scene, tmp_path / "home")
    try:
        assert snap_compare(app, terminal_size=size, run_before=run_before)
    finally:
        app.workspace.close()


def test_approvals_with_a_hermes_write_snapshot(snap_compare, tmp_path) -> None:
    """F6 with Hermes's staged patch selected beside the workbench's change: its diff in context."""
    from tests.ui_fixtures import approvals_hermes

    app, _ = scene_app("approvals", tmp_path / "home")
    try:
        assert snap_compare(app, terminal_size=(160, 48), run_before=approvals_hermes)
    finally:
        app.workspace.close()
