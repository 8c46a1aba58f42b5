"""The skill editor (F5) on the 497-skill real-world corpus, headless.

Installs every corpus skill as a library in a temporary home, opens the workbench
(``make_app``) at 160x48, and times: filling the tree (every skill, by category);
opening the largest SKILL.md; a keystroke in it until the app is idle again (the live
validation and one repaint; typed 100 times); the validation alone (``validate_text``
and the problems panel); the Ctrl+G diff of the buffer against the file; and the core's
diff rows on that file with a change every 40 lines. Prints one JSON line.

    python benchmarks/bench_skill_editor.py [--corpus ../shared/corpus]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_routing import find_corpus, install_corpus  # noqa: E402


def ms(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


def timed(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


async def measure(home_path: Path, corpus: Path) -> dict:
    from hermes_tui.core.home import Home
    from hermes_tui.core.skills.diff import diff_lines, side_by_side
    from hermes_tui.core.workspace import Workspace
    from hermes_tui.ui.app import make_app

    home = Home(home_path).ensure()
    installed = install_corpus(home, corpus)
    ws = Workspace(home)
    rows = ws.library.list()
    largest = max(rows, key=lambda r: Path(r["path"]).stat().st_size)
    result: dict = {"skills": len(rows), "largest": largest["skill_id"], "installed": installed}
    app = make_app(ws, warm_up=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("f5")
        while not app.query("#skills-editor"):
            await pilot.pause(0.01)
        area = app.query_one("#skills")
        result["tree"] = ms([timed(area.refresh_list) for _ in range(10)])
        result["open_largest"] = ms([timed(lambda: area.open_skill(largest["skill_id"])) for _ in range(5)])
        await pilot.pause()
        lines = area.editor.text.count("\n") + 1
        keystrokes = []
        for index in range(100):
            start = time.perf_counter()
            area.editor.insert("x", (lines // 2, index))  # posts Changed: validation runs in its handler
            await pilot.pause()
            keystrokes.append(time.perf_counter() - start)
        result["keystroke_to_idle"] = ms(keystrokes)
        result["validate_only"] = ms([timed(area._validate) for _ in range(20)])
        result["diff_buffer"] = ms([timed(area.action_diff_buffer) for _ in range(10)])
        text = area.buffer.base
        changed = "\n".join(line + (" changed" if i % 40 == 0 else "") for i, line in enumerate(text.split("\n")))
        result["diff_rows_core"] = ms([timed(lambda: diff_lines(text, changed)) for _ in range(10)])
        result["side_by_side_core"] = ms([timed(lambda: side_by_side(text, changed)) for _ in range(10)])
        area.action_revert()
    ws.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=None)
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hermes-bench-editor-") as tmp:
        result = asyncio.run(measure(Path(tmp) / "home", opts.corpus or find_corpus()))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
