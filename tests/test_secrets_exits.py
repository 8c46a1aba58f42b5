"""Secrets never leave: every kind of secret is masked at every exit, look-alikes are kept.

The exits: ``redact`` itself, a stream cut at every place (``StreamRedactor``), the event
stream (what the TUI and ``run`` show), the episode store read back, search snippets
(also of a row stored before redaction knew its shape), pending files, the log file, and
``hermes-tui run`` (``--json`` and plain) with a scripted model that streams keys split
across deltas.
"""

from __future__ import annotations

import json
import logging
import os
import random
import subprocess
import sys
from pathlib import Path

import apsw
import pytest

from hermes_tui.core.agent.events import Event, EventStream, TextDelta, ToolCallFinished
from hermes_tui.core.gate import SkillChange
from hermes_tui.core.guard.redact import StreamRedactor, redact
from hermes_tui.core.store.search import search
from hermes_tui.core.workspace import Workspace
from tests.llm_server import Call, Reply, ScriptedServer, llm_server  # noqa: F401
from tests.secret_samples import Sample, lookalike_samples, secret_samples

SECRETS = secret_samples()
LOOKALIKES = lookalike_samples()
NO_ENV: dict[str, str] = {}


def leaked(text: str, samples: list[Sample] = SECRETS) -> list[str]:
    """The kinds whose secret is still in ``text``."""
    return [s.kind for s in samples if s.secret in text]


def test_the_sets_are_large_enough() -> None:
    assert len({s.kind for s in SECRETS}) >= 40 and len(LOOKALIKES) >= 40
    assert all(s.secret and s.secret in s.text for s in SECRETS)


@pytest.mark.parametrize("sample", SECRETS, ids=[s.kind for s in SECRETS])
def test_every_kind_is_masked(sample: Sample) -> None:
    out = redact(sample.text, NO_ENV)
    assert sample.secret not in out and "[REDACTED:" in out
    assert redact(out, NO_ENV) == out  # idempotent


@pytest.mark.parametrize("sample", LOOKALIKES, ids=[s.kind for s in LOOKALIKES])
def test_lookalikes_are_kept(sample: Sample) -> None:
    assert redact(sample.text, NO_ENV) == sample.text


def _stream(text: str, rng: random.Random, redactor: StreamRedactor) -> list[str]:
    pieces, pos = [], 0
    while pos < len(text):
        size = rng.choice((1, 2, 3, 5, 8, 13))
        pieces.append(redactor.feed(text[pos : pos + size]))
        pos += size
    pieces.append(redactor.flush())
    return pieces


@pytest.mark.parametrize("seed", range(5))
def test_a_stream_cut_anywhere_shows_no_secret(seed: int) -> None:
    rng = random.Random(seed)
    samples = SECRETS[:]
    rng.shuffle(samples)
    text = "Here is what I found:\n" + "\n".join(s.text for s in samples) + "\nDone."
    pieces = _stream(text, rng, StreamRedactor(env=NO_ENV))
    shown = ""
    for piece in pieces:
        shown += piece
        assert not leaked(shown), "a piece showed a secret before it was masked"
    assert shown.startswith("Here is what I found:") and shown.endswith("Done.")


def test_a_stream_keeps_lookalikes_and_loses_nothing() -> None:
    text = "\n".join(s.text for s in LOOKALIKES)
    shown = "".join(_stream(text, random.Random(3), StreamRedactor(env=NO_ENV)))
    assert shown == text


def test_a_stream_holds_an_unfinished_private_key_until_it_ends() -> None:
    key = next(s for s in SECRETS if s.kind == "rsa-private-key").secret
    redactor = StreamRedactor(env=NO_ENV)
    shown = "".join(redactor.feed(line + "\n") for line in ("intro " * 30, *key.splitlines()[:-1]))
    assert "-----BEGIN" not in shown and key.splitlines()[2] not in shown
    shown += redactor.feed(key.splitlines()[-1] + "\n" + "after " * 30) + redactor.flush()
    assert "[REDACTED:private-key]" in shown and not any(line in shown for line in key.splitlines()[1:-1])


def test_the_event_stream_masks_deltas_and_every_event() -> None:
    events = EventStream()
    seen: list[Event] = []
    events.subscribe(seen.append)
    secret = "ghp_" + "a1B2c3D4e5" * 4
    for piece in ("token ", secret[:6], secret[6:20], secret[20:], " and more text " * 6):
        events.emit(TextDelta(episode_id="e1", step=1, text=piece))
        assert not any(secret[:8] in e.text for e in seen if isinstance(e, TextDelta))
    events.emit(ToolCallFinished(episode_id="e1", step=1, call_id="c", name="t", result=f"echo {secret}"))
    text = "".join(e.text for e in seen if isinstance(e, TextDelta))
    assert text.startswith("token [REDACTED:github-token] and more text")
    assert isinstance(seen[-1], ToolCallFinished) and seen[-1].result == "echo [REDACTED:github-token]"


