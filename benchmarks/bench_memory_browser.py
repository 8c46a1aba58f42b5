"""The memory browser (F4) and the approvals queue (F6): their speed on a big home.

    python benchmarks/bench_memory_browser.py [--docs 100000] [--pending 500] [--queries 5]

Prints one JSON line:

* ``docs``: documents in the home's store (half notes, half tool results; the text of
  benchmarks/bench_search.py);
* ``keystroke_ms``: p50/p95/max from a key pressed in the search box (one key at a time,
  each answer awaited) to its hits on screen: ``--queries`` queries of 20 characters,
  typed character by character (every prefix is a search);
* ``typing``: the same queries typed without waiting (the newest keystroke cancels the
  older query): ``max_frame_gap_ms``, the longest the event loop could not run a 5 ms
  ticker while typing (the prompt never stalls when this stays small), and
  ``last_key_to_hits_ms`` p50/max, from the last key to the final query's hits;
* ``ui_thread_ms``: p95/max of the time one keystroke's handler or one answer's display
  holds the UI thread (the search itself runs in a thread);
* ``idle_frame_gap_ms``: the same measure over 2 s with nothing to do (the machine's own
  noise), and ``f3_ms``: F3 (the episodes, part 1) shown the first time, a reference for
  ``f6_ms`` (both mostly Textual restyling the area);
* ``load_average``: the machine's 1-minute load when done (the figures grow with it);
* ``approvals``: ``pending`` changes waiting (a fifth of them near-duplicates),
  ``open_ms`` (every change read, grouped and drawn: cold, median of 5) and ``f6_ms`` (from F6 to
  the area on screen), ``groups``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from bench_search import ingest  # noqa: E402
from bench_tui import LoopLag  # noqa: E402
from textgen import TextGen  # noqa: E402

from hermes_tui.core.gate import SkillChange  # noqa: E402
from hermes_tui.core.home import Home  # noqa: E402
from hermes_tui.core.workspace import Workspace  # noqa: E402
from hermes_tui.ui.app import make_app  # noqa: E402

QUERY_CHARS = 20


def queries(n: int, seed: int = 11) -> list[str]:
    """Queries of exactly 20 characters from the corpus's mid-frequency words."""
    gen = TextGen(42)
    rng = random.Random(seed)
    words = [w for w in gen.vocab[200:3000] if w.isascii() and w.isalpha() and 3 <= len(w) <= 9]
    out = []
    while len(out) < n:
        text = ""
        while len(text) < QUERY_CHARS:
            text += rng.choice(words) + " "
        out.append(text[:QUERY_CHARS].rstrip().ljust(QUERY_CHARS, "s"))
    return out


def seed_pending(ws: Workspace, n: int, seed: int = 5) -> None:
    """``n`` learned skills waiting; every fifth a near-duplicate of an earlier one (one step
    more, another name: alike by more than 0.9, grouped)."""
    gen = TextGen(seed)
    bodies: list[str] = []
    for i in range(n):
        if i % 5 == 4:
            body = bodies[-3].replace("## Steps\n", "## Steps\n0. check twice\n")
        else:
            steps = "\n".join(f"{k}. {gen.doc(6, 10)}" for k in range(1, 25))
            body = f"description: {gen.doc(8, 12)}\n---\n# A skill\n{gen.doc(30, 60)}\n\n## Steps\n{steps}\n"
        bodies.append(body)
        name = f"skill-{i:04d}"
        ws.pending.submit(SkillChange("create", name, content=f"---\nname: {name}\n{body}", reason="benchmark"))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def key(ch: str) -> str:
    return "space" if ch == " " else ch


async def measure(ws: Workspace, n_queries: int) -> dict:
    app = make_app(ws, warm_up=False)
    out: dict = {}
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.5)
        lag = LoopLag()  # the machine's own noise: the loop's longest stall with nothing to do
        lag.start()
        await asyncio.sleep(2.0)
        lag.stop()
        out["idle_frame_gap_ms"] = round(lag.worst * 1000, 1)
        start = time.perf_counter()
        await pilot.press("f3")  # a reference: showing an area of part 1 the first time
        await pilot.pause()
        out["f3_ms"] = round((time.perf_counter() - start) * 1000, 1)
        await pilot.press("f4")
        area = app.query_one("#memory")
        texts = queries(n_queries)

        async def answered(timeout: float = 10.0) -> None:
            deadline = time.perf_counter() + timeout
            while area.shown_generation != area.generation and time.perf_counter() < deadline:
                await asyncio.sleep(0.001)

        # the time each keystroke and each answer holds the UI thread
        held: list[float] = []
        for name in ("start_search", "_show"):
            original = getattr(area, name)

            def timed(*args, _original=original):
                start = time.perf_counter()
                try:
                    return _original(*args)
                finally:
                    held.append((time.perf_counter() - start) * 1000)

            setattr(area, name, timed)
        # one key at a time, each answer awaited
        latencies = []
        for text in texts:
            area.input.value = ""
            await answered()
            for ch in text:
                start = time.perf_counter()
                await pilot.press(key(ch))
                await answered()
                latencies.append((area.shown_at - start) * 1000)
        out["keystroke_ms"] = {"p50": round(statistics.median(latencies), 1), "p95": round(percentile(latencies, 0.95), 1),
                               "max": round(max(latencies), 1), "keys": len(latencies)}
        # typing without waiting: the loop's longest stall, and the last key to the final hits
        gaps, finals = [], []
        for text in texts:
            area.input.value = ""
            await answered()
            lag = LoopLag()
            lag.start()
            for ch in text[:-1]:
                await pilot.press(key(ch))
            last = time.perf_counter()
            await pilot.press(key(text[-1]))
            await answered()
            finals.append((area.shown_at - last) * 1000)
            lag.stop()
            gaps.append(lag.worst * 1000)
        out["ui_thread_ms"] = {"p95": round(percentile(held, 0.95), 1), "max": round(max(held), 1)}
        out["typing"] = {"max_frame_gap_ms": round(max(gaps), 1), "last_key_to_hits_ms": {
            "p50": round(statistics.median(finals), 1), "max": round(max(finals), 1)}}
        # the approvals queue
        approvals = app.query_one("#approvals")
        start = time.perf_counter()
        await pilot.press("f6")
        await pilot.pause()
        f6 = (time.perf_counter() - start) * 1000
        opens = []
        for _ in range(5):
            approvals._items.clear()  # cold: every change read again
            start = time.perf_counter()
            approvals.reload()
            await pilot.pause()
            opens.append((time.perf_counter() - start) * 1000)
        out["approvals"] = {"pending": sum(len(g.items) for g in approvals.groups), "groups": len(approvals.groups),
                            "open_ms": round(statistics.median(opens), 1), "f6_ms": round(f6, 1)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--pending", type=int, default=500)
    parser.add_argument("--queries", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hermes-bench-memory-") as tmp:
        home = Home(Path(tmp) / "home").ensure()
        with Workspace(home) as ws:
            started = time.perf_counter()
            ingest(ws.store, args.docs)
            seed_pending(ws, args.pending)
            setup_s = time.perf_counter() - started
            result = {"docs": ws.store.count("notes") + ws.store.count("events"), "setup_s": round(setup_s, 1)}
            result.update(asyncio.run(measure(ws, args.queries)))
            result["load_average"] = round(os.getloadavg()[0], 1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
