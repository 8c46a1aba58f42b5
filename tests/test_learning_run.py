"""The learning loop end to end through `hermes-tui run` and `hermes-tui learn`
(child processes, real litellm client, the policy model on the scripted server)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hermes_tui.core.store import Store
from tests.llm_policy import CHECK, TASK, WORKING, PolicyServer, json_events, make_project, tool_calls

pytestmark = pytest.mark.slow  # child processes that import litellm


def hermes(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HERMES_HOME": str(tmp_path / "home")}
    return subprocess.run(
        [sys.executable, "-m", "hermes_tui", *args], cwd=tmp_path / "project", env=env,
        capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL,
    )  # fmt: skip


def run_task(tmp_path: Path, server: PolicyServer, *extra: str) -> list[dict]:
    model = ["--model", server.model, "--api-base", server.url, "--api-key", server.api_key]
    proc = hermes(tmp_path, "run", TASK, "--json", "--approve", "all", *model, *extra)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    return json_events(proc.stdout)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    make_project(tmp_path / "project")
    (tmp_path / "home").mkdir()
    return tmp_path


def files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_learning_off_writes_nothing(project: Path) -> None:
    with PolicyServer("fenced") as server:
        first = run_task(project, server)
    assert first[0]["type"] == "episode_started" and first[0]["learning"] is False
    assert tool_calls(first) == 8 and first[-1]["type"] == "episode_finished"  # over the long-success threshold
    assert not [e for e in first if e["type"] in ("candidate_created", "skill_patch_proposed")]
    assert server.distill_requests == 0
    assert files(project / "home" / "workbench" / "pending") == []
    with Store.open(project / "home" / "workbench" / "workbench.db") as store:
        assert [row["skill_id"] for row in store.list_skills() if row["source"] != "bundled"] == []
    assert not (project / "home" / "workbench" / "learning.log").exists()


def test_learned_skill_written_by_the_model_is_reused(project: Path) -> None:
    (project / "home" / "config.toml").write_text("[learning]\nenabled = true\nauto_approve = true\n", "utf-8")
    with PolicyServer("fenced") as server:
        first = run_task(project, server)
        second = run_task(project, server)
    assert first[0]["learning"] is True
    # The loop's events follow the episode: the candidate, and the approved skill's save
    # (auto-approval), which the library reports on the same stream.
    after = [e["type"] for e in first[[e["type"] for e in first].index("episode_finished") + 1:]]
    assert sorted(after) == ["candidate_created", "library_changed"], after
    created = next(e for e in first if e["type"] == "candidate_created")
    assert created["type"] == "candidate_created" and created["skill"] == "count-todo-markers"
    assert created["distiller"] == server.model and created["trigger"] == "long" and created["approved"]
    text = (project / "home" / "skills" / "learned" / "count-todo-markers" / "SKILL.md").read_text("utf-8")
    assert WORKING in text and "distiller: \"openai/test-model\"" in text
    assert [e["name"] for e in second if e["type"] == "skill_loaded"] == ["learned/count-todo-markers"]
    assert tool_calls(second) == 3 and tool_calls(first) == 8
    assert second[-1]["type"] == "episode_finished" and second[-1]["skills_loaded"] == ["learned/count-todo-markers"]


def test_refusing_model_falls_back_and_waits_for_approval(project: Path) -> None:
    with PolicyServer("refuse") as server:
        first = run_task(project, server, "--learn")
        created = first[-1]
        assert created["type"] == "candidate_created" and created["distiller"] == "deterministic"
        assert not created["approved"]
        pending_id = created["pending_id"]
        shown = json.loads(hermes(project, "pending", "show", pending_id, "--json").stdout)
        assert shown["op"] == "create" and WORKING in shown["content"] and CHECK in shown["content"]
        assert shown["evidence"]["episodes"][0]["episode_id"] == first[0]["episode_id"]
        # Not approved: the second run does not see it; its evidence joins the waiting item.
        second = run_task(project, server, "--learn")
        assert tool_calls(second) == 8 and not [e for e in second if e["type"] == "skill_loaded"]
        merged = second[-1]
        assert merged["type"] == "candidate_created" and merged["merged"] and merged["pending_id"] == pending_id
        listed = json.loads(hermes(project, "pending", "list", "--json").stdout)
        assert [i["id"] for i in listed] == [pending_id]
        approve = hermes(project, "pending", "approve", pending_id)
        assert approve.returncode == 0, approve.stderr
        third = run_task(project, server, "--learn")
    assert tool_calls(third) == 3
    assert [e["name"] for e in third if e["type"] == "skill_loaded"] == ["learned/count-todo-markers-under-src"]


def test_learn_command(project: Path) -> None:
    with PolicyServer("refuse") as server:
        episode = run_task(project, server)[0]["episode_id"]
    bad = hermes(project, "learn", "--episodes", "no-such-episode")
    assert bad.returncode == 1 and bad.stderr.startswith("hermes-tui: error: no episode 'no-such-episode'")
    proc = hermes(project, "learn", "--episodes", episode, "--json")
    assert proc.returncode == 0, proc.stderr
    (outcome,) = json.loads(proc.stdout)["outcomes"]
    assert outcome["action"] == "created" and outcome["distiller"] == "deterministic"
    assert outcome["skill"] == "count-todo-markers-under-src" and outcome["pending_id"]
    again = json.loads(hermes(project, "learn", "--json").stdout)["outcomes"]
    assert [o["action"] for o in again] == ["skipped"] and "already pending" in again[0]["reason"]