# -- the agent end to end: a scripted model through litellm, the workspace's store --------------------
ANSWER = "All found:\n" + "\n".join(s.text for s in SECRETS) + "\nAnd the ordinary:\n" + "\n".join(s.text for s in LOOKALIKES)
SKILL = "---\nname: deploy-notes\ndescription: How to deploy.\n---\n\n" + "\n".join(s.text for s in SECRETS[:20])


def _configure(ws: Workspace, server: ScriptedServer) -> None:
    model = ws.config.model
    model.name, model.api_base, model.api_key, model.timeout = server.model, server.url, server.api_key, 10


def _stored_text(ws: Workspace) -> str:
    """Every column of every episode and event row, read back from the database file."""
    conn = apsw.Connection(str(ws.home.db_path))
    try:
        rows = [*conn.execute("SELECT * FROM episodes"), *conn.execute("SELECT * FROM events")]
    finally:
        conn.close()
    return "\n".join(str(value) for row in rows for value in row)


def test_agent_run_masks_every_exit(home, tmp_path: Path, llm_server: ScriptedServer, monkeypatch) -> None:
    mysql = next(s for s in SECRETS if s.kind == "mysql-p")
    echo = "\n".join(s.text for s in SECRETS[20:50])
    llm_server.queue(
        Reply(
            text="Let me look. " + SECRETS[0].text,
            chunk_size=3,
            tool_calls=[
                Call("terminal", {"command": f"printf '%s\\n' '{SECRETS[1].text}'"}),
                Call("terminal", {"command": f"trap '{mysql.text}' EXIT"}),  # an approval (denied) quoting it
                Call("skill_manage", {"action": "create", "name": "deploy-notes", "content": SKILL}),
                Call("write_file", {"path": "out.txt", "content": echo}),
                Call("read_file", {"path": "out.txt"}),
            ],
        ),
        Reply(text=ANSWER, chunk_size=7),
    )
    task = "check this config: " + SECRETS[2].text
    with Workspace(home) as ws:
        _configure(ws, llm_server)
        ws.log_to_file()
        seen: list[Event] = []
        ws.events.subscribe(seen.append)
        agent = ws.make_agent(approval_policy="deny", cwd=tmp_path)
        result = agent.run(task)
        logging.getLogger("hermes_tui.test").warning("a failure mentioning %s", SECRETS[3].text)

        # the event stream (what the TUI, run and every sink get)
        shown = "\n".join(json.dumps(e.to_dict(), ensure_ascii=False) for e in seen)
        assert not leaked(shown)
        kinds = {e.type for e in seen}
        assert {"approval_requested", "tool_result", "text_delta", "episode_finished"} <= kinds
        assert result.outcome == "success"
        streamed = "".join(e.text for e in seen if isinstance(e, TextDelta) and e.step == 2)
        assert all(s.text in streamed for s in LOOKALIKES)
        # the episode store, read back
        assert not leaked(_stored_text(ws))
        assert all(s.text in _stored_text(ws) for s in LOOKALIKES[:10])
        # search snippets
        for word in ("aws_secret_access_key", "password", "Authorization", "DATABASE_URL"):
            for hit in search(ws.store, word):
                assert not leaked(hit.title + hit.snippet), word
        # pending files
        pending = "\n".join(p.read_text("utf-8") for p in ws.home.pending_dir.rglob("*") if p.is_file())
        assert "deploy-notes" in pending and not leaked(pending)
        # the log
        log = (ws.home.workbench_dir / "hermes.log").read_text("utf-8")
        assert "a failure mentioning" in log and not leaked(log)
    # what went to the model: tool results were masked before it saw them
    tool_messages = [m for m in llm_server.requests[1]["messages"] if m["role"] == "tool"]
    assert tool_messages and not leaked(json.dumps(tool_messages))


def test_search_masks_rows_stored_before_redaction_knew_the_shape(home) -> None:
    sample = next(s for s in SECRETS if s.kind == "stripe-webhook-secret")
    with Workspace(home) as ws:
        ws.store.create_episode(id="old-1", task="legacy run", model="m", cwd="/", started_at=1.0)
        ws.store.add_event(
            episode_id="old-1", seq=1, ts=1.0, type="tool_result", data={"type": "tool_result"},
            tool_name="terminal", result=f"the webhook endpoint {sample.text} was set",
        )  # fmt: skip
        hits = search(ws.store, "webhook endpoint")
        assert hits and not leaked("".join(h.snippet + h.title for h in hits))
        assert any("[REDACTED:" in h.snippet for h in hits)


