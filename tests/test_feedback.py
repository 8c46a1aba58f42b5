"""Ratings and corrections (issue 16): `episodes rate|correct`, what `list`/`show` say,
the search filters, the skills' feedback figures and the v7 upgrade, over episodes the
agent really recorded (the loop, the scripted provider, the recorder)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from hermes_tui.cli import main
from hermes_tui.core.agent.events import EventStream
from hermes_tui.core.agent.recorder import Recorder
from hermes_tui.core.feedback.ratings import correct, rate, skill_feedback
from hermes_tui.core.learning.review import skill_effect
from hermes_tui.core.store import Store
from hermes_tui.core.store.schema import SCHEMA_VERSION
from hermes_tui.core.store.search import search
from hermes_tui.errors import HermesError
from tests.llm_scripted import Script, scripted  # noqa: F401
from tests.llm_server import Call, Reply
from tests.test_loop import make_agent


@pytest.fixture
def recorded(home, scripted: Script) -> list[str]:
    """Two episodes of the same task: one with a tool call (turns 1 and 2), one direct."""
    scripted.queue(Reply(tool_calls=[Call("echo", {"text": "zebra"}, id="e1")]), Reply(text="the zebra answer"))
    scripted.queue(Reply(text="another zebra answer"))
    with Store.open(home.db_path) as store:
        events = EventStream()
        Recorder(store).attach(events)
        agent = make_agent(home, events, store=store)
        return [agent.run("say zebra").episode_id, agent.run("say zebra").episode_id]


def hermes(home, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hermes_tui", "--home", str(home.root), *args],
                          input=stdin, capture_output=True, text=True, timeout=60)


def test_rate_stores_replaces_and_shows_in_list_and_show(home, recorded: list[str], capsys) -> None:
    first, second = recorded
    root = ["--home", str(home.root), "episodes"]
    assert main([*root, "rate", first, "bad", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["rating"] == 1
    assert main([*root, "rate", first, "good", "--note", "right, after all", "--json"]) == 0  # replaces
    stored = json.loads(capsys.readouterr().out)
    assert (stored["rating"], stored["value"], stored["polarity"], stored["note"]) == (5, "good", "good", "right, after all")
    assert main([*root, "rate", first, "2", "--turn", "1"]) == 0
    assert capsys.readouterr().out.strip() == f"rated turn 1 of {first} 2 (2/5)"
    assert main([*root, "list", "--json"]) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert (rows[first]["rating"], rows[first]["rated"]) == (5, "good")  # the whole-episode rating wins
    assert (rows[second]["rating"], rows[second]["rated"]) == (None, None)
    assert main([*root, "show", first, "--json"]) == 0
    feedback = json.loads(capsys.readouterr().out)["feedback"]
    assert feedback["rating"] == 5 and [(r["turn"], r["value"]) for r in feedback["ratings"]] == [(None, "good"), (1, "2")]
    assert main([*root, "show", first]) == 0
    text = capsys.readouterr().out
    assert "rating   episode: good (5/5) - right, after all" in text and "turn 1: " in text
    assert main([*root, "list"]) == 0
    assert " 5/5 " in capsys.readouterr().out


def test_the_lowest_turn_rating_rates_an_episode_without_its_own(home, recorded: list[str]) -> None:
    with Store.open(home.db_path) as store:
        rate(store, recorded[0], "5", turn=1)
        rate(store, recorded[0], "bad", turn=2)
        assert store.episode_ratings(recorded) == {recorded[0]: 1}


def test_rate_and_correct_refuse_bad_input_in_one_line(home, recorded: list[str]) -> None:
    first = recorded[0]
    for args, code, words in (
        (["rate", first, "great"], 2, "a rating is good, bad or 1-5, not 'great'"),
        (["rate", "nope", "good"], 1, "no episode 'nope'"),
        (["rate", first, "good", "--turn", "7"], 1, "has no turn 7 (it has turns 1-2)"),
        (["correct", first, "--text", "-", "--event", "1"], 1, "event 1 of episode"),
        (["correct", first, "--text", "/no/such/file"], 1, "no such file: /no/such/file"),
        (["correct", first, "--text", "-", "--turn", "1", "--event", "3"], 2, "not allowed with argument"),
    ):
        done = hermes(home, "episodes", *args, stdin="a fix")
        assert done.returncode == code and words in done.stderr, (args, done.stderr)
        assert len(done.stderr.strip().splitlines()) == 1
    done = hermes(home, "episodes", "correct", first, "--text", "-", stdin="   \n")
    assert done.returncode == 1 and "the correction is empty" in done.stderr
    with Store.open(home.db_path) as store:
        assert store.episode_feedback(first) == []  # nothing was stored by a refused request


def test_corrections_keep_the_original_and_the_correction(home, recorded: list[str], tmp_path) -> None:
    first = recorded[0]
    done = hermes(home, "episodes", "correct", first, "--text", "-", "--json", stdin="The zebra, properly.\n")
    assert done.returncode == 0, done.stderr
    stored = json.loads(done.stdout)
    assert (stored["rejected"], stored["chosen"], stored["turn"]) == ("the zebra answer", "The zebra, properly.", None)
    fix = tmp_path / "fix.md"
    fix.write_text("echo should have said 'horse'", encoding="utf-8")
    with Store.open(home.db_path) as store:
        call_seq = next(e["seq"] for e in store.get_episode(first)["events"] if e["type"] == "tool_call")
        result_seq = next(e["seq"] for e in store.get_episode(first)["events"] if e["type"] == "tool_result")
    done = hermes(home, "episodes", "correct", first, "--event", str(result_seq), "--text", str(fix), "--note", "wrong word")
    assert done.returncode == 0 and done.stdout.strip() == f"corrected tool step {result_seq} of {first} (kept as a rejected/chosen pair)"
    done = hermes(home, "episodes", "correct", first, "--turn", "1", "--text", "-", stdin="call echo with horse")
    assert done.returncode == 0, done.stderr
    with Store.open(home.db_path) as store:
        rows = [r for r in store.episode_feedback(first) if r["kind"] == "correction"]
    assert [(r["turn"], r["event_seq"]) for r in rows] == [(None, None), (1, result_seq), (1, None)]
    assert rows[1]["rejected"] == 'echo {"text": "zebra"}' and rows[1]["comment"] == "wrong word"
    assert call_seq < result_seq


def test_ratings_filter_the_one_search(home, recorded: list[str]) -> None:
    first, second = recorded
    with Store.open(home.db_path) as store:
        rate(store, first, "good")
        rate(store, second, "2")
        everything = search(store, "zebra", limit=50)
        assert {h.episode_id for h in everything if h.kind in ("episode", "event")} == {first, second}
        good = search(store, "zebra", rated="good", limit=50)
        assert good and {h.episode_id for h in good} == {first} and {h.kind for h in good} <= {"episode", "event"}
        assert {h.episode_id for h in search(store, "zebra", rated="bad", limit=50)} == {second}
        assert {h.episode_id for h in search(store, "zebra", min_rating=2, limit=50)} == {first, second}
        assert search(store, "zebra", min_rating=5, kinds=["episode"], limit=50)[0].id == first
        assert search(store, "zebra", rated="any", kinds=["skill", "note"]) == []
        with pytest.raises(HermesError, match="rated is one of good, bad, any"):
            search(store, "zebra", rated="great")
    done = hermes(home, "search", "zebra", "--rated", "bad", "--json")
    assert done.returncode == 0 and {h["episode_id"] for h in json.loads(done.stdout)} == {second}
    done = hermes(home, "search", "zebra", "--min-rating", "0")
    assert done.returncode == 2 and "the minimum rating is 1-5" in done.stderr


def test_bad_ratings_and_corrections_count_against_the_skills_used(home) -> None:
    with Store.open(home.db_path) as store:
        for n, skills in enumerate((["ops/deploy"], ["ops/deploy", "ops/rollback"], ["ops/rollback"])):
            store.create_episode(id=f"e{n}", task="deploy", model="m", cwd="/", started_at=100.0 + n)
            store.finish_episode(id=f"e{n}", outcome="success", reason="", answer="done", steps=1, prompt_tokens=1,
                                 completion_tokens=1, cost=None, skills_loaded=skills)
            store.add_event(episode_id=f"e{n}", seq=1, ts=100.0 + n, type="turn_finished", data={"step": 1, "text": "done"})
        rate(store, "e0", "good")
        rate(store, "e1", "bad")
        correct(store, "e1", "do it with the script")
        rate(store, "e2", "3")
        assert skill_feedback(store, "ops/deploy") == {"good": 1, "bad": 1, "corrections": 1, "score": -1}
        assert skill_feedback(store, "ops/rollback") == {"good": 0, "bad": 1, "corrections": 1, "score": -2}
        assert skill_effect(store, "ops/rollback")["feedback"]["score"] == -2


def test_v7_upgrades_a_v6_store_and_keeps_its_episodes(tmp_path) -> None:
    path = tmp_path / "workbench.db"
    with Store.open(path, _migrate_to=6) as old:
        old.create_episode(id="old-1", task="from before", model="m", cwd="/", started_at=1.0)
        old.add_event(episode_id="old-1", seq=1, ts=1.0, type="turn_finished", data={"step": 1, "text": "hi"})
        old.finish_episode(id="old-1", outcome="success", reason="", answer="hi", steps=1, prompt_tokens=1,
                           completion_tokens=1, cost=None)
    with Store.open(path) as store:
        assert store.schema_version == SCHEMA_VERSION
        rate(store, "old-1", "4", note="fine")
        assert store.episode_ratings(["old-1"]) == {"old-1": 4}
        assert store.count("feedback") == 1
