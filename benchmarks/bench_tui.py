"""The workbench's speed: first frame, keystroke echo while streaming, a 10,000-row trace,
opening a 2,000-event episode.

    python benchmarks/bench_tui.py [--rows 10000] [--episode-events 2000] [--keys 40] [--only first,echo,trace,episode]

Prints one JSON line:

* ``first_frame_ms``: from the start of a child process (``python -m hermes_tui``'s
  imports included) to the app's first frame handed to the terminal (headless), on a
  home opened once before;
  ``first_frame_cpu_ms``: the CPU time the child used by then (less sensitive to load);
* ``keystroke_echo_ms``: p50/p95/max from a key event to the prompt holding it,
  while the built-in scripted model streams a long Markdown answer (200 words/s);
* ``trace``: 10,000 tool-call rows (20,000 events posted from a thread, as the agent's
  worker posts them) into a started app (its first frame and the areas mounted after it
  done): the longest stall of the app's event loop (an upper bound on a frame's time)
  and the total time. The app is left to paint on its own (``pilot.pause`` would force
  a repaint every time it is called);
* ``open_episode_ms``: from opening a stored 2,000-event episode to its trace and
  conversation drawn.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hermes_tui.core.agent.events import ToolCallFinished, ToolCallStarted  # noqa: E402
from hermes_tui.core.home import Home  # noqa: E402
from hermes_tui.core.workspace import Workspace  # noqa: E402

CHILD = """
import sys, time
from hermes_tui.core.workspace import Workspace
from hermes_tui.ui.app import make_app
ws = Workspace.open(sys.argv[1], sync=False)  # as run_app: the files are synced after the first frame
app = make_app(ws, warm_up=False)
drawn = []
display = app._display
def first_display(screen, update):  # the first frame goes to the terminal (headless: nowhere)
    if update is not None and not drawn:
        drawn.append((time.time(), time.process_time()))
    display(screen, update)
app._display = first_display
def first_frame():  # after the first refresh and the work queued behind it
    print(*drawn[0], flush=True)
    app.exit()
app.call_after_refresh(first_frame)
app.run(headless=True, size=(120, 40))
"""


class LoopLag:
    """The longest time the event loop could not run a 5 ms ticker (a frame cannot be faster)."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task | None = None

    async def _tick(self) -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            self.worst = max(self.worst, now - last - 0.005)
            last = now

    def start(self) -> None:
        self._task = asyncio.ensure_future(self._tick())

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()


def first_frame_ms(home: Path, runs: int = 3) -> tuple[float, float]:
    """The median wall time to the first frame, and the median CPU time the child used by then
    (the second depends less on what else the machine runs)."""
    Workspace(Home(home).ensure()).close()  # an existing home (the bundled skills installed), as on a second start
    times, cpu = [], []
    for _ in range(runs):
        start = time.time()
        out = subprocess.run([sys.executable, "-c", CHILD, str(home)], capture_output=True, text=True, timeout=60,
                             env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)})
        if out.returncode != 0:
            raise SystemExit(f"the child failed: {out.stderr.strip().splitlines()[-1:]}")
        wall, used = out.stdout.split()[:2]
        times.append((float(wall) - start) * 1000)
        cpu.append(float(used) * 1000)
    return round(statistics.median(times), 1), round(statistics.median(cpu), 1)


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50": round(statistics.median(ordered), 2),
        "p95": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], 2),
        "max": round(ordered[-1], 2),
    }


async def keystroke_echo(root: Path, keys: int) -> dict[str, float]:
    from hermes_tui.core.agent.scripted import DemoModel, Step
    from hermes_tui.ui.app import make_app

    # A long answer as models write them: paragraphs, lists and code blocks, ~3,000 words,
    # streamed a word every 5 ms (200 words/s, a fast model).
    blocks = []
    for i in range(60):
        blocks.append(" ".join(f"word{i}-{j} **bold** `code`" for j in range(16)))
        if i % 10 == 9:
            blocks.append("```python\n" + "\n".join(f"x{k} = {k}" for k in range(6)) + "\n```")
        if i % 10 == 4:
            blocks.append("\n".join(f"- item {k} with `code`" for k in range(4)))
    long_answer = "\n\n".join(blocks)
    ws = Workspace(Home(root / "echo").ensure())
    app = make_app(ws, client=DemoModel(delay=0.005, plans=[[Step(text=long_answer)]]), warm_up=False)
    latencies: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        app.prompt.insert("stream a long answer")
        await pilot.press("enter")
        while not app.query("Answer"):
            await pilot.pause(0.01)
        for i in range(keys):
            before = len(app.prompt.text)
            start = time.perf_counter()
            app.post_message(_key("x"))  # as the terminal driver posts a key
            while len(app.prompt.text) == before:
                await asyncio.sleep(0.0005)
            latencies.append((time.perf_counter() - start) * 1000)
            await asyncio.sleep(0.02)  # typing speed
            assert app._cancel is not None, "the answer finished before the measurement"
        app.action_interrupt()
    ws.close()
    return percentiles(latencies)


