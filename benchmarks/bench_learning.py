"""The learning loop's effect on a repeated task, offline.

A policy model on a scripted OpenAI-compatible server on 127.0.0.1
(``tests/llm_policy.py``) takes a long exploratory path with failing calls (8 tool
calls) unless a loaded skill really holds the working command; then it takes the
short path. The same task runs ``--runs`` times through ``hermes-tui run --learn``
(real child processes, real litellm client) with ``[learning] auto_approve = true``:

* ``fenced``: the model writes the skill (a SKILL.md in a Markdown fence, with text around it);
* ``refuse``: the model refuses, so the deterministic distiller writes it;
* ``off``: learning off; nothing may be written (no pending item, no new skill).

Prints one JSON line: per scenario each run's tool calls, wall time (the whole
process) and episode time (the agent's episode alone), whether a
skill was loaded, the candidate created, and ``last_over_first`` (tool calls of the
last run / the first run; the target is <= 0.4).

    python benchmarks/bench_learning.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.llm_policy import TASK, PolicyServer, json_events, make_project, tool_calls  # noqa: E402


def run_once(server: PolicyServer, home: Path, project: Path, *, learn: bool) -> dict:
    args = [sys.executable, "-m", "hermes_tui", "--home", str(home), "run", TASK, "--json", "--approve", "all"]
    args += ["--model", server.model, "--api-base", server.url, "--api-key", server.api_key]
    if learn:
        args.append("--learn")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    proc = subprocess.run(args, cwd=project, env=env, capture_output=True, text=True, timeout=300)
    wall_ms = (time.perf_counter() - started) * 1000
    events = json_events(proc.stdout)
    created = [e for e in events if e["type"] == "candidate_created"]
    finished = next((e for e in events if e["type"] == "episode_finished"), {})
    return {
        "exit": proc.returncode,
        "tool_calls": tool_calls(events),
        "wall_ms": round(wall_ms, 1),  # the whole process: start-up, litellm import, episode, learning
        "episode_ms": round(finished.get("duration_ms", 0.0), 1),  # the episode alone
        "skill_loaded": [e["name"] for e in events if e["type"] == "skill_loaded"],
        "candidate": {k: created[0][k] for k in ("skill", "distiller", "trigger", "approved")} if created else None,
        "learning": events[0].get("learning") if events else None,
    }


def files_under(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()} if folder.exists() else set()


def scenario(name: str, runs: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp, PolicyServer("refuse" if name == "refuse" else "fenced") as server:
        home, project = Path(tmp) / "home", Path(tmp) / "project"
        home.mkdir()
        make_project(project)
        learn = name != "off"
        if learn:
            (home / "config.toml").write_text("[learning]\nauto_approve = true\n", "utf-8")
        results = [run_once(server, home, project, learn=learn)]
        skills_before = files_under(home / "skills")
        results += [run_once(server, home, project, learn=learn) for _ in range(runs - 1)]
        first, last = results[0]["tool_calls"], results[-1]["tool_calls"]
        out = {
            "runs": results,
            "last_over_first": round(last / first, 3) if first else None,
            "distill_requests": server.distill_requests,
            "pending_files": len(files_under(home / "workbench" / "pending")),
            "learned_skills": sorted(p for p in files_under(home / "skills") if p.startswith("learned/")),
        }
        if not learn:
            out["skills_unchanged"] = files_under(home / "skills") == skills_before
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(json.dumps({name: scenario(name, args.runs) for name in ("fenced", "refuse", "off")}))


if __name__ == "__main__":
    main()
