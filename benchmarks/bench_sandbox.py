"""What the sandbox costs per command: the terminal's path (a private TMPDIR, the
helper, bash) for a trivial command, unconfined, with Landlock only, and with Landlock
plus private namespaces; and the time to build the rules.

    python benchmarks/bench_sandbox.py [--runs 40]

Prints one JSON line: p50/p95 milliseconds per mode, and rules_ms (building the rules
for a home under the system temp folder).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hermes_tui.core.agent.tools.terminal import _run_confined  # noqa: E402
from hermes_tui.core.home import Home  # noqa: E402
from hermes_tui.core.sandbox import Sandbox, landlock_abi, private_mounts_available  # noqa: E402


def timed(runs: int, sandbox: Sandbox | None, cwd: Path) -> dict[str, float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        outcome = _run_confined("true", sandbox, cwd=cwd, timeout=30, cancel=None, keep_bytes=4096)
        times.append((time.perf_counter() - start) * 1000)
        assert outcome.returncode == 0, outcome.output
    times.sort()
    return {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(times[int(len(times) * 0.95) - 1], 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Home(Path(tmp) / "home").ensure()
        work = Path(tmp) / "work"
        work.mkdir()
        homes = (str(home.root),)
        result: dict[str, object] = {"landlock_abi": landlock_abi(), "namespaces": private_mounts_available()}
        result["unconfined"] = timed(args.runs, None, work)
        if landlock_abi():
            result["landlock"] = timed(args.runs, Sandbox(homes=homes, namespaces=False), work)
            if private_mounts_available():
                result["landlock_namespaces"] = timed(args.runs, Sandbox(homes=homes, namespaces=True), work)
            start = time.perf_counter()
            Sandbox(homes=homes).rules(work, tmp)
            result["rules_ms"] = round((time.perf_counter() - start) * 1000, 2)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
