"""The cost of the crash-safe write paths: a skill save (atomic file + version under the
database's write lock), a memory add (under memories/.lock) and a `skills install` of a zip.

    python benchmarks/bench_writes.py [--writes 200] [--installs 20]

Prints one JSON line: p50/p95 in milliseconds of each.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hermes_tui.core.home import Home  # noqa: E402
from hermes_tui.core.skills.hub import install_skill  # noqa: E402
from hermes_tui.core.workspace import Workspace  # noqa: E402


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    pick = lambda q: round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2)  # noqa: E731
    return {"p50_ms": pick(0.5), "p95_ms": pick(0.95)}


def timed(action, count: int) -> list[float]:
    samples = []
    for i in range(count):
        started = time.perf_counter()
        action(i)
        samples.append(time.perf_counter() - started)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--writes", type=int, default=200)
    parser.add_argument("--installs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, Workspace(Home(Path(tmp) / "home").ensure(), sync=False) as ws:
        body = "Steps to follow. " * 250
        save = timed(lambda i: ws.library.save("bench-skill", f"---\nname: bench-skill\ndescription: Version {i}.\n---\n{body}\n", author="user"), args.writes)  # fmt: skip
        ws.memory.limits["memory"] = 10**9
        memory = timed(lambda i: ws.memory.add("memory", f"entry {i}: {body[:200]}"), args.writes)
        archive = Path(tmp) / "skill.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("s/SKILL.md", f"---\nname: s\ndescription: A benchmark skill.\n---\n{body}\n")
            for n in range(20):
                zf.writestr(f"s/references/r{n}.md", body)
        install = timed(lambda i: install_skill(str(archive), ws.pending, ws.library, name=f"bench-{i}"), args.installs)
    print(json.dumps({"skill_save": percentiles(save), "memory_add": percentiles(memory), "install_zip_21_files": percentiles(install)}))


if __name__ == "__main__":
    main()
