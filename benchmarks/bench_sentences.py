"""Benchmark: sentence queries through search() against a plain bm25 OR-query floor.

    python benchmarks/bench_sentences.py [--corpus DIR] [--distractors N] [--misses]

Builds a temporary home: the 497 corpus skills (``../shared/corpus``) as a library,
the episodes and notes of ``sentence_docs.jsonl``, and ``N`` generated distractor
notes and episodes (default 5,000 each; the text generator of bench_search.py).
Then runs every query of ``sentence_queries.jsonl`` (``{"kind", "query",
"expected"}``: skill folder names, episode ids or note titles; any one is right)
restricted to its kind, two ways:

* ``search``: the search API, as `hermes-tui search QUERY --kind K` runs it;
* ``floor``: one FTS5 query, every word of the sentence OR-ed, ordered by plain
  ``bm25()`` over the kind's text columns (skills: name, description, body).

Prints ONE JSON line: per kind and overall, top-1 and top-3 (share of queries whose
first / first three hits hold an expected result) of both, and the search's p50/max
milliseconds. ``--misses`` lists the search's top-3 misses on stderr.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from bench_routing import CORPUS, install_corpus  # noqa: E402
from bench_search import _episodes  # noqa: E402
from textgen import TextGen  # noqa: E402

from hermes_tui.core.home import Home  # noqa: E402
from hermes_tui.core.skills.library import SkillLibrary  # noqa: E402
from hermes_tui.core.store import Store, search  # noqa: E402

QUERIES = HERE / "sentence_queries.jsonl"
DOCS = HERE / "sentence_docs.jsonl"
# The floor's table and bm25 column weights per kind (0 leaves a column out).
FLOOR = {
    "skill": ("skills_fts", "skills", "id", "(1, 1, 0, 1)", "b.skill_id"),
    "episode": ("episodes_fts", "episodes", "rid", "(1, 1)", "b.id"),
    "note": ("notes_fts", "notes", "id", "(1, 1)", "b.title"),
}


def load_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def build(home: Home, corpus: Path, distractors: int) -> Store:
    """The home of the benchmark: corpus skills, the written docs, generated distractors."""
    install_corpus(home, corpus)
    store = Store.open(home.db_path)
    SkillLibrary(home, store).sync()
    gen = TextGen(11)
    docs = load_jsonl(DOCS)
    notes = list(gen.notes(distractors, start=1.6e9))
    notes += [{"title": d["title"], "text": d["text"], "created_at": 1.6e9} for d in docs if d["kind"] == "note"]
    store.add_notes(notes)
    with store.transaction():
        for episode, task, started, events in _episodes(gen, distractors * 4, per_episode=4):
            store.create_episode(id=episode, task=task, model="m", cwd="/w", started_at=started)
            store.finish_episode(id=episode, outcome="success", reason=None, answer=gen.doc(10, 40), steps=4,
                                 prompt_tokens=0, completion_tokens=0, cost=0.0, finished_at=started + 60)
        for d in docs:
            if d["kind"] == "episode":
                store.create_episode(id=d["id"], task=d["task"], model="m", cwd="/w", started_at=1.6e9)
                store.finish_episode(id=d["id"], outcome="success", reason=None, answer=d["answer"], steps=3,
                                     prompt_tokens=0, completion_tokens=0, cost=0.0, finished_at=1.6e9 + 60)
    store.optimize()
    return store


def floor_ids(store: Store, kind: str, query: str, limit: int = 3) -> list[str]:
    """The floor: every word OR-ed, plain bm25() over the kind's text columns."""
    fts, base, key, weights, ident = FLOOR[kind]
    words = re.findall(r"\w+", query.lower())
    if not words:
        return []
    expr = " OR ".join('"' + w + '"' for w in dict.fromkeys(words))
    rows = store.execute(
        f"SELECT {ident} FROM {fts} f JOIN {base} b ON b.{key} = f.rowid WHERE {fts} MATCH ?"
        f" ORDER BY bm25({fts}, {weights.strip('()')}) LIMIT ?",
        (expr, limit),
    )
    return [r[0] for r in rows]


def search_ids(store: Store, kind: str, query: str, limit: int = 3) -> list[str]:
    hits = search(store, query, kinds=[kind], limit=limit)
    return [h.skill_id if kind == "skill" else h.id if kind == "episode" else h.title for h in hits]


def correct(kind: str, found: str | None, expected: list[str]) -> bool:
    if found is None:
        return False
    return (found.rsplit("/", 1)[-1] if kind == "skill" else found) in expected


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--distractors", type=int, default=5000)
    ap.add_argument("--misses", action="store_true")
    opts = ap.parse_args()
    if not opts.corpus.is_dir():
        raise SystemExit(f"no corpus at {opts.corpus}")
    queries = load_jsonl(QUERIES)
    with tempfile.TemporaryDirectory(prefix="hermes-sentences-") as tmp:
        home = Home(Path(tmp) / "home").ensure()
        store = build(home, opts.corpus, opts.distractors)
        tally: dict[str, dict[str, int]] = {}
        times: list[float] = []
        for item in queries:
            kind, query, expected = item["kind"], item["query"], item["expected"]
            search(store, query, kinds=[kind], limit=3)  # warm-up (document frequencies)
            started = time.perf_counter()
            got = search_ids(store, kind, query)
            times.append((time.perf_counter() - started) * 1000)
            base = floor_ids(store, kind, query)
            for name, ids in (("search", got), ("floor", base)):
                for scope in (kind, "all"):
                    t = tally.setdefault(scope, {"n": 0})
                    t[f"{name}_top1"] = t.get(f"{name}_top1", 0) + correct(kind, (ids or [None])[0], expected)
                    t[f"{name}_top3"] = t.get(f"{name}_top3", 0) + any(correct(kind, i, expected) for i in ids[:3])
            for scope in (kind, "all"):
                tally[scope]["n"] += 1
            if opts.misses and not any(correct(kind, i, expected) for i in got[:3]):
                print(f"MISS [{kind}] {query!r}\n  got {got}\n  floor {base}\n  want {expected[:4]}", file=sys.stderr)
        store.close()
    out: dict[str, object] = {"benchmark": "sentences", "queries": len(queries), "distractors": opts.distractors}
    for scope, t in tally.items():
        n = t.pop("n")
        out[scope] = {"n": n, **{k: round(v / n, 3) for k, v in sorted(t.items())}}
    out["search_p50_ms"] = round(statistics.median(times), 2)
    out["search_max_ms"] = round(max(times), 2)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
