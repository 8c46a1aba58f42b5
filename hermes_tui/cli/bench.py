"""`hermes-tui bench search --queries FILE [--json]`: time the search API on the home.

Each query (one a line; blank lines ignored) first runs once untimed as a warm-up
(it fills the page cache and the document-frequency cache, as in a running TUI),
then once timed, in-process, through ``search()`` with snippets.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from hermes_tui.cli.common import Workspace, print_json
from hermes_tui.errors import HermesError, UsageError


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile of a non-empty list."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))]


def bench_search(store, queries: list[str], *, limit: int = 20) -> dict[str, float]:
    """Warm up, then time each query once; returns the figures (milliseconds)."""
    from hermes_tui.core.store import search

    for query in queries:
        search(store, query, limit=limit)
    times: list[float] = []
    for query in queries:
        started = time.perf_counter()
        search(store, query, limit=limit)
        times.append((time.perf_counter() - started) * 1000)
    return {
        "queries": len(queries),
        "p50_ms": round(percentile(times, 50), 3),
        "p95_ms": round(percentile(times, 95), 3),
        "max_ms": round(max(times), 3),
        "mean_ms": round(sum(times) / len(times), 3),
    }


def cmd_bench_search(args: argparse.Namespace) -> int:
    path = Path(args.queries)
    if path.is_dir():
        raise UsageError(f"{path} is a folder; give a text file with one query a line")
    if not path.is_file():
        raise UsageError(f"no such file: {path}")
    try:
        queries = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, UnicodeDecodeError) as exc:
        raise HermesError(f"cannot read {path}: {exc}") from None
    if not queries:
        raise HermesError(f"{path} has no queries")
    with Workspace(args) as ws:  # synced first: the timings are of the search alone
        figures = bench_search(ws.store, queries, limit=args.limit)
        figures["docs"] = sum(ws.store.count(t) for t in ("skills", "episodes", "events", "notes"))
    if args.json:
        print_json(figures)
    else:
        print(
            f"{figures['queries']} queries over {figures['docs']} documents: p50 {figures['p50_ms']:.2f} ms,"
            f" p95 {figures['p95_ms']:.2f} ms, max {figures['max_ms']:.2f} ms"
        )
    return 0


def register(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    """Add the `bench` command(s) to the parser."""
    p = sub.add_parser("bench", parents=[parent], help="measure performance on the home")
    bsub = p.add_subparsers(dest="bench_command", metavar="SUBCOMMAND")
    s = bsub.add_parser(
        "search", parents=[parent], help="time search queries", description=__doc__.split("\n", 2)[2],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    s.add_argument("--queries", required=True, metavar="FILE", help="one query a line")
    s.add_argument("--limit", type=int, default=20, metavar="N", help="results per query (default 20)")
    s.add_argument("--json", action="store_true", help="print one JSON object")
    s.set_defaults(func=cmd_bench_search)