def _key(char: str):
    from textual import events

    return events.Key(char, char)


async def trace_rows(root: Path, rows: int) -> dict[str, float]:
    from hermes_tui.ui.app import make_app

    ws = Workspace(Home(root / "trace").ensure())
    app = make_app(ws, warm_up=False)
    lag = LoopLag()
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()  # the first frame's work: the areas mounted after it, the footer
        lag.start()
        start = time.perf_counter()

        def post() -> None:  # as the agent's worker thread does, through the bridge
            for i in range(rows):
                call = f"c{i}"
                ws.events.emit(ToolCallStarted(episode_id="bench", step=1, call_id=call, name="terminal",
                                               arguments={"command": f"echo {i}"}))
                ws.events.emit(ToolCallFinished(episode_id="bench", step=1, call_id=call, name="terminal",
                                                result=str(i), exit_code=0, duration_ms=1.0))

        thread = threading.Thread(target=post)
        thread.start()
        while thread.is_alive() or app.trace.row_count < rows or app.trace.calls[f"bench/c{rows - 1}"].status != "ok":
            await asyncio.sleep(0.01)
        await pilot.pause()
        total = time.perf_counter() - start
        lag.stop()
        # scroll to the top and back: rendering is virtual, only the visible rows are drawn
        scroll_start = time.perf_counter()
        app.trace.move_cursor(row=0)
        await pilot.pause()
        app.trace.move_cursor(row=rows - 1)
        await pilot.pause()
        scroll_ms = (time.perf_counter() - scroll_start) * 1000
    ws.close()
    return {"rows": rows, "worst_stall_ms": round(lag.worst * 1000, 1), "total_s": round(total, 2),
            "jump_top_bottom_ms": round(scroll_ms, 1)}


async def open_episode(root: Path, events: int) -> float:
    from hermes_tui.ui.app import make_app
    from hermes_tui.ui.screens.episodes import EpisodeScreen

    ws = Workspace(Home(root / "episode").ensure())
    ws.store.create_episode(id="big", task="a long episode", model="bench", cwd="/", started_at=1.0)
    rows = []
    for i in range(events // 2):
        base = {"episode_id": "big", "step": i, "call_id": f"c{i}", "name": "read_file"}
        rows.append({"episode_id": "big", "seq": 2 * i, "ts": 1.0 + i, "type": "tool_call", "tool_name": "read_file",
                     "arguments": json.dumps({"path": f"f{i}.py"}),
                     "data": {**base, "type": "tool_call", "ts": 1.0 + i, "arguments": {"path": f"f{i}.py"}}})
        rows.append({"episode_id": "big", "seq": 2 * i + 1, "ts": 1.5 + i, "type": "tool_result", "tool_name": "read_file",
                     "result": f"line {i}\n" * 20,
                     "data": {**base, "type": "tool_result", "ts": 1.5 + i, "result": f"line {i}\n" * 20, "duration_ms": 3.0}})
    ws.store.add_events(rows)
    ws.store.finish_episode(id="big", outcome="success", reason="", answer="done", steps=events // 2,
                            prompt_tokens=1, completion_tokens=1, cost=None)
    app = make_app(ws, warm_up=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        start = time.perf_counter()
        episode = ws.store.get_episode("big")
        app.push_screen(EpisodeScreen(episode))
        while not (isinstance(app.screen, EpisodeScreen) and app.screen.painted):
            await asyncio.sleep(0.001)
        elapsed = (time.perf_counter() - start) * 1000
        assert app.screen.query_one("#episode-trace").row_count == events // 2
    ws.close()
    return round(elapsed, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--episode-events", type=int, default=2_000)
    parser.add_argument("--keys", type=int, default=40)
    parser.add_argument("--only", default="first,echo,trace,episode", help="the measurements to make (comma-separated)")
    args = parser.parse_args()
    only = set(args.only.split(","))
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    result: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="bench-tui-") as tmp:
        root = Path(tmp)
        if "first" in only:
            result["first_frame_ms"], result["first_frame_cpu_ms"] = first_frame_ms(root / "first")
        if "echo" in only:
            result["keystroke_echo_ms"] = asyncio.run(keystroke_echo(root, args.keys))
        if "trace" in only:
            result["trace"] = asyncio.run(trace_rows(root, args.rows))
        if "episode" in only:
            result["open_episode_ms"] = asyncio.run(open_episode(root, args.episode_events))
            result["episode_events"] = args.episode_events
    print(json.dumps(result))


if __name__ == "__main__":
    main()
