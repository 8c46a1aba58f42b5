"""Benchmark: ingest 100,000 notes + events of realistic text, then time search().

    python benchmarks/bench_search.py [--docs N | --million] [--no-adversarial] [--keep DIR] [--reuse DIR] [--no-optimize]

Adversarial documents are added by default (see :func:`adversarial_notes`): a 50 MB
note of one repeated word, five 1 MB logs, a 100 KB minified JSON note and 10,000
copies of one paragraph, with queries aimed at them (class "adversarial").
``--million`` runs with 1,000,000 documents (several minutes).

Prints ONE JSON line: {"docs", "ingest_docs_per_s" (the bulk path for all docs),
"notes_per_s" (``add_notes``), "events_per_s" (``add_events``), "events_per_row_per_s"
(``add_event``, the recorder's path, 5,000 events into a fresh database),
"adversarial_ingest_s", "db_mb", "queries", "p50_ms", "p95_ms", "p99_ms", "max_ms",
"partial" (queries cut by the time limit), "cold_p50_ms", "cold_p95_ms", "cold_max_ms", "by_class"}.
Each query runs once cold (the first time: document-frequency look-ups included),
then the timed (warm) figures are the median of 3 further runs per query.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterator

sys.path.insert(0, str(Path(__file__).resolve().parent))

from textgen import CJK, TECH, TextGen  # noqa: E402

from hermes_tui.core.store import Store, search, search_result  # noqa: E402

BIG_NOTE_BYTES = 50 * 1024 * 1024
LOG_BYTES = 1024 * 1024
JSON_BYTES = 100 * 1024
PARAGRAPH_COPIES = 10_000
ADVERSARIAL_QUERIES = (
    "bigword", "bigword error", "bigw", "db host", '"db host"', "connection refused retry", "host=db",
    "payload_field", '"payload_field"', "minified json payload_field value", "zebracorn", "zebracorn paragraph copies",
    "the zebracorn", "Build a multilevel model of test scores across 40 schools with partial pooling",
    "why did the db host refuse the connection during the nightly backup",
)


def adversarial_notes(gen: TextGen) -> Iterator[dict]:
    """The documents that once made a search take minutes (issue 11, section 2)."""
    yield {"title": "", "text": "bigword " * (BIG_NOTE_BYTES // 8)}
    for n in range(5):
        lines = []
        size = 0
        i = 0
        while size < LOG_BYTES:
            line = (f"2024-05-{n + 1:02d}T02:{i // 60 % 60:02d}:{i % 60:02d} ERROR db host=db-{i % 7} port=5432"
                    f" connection refused, retry {i % 5} req={i}")
            lines.append(line)
            size += len(line) + 1
            i += 1
        yield {"title": f"backup log {n}", "text": "\n".join(lines)}
    record = {"payload_field": "value", "items": list(range(20)), "name": "minified json"}
    blob = json.dumps([record] * (JSON_BYTES // len(json.dumps(record))), separators=(",", ":"))
    yield {"title": "minified", "text": blob}
    paragraph = "The zebracorn paragraph repeats. " + gen.doc(60, 80)
    for _ in range(PARAGRAPH_COPIES):
        yield {"title": "copy", "text": paragraph}


def _episodes(gen: TextGen, n_events: int, per_episode: int = 20) -> list[tuple[str, str, float, list[dict]]]:
    """Episodes of ``per_episode`` tool results each: (id, task, started_at, event rows)."""
    start = 1.7e9
    episodes = []
    for e in range(0, n_events, per_episode):
        episode = f"ep{e // per_episode:06d}"
        events = [
            {
                "episode_id": episode, "seq": seq, "ts": start + (e + seq) * 30, "type": "tool_result",
                "data": {"step": seq},
                "tool_name": gen.rng.choice(("terminal", "read_file", "search_files", "patch", "web_search")),
                "arguments": json.dumps({"command": gen.title()}), "result": gen.doc(10, 120),
            }
            for seq in range(min(per_episode, n_events - e))
        ]
        episodes.append((episode, gen.title(), start + e * 30, events))
    return episodes


def ingest(store: Store, docs: int, seed: int = 42) -> dict[str, float]:
    """Bulk ingest: notes through ``add_notes``, events through ``add_events``.

    The text is generated before timing: only the store is measured. The episodes
    (one per 20 events) are created row by row inside the events' timed span.
    """
    gen = TextGen(seed)
    n_notes = docs // 2
    n_events = docs - n_notes
    notes = list(gen.notes(n_notes))
    episodes = _episodes(gen, n_events)
    t0 = time.perf_counter()
    store.add_notes(notes)
    t1 = time.perf_counter()
    with store.transaction():
        for episode, task, started, _ in episodes:
            store.create_episode(id=episode, task=task, model="m", cwd="/w", started_at=started)
        store.add_events(row for *_, events in episodes for row in events)
    t2 = time.perf_counter()
    return {
        "notes_per_s": round(n_notes / (t1 - t0)),
        "events_per_s": round(n_events / (t2 - t1)),
        "ingest_docs_per_s": round(docs / (t2 - t0)),
    }


def ingest_per_row(folder: Path, n_events: int = 5000, seed: int = 43) -> int:
    """Events per second through the per-row path the recorder uses (``add_event``),
    into a fresh database, in one transaction."""
    gen = TextGen(seed)
    episodes = _episodes(gen, n_events)
    with Store.open(folder / "per_row.db") as store:
        t0 = time.perf_counter()
        with store.transaction():
            for episode, task, started, events in episodes:
                store.create_episode(id=episode, task=task, model="m", cwd="/w", started_at=started)
                for row in events:
                    store.add_event(**row)
        return round(n_events / (time.perf_counter() - t0))


def query_set(seed: int = 7) -> list[tuple[str, str]]:
    gen = TextGen(42)
    rng = random.Random(seed)
    rare = gen.vocab[3000:]
    mid = gen.vocab[300:3000]
    out: list[tuple[str, str]] = []
    for _ in range(25):
        out.append(("rare", rng.choice(rare)))
    for q in ("the", "the error", "error", "and the of", "the file", "error test", "to the", "of and",
              "file server request", "is it", "a the to", "the error failed"):
        out.append(("common", q))
    for _ in range(25):
        out.append(("multi", " ".join(rng.sample(mid, 2) + [rng.choice(TECH)])))
    for _ in range(15):
        out.append(("multi", f"the {rng.choice(mid)}"))
    for _ in range(20):
        word = rng.choice(TECH)
        out.append(("prefix", word[: max(3, len(word) - 2)]))
    for q in ("ser", "con", "the err", "err", "dat"):
        out.append(("prefix", q))
    for q in ('"the error"', '"docker container"', '"of the"', '"request timeout"', '"file not found"',
              '"error test"', '"server the"'):
        out.append(("phrase", q))
    for q in ("api.py", "src/load/save.py", "get_user", "(error)", "a:b", "NOT", "col:x error", "*", "^the",
              '"', "foo-bar", "error.", "!!!", "AND OR NOT", "NEAR(the error)", "user@example.com",
              "C:\\path\\file.txt", "#include <stdio.h>", "x = y + 1;", "--help"):
        out.append(("punct", q))
    for q in CJK + ["数据库 错误", "検索"]:
        out.append(("cjk", q))
    # One or two CJK characters inside a word, or in no document: no trigram, a scan.
    for q in ("据库", "误", "务", "索引 据", "猫", "一只"):
        out.append(("cjk_short", q))
    for q in ("zzqqxxv", "qwertyuiopasdf", "the zzqqxxv", "nomatchword error"):
        out.append(("nomatch", q))
    return out


def cli_big_note_seconds(folder: Path) -> float:
    """Wall time of `hermes-tui search bigword --json` (a child process) on a home whose
    only note is the 50 MB one: the second run (the first creates the home)."""
    import subprocess

    from hermes_tui.core.home import Home

    home = Home(folder / "cli-home").ensure()
    with Store.open(home.db_path) as store:
        store.add_notes([next(adversarial_notes(TextGen(99)))])
    command = [sys.executable, "-m", "hermes_tui", "--home", str(home.root), "search", "bigword", "--json"]
    subprocess.run(command, capture_output=True, check=True)
    t = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - t
    assert json.loads(proc.stdout), "the 50 MB note was not found"
    return round(seconds, 2)


def adversarial_query_set() -> list[tuple[str, str]]:
    return [("adversarial", q) for q in ADVERSARIAL_QUERIES]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--million", action="store_true", help="1,000,000 documents (several minutes)")
    ap.add_argument("--no-adversarial", action="store_true", help="leave out the adversarial documents")
    ap.add_argument("--keep", metavar="DIR", help="build the database in DIR and keep it")
    ap.add_argument("--reuse", metavar="DIR", help="skip ingest: reuse a database kept with --keep")
    ap.add_argument("--no-optimize", action="store_true", help="do not merge the FTS indexes after ingest")
    ap.add_argument("--verbose", action="store_true", help="also print the slowest queries (stderr)")
    opts = ap.parse_args()
    if opts.million:
        opts.docs = 1_000_000
    if opts.reuse or opts.keep:
        return run(Path(opts.reuse or opts.keep), opts)
    with tempfile.TemporaryDirectory(prefix="hermes-bench-") as tmp:  # removed afterwards
        return run(Path(tmp), opts)


def run(folder: Path, opts: argparse.Namespace) -> int:
    """Ingest into ``folder`` (unless ``--reuse``), time the query set, print the figures."""
    db = folder / "workbench.db"
    figures: dict[str, object] = {"docs": opts.docs}
    if not opts.reuse:
        folder.mkdir(parents=True, exist_ok=True)
        if db.exists():
            db.unlink()
        store = Store.open(db)
        figures.update(ingest(store, opts.docs))
        figures["events_per_row_per_s"] = ingest_per_row(folder)
        if not opts.no_adversarial:
            t = time.perf_counter()
            store.add_notes(adversarial_notes(TextGen(99)))
            figures["adversarial_ingest_s"] = round(time.perf_counter() - t, 2)
            figures["cli_search_50mb_note_s"] = cli_big_note_seconds(folder)
        if not opts.no_optimize:
            t = time.perf_counter()
            store.optimize()
            figures["optimize_s"] = round(time.perf_counter() - t, 2)
        store.close()
    store = Store.open(db)
    figures["docs"] = store.count("notes") + store.count("events")
    figures["db_mb"] = round(sum(f.stat().st_size for f in folder.glob("workbench.db*")) / 2**20, 1)

    queries = query_set() + ([] if opts.no_adversarial else adversarial_query_set())
    partial = 0
    cold: list[float] = []
    warm: list[float] = []
    by_class: dict[str, list[float]] = {}
    slow: list[tuple[float, str, int]] = []
    for cls, q in queries:
        t = time.perf_counter()
        search(store, q)
        cold.append((time.perf_counter() - t) * 1000)
    for cls, q in queries:
        runs = []
        for _ in range(3):
            t = time.perf_counter()
            result = search_result(store, q)
            runs.append((time.perf_counter() - t) * 1000)
        hits = result.hits
        partial += result.partial
        ms = statistics.median(runs)
        warm.append(ms)
        by_class.setdefault(cls, []).append(ms)
        slow.append((ms, q, len(hits)))
    store.close()
    figures.update(
        {
            "queries": len(queries),
            "p50_ms": round(pct(warm, 50), 3),
            "p95_ms": round(pct(warm, 95), 3),
            "p99_ms": round(pct(warm, 99), 3),
            "max_ms": round(max(warm), 3),
            "partial": partial,
            "cold_p50_ms": round(pct(cold, 50), 3),
            "cold_p95_ms": round(pct(cold, 95), 3),
            "cold_max_ms": round(max(cold), 3),
            "by_class": {
                c: {"n": len(v), "p50_ms": round(pct(v, 50), 3), "p95_ms": round(pct(v, 95), 3), "max_ms": round(max(v), 3)}
                for c, v in by_class.items()
            },
        }
    )
    if opts.verbose:
        for ms, q, n in sorted(slow, reverse=True)[:12]:
            print(f"{ms:8.3f} ms  {n:3d} hits  {q!r}", file=sys.stderr)
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
