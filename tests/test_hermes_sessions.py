"""Hermes Agent's state.db mirrored read-only: episodes, search, rewinds, compression chains,
versions 25 and 30, a live writer, a corrupt or locked file. state.db, its -wal and its -shm
are hashed before and after every test that touches them."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hermes_tui.cli import main
from hermes_tui.core.hermes.mirror import HermesMirror, decode_content, parse_tool_calls
from hermes_tui.core.hermes.watch import HermesWatcher
from hermes_tui.core.store.search import search
from hermes_tui.core.workspace import Workspace
from tests.hermes_state import HermesStateDb, sample_home

REPO = Path(__file__).resolve().parent.parent


def state_files(root: Path) -> dict[str, str]:
    """sha256 of state.db and whatever sits beside it (-wal, -shm, -journal)."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.glob("state.db*"))}


@pytest.fixture(params=[30, 25])
def hermes(home, request):
    """A workbench home that is also a Hermes home with a sample state.db; its files are
    checked to be byte-identical after the test."""
    ids = sample_home(home.root, version=request.param)
    before = state_files(home.root)
    yield home, ids, request.param
    assert state_files(home.root) == before


def cli_json(home, capsys, *args: str):
    assert main(["--home", str(home.root), *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_episodes_list_has_hermes_sessions(hermes, capsys) -> None:
    home, ids, version = hermes
    rows = {r["id"]: r for r in cli_json(home, capsys, "episodes", "list")}
    archived = {ids["archived"]} if version == 25 else set()  # (v25 has no archived column)
    assert set(rows) == {ids["cli"], ids["telegram"], ids["chain_root"]} | archived  # the chain's child: no
    cli = rows[ids["cli"]]
    assert cli["source"] == "hermes" and cli["platform"] == "cli" and cli["title"] == "Fix the flaky test"
    assert cli["model"] == "anthropic/claude-sonnet-4" and cli["ended_at"] == 1_760_000_006.0
    assert (cli["message_count"], cli["tool_call_count"], cli["tokens"], cli["cost"]) == (4, 1, 1540, 0.0123)
    assert rows[ids["telegram"]]["platform"] == "telegram" and rows[ids["telegram"]]["cost"] == 0.001
    everything = {r["id"]: r for r in cli_json(home, capsys, "episodes", "list", "--all")}
    assert everything[ids["archived"]]["archived"] is (version == 30)
    assert main(["--home", str(home.root), "episodes", "list"]) == 0  # the text list: an unended chat is "open"
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
    assert " open " in lines[ids["telegram"]] and " success " in lines[ids["cli"]]


def test_show_reads_messages_as_hermes_means_them(hermes, capsys) -> None:
    home, ids, version = hermes
    events = cli_json(home, capsys, "episodes", "show", ids["cli"])["events"]
    types = [e["type"] for e in events]
    # a turn as the workbench records one: its (here empty) text, then its calls
    assert types == ["user_message", "reasoning_delta", "turn_finished", "tool_call", "tool_result", "turn_finished"]
    assert events[2]["data"]["text"] == "" and events[2]["data"]["tool_calls"] == 1
    assert "A first wrong guess" not in json.dumps(events)  # rewound (active = 0)
    call, result = events[3], events[4]
    assert call["data"]["arguments"] == {"command": "pytest -q tests/test_api.py"}
    assert result["data"]["call_id"] == "call_1" and result["data"]["untrusted"] is True
    assert result["result"].startswith("<untrusted_tool_result>") and len(result["result"]) > 10_000
    assert events[1]["data"]["text"] == "The test races on a port; look first."

    chain = cli_json(home, capsys, "episodes", "show", ids["chain_root"])
    kinds = [(e["type"], e["data"]["hermes"]["session_id"]) for e in chain["events"]]
    assert kinds == [("user_message", ids["chain_root"]), ("turn_finished", ids["chain_root"]),
                     ("compression_summary", ids["chain_child"]), ("turn_finished", ids["chain_child"])]
    assert chain["events"][1]["data"].get("compacted") is (True if version == 30 else None)  # (v25: no column)
    assert chain["events"][2]["data"]["summary"] is True
    assert chain["answer"] == "Billing refactor finished."
    assert chain["extra"]["sessions"] == [ids["chain_root"], ids["chain_child"]]

    telegram = cli_json(home, capsys, "episodes", "show", ids["telegram"])
    first = telegram["events"][0]["data"]
    assert first["text"] == "这张图片里是什么？\n[image]" and first["content"][1]["type"] == "image_url"


def test_search_finds_hermes_text_with_the_session_id(hermes) -> None:
    home, ids, version = hermes
    with Workspace(home) as ws:
        for query, session in (("zanzibar", ids["cli"]), ("一只猫", ids["telegram"]), ("billing", ids["chain_root"])):
            hits = search(ws.store, query)
            assert hits and {h.episode_id for h in hits} == {session}, query


def test_search_command_mirrors_first(hermes, capsys) -> None:
    home, ids, version = hermes
    hits = cli_json(home, capsys, "search", "zanzibar")
    assert {h["episode_id"] for h in hits} == {ids["cli"]}


def test_a_look_with_nothing_new_reads_nothing_and_new_messages_are_mirrored(home) -> None:
    ids = sample_home(home.root)
    with Workspace(home, sync=False) as ws:
        assert ws.mirror_hermes().conversations == 4
        before = state_files(home.root)
        again = ws.mirror_hermes()
        assert not again.looked and again.conversations == 0
        assert state_files(home.root) == before
    db = HermesStateDb(home.root / "state.db", 30)  # Hermes writes
    db.message(ids["telegram"], "user", "and a second question about walruses", timestamp=1_760_000_300.0)
    db.close()
    before = state_files(home.root)
    with Workspace(home, sync=False) as ws:
        report = ws.mirror_hermes()
        assert (report.conversations, report.messages) == (1, 1)  # appended: only the new message read
        assert [h.episode_id for h in search(ws.store, "walruses")] == [ids["telegram"]]
    assert state_files(home.root) == before


def test_rewind_after_a_mirror_drops_the_rewound_messages(home) -> None:
    ids = sample_home(home.root)
    with Workspace(home, sync=False) as ws:
        ws.mirror_hermes()
        assert ws.store.get_episode(ids["cli"])["answer"] == "Fixed: the test now binds port 0 (zanzibar)."
        db = HermesStateDb(home.root / "state.db", 30)
        db.conn.execute("UPDATE messages SET active = 0 WHERE session_id = ? AND content LIKE 'Fixed%'", (ids["cli"],))
        db.update("sessions", ids["cli"], rewind_count=2)
        db.close()
        assert ws.mirror_hermes().conversations == 1
        episode = ws.store.get_episode(ids["cli"])
        assert episode["answer"] is None and "zanzibar" not in json.dumps(episode["events"])
        assert search(ws.store, "zanzibar") == []


def test_unknown_version_is_one_note(home, capsys) -> None:
    sample_home(home.root)
    db = HermesStateDb(home.root / "state.db", 30)
    db.conn.execute("UPDATE schema_version SET version = 31")
    db.conn.execute("ALTER TABLE sessions ADD COLUMN future_column TEXT")
    db.close()
    assert main(["--home", str(home.root), "episodes", "list", "--json"]) == 0
    out = capsys.readouterr()
    assert len(json.loads(out.out)) == 3
    assert out.err.strip().splitlines() == [
        "hermes-tui: note: state.db has schema version 31 (newer than the 25-30 hermes-tui knows); unknown columns are ignored"
    ]


def test_corrupt_state_db_is_one_warning(home, capsys) -> None:
    (home.root / "state.db").write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    before = state_files(home.root)
    assert main(["--home", str(home.root), "episodes", "list", "--json"]) == 0
    out = capsys.readouterr()
    assert json.loads(out.out) == []
    lines = out.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("hermes-tui: note: ") and "state.db" in lines[0]
    (home.root / "state.db").write_text("not a database at all " * 10)
    assert main(["--home", str(home.root), "episodes", "list"]) == 0
    assert "is not an SQLite database" in capsys.readouterr().err
    assert state_files(home.root) != before  # (the test rewrote it) and nothing was created beside it
    assert [p.name for p in home.root.glob("state.db*")] == ["state.db"]


HOLD_LOCK = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.read()
conn.execute("COMMIT")
"""


def test_locked_state_db_is_one_warning_then_mirrored(home, capsys) -> None:
    from tests.hermes_state import ddl

    path = home.root / "state.db"
    db = HermesStateDb(path, 30)  # a rollback-journal state.db (Hermes's fallback where WAL cannot work)
    db.conn.executescript(ddl(30))
    db.conn.execute("INSERT INTO schema_version VALUES (30)")
    db.message(db.session("s1", source="cli", started_at=1.0), "user", "locked ocelot question", timestamp=2.0)
    db.close()
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        assert main(["--home", str(home.root), "episodes", "list", "--json"]) == 0
        assert time.monotonic() - started < 10
        out = capsys.readouterr()
        assert json.loads(out.out) == [] and "locked by another process" in out.err
        assert len(out.err.strip().splitlines()) == 1
    finally:
        holder.communicate("", timeout=30)
    rows = cli_json(home, capsys, "episodes", "list")
    assert [r["id"] for r in rows] == ["s1"]


def test_a_hermes_writer_appending_while_the_workbench_mirrors(home) -> None:
    ids = sample_home(home.root)
    path = home.root / "state.db"
    writer = subprocess.Popen(
        [sys.executable, "-m", "tests.hermes_state", str(path), ids["telegram"], "400", "0.002"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    looks = 0
    with Workspace(home, sync=False) as ws:
        while looks == 0 or writer.poll() is None:
            report = ws.mirror_hermes()
            assert not any("cannot" in n for n in report.notes), report.notes
            looks += report.looked
        out, err = writer.communicate(timeout=60)
        assert writer.returncode == 0 and out.strip() == "done", err
        ws.mirror_hermes()
        episode = ws.store.get_episode(ids["telegram"])
    assert looks >= 1
    assert sum(e["type"] in ("user_message", "turn_finished") for e in episode["events"]) == 402
    # The workbench created nothing beside state.db. When the writer closed while a read was
    # open it was not the last connection and left its -wal/-shm (SQLite's own behaviour):
    # the next Hermes connection to close removes them, so they are Hermes's, not ours.
    hermes_again = sqlite3.connect(path)
    hermes_again.execute("SELECT count(*) FROM sessions").fetchone()
    hermes_again.close()
    assert [p.name for p in home.root.glob("state.db*")] == ["state.db"]


def test_commands_leave_a_live_hermes_database_byte_identical(home, capsys) -> None:
    ids = sample_home(home.root)
    live = sqlite3.connect(home.root / "state.db")  # a Hermes process holding it open: -wal and -shm exist
    live.execute("PRAGMA journal_mode=WAL")
    live.execute("INSERT INTO messages(session_id, role, content, timestamp) VALUES (?, 'user', 'live heron', 1)",
                 (ids["cli"],))
    live.commit()
    try:
        before = state_files(home.root)
        assert set(before) == {"state.db", "state.db-wal", "state.db-shm"}
        for args in (["episodes", "list"], ["episodes", "show", ids["cli"]], ["search", "heron"], ["pending", "list"]):
            assert main(["--home", str(home.root), *args, "--json"]) == 0
            assert state_files(home.root) == before, args
        assert "live heron" in capsys.readouterr().out
    finally:
        live.close()


def test_the_watcher_mirrors_changes(home) -> None:
    ids = sample_home(home.root)
    seen = []
    with HermesWatcher(home, on_change=seen.append, interval=0.05) as watcher:
        deadline = time.monotonic() + 10
        while not seen and time.monotonic() < deadline:
            time.sleep(0.02)
        db = HermesStateDb(home.root / "state.db", 30)
        db.message(ids["cli"], "user", "a watched narwhal", timestamp=1_760_000_010.0)
        db.close()
        while len(seen) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
    assert len(seen) >= 2 and watcher.looks >= 2
    with Workspace(home, sync=False) as ws:
        assert [h.episode_id for h in search(ws.store, "narwhal")] == [ids["cli"]]


def test_learn_takes_a_hermes_session(hermes, capsys) -> None:
    home, ids, version = hermes
    cli_json(home, capsys, "episodes", "list")
    result = cli_json(home, capsys, "learn", "--episodes", ids["cli"])
    assert [o["episode_id"] for o in result["outcomes"]] == [ids["cli"]]


def test_content_and_tool_call_decoding() -> None:
    assert decode_content("\x00json:" + json.dumps([{"type": "text", "text": "a"}, {"type": "input_audio"}])) == (
        "a\n[input_audio]", [{"type": "text", "text": "a"}, {"type": "input_audio"}])
    assert decode_content("\x00json:{broken") == ("{broken", None)
    assert decode_content(None) == ("", None)
    calls = parse_tool_calls(json.dumps([{"id": "c", "function": {"name": "x", "arguments": "not json"}},
                                         {"name": "flat", "arguments": {"a": 1}}, "junk"]))
    assert calls == [{"call_id": "c", "name": "x", "arguments": "not json"},
                     {"call_id": "", "name": "flat", "arguments": {"a": 1}}]
    assert parse_tool_calls("[not json") == [{"call_id": "", "name": "?", "arguments": "[not json"}]


def test_no_state_db_is_silent(home) -> None:
    with Workspace(home, sync=False) as ws:
        report = HermesMirror(home, ws.store).look()
    assert report.notes == [] and not report.looked


def test_the_workbench_episode_viewer_shows_a_hermes_session(home) -> None:
    import asyncio

    from hermes_tui.ui.app import make_app
    from hermes_tui.ui.screens.episodes import EpisodeScreen
    from tests.ui_fixtures import until

    ids = sample_home(home.root)
    ws = Workspace(home)

    async def drive() -> None:
        app = make_app(ws, warm_up=False)
        async with app.run_test(size=(120, 30)) as pilot:
            await pilot.press("f3")
            area = app.query_one("#episodes")
            area.query_one("#episodes-filter").value = "flaky"
            await pilot.pause()
            assert area.table.row_count == 1
            area.table.focus()
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, EpisodeScreen))
            trace = app.screen.query_one("#episode-trace")
            await until(pilot, lambda: trace.row_count == 1)
            conversation = app.screen.query_one("#episode-conversation")
            assert conversation.last_answer().startswith("Fixed: the test now binds port 0")
            texts = " ".join(str(w.render()) for w in conversation.query("*"))
            assert "Please fix the flaky test" in texts

    asyncio.run(drive())
    ws.close()
    assert ids


def test_a_wal_without_its_shm_is_read_from_the_main_file(home) -> None:
    ids = sample_home(home.root)
    (home.root / "state.db-wal").write_bytes(b"")  # left by a crashed process
    before = state_files(home.root)
    with Workspace(home, sync=False) as ws:
        report = ws.mirror_hermes()
        assert report.notes == [] and ws.store.get_episode(ids["cli"]) is not None
    assert state_files(home.root) == before


def test_hermes_sessions_export_with_their_tool_calls_and_follow_ups(home, tmp_path: Path) -> None:
    """A Hermes conversation exports like the workbench's own: every tool call answered by its
    result, a later user message kept before the turn that answers it (openai, hermes)."""
    ids = sample_home(home.root)
    con = sqlite3.connect(home.root / "state.db")  # a follow-up in the same session, as Hermes appends it
    con.execute("INSERT INTO messages (session_id, role, content, timestamp) VALUES (?, 'user', ?, ?)",
                (ids["cli"], "And the other flaky test?", 1_760_000_007.0))
    con.execute("INSERT INTO messages (session_id, role, content, timestamp, finish_reason) VALUES (?, 'assistant', ?, ?, 'stop')",
                (ids["cli"], "That one passes now too.", 1_760_000_008.0))
    con.commit()
    con.close()
    before = state_files(home.root)
    out = tmp_path / "out.jsonl"
    for fmt in ("openai", "hermes"):
        result = subprocess.run([sys.executable, "-m", "hermes_tui", "--home", str(home.root), "export", "--format", fmt,
                                 "--out", str(out), "--json"], capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        lines = [json.loads(x) for x in out.read_text().splitlines()]
        if fmt == "openai":
            line = next(x for x in lines if x["messages"][0]["content"].startswith("Please fix the flaky test"))
            roles = [m["role"] for m in line["messages"]]
            assert roles == ["user", "assistant", "tool", "assistant", "user", "assistant"]
            assert line["messages"][1]["tool_calls"][0]["id"] == line["messages"][2]["tool_call_id"] == "call_1"
            assert line["messages"][4]["content"] == "And the other flaky test?"
            # a gateway chat Hermes has not closed yet: exported as far as its answer
            chat = next(x for x in lines if x["messages"][0]["content"].startswith("这张图片里是什么"))
            assert [m["role"] for m in chat["messages"]] == ["user", "assistant"]
            # a session whose question waits for its answer is still running
            assert {"reason": "still running", "count": 1} in json.loads(result.stdout)["skipped"]
        else:
            line = next(x for x in lines if x["conversations"][1]["value"].startswith("Please fix the flaky test"))
            froms = [c["from"] for c in line["conversations"]]
            assert froms == ["system", "human", "gpt", "tool", "gpt", "human", "gpt"]
            assert "<tool_call>" in line["conversations"][2]["value"] and "<tool_response>" in line["conversations"][3]["value"]
    assert state_files(home.root) == before


def _mirrored(store) -> dict:
    """Every Hermes episode with its events, as the store gives them (ids and row numbers left out)."""
    out = {}
    for (episode_id,) in store.execute("SELECT id FROM episodes WHERE source = 'hermes' ORDER BY id"):
        episode = store.get_episode(episode_id)
        episode.pop("rid", None)
        episode["events"] = [{k: v for k, v in e.items() if k != "id"} for e in episode["events"]]
        out[episode_id] = episode
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_mirror_kept_up_by_appends_equals_one_made_from_scratch(home, tmp_path: Path, seed: int) -> None:
    """Hermes writes at random (new sessions, messages one at a time, tool calls whose results come
    at a later look, title and token updates, a rewind, a compression continuation, a late message
    that sorts earlier); after each write the workbench looks. The store kept up that way holds
    exactly what one mirror of the final state.db makes in a fresh home."""
    import random

    from hermes_tui.core.home import Home
    from tests.hermes_state import tool_call

    rnd = random.Random(seed)
    db = HermesStateDb.create(home.root / "state.db", 30)
    t = 1_760_000_000.0
    sessions: list[str] = []
    open_calls: dict[str, str] = {}
    appended = 0
    with Workspace(home, sync=False) as ws:
        for step in range(60):
            t += 1
            action = rnd.random()
            if not sessions or action < 0.08:
                sessions.append(db.session(f"s{step:03d}", source=rnd.choice(["cli", "telegram"]), started_at=t))
            sid = rnd.choice(sessions[-3:])
            if action < 0.45:
                db.message(sid, "user", f"question {step} about otters", timestamp=t)
            elif action < 0.6:
                call = f"call_{step}"
                open_calls[call] = sid
                db.message(sid, "assistant", "", timestamp=t, reasoning=f"think {step}",
                           tool_calls=[tool_call(call, "terminal", {"command": f"ls {step}"})])
            elif action < 0.7 and open_calls:
                call, owner = open_calls.popitem()
                db.message(owner, "tool", f"result of {call}", timestamp=t, tool_call_id=call, tool_name="terminal")
            elif action < 0.85:
                db.message(sid, "assistant", f"answer {step} token=sk-{'a' * 40}", timestamp=t, finish_reason="stop")
            elif action < 0.9:
                db.update("sessions", sid, title=f"title {step}", input_tokens=step * 10, estimated_cost_usd=step / 100)
            elif action < 0.94:
                db.conn.execute("UPDATE messages SET active = 0 WHERE id = (SELECT max(id) FROM messages"
                                " WHERE session_id = ?)", (sid,))
                db.update("sessions", sid, rewind_count=step)
            elif action < 0.97:
                db.update("sessions", sid, ended_at=t, end_reason="compression")
                sessions.append(db.session(f"c{step:03d}", source="cli", started_at=t, parent_session_id=sid))
                db.message(sessions[-1], "user", "[CONTEXT SUMMARY] so far", timestamp=t, _compressed_summary=1)
            else:
                db.message(sid, "user", f"a late message {step}", timestamp=t - 30)  # sorts before mirrored ones
            before = ws.store.execute("SELECT count(*) FROM events")[0][0]
            report = ws.mirror_hermes()
            assert report.notes == []
            appended += report.messages == 1 and ws.store.execute("SELECT count(*) FROM events")[0][0] > before
        kept_up = _mirrored(ws.store)
    db.close()
    fresh_home = Home(tmp_path / "fresh").ensure()
    (fresh_home.root / "state.db").write_bytes((home.root / "state.db").read_bytes())
    with Workspace(fresh_home, sync=False) as ws:
        ws.mirror_hermes()
        from_scratch = _mirrored(ws.store)
    assert appended > 20  # most looks appended
    assert kept_up == from_scratch
    assert "sk-aaaa" not in json.dumps(kept_up)


def test_two_looks_at_once_write_a_conversation_once(home, tmp_path: Path) -> None:
    """The TUI's watcher and a command (or two processes) can look at the same moment: each reads
    the marks, then writes in a transaction. The second to write finds the marks moved and leaves
    what the first wrote (appending again would duplicate the new messages)."""
    from hermes_tui.core.hermes import statedb
    from hermes_tui.core.hermes.mirror import MirrorReport
    from hermes_tui.core.hermes.statedb import file_stamp
    from hermes_tui.core.store import Store

    ids = sample_home(home.root)
    with Workspace(home, sync=False) as ws:
        ws.mirror_hermes()
        db = HermesStateDb(home.root / "state.db", 30)
        db.message(ids["telegram"], "assistant", "a second answer about walruses", timestamp=1_760_000_300.0)
        db.close()
        slow = HermesMirror(home, ws.store)
        seen, stamp = slow._mark("stamp"), file_stamp(slow.path)
        snapshot = statedb.read(slow.path, slow._read)  # the slow look has read ...
        with Store.open(home.db_path) as other:  # ... when another connection's look writes
            assert HermesMirror(home, other).look().conversations == 1
        report = MirrorReport()
        slow._write(snapshot, stamp, report, seen)
        assert report.conversations == 0
        events = ws.store.get_episode(ids["telegram"])["events"]
        assert [e["seq"] for e in events] == list(range(len(events)))
        assert sum("walruses" in (e["result"] or "") for e in events) == 1
        assert not ws.mirror_hermes().looked  # the marks are current


def test_a_look_that_finds_its_conversation_taken_leaves_the_marks_for_the_next(home) -> None:
    """Look A reads, Hermes writes, look B reads (newer), A writes its older view, B writes: B
    leaves A's conversation as A wrote it and does not move the marks past it, so the next look
    mirrors the newer message."""
    from hermes_tui.core.hermes import statedb
    from hermes_tui.core.hermes.mirror import MirrorReport
    from hermes_tui.core.hermes.statedb import file_stamp

    ids = sample_home(home.root)
    with Workspace(home, sync=False) as ws:
        ws.mirror_hermes()
        looks = []
        for text in ("first walrus answer", "second walrus answer"):
            db = HermesStateDb(home.root / "state.db", 30)
            db.message(ids["telegram"], "assistant", text, timestamp=1_760_000_300.0 + len(looks))
            db.close()
            look = HermesMirror(home, ws.store)
            looks.append((look, look._mark("stamp"), file_stamp(look.path), statedb.read(look.path, look._read)))
        for look, seen, stamp, snapshot in looks:  # A (older) writes first, then B
            look._write(snapshot, stamp, MirrorReport(), seen)
        texts = [e["result"] for e in ws.store.get_episode(ids["telegram"])["events"]]
        assert "first walrus answer" in texts and "second walrus answer" not in texts
        assert ws.mirror_hermes().conversations == 1  # the marks were not moved past it
        events = ws.store.get_episode(ids["telegram"])["events"]
        assert [e["result"] for e in events].count("second walrus answer") == 1
        assert [e["seq"] for e in events] == list(range(len(events)))
