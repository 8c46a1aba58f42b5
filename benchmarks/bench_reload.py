"""Hot reload latency: time from writing a SKILL.md by hand to finding it through
the search API, with a real watchfiles watcher on a real library.

    python benchmarks/bench_reload.py [--edits 60] [--skills 300] [--step 20] [--debounce 200]

Prints one JSON line: edits, p50_ms, p95_ms, max_ms for single edits (half of them
written in place, half as temp-file-then-rename like editors do), and the time for
a burst of 100 new files to become searchable.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hermes_tui.core.home import Home  # noqa: E402
from hermes_tui.core.skills.library import SkillLibrary  # noqa: E402
from hermes_tui.core.store import Store, search  # noqa: E402
from hermes_tui.core.watch import SkillWatcher  # noqa: E402


def skill(name: str, body: str) -> str:
    return f"---\nname: {name}\ndescription: Benchmark skill {name}. Use when measuring reload.\n---\n{body}\n"


def wait_for(store: Store, word: str, expect: int = 1, timeout: float = 10.0) -> float:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if len(search(store, word, kinds={"skill"}, limit=expect + 5)) >= expect:
            return time.perf_counter()
        time.sleep(0.002)
    raise SystemExit(f"timed out waiting for {word}")


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q * (len(values) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--edits", type=int, default=60)
    parser.add_argument("--skills", type=int, default=300)
    parser.add_argument("--step", type=int, default=None)
    parser.add_argument("--debounce", type=int, default=None)
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Home(Path(tmp) / "home").ensure()
        for i in range(opts.skills):
            folder = home.skills_dir / f"cat{i % 10}" / f"skill-{i:04d}"
            folder.mkdir(parents=True)
            (folder / "SKILL.md").write_text(skill(f"skill-{i:04d}", f"Body of skill {i}. " * 40))
        store = Store.open(home.db_path)
        SkillLibrary(home, store).sync()
        kwargs = {}
        if opts.step is not None:
            kwargs["step_ms"] = opts.step
        if opts.debounce is not None:
            kwargs["debounce_ms"] = opts.debounce
        watcher = SkillWatcher(home, **kwargs)
        with watcher:
            latencies = []
            for n in range(opts.edits):
                i = n * 7 % opts.skills
                path = home.skills_dir / f"cat{i % 10}" / f"skill-{i:04d}" / "SKILL.md"
                word = f"reloadmark{n:04d}x"
                text = skill(f"skill-{i:04d}", f"Edited {word}. " + "More text. " * 40)
                start = time.perf_counter()
                if n % 2:
                    tmp_path = path.with_name(f".SKILL.md.{n}.tmp")
                    tmp_path.write_text(text)
                    os.replace(tmp_path, path)
                else:
                    path.write_text(text)
                latencies.append((wait_for(store, word) - start) * 1000)
                time.sleep(0.05)
            start = time.perf_counter()
            for j in range(100):
                folder = home.skills_dir / "burst" / f"burst-{j:03d}"
                folder.mkdir(parents=True)
                (folder / "SKILL.md").write_text(skill(f"burst-{j:03d}", "burstmarkerword here"))
            burst_ms = (wait_for(store, "burstmarkerword", expect=100) - start) * 1000
            step, debounce = watcher.step_ms, watcher.debounce_ms
        store.close()
    print(
        json.dumps(
            {
                "benchmark": "reload",
                "library_skills": opts.skills,
                "edits": len(latencies),
                "step_ms": step,
                "debounce_ms": debounce,
                "p50_ms": round(statistics.median(latencies), 1),
                "p95_ms": round(percentile(latencies, 0.95), 1),
                "max_ms": round(max(latencies), 1),
                "burst_100_files_ms": round(burst_ms, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
