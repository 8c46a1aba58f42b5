"""The learning loop in-process: signatures, distillers, dedupe/merge/cap, the gate's evidence.

Episodes are recorded through the real Recorder into a real store; candidates go
through the real PendingQueue and SkillLibrary."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hermes_tui.core.agent.events import EpisodeFinished, EpisodeStarted, ToolCallFinished, ToolCallStarted
from hermes_tui.core.agent.recorder import Recorder
from hermes_tui.core.config import Config
from hermes_tui.core.feedback.ratings import correct, rate
from hermes_tui.core.gate import PendingQueue
from hermes_tui.core.home import Home
from hermes_tui.core.learning import Learner
from hermes_tui.core.learning.distill import (
    UnusableAnswer,
    distill,
    distill_deterministic,
    extract_skill_md,
    section_texts,
)
from hermes_tui.core.learning.traces import normalise_task, trace_of
from hermes_tui.core.skills.library import SkillLibrary
from hermes_tui.core.skills.parse import parse_skill_text
from hermes_tui.core.skills.validate import errors, validate_skill
from hermes_tui.core.store import Store
from hermes_tui.errors import HermesError
from tests.llm_policy import FENCED_SKILL, INVALID, REFUSAL

TASK = "Count the TODO markers under src and write the total to todo_count.txt"
WORKING = "grep -ro TODO src | wc -l > todo_count.txt"
LONG = [
    ("terminal", "ls", 0, "a.py"),
    ("read_file", {"path": "src/a.py"}, None, "# TODO"),
    ("terminal", "todo-count src > todo_count.txt", 127, "bash: todo-count: command not found\n[exit code: 127]"),
    ("terminal", WORKING, 0, ""),
    ("terminal", "cat todo_count.txt", 0, "5"),
]


@pytest.fixture
def env(tmp_path: Path):
    home = Home(tmp_path / "home").ensure()
    store = Store.open(home.db_path)
    yield home, store, SkillLibrary(home, store)
    store.close()


def record(store, eid: str, task: str, calls, *, outcome: str = "success", ts: float = 1000.0, loaded=()) -> str:
    """One episode through the real Recorder: tool calls (tool, args, exit code, result)."""
    rec = Recorder(store)
    rec(EpisodeStarted(episode_id=eid, ts=ts, task=task, model="m", cwd="/p"))
    for i, (tool, args, code, result) in enumerate(calls):
        arguments = {"command": args} if isinstance(args, str) else args
        rec(ToolCallStarted(episode_id=eid, ts=ts + i, step=1, call_id=f"c{i}", name=tool, arguments=arguments))
        rec(ToolCallFinished(episode_id=eid, ts=ts + i, step=1, call_id=f"c{i}", name=tool, result=result, exit_code=code))
    rec(EpisodeFinished(episode_id=eid, ts=ts + 50, outcome=outcome, skills_loaded=tuple(loaded)))
    assert not rec.errors
    return eid


def learner(home, store, lib, complete=None, **settings) -> Learner:
    config = Config()
    for key, value in settings.items():
        setattr(config.learning, key, value)
    return Learner(home, store, lib, config, complete=complete, model="test-model" if complete else "")


# -- observe --------------------------------------------------------------------------
def test_signature_and_trace(env) -> None:
    home, store, lib = env
    record(store, "e1", TASK, LONG)
    trace = trace_of(store.get_episode("e1"))
    assert normalise_task("Please count THE todo markers in src!") == "count todo markers src"
    assert trace.shape() == ["terminal", "read_file", "terminal"]
    assert [c.ok for c in trace.calls] == [True, True, False, True, True]
    assert trace.calls[2].error == "bash: todo-count: command not found (exit code 127)"
    assert [c.read_only for c in trace.calls] == [True, True, False, False, True]


def test_similar_episodes_by_text_and_shape(env) -> None:
    home, store, lib = env
    record(store, "e1", TASK, LONG, ts=1000)
    record(store, "e2", "count the TODO markers under src, write total to todo_count.txt", LONG, ts=2000)
    record(store, "e3", "deploy the web app to staging", LONG, ts=3000)  # other task, same shape
    record(store, "e4", TASK, [("write_file", {"path": "x"}, None, "ok")], ts=4000)  # same task, other shape
    similar = learner(home, store, lib).similar(trace_of(store.get_episode("e1")))
    assert [t.episode_id for t in similar] == ["e1", "e2"]


# -- distill --------------------------------------------------------------------------
def test_deterministic_skill_is_valid_with_sections_and_provenance(env) -> None:
    home, store, lib = env
    record(store, "e1", TASK, LONG)
    cand = distill_deterministic([trace_of(store.get_episode("e1"))], trigger="long")
    skill = parse_skill_text(cand.text, path=Path(cand.name) / "SKILL.md")
    assert errors(validate_skill(skill)) == []
    sections = section_texts(skill.body)
    assert WORKING in sections["procedure"] and "ls" not in sections["procedure"].replace("`", " ").split()
    assert "read_file" not in sections["procedure"]  # read-only exploration left out
    assert "todo-count src" in sections["pitfalls"] and "command not found" in sections["pitfalls"]
    assert WORKING in sections["pitfalls"]  # what worked instead
    assert "cat todo_count.txt" in sections["verification"]
    assert skill.metadata["learned-from"] == "e1" and skill.metadata["distiller"] == "deterministic"
    assert skill.metadata["trigger"] == "long" and skill.metadata["learned-at"].endswith("Z")
    assert cand.name == "count-todo-markers-under-src" and "TODO markers" in skill.description


def test_extract_skill_md() -> None:
    text = extract_skill_md(FENCED_SKILL)
    assert text.startswith("---\nname: count-todo-markers\n") and "```" not in text and "Let me know" not in text
    assert extract_skill_md("Here:\n---\nname: x\ndescription: y\n---\nbody\n") == "---\nname: x\ndescription: y\n---\nbody\n"
    with pytest.raises(UnusableAnswer):
        extract_skill_md(REFUSAL)


@pytest.mark.parametrize(
    "answer, why",
    [
        (REFUSAL, "no SKILL.md"),
        (INVALID, "invalid frontmatter"),
        (FENCED_SKILL.replace(WORKING, "grep TODO"), "lacks the command that worked"),
        (FENCED_SKILL.replace("## Pitfalls", "## Notes"), "Pitfalls"),
    ],
)
def test_unusable_model_answers_fall_back_to_deterministic(env, answer: str, why: str) -> None:
    home, store, lib = env
    record(store, "e1", TASK, LONG)
    asked: list = []
    cand = distill([trace_of(store.get_episode("e1"))], trigger="long", complete=lambda m: asked.append(m) or answer, model="m")
    assert asked and asked[0][0]["content"].startswith("You distill agent skills")
    assert WORKING in asked[0][1]["content"] and "FAILED" in asked[0][1]["content"]
    assert cand.distiller == "deterministic" and why in cand.fallback_reason


def test_model_skill_gets_provenance(env) -> None:
    home, store, lib = env
    record(store, "e1", TASK, LONG)
    cand = distill([trace_of(store.get_episode("e1"))], trigger="long", complete=lambda m: FENCED_SKILL, model="test-model")
    skill = parse_skill_text(cand.text, path=Path(cand.name) / "SKILL.md")
    assert cand.name == "count-todo-markers" and cand.distiller == "test-model"
    assert errors(validate_skill(skill)) == [] and skill.metadata["distiller"] == "test-model"


# -- triggers, dedupe, merge, cap -----------------------------------------------------
SHORT = [("terminal", "make report > out.txt", 0, "")]


def test_thresholds(env) -> None:
    home, store, lib = env
    loop = learner(home, store, lib)
    record(store, "s1", "build the weekly report", SHORT, ts=1000)
    record(store, "s2", "build the weekly report", SHORT, ts=2000)
    assert loop.consider("s2").action == "skipped"  # 2 successes, 1 call
    record(store, "f1", "build the weekly report", SHORT, outcome="failure", ts=2500)
    assert "failure" in loop.consider("f1").reason
    record(store, "s3", "build the weekly report", SHORT, ts=3000)
    out = loop.consider("s3")
    assert out.action == "created" and out.events[0].trigger == "repeated"
    assert out.events[0].episodes == ("s1", "s2", "s3")


def test_candidate_waits_in_the_gate_with_evidence_and_merges(env) -> None:
    home, store, lib = env
    loop = learner(home, store, lib)
    record(store, "e1", TASK, LONG, ts=1000)
    first = loop.consider("e1")
    assert first.action == "created" and not first.events[0].approved
    queue = PendingQueue(home)
    item = queue.get(first.pending_id)
    evidence = queue.evidence(item)
    assert evidence["source"] == "learning" and evidence["episodes"][0]["episode_id"] == "e1"
    assert evidence["episodes"][0]["tool_calls"][2] == {
        "tool": "terminal", "command": "todo-count src > todo_count.txt", "ok": False,
        "error": "bash: todo-count: command not found (exit code 127)",
    }  # fmt: skip
    lib.sync()
    assert lib.active() == []  # nothing reaches the model before approval
    record(store, "e2", TASK.lower(), LONG, ts=2000)
    second = loop.consider("e2")
    assert second.action == "merged" and second.pending_id == first.pending_id and second.events[0].merged
    assert [e["episode_id"] for e in queue.evidence(queue.get(first.pending_id))["episodes"]] == ["e1", "e2"]
    assert len(queue.list()) == 1
    assert loop.consider("e2").action == "skipped"  # same evidence again: nothing new


def test_overlap_with_existing_skill_becomes_patch_or_nothing(env) -> None:
    home, store, lib = env
    loop = learner(home, store, lib, auto_approve=True)
    record(store, "e1", TASK, LONG, ts=1000)
    created = loop.consider("e1")
    assert created.action == "created" and created.events[0].approved
    skill_id = lib.find(created.skill)
    assert skill_id and lib.active()
    # The same work again (no skill loaded): nothing new, no proposal.
    record(store, "e2", TASK, LONG, ts=2000)
    assert loop.consider("e2").action == "skipped"
    # A new failure seen on the way: a patch adding only that pitfall.
    extra = LONG[:3] + [("terminal", "grep -c TODO src > todo_count.txt", 2, "grep: src: Is a directory\n[exit code: 2]")] + LONG[3:]
    record(store, "e3", TASK, extra, ts=3000)
    patch = loop.consider("e3")
    assert patch.action == "patch" and patch.skill == skill_id and "grep -c TODO src" in patch.reason
    text = Path(lib.row(skill_id)["path"]).read_text("utf-8")
    pitfalls = section_texts(text.split("\n---\n", 1)[1])["pitfalls"]
    assert "grep: src: Is a directory" in pitfalls and "todo-count" in pitfalls
    assert text.count("## Procedure") == 1 and len(PendingQueue(home).list()) == 0


def test_loaded_skill_that_worked_teaches_nothing(env) -> None:
    home, store, lib = env
    record(store, "e1", TASK, LONG[3:], loaded=["learned/x"])
    assert "did the work" in learner(home, store, lib, min_tool_calls=1).consider("e1").reason


def test_daily_cap(env) -> None:
    home, store, lib = env
    loop = learner(home, store, lib, max_candidates_per_day=1, min_tool_calls=1)
    record(store, "a", "rotate the nginx logs", [("terminal", "logrotate -f /etc/nginx.conf", 0, "")], ts=1000)
    record(store, "b", "compress the backups folder", [("terminal", "tar czf b.tgz backups", 0, "")], ts=2000)
    assert loop.consider("a").action == "created"
    out = loop.consider("b")
    assert out.action == "skipped" and "daily cap of 1" in out.reason


# -- people's feedback: a bad rating or a corrected step is never learned from --------------
def test_an_episode_rated_bad_is_never_a_source_and_never_a_merge(env) -> None:
    home, store, lib = env
    loop = learner(home, store, lib)
    queue = PendingQueue(home)
    record(store, "e1", TASK, LONG, ts=1000)
    rate(store, "e1", "bad")
    out = loop.consider("e1")
    assert (out.action, out.reason, out.feedback) == ("skipped", "rated bad by a person (1/5)", "rated-bad")
    assert out.to_dict()["feedback"] == "rated-bad" and queue.list() == []
    rate(store, "e1", "3")  # rated again: neutral replaces bad
    created = loop.consider("e1")
    assert created.action == "created" and created.feedback is None
    record(store, "e2", TASK.lower(), LONG, ts=2000)
    rate(store, "e2", "good", turn=None)
    rate(store, "e2", "2")  # the whole-episode rating replaced: 2 counts as bad
    merged = loop.consider("e2")
    assert merged.action == "skipped" and merged.feedback == "rated-bad" and "2/5" in merged.reason
    assert [e["episode_id"] for e in queue.evidence(queue.get(created.pending_id))["episodes"]] == ["e1"]


def test_similar_episodes_rated_bad_are_not_evidence(env) -> None:
    home, store, lib = env
    loop = learner(home, store, lib)
    for n in (1, 2, 3):
        record(store, f"s{n}", "build the weekly report", SHORT, ts=1000 * n)
    rate(store, "s2", "1")
    assert [t.episode_id for t in loop.similar(trace_of(store.get_episode("s3")))] == ["s1", "s3"]
    assert "below the thresholds" in loop.consider("s3").reason  # 2 successes a person did not reject
    record(store, "s4", "build the weekly report", SHORT, ts=4000)
    created = loop.consider("s4")
    assert created.action == "created" and created.events[0].episodes == ("s1", "s3", "s4")


def test_a_corrected_step_stops_learning_a_corrected_answer_does_not(env) -> None:
    home, store, lib = env
    loop = learner(home, store, lib)
    record(store, "e1", TASK, LONG, ts=1000)
    correct(store, "e1", "the total is 6")  # the final answer: the tool calls are still what worked
    assert loop.consider("e1").action == "created"
    record(store, "e2", TASK, LONG, ts=2000)
    call_seq = next(e["seq"] for e in store.get_episode("e2")["events"] if e["type"] == "tool_call")
    correct(store, "e2", "use grep -c instead", event_seq=call_seq)
    record(store, "e3", TASK, LONG, ts=3000)
    store.add_event(episode_id="e3", seq=99, ts=3001.0, type="turn_finished", data={"step": 1, "text": "thinking"})
    correct(store, "e3", "count with grep first", turn=1)
    for eid, step in (("e2", f"tool step at event {call_seq}"), ("e3", "turn 1")):
        out = loop.consider(eid)
        assert (out.action, out.reason, out.feedback) == ("skipped", f"corrected by a person ({step})", "corrected")
    assert [t.episode_id for t in loop.similar(trace_of(store.get_episode("e1")))] == ["e1"]  # nor evidence


def test_learn_json_says_why_a_rated_episode_was_skipped(env, capsys) -> None:
    from hermes_tui.cli import main

    home, store, lib = env
    record(store, "e1", TASK, LONG, ts=1000)
    rate(store, "e1", "bad", note="it deleted the wrong file")
    assert main(["--home", str(home.root), "learn", "--episodes", "e1", "--json"]) == 0
    (outcome,) = json.loads(capsys.readouterr().out)["outcomes"]
    assert outcome == {
        "episode_id": "e1", "action": "skipped", "reason": "rated bad by a person (1/5)", "pending_id": None,
        "skill": None, "distiller": None, "feedback": "rated-bad",
    }  # fmt: skip
    assert main(["--home", str(home.root), "learn", "--episodes", "e1"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "e1: skipped: rated bad by a person (1/5)"


def test_learning_settings_in_config(home) -> None:
    (home.config_path).write_text("[learning]\nenabled = true\nmin_successes = 2\nauto_approve = true\n", "utf-8")
    config = Config.load(home)
    assert config.learning.enabled and config.learning.min_successes == 2 and config.learning.auto_approve
    assert config.learning.max_candidates_per_day == 5 and config.learning.review_days == 90
    home.config_path.write_text("[learning]\nmin_tool_calls = 0\n", "utf-8")
    with pytest.raises(HermesError, match="learning.min_tool_calls must be at least 1"):
        Config.load(home)


def test_evidence_json_is_valid(env) -> None:
    home, store, lib = env
    record(store, "e1", TASK, LONG)
    out = learner(home, store, lib).consider("e1")
    data = json.loads((home.pending_dir / out.pending_id / "evidence.json").read_text("utf-8"))
    assert data["commands"] == [WORKING] and data["trigger"] == "long"


# -- effect, rot, curate --------------------------------------------------------------
def test_effect_compares_episodes_with_and_without_the_skill(env) -> None:
    from hermes_tui.core.learning.review import skill_effect

    home, store, lib = env
    out = learner(home, store, lib, auto_approve=True).consider(record(store, "e1", TASK, LONG, ts=1000))
    skill_id = lib.find(out.skill)
    record(store, "e2", TASK, LONG, ts=2000)  # without the skill: 5 calls
    record(store, "w1", TASK, [("skill_view", {"name": out.skill}, None, WORKING), *LONG[3:]], ts=3000, loaded=[skill_id])
    record(store, "w2", TASK, [("skill_view", {"name": out.skill}, None, WORKING)], outcome="failure", ts=4000, loaded=[skill_id])
    record(store, "x1", "deploy the web app to staging", LONG, ts=5000)  # another task: not compared
    effect = skill_effect(store, skill_id)
    assert effect["with"]["episodes"] == 2 and effect["with"]["success_rate"] == 0.5 and effect["with"]["tool_calls"] == 2.0
    assert effect["without"]["episodes"] == 2 and effect["without"]["success_rate"] == 1.0
    assert effect["without"]["tool_calls"] == 5.0
    assert effect["delta"] == {"success_rate": -0.5, "tool_calls": -3.0, "duration_ms": 0.0, "tokens": 0.0}


def test_rot_dates_and_flags(env) -> None:
    from hermes_tui.core.learning.review import rot

    home, store, lib = env
    settings = Config().learning
    lib.save("weekly-report", "---\nname: weekly-report\ndescription: Build the weekly report.\n---\n1. make\n", author="agent")
    written = store.skill_versions("weekly-report")[0]["created_at"]
    fresh = rot(store, lib, "weekly-report", settings, now=written + 86400)
    assert fresh["review_date"] == time.strftime("%Y-%m-%d", time.gmtime(written + 90 * 86400))
    assert not fresh["stale"] and fresh["last_verified"] is None and not fresh["failing"]
    assert rot(store, lib, "weekly-report", settings, now=written + 61 * 86400)["stale"]
    # a successful use verifies it: the review date moves to 90 days after that use
    record(store, "u1", "build the weekly report", SHORT, ts=written + 10 * 86400, loaded=["weekly-report"])
    used = rot(store, lib, "weekly-report", settings, now=written + 11 * 86400)
    assert used["review_date"] == time.strftime("%Y-%m-%d", time.gmtime(written + 10 * 86400 + 50 + 90 * 86400))
    for n in range(2):
        record(store, f"f{n}", "build the weekly report", SHORT, outcome="failure", ts=written + (12 + n) * 86400, loaded=["weekly-report"])
    assert rot(store, lib, "weekly-report", settings, now=written + 14 * 86400)["failing"]
    lib.save("weekly-report", "---\nname: weekly-report\ndescription: Build it.\nmetadata:\n  review-date: \"2030-01-01\"\n---\nx\n", author="user")
    assert rot(store, lib, "weekly-report", settings)["review_date"] == "2030-01-01"


def test_curate_archives_only_long_stale_agent_skills(env) -> None:
    from hermes_tui.core.learning.review import curate

    home, store, lib = env
    for name, author in (("agent-old", "agent"), ("user-old", "user"), ("pinned-old", "agent")):
        lib.save(name, f"---\nname: {name}\ndescription: A skill called {name}.\n---\nbody\n", author=author)
    store.set_skill_pinned("pinned-old", True)
    later = time.time() + 121 * 86400
    before = sorted(str(p) for p in home.root.rglob("*") if "workbench.db" not in p.name)
    dry = curate(store, lib, Config().learning, dry_run=True, now=later)
    assert sorted(str(p) for p in home.root.rglob("*") if "workbench.db" not in p.name) == before
    assert {e["skill_id"]: e["action"] for e in dry} == {"agent-old": "would archive", "user-old": "kept", "pinned-old": "kept"}
    assert curate(store, lib, Config().learning, dry_run=True, now=time.time()) == []  # nothing is stale yet
    done = curate(store, lib, Config().learning, dry_run=False, now=later)
    archived = [e for e in done if e["action"] == "archived"]
    assert [e["skill_id"] for e in archived] == ["agent-old"] and Path(archived[0]["archived_to"], "SKILL.md").is_file()
    assert lib.row("agent-old")["state"] == "archived" and (home.skills_dir / "user-old" / "SKILL.md").is_file()
    assert "agent-old" not in {r["skill_id"] for r in lib.active()}
    assert lib.unarchive("agent-old") == "agent-old"  # an archived skill can be restored
    assert lib.row("agent-old")["state"] == "active" and "agent-old" in {r["skill_id"] for r in lib.active()}
    assert (home.skills_dir / "agent-old" / "SKILL.md").is_file() and not Path(archived[0]["archived_to"]).exists()
    with pytest.raises(HermesError, match="not archived"):
        lib.unarchive("agent-old")


def test_failure_while_following_a_skill_patches_it_and_unrelated_patches_are_rejected(env) -> None:
    home, store, lib = env
    loop = learner(home, store, lib, auto_approve=True)
    skill_id = lib.find(loop.consider(record(store, "e1", TASK, LONG, ts=1000)).skill)
    loop.settings.auto_approve = False
    # followed the skill, hit a new failure, recovered: a patch of that skill with the pitfall
    recovery = [
        ("skill_view", {"name": skill_id}, None, WORKING),
        ("terminal", "grep -ro TODO src | wc -l >> todo_count.txt", 1, "bash: todo_count.txt: Permission denied\n[exit code: 1]"),
        *LONG[3:],
    ]
    record(store, "e2", TASK, recovery, ts=2000, loaded=[skill_id])
    patch = loop.consider("e2")
    assert patch.action == "patch" and patch.skill == skill_id
    item = PendingQueue(home).get(patch.pending_id)
    assert item.change.op == "edit" and "Permission denied" in item.change.content
    old = Path(lib.row(skill_id)["path"]).read_text("utf-8")
    added = [line for line in item.change.content.splitlines() if line not in old.splitlines()]
    assert len(added) == 1 and added[0].startswith("- Run `grep -ro TODO src | wc -l >> todo_count.txt` failed")
    # an episode about something else that loaded the skill: its patch is rejected and logged
    unrelated = [("skill_view", {"name": skill_id}, None, ""), ("terminal", "kubectl apply -f web.yaml", 1, "error: no cluster\n[exit code: 1]"), ("terminal", "helm upgrade web ./chart", 0, "")]
    record(store, "e3", "deploy the web app to the staging cluster", unrelated, ts=3000, loaded=[skill_id])
    rejected = loop.consider("e3")
    assert rejected.action == "rejected" and "another task" in rejected.reason
    log = [json.loads(line) for line in (home.workbench_dir / "learning.log").read_text("utf-8").splitlines()]
    assert log[-1]["episode_id"] == "e3" and log[-1]["skill"] == skill_id and log[-1]["action"] == "rejected"
    assert [i.id for i in PendingQueue(home).list()] == [patch.pending_id]


# -- the commands (child processes; no model) ------------------------------------------
def cli(home: Home, *args: str, check: int = 0) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "hermes_tui", *args, "--home", str(home.root)], capture_output=True, text=True, timeout=120)
    assert "Traceback" not in proc.stderr and proc.returncode == check, (proc.stdout, proc.stderr)
    return proc


def test_commands_show_effect_review_date_diff_and_curate_dry_run(env) -> None:
    home, store, lib = env
    loop = learner(home, store, lib, auto_approve=True)
    skill_id = lib.find(loop.consider(record(store, "e1", TASK, LONG, ts=1000)).skill)
    loop.settings.auto_approve = False
    extra = LONG[:3] + [("terminal", "grep -c TODO src > todo_count.txt", 2, "grep: src: Is a directory\n[exit code: 2]")] + LONG[3:]
    patch = loop.consider(record(store, "e2", TASK, extra, ts=2000))
    shown = json.loads(cli(home, "skills", "show", skill_id, "--json").stdout)
    assert set(shown["effect"]) == {"with", "without", "delta", "regression", "feedback"} and shown["effect"]["without"]["episodes"] == 2
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", shown["review_date"]) and shown["rot"]["stale"] is False
    pending = json.loads(cli(home, "pending", "show", patch.pending_id, "--json").stdout)
    assert pending["evidence"]["kind"] == "patch" and pending["diff"].count("\n+- Run `grep -c TODO src") == 1
    text = cli(home, "pending", "show", patch.pending_id).stdout
    assert "evidence (long" in text and "failed: grep: src: Is a directory (exit code 2)" in text
    before = {str(p): p.stat().st_mtime_ns for p in home.root.rglob("*") if p.is_file() and "workbench.db" not in p.name}
    dry = json.loads(cli(home, "skills", "curate", "--dry-run", "--json").stdout)
    assert dry == {"dry_run": True, "report": None, "skills": []}
    assert {str(p): p.stat().st_mtime_ns for p in home.root.rglob("*") if p.is_file() and "workbench.db" not in p.name} == before
    assert cli(home, "skills", "unarchive", skill_id, check=1).stderr == f"hermes-tui: error: skill {skill_id} is not archived\n"
    report = json.loads(cli(home, "skills", "curate", "--json").stdout)["report"]
    assert json.loads(Path(report).read_text("utf-8"))["skills"] == []


def test_a_worse_patched_version_is_flagged_and_a_rollback_proposed(env) -> None:
    from hermes_tui.core.learning.review import regression, skill_effect

    home, store, lib = env
    v1 = "---\nname: weekly-report\ndescription: Build the weekly report.\n---\n## Procedure\n1. Run `make report`\n"
    lib.save("weekly-report", v1, author="agent")
    t1 = store.skill_versions("weekly-report")[0]["created_at"]
    for n in range(2):
        record(store, f"a{n}", "build the weekly report", SHORT, ts=t1 + 0.001 * (n + 1), loaded=["weekly-report"])
    assert regression(store, "weekly-report") is None  # one version only
    time.sleep(0.05)  # version 2 is written after the episodes of version 1
    lib.save("weekly-report", v1.replace("make report", "make all"), author="agent")
    t2 = store.skill_versions("weekly-report")[1]["created_at"]
    record(store, "b0", "build the weekly report", SHORT, outcome="failure", ts=t2 + 10, loaded=["weekly-report"])
    assert regression(store, "weekly-report") is None  # too few episodes with version 2
    record(store, "b1", "build the weekly report", SHORT, outcome="failure", ts=t2 + 11, loaded=["weekly-report"])
    worse = {"version": 1, "previous_success_rate": 1.0, "current_success_rate": 0.0}
    assert regression(store, "weekly-report") == worse
    assert skill_effect(store, "weekly-report")["regression"] == worse
    loop = learner(home, store, lib)
    out = loop.consider("b1")
    (event,) = out.events
    assert event.type == "skill_patch_proposed" and event.reason.startswith("rollback to version 1")
    assert PendingQueue(home).get(event.pending_id).change.content == v1
    assert loop.consider("b1").events == []  # proposed once


def test_rot_flags_show_in_the_prompt_index_and_skills_list(env) -> None:
    from hermes_tui.core.agent.prompt import build_skills_index
    from hermes_tui.core.learning.review import row_flags

    home, store, lib = env
    settings = Config().learning
    now = time.time()
    assert row_flags({"last_used": now - 61 * 86400}, settings, now=now) == ["stale"]
    assert row_flags({"updated_at": now - 59 * 86400}, settings, now=now) == []
    assert row_flags({"updated_at": now, "failures": 2, "successes": 1}, settings, now=now) == ["failing"]
    assert row_flags({"updated_at": now, "failures": 1, "successes": 0}, settings, now=now) == []
    lib.save("weekly-report", "---\nname: weekly-report\ndescription: Build the weekly report.\n---\nmake\n", author="agent")
    store.bump_skill_usage("weekly-report", uses=2, failures=2)
    text, relevant, _ = build_skills_index(library=lib, store=store, task="build the weekly report", budget=500)
    assert relevant == ["weekly-report"] and "- weekly-report (failing): Build the weekly report." in text
    rows = json.loads(cli(home, "skills", "list", "--json").stdout)
    assert {r["skill_id"]: r["flags"] for r in rows}["weekly-report"] == ["failing"]
    assert all(r["flags"] == [] for r in rows if r["skill_id"] != "weekly-report")  # bundled, fresh
    assert "[failing]" in cli(home, "skills", "list").stdout


def test_outcomes_update_the_counters_of_loaded_skills(env) -> None:
    import threading

    from hermes_tui.core.agent.events import EventStream
    from hermes_tui.core.agent.loop import Agent
    from hermes_tui.core.agent.tools.base import ToolRegistry

    home, store, lib = env
    lib.save("weekly-report", "---\nname: weekly-report\ndescription: Build the weekly report.\n---\nmake\n", author="agent")
    config = Config()
    config.model.name = "scripted/never-called"
    agent = Agent(home, config, events=EventStream(), tools=ToolRegistry(), store=store, library=lib)
    cancelled = threading.Event()
    cancelled.set()  # interrupted before the first model turn, after /weekly-report loaded the skill
    result = agent.run("/weekly-report for this week", cancel=cancelled)
    assert result.outcome == "interrupted" and result.skills_loaded == ("weekly-report",)
    row = lib.row("weekly-report")
    assert (row["uses"], row["successes"], row["failures"]) == (1, 0, 1)
