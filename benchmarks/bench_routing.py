"""Skill routing and the skills-index budget on the 497-skill real-world corpus.

    python benchmarks/bench_routing.py [--budget 1500] [--tasks FILE...] [--misses]

Installs every corpus skill as a library in a temporary home
(``skills/<source>/<skill-dir>/``), syncs it, then builds the system prompt for each
task (``{"task": ..., "expected": [acceptable skill_ids]}`` a line) through
``prompt.build_system_prompt``. It reports the skills-index size against the budget
(it must never exceed it) and the routing accuracy per task set: top-1 is "the first
skill shown with a description is acceptable", top-3 "one of the first three is".

Three task sets by default:

* ``train`` (``routing_tasks.jsonl``, 88 tasks): the set the ranking was tuned on;
* ``heldout`` (``routing_tasks_heldout.jsonl``, 93 tasks, mostly paraphrases without
  the skills' own words): written before the tuning started and never tuned on;
* ``heldout2`` (``routing_tasks_heldout2.jsonl``, 64 tasks): written after the first
  round, before the second; never tuned on.

Prints ONE JSON line: skills, budget, index_tokens_max, index_tokens_mean,
build_ms_p50 and build_cpu_ms_p50 (one whole system prompt, search included; the CPU
time varies less with the load of a shared machine) and, per set, its tasks,
top1 and top3 (``"sets": {"train": {...}, "heldout": {...}, "heldout2": {...}}``).
With ``--misses`` the tasks whose top 3 hold no acceptable skill go to stderr.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hermes_tui.core.agent.prompt import build_system_prompt  # noqa: E402
from hermes_tui.core.config import Config  # noqa: E402
from hermes_tui.core.home import Home  # noqa: E402
from hermes_tui.core.skills.library import SkillLibrary  # noqa: E402
from hermes_tui.core.store import Store  # noqa: E402

HERE = Path(__file__).resolve().parent
TASK_SETS = {
    "train": HERE / "routing_tasks.jsonl",
    "heldout": HERE / "routing_tasks_heldout.jsonl",
    "heldout2": HERE / "routing_tasks_heldout2.jsonl",
}
TOOLS = ["terminal", "read_file", "write_file", "patch", "skills_list", "skill_view", "memory", "session_search"]
# Extra tasks for the budget check only (no expected skill): empty, vague, very long.
BUDGET_ONLY_TASKS = ["", "hi", "do the thing we talked about yesterday", "analyse data " * 200]


def install_corpus(home: Home, corpus: Path) -> int:
    """Copy every corpus skill folder to ``skills/<source>/<skill-dir>/``; returns the count."""
    count = 0
    for source in sorted(p for p in corpus.iterdir() if p.is_dir()):
        for folder in sorted(p for p in source.iterdir() if p.is_dir()):
            if any(f.name.lower() == "skill.md" for f in folder.iterdir()):
                shutil.copytree(folder, home.skills_dir / source.name / folder.name)
                count += 1
    return count


def find_corpus() -> Path:
    """``shared/corpus`` next to the checkout or next to one of its parents (worktrees)."""
    for parent in ROOT.parents:
        candidate = parent / "shared" / "corpus"
        if candidate.is_dir():
            return candidate
    return ROOT.parent / "shared" / "corpus"


def load_tasks(path: Path) -> list[dict]:
    tasks = []
    for line in path.read_text("utf-8").splitlines():
        if line.strip():
            tasks.append(json.loads(line))
    return tasks


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--budget", type=int, default=None, help="skills index budget (default: the config's)")
    parser.add_argument("--set", choices=sorted(TASK_SETS), action="append", dest="sets", help="only this task set")
    parser.add_argument("--tasks", type=Path, nargs="+", help="your own task files instead of the sets")
    parser.add_argument("--corpus", type=Path, default=None)
    parser.add_argument("--misses", action="store_true", help="list routing misses on stderr")
    opts = parser.parse_args()
    if opts.tasks:
        sets = {path.stem: load_tasks(path) for path in opts.tasks}
    else:
        sets = {name: load_tasks(TASK_SETS[name]) for name in (opts.sets or TASK_SETS)}
    config = Config()
    if opts.budget is not None:
        config.prompt.skills_budget_tokens = opts.budget
    budget = config.prompt.skills_budget_tokens
    with tempfile.TemporaryDirectory() as tmp:
        home = Home(Path(tmp) / "home").ensure()
        installed = install_corpus(home, opts.corpus or find_corpus())
        store = Store.open(home.db_path)
        library = SkillLibrary(home, store)
        library.sync()
        active = len(library.active())
        index_tokens: list[int] = []
        build_ms: list[float] = []
        build_cpu_ms: list[float] = []

        def shown(task: str) -> list[str]:
            start, cpu = time.perf_counter(), time.process_time()
            parts = build_system_prompt(
                home=home,
                config=config,
                library=library,
                store=store,
                task=task,
                tool_names=TOOLS,
                memory_snapshot={"memory": "", "user": ""},
            )
            build_ms.append((time.perf_counter() - start) * 1000)
            build_cpu_ms.append((time.process_time() - cpu) * 1000)
            index_tokens.append(parts.index_tokens)
            if parts.index_tokens > budget:
                raise SystemExit(f"index over budget ({parts.index_tokens} > {budget}) for {task[:60]!r}")
            return parts.relevant

        results = {name: score_set(name, tasks, shown, opts.misses) for name, tasks in sets.items()}
        for task in BUDGET_ONLY_TASKS:
            shown(task)
        store.close()
    print(
        json.dumps(
            {
                "benchmark": "routing",
                "skills": active,
                "installed": installed,
                "budget": budget,
                "index_tokens_max": max(index_tokens),
                "index_tokens_mean": round(statistics.mean(index_tokens), 1),
                "build_ms_p50": round(statistics.median(build_ms), 1),
                "build_cpu_ms_p50": round(statistics.median(build_cpu_ms), 1),
                "sets": results,
            }
        )
    )


def score_set(name: str, tasks: list[dict], shown, misses: bool) -> dict:
    """top-1 / top-3 of one task set; with ``misses`` the top-3 misses go to stderr."""
    top1 = top3 = 0
    for item in tasks:
        relevant = shown(item["task"])
        ok = set(item["expected"])
        top1 += bool(relevant[:1] and relevant[0] in ok)
        hit3 = any(sid in ok for sid in relevant[:3])
        top3 += hit3
        if misses and not hit3:
            print(f"MISS [{name}] {item['task']!r}\n  got {relevant[:3]}\n  want {item['expected'][:3]}", file=sys.stderr)
    return {"tasks": len(tasks), "top1": round(top1 / len(tasks), 3), "top3": round(top3 / len(tasks), 3)}


if __name__ == "__main__":
    main()