def test_pending_queue_masks_text_before_writing(home) -> None:
    with Workspace(home) as ws:
        item = ws.pending.submit(SkillChange(op="create", skill="notes", content=SKILL, reason=SECRETS[4].text))
        files = {p.name: p.read_text("utf-8") for p in item.folder.rglob("*") if p.is_file()}
        assert set(files) >= {"SKILL.md", "change.json"}
        assert not leaked("\n".join(files.values()))
        assert "name: deploy-notes" in files["SKILL.md"] and "[REDACTED:" in files["SKILL.md"]


# -- hermes-tui run in a child process --------------------------------------------------------------
def _run(args: list[str], cwd: Path, server: ScriptedServer) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HERMES_HOME": str(cwd / "home"), "PYTHONUNBUFFERED": "1"}
    model = ["--model", server.model, "--api-base", server.url, "--api-key", server.api_key]
    return subprocess.run(
        [sys.executable, "-m", "hermes_tui", *args, *model], cwd=cwd, env=env, capture_output=True, text=True,
        stdin=subprocess.DEVNULL, timeout=120,
    )  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("json_output", [True, False], ids=["json", "plain"])
def test_cli_run_prints_no_secret(tmp_path: Path, llm_server: ScriptedServer, json_output: bool) -> None:
    mysql = next(s for s in SECRETS if s.kind == "mysql-p")
    llm_server.queue(
        Reply(text="Running it.", tool_calls=[Call("terminal", {"command": f"trap '{mysql.text}' EXIT"})]),
        Reply(text=ANSWER, chunk_size=3),
    )
    task = "connect with " + SECRETS[5].text
    proc = _run(["run", task, "--approve", "deny", *(["--json"] if json_output else [])], tmp_path, llm_server)
    assert proc.returncode == 0, proc.stderr
    assert not leaked(proc.stdout + proc.stderr)
    if json_output:
        events = [json.loads(line) for line in proc.stdout.splitlines()]
        assert events[0]["type"] == "episode_started" and "[REDACTED:" in events[0]["task"]
        approval = next(e for e in events if e["type"] == "approval_requested")
        assert "[REDACTED:" in approval["command"]
        text = "".join(e["text"] for e in events if e["type"] == "text_delta" and e["step"] == 2)
        assert all(s.text in text for s in LOOKALIKES)
    else:
        assert "All found:" in proc.stdout and "[REDACTED:" in proc.stdout


# -- the workbench: what its conversation, trace and approval dialog show ----------------------------
def test_the_workbench_shows_no_secret(home, llm_server: ScriptedServer, tmp_path: Path) -> None:
    import asyncio

    from hermes_tui.ui.app import make_app
    from hermes_tui.ui.screens.approval import ApprovalScreen
    from hermes_tui.ui.widgets.conversation import Answer
    from tests.ui_fixtures import server_workspace, until

    curl = next(s for s in SECRETS if s.kind == "curl-user")
    outside = {"command": curl.text, "outside_sandbox": True, "justification": "check the CI"}
    printed = next(s for s in SECRETS if s.kind == "dotenv-password")
    llm_server.queue(
        Reply(text="Checking " + SECRETS[6].text, chunk_size=3,
              tool_calls=[Call("terminal", {"command": f"printf '%s' '{printed.text}'"}, id="p1"),
                          Call("terminal", outside, id="c1")]),
        Reply(text=ANSWER, chunk_size=5),
    )  # fmt: skip
    ws = server_workspace(home, llm_server)

    async def drive() -> None:
        app = make_app(ws, cwd=str(tmp_path), warm_up=False)
        async with app.run_test(size=(120, 40)) as pilot:
            app.prompt.insert("check the deployment")
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, ApprovalScreen))
            request = app.screen.request
            assert not leaked(request.command + request.reason) and "[REDACTED:" in request.command
            await pilot.press("n")
            await until(pilot, lambda: app._cancel is None and app.session.episodes)
            await until(pilot, lambda: "And the ordinary:" in "".join(a.text for a in app.query(Answer)))
            shown = "\n".join(a.text for a in app.query(Answer))
            trace = "\n".join(f"{row.arguments} {row.result}" for row in app.trace.calls.values())
            assert not leaked(shown) and not leaked(trace)
            assert all(s.text in shown for s in LOOKALIKES)

    asyncio.run(drive())
    ws.close()
