"""Skill routing and the skills-index budget on the 497-skill real-world corpus.

    python benchmarks/bench_routing.py [--budget 1500] [--tasks benchmarks/routing_tasks.jsonl] [--misses]

Installs every corpus skill as a library in a temporary home
(``skills/<source>/<skill-dir>/``), syncs it, then builds the system prompt for each
task of ``routing_tasks.jsonl`` (``{"task": ..., "expected": [acceptable skill_ids]}``)
through ``prompt.build_system_prompt``. It reports the skills-index size against the
budget (it must never exceed it) and the routing accuracy: top-1 is "the first skill
shown with a description is acceptable", top-3 "one of the first three is".

Prints ONE JSON line: skills, tasks, budget, index_tokens_max, index_tokens_mean,
top1, top3, build_ms_p50 (one whole system prompt, search included).
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

CORPUS = ROOT.parent / "shared" / "corpus"
TASKS = Path(__file__).resolve().parent / "routing_tasks.jsonl"
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


def load_tasks(path: Path) -> list[dict]:
    tasks = []
    for line in path.read_text("utf-8").splitlines():
        if line.strip():
            tasks.append(json.loads(line))
    return tasks


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--budget", type=int, default=None, help="skills index budget (default: the config's)")
    parser.add_argument("--tasks", type=Path, default=TASKS)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--misses", action="store_true", help="list routing misses on stderr")
    opts = parser.parse_args()
    tasks = load_tasks(opts.tasks)
    config = Config()
    if opts.budget is not None:
        config.prompt.skills_budget_tokens = opts.budget
    budget = config.prompt.skills_budget_tokens
    with tempfile.TemporaryDirectory() as tmp:
        home = Home(Path(tmp) / "home").ensure(install_bundled=False)
        installed = install_corpus(home, opts.corpus)
        store = Store.open(home.db_path)
        library = SkillLibrary(home, store)
        library.sync()
        active = len(library.active())
        snapshot = {"memory": "", "user": ""}
        index_tokens: list[int] = []
        build_ms: list[float] = []
        top1 = top3 = 0
        for item in tasks + [{"task": t, "expected": None} for t in BUDGET_ONLY_TASKS]:
            start = time.perf_counter()
            parts = build_system_prompt(
                home=home,
                config=config,
                library=library,
                store=store,
                task=item["task"],
                tool_names=TOOLS,
                memory_snapshot=snapshot,
            )
            build_ms.append((time.perf_counter() - start) * 1000)
            index_tokens.append(parts.index_tokens)
            if parts.index_tokens > budget:
                raise SystemExit(f"index over budget ({parts.index_tokens} > {budget}) for {item['task'][:60]!r}")
            expected = item["expected"]
            if expected is None:
                continue
            ok = set(expected)
            top1 += bool(parts.relevant[:1] and parts.relevant[0] in ok)
            hit3 = any(sid in ok for sid in parts.relevant[:3])
            top3 += hit3
            if opts.misses and not hit3:
                print(f"MISS {item['task']!r}\n  got {parts.relevant[:3]}\n  want {expected[:3]}", file=sys.stderr)
        store.close()
    print(
        json.dumps(
            {
                "benchmark": "routing",
                "skills": active,
                "installed": installed,
                "tasks": len(tasks),
                "budget": budget,
                "index_tokens_max": max(index_tokens),
                "index_tokens_mean": round(statistics.mean(index_tokens), 1),
                "top1": round(top1 / len(tasks), 3),
                "top3": round(top3 / len(tasks), 3),
                "build_ms_p50": round(statistics.median(build_ms), 1),
            }
        )
    )


if __name__ == "__main__":
    main()
