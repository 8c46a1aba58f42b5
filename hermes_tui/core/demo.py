"""``hermes-tui demo``: a throwaway home seeded with episodes, skills, memory and a pending skill.

Everything lives under one temporary folder: ``home/`` (the demo's home) and
``work/`` (sample files, the demo agent's working folder). The seeded episodes are
real runs of the agent with the built-in scripted model (:mod:`.agent.scripted`):
one task done five times, each run shorter once a skill exists for it.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hermes_tui.core.agent.scripted import DemoModel, Step
from hermes_tui.core.home import Home
from hermes_tui.core.workspace import Workspace

REPEATED_TASK = "find why the nightly job failed in app.log"

SAMPLE_FILES = {
    "README.md": "# inventory-service\n\nA small service. Logs go to `app.log`; the nightly job is `jobs/nightly.py`.\n",
    "app.log": (
        "2026-11-30 02:00:01 INFO nightly: started\n"
        "2026-11-30 02:00:07 ERROR db: timeout after 5.0s (pool exhausted)\n"
        "2026-11-30 02:00:12 WARN retry 1/3\n"
        "2026-11-30 02:00:19 ERROR db: timeout after 5.0s (pool exhausted)\n"
        "2026-11-30 02:00:19 INFO nightly: gave up\n"
    ),
    "jobs/nightly.py": "POOL_SIZE = 2\n\n\ndef run(db):\n    with db.pool(POOL_SIZE) as conn:\n        conn.execute('VACUUM')\n",
    "build/output.txt": "generated\n",
}

LOG_TRIAGE = """---
name: log-triage
description: Find the cause of a failed job from its log - errors first, then the code they point at.
metadata:
  tags: "logs, debugging"
---
# Log triage

1. `grep -n ERROR app.log` - the first error is usually the cause.
2. Read the code the error names (here: the pool size in `jobs/nightly.py`).
3. Answer with the line, the cause and a one-line fix.
"""

GIT_HYGIENE = """---
name: git-hygiene
description: Keep a branch reviewable - small commits, clear messages, no stray files.
---
# Git hygiene

- `git status` before every commit; never commit build output.
- One change per commit; the message says why.
"""

PENDING_SKILL = """---
name: db-pool-sizing
description: Size a database connection pool for a batch job from its concurrency.
---
# DB pool sizing

The pool needs one connection per concurrent task plus one; a nightly job with 4
workers needs 5. Pool exhaustion shows as `timeout ... (pool exhausted)` in the log.
"""

ANSWER = (
    "The nightly job failed on **database timeouts**: `app.log` shows `pool exhausted` twice. "
    "`jobs/nightly.py` opens a pool of `POOL_SIZE = 2`, too small for the job. Raise it to 5."
)


def _runs() -> list[list[Step]]:
    """Five runs of :data:`REPEATED_TASK`, each one shorter (the skill helps from run 3)."""
    explore = [("terminal", {"command": "ls -la"}), ("read_file", {"path": "README.md"})]
    dig = [("search_files", {"pattern": "ERROR", "path": "."}), ("read_file", {"path": "app.log"})]
    code = [("read_file", {"path": "jobs/nightly.py"})]
    skill = [("skill_view", {"name": "log-triage"})]
    grep = [("terminal", {"command": "grep -n ERROR app.log"})]
    end = Step(text=ANSWER)
    return [
        [Step(calls=explore, reasoning="No skill for this yet; explore."), Step(calls=dig), Step(calls=[("terminal", {"command": "cat jobs/nightly.py"})]), Step(calls=code), end],
        [Step(calls=explore), Step(calls=dig), Step(calls=code), end],
        [Step(calls=skill, reasoning="There is a skill for this."), Step(calls=dig), Step(calls=code), end],
        [Step(calls=skill), Step(calls=grep + code), end],
        [Step(calls=skill + grep + code), end],
    ]


@dataclass
class DemoSetup:
    root: Path  # the throwaway folder (remove it when done)
    home: Home
    workdir: Path

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def create_demo(root: Path | None = None, *, with_runs: bool = True) -> DemoSetup:
    """Make and seed a throwaway demo home (in a new temporary folder unless ``root``).

    Without ``with_runs`` the five recorded runs are left to :func:`record_runs`
    (the workbench records them in the background, so its first frame is not kept waiting).
    """
    root = Path(root) if root is not None else Path(tempfile.mkdtemp(prefix="hermes-demo-"))
    workdir = root / "work"
    for rel, text in SAMPLE_FILES.items():
        path = workdir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    home = Home(root / "home").ensure()
    with Workspace(home) as ws:
        seed(ws)
    setup = DemoSetup(root=root, home=home, workdir=workdir)
    if with_runs:
        with Workspace(home) as ws:
            record_runs(ws, workdir)
    return setup


def seed(ws: Workspace) -> None:
    """Skills, memory entries and a pending skill."""
    from hermes_tui.core.gate import SkillChange

    ws.library.save("git-hygiene", GIT_HYGIENE, author="user", category="devops")
    ws.memory.add("memory", "The inventory-service nightly job runs at 02:00 and talks to Postgres.")
    ws.memory.add("user", "Prefers short answers with the exact file and line.")
    ws.pending.submit(
        SkillChange("create", "db-pool-sizing", category="databases", content=PENDING_SKILL,
                    reason="learned from the nightly-job episodes", author="agent")
    )


def record_runs(ws: Workspace, workdir: Path) -> None:
    """Five recorded runs of :data:`REPEATED_TASK` with the scripted model, each shorter.

    The skill ``log-triage`` is saved before the third run (as if approved then).
    """
    runs = _runs()
    agent = ws.make_agent(client=DemoModel(delay=0, plans=runs), approval_policy="deny", cwd=workdir)
    for index in range(len(runs)):
        if index == 2:
            ws.library.save("log-triage", LOG_TRIAGE, author="user", category="debugging")
        ws.new_session(agent).send(REPEATED_TASK)
