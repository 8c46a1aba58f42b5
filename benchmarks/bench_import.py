"""Benchmark: `hermes-tui memory import` of a large JSONL file, its speed and peak memory.

    python benchmarks/bench_import.py [--lines N] [--million]

Writes a JSONL file of ``N`` generated notes (default 200,000; ``--million``:
1,000,000) plus one 9 MB note, then imports it into a fresh home with the real CLI in
a child process. Prints ONE JSON line: {"lines", "file_mb", "seconds",
"lines_per_s", "peak_mb" (the child's peak resident memory), "notes", "db_mb",
"again_seconds" (importing the same file again: every note already present)}.
The import streams in one transaction, so the peak memory does not grow with the file.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from textgen import TextGen  # noqa: E402


def write_file(path: Path, lines: int) -> None:
    gen = TextGen(5)
    with path.open("w", encoding="utf-8") as fh:
        for i, note in enumerate(gen.notes(lines)):
            fh.write(json.dumps(note) + "\n")
            if i == lines // 2:
                fh.write(json.dumps({"title": "big", "text": "long line of a log\n" * 500_000}) + "\n")


def run_import(home: Path, path: Path) -> tuple[float, str]:
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "hermes_tui", "--home", str(home), "memory", "import", str(path)],
        capture_output=True, text=True,
    )
    if proc.returncode != 0:
        raise SystemExit(f"import failed: {proc.stderr.strip()}")
    return time.perf_counter() - started, proc.stdout.strip()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=200_000)
    ap.add_argument("--million", action="store_true", help="1,000,000 lines")
    opts = ap.parse_args()
    lines = 1_000_000 if opts.million else opts.lines
    with tempfile.TemporaryDirectory(prefix="hermes-import-") as tmp:
        folder = Path(tmp)
        path = folder / "notes.jsonl"
        write_file(path, lines)
        home = folder / "home"
        seconds, _ = run_import(home, path)
        peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        again, message = run_import(home, path)
        from hermes_tui.core.home import Home
        from hermes_tui.core.store import Store

        db = Home(home).db_path
        with Store.open(db) as store:
            notes = store.count("notes")
        db_mb = sum(f.stat().st_size for f in db.parent.glob("workbench.db*")) / 2**20
        print(json.dumps({
            "lines": lines + 1,
            "file_mb": round(path.stat().st_size / 2**20, 1),
            "seconds": round(seconds, 1),
            "lines_per_s": round((lines + 1) / seconds),
            "peak_mb": round(peak_kb / 1024, 1),
            "notes": notes,
            "db_mb": round(db_mb, 1),
            "again_seconds": round(again, 1),
            "again": message,
        }))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
