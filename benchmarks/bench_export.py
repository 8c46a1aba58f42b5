"""Export speed and memory: 10,000 recorded episodes of 20 events each, in every format.

The episodes go through the real recorder (``core/agent/recorder.Recorder``: the event
objects of the loop, redacted and written to the store as the agent records them):
each is a task, four model turns with one tool call each (results of 200-2,000
characters), and a final answer. One in ten is rated (half good, half bad, several per
task, so rating pairs exist) and one in a hundred has a corrected answer.

Each format is exported by ``hermes-tui export --out FILE --json`` in a child process;
its wall time, CPU time (episodes per CPU second does not depend on the machine's
load), peak anonymous memory (``RssAnon``, sampled every 20 ms: the process's own
heap) and peak resident memory (``wait4``: also counts the database pages SQLite maps,
up to its 256 MB ``mmap_size``) are measured. The same export of the newest tenth
shows that the heap does not grow with the number of episodes.

    python benchmarks/bench_export.py [--episodes 10000]

Prints one JSON object: per format the lines written, seconds, CPU seconds, episodes/s
and per CPU second, peak anonymous and resident memory (MB) for all episodes and for
the newest tenth, and the file size.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hermes_tui.core.agent.events import (  # noqa: E402
    EpisodeFinished,
    EpisodeStarted,
    ToolCallFinished,
    ToolCallStarted,
    TurnFinished,
    TurnStarted,
)
from hermes_tui.core.agent.recorder import Recorder  # noqa: E402
from hermes_tui.core.feedback.formats import FORMATS  # noqa: E402
from hermes_tui.core.home import Home  # noqa: E402
from hermes_tui.core.store.db import Store  # noqa: E402

WORDS = "job log error pool timeout database nightly retry config deploy cache build test file line service".split()
TOOLS = ("terminal", "read_file", "search_files", "read_file")


def text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n // 6))


def episode_events(rng: random.Random, n: int, t0: float) -> list:
    """The 20 events of one episode, as the agent loop emits them."""
    eid = f"bench-{n:06d}"
    task = f"fix the nightly problem number {n % 350}"  # each task ~29 times: rating pairs
    ts = t0 + n * 10.0
    events: list = [EpisodeStarted(episode_id=eid, ts=ts, task=task, model="bench/model", cwd="/work")]
    for step in range(1, 5):
        name = TOOLS[step - 1]
        call_id = f"call_{n}_{step}"
        arguments = {"command": f"grep -n {rng.choice(WORDS)} app.log"} if name == "terminal" else {"path": f"src/{rng.choice(WORDS)}.py"}
        events += [
            TurnStarted(episode_id=eid, ts=ts + step, step=step, model="bench/model"),
            TurnFinished(episode_id=eid, ts=ts + step + 0.5, step=step, text=text(rng, 80), tool_calls=1),
            ToolCallStarted(episode_id=eid, ts=ts + step + 0.6, step=step, call_id=call_id, name=name, arguments=arguments),
            ToolCallFinished(episode_id=eid, ts=ts + step + 0.9, step=step, call_id=call_id, name=name,
                             result=text(rng, rng.randint(200, 2000)), exit_code=0, duration_ms=12.0),
        ]
    answer = text(rng, 300)
    events += [
        TurnStarted(episode_id=eid, ts=ts + 6, step=5, model="bench/model"),
        TurnFinished(episode_id=eid, ts=ts + 6.5, step=5, text=answer),
        EpisodeFinished(episode_id=eid, ts=ts + 7, outcome="success", answer=answer, steps=5, prompt_tokens=900,
                        completion_tokens=300, skills_loaded=("ops/triage",) if n % 3 == 0 else ()),
    ]
    return events


def record(home: Home, count: int) -> float:
    """Record ``count`` episodes through the recorder. It runs with only the variables
    it needs in its environment: redaction reads the whole environment for every text
    it checks, which with this machine's 35 variables made recording 10,000 episodes
    take 12 minutes (the exporter reads it once per export)."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update({k: saved[k] for k in ("PATH", "HOME", "PYTHONPATH", "TMPDIR") if k in saved})
    try:
        return _record(home, count)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _record(home: Home, count: int) -> float:
    rng = random.Random(7)
    start = time.perf_counter()
    t0 = time.time() - count * 10.0
    with Store.open(home.db_path) as store:
        recorder = Recorder(store)
        for first in range(0, count, 250):
            with store.transaction():
                for n in range(first, min(count, first + 250)):
                    for event in episode_events(rng, n, t0):
                        recorder(event)
        with store.transaction():
            for n in range(0, count, 10):
                good = (n // 10) % 2 == 0
                store.set_rating(episode_id=f"bench-{n:06d}", rating=5 if good else 1, value="good" if good else "bad")
            for n in range(0, count, 100):
                store.add_correction(episode_id=f"bench-{n:06d}", rejected="the old answer", chosen=text(rng, 200))
        assert store.count("events") == count * 20, store.count("events")
    return time.perf_counter() - start


def anon_kb(pid: int) -> int:
    """The process's anonymous resident memory (heap, stacks; not the database pages
    SQLite maps from the file, which the kernel can drop at will), in kB."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def export(home: Home, fmt: str, out: Path, *extra: str) -> dict:
    args = [sys.executable, "-m", "hermes_tui", "--home", str(home.root), "export", "--format", fmt,
            "--out", str(out), "--json", *extra]
    start = time.perf_counter()
    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        proc = subprocess.Popen(args, stdout=stdout, stderr=stderr, env={**os.environ, "PYTHONPATH": str(ROOT)})
        peak_anon = 0
        while True:
            peak_anon = max(peak_anon, anon_kb(proc.pid))
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            time.sleep(0.02)
        seconds = time.perf_counter() - start
        stdout.seek(0)
        stderr.seek(0)
        if os.waitstatus_to_exitcode(status):
            raise SystemExit(f"export {fmt} failed: {stderr.read().decode()}")
        report = json.loads(stdout.read())
    return {"report": report, "seconds": round(seconds, 2), "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1), "peak_anon_mb": round(peak_anon / 1024, 1),
            "file_mb": round(out.stat().st_size / 1e6, 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--episodes", type=int, default=10000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Home(Path(tmp) / "home").ensure()
        result: dict = {"episodes": args.episodes, "events_per_episode": 20,
                        "record_s": round(record(home, args.episodes), 1)}
        tenth = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(time.time() - args.episodes // 10 * 10.0))
        for fmt in FORMATS:
            whole = export(home, fmt, Path(tmp) / f"{fmt}.jsonl")
            small = export(home, fmt, Path(tmp) / f"{fmt}-tenth.jsonl", "--since", tenth)
            report = whole["report"]
            result[fmt] = {
                "written": report["written"], "skipped": sum(s["count"] for s in report["skipped"]),
                "seconds": whole["seconds"], "cpu_s": whole["cpu_s"],
                "episodes_per_s": round(report["episodes"] / whole["seconds"]),
                "episodes_per_cpu_s": round(report["episodes"] / whole["cpu_s"]),
                "peak_anon_mb": whole["peak_anon_mb"], "peak_anon_mb_tenth": small["peak_anon_mb"],
                "peak_rss_mb": whole["peak_rss_mb"], "peak_rss_mb_tenth": small["peak_rss_mb"],
                "file_mb": whole["file_mb"],
            }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
