"""Make screenshots/*.svg: every area of the workbench, from the snapshot tests' fixed scenes.

    python scripts/screenshots.py [--size 120x36]

Uses the same data and steps as tests/test_ui_snapshots.py (tests/ui_fixtures.py),
in a temporary home, with the clock's time zone set to UTC.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.ui_fixtures import SCENES, scene_app  # noqa: E402


async def shoot(scene: str, home: Path, size: tuple[int, int], out: Path) -> None:
    app, before = scene_app(scene, home)
    try:
        async with app.run_test(size=size) as pilot:
            await before(pilot)
            await pilot.pause()
            app.save_screenshot(filename=out.name, path=str(out.parent))
    finally:
        app.workspace.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="120x36", help="COLUMNSxROWS")
    parser.add_argument("--out", default=str(REPO / "screenshots"))
    args = parser.parse_args()
    columns, rows = (int(n) for n in args.size.lower().split("x"))
    os.environ["TZ"] = "UTC"
    time.tzset()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="hermes-shots-") as tmp:
        for scene in SCENES:
            asyncio.run(shoot(scene, Path(tmp) / scene, (columns, rows), out / f"{scene}.svg"))
            print(out / f"{scene}.svg")


if __name__ == "__main__":
    main()
