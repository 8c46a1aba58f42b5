"""A pending (agent-written, not yet approved) skill never appears in any request
sent to the model: not in the skills index, not through skills_list, skill_view or
/skill-name, and not through search. Once a person approves it, it does.

Real parts end to end: litellm's client, the scripted HTTP server, the default
tool registry, the gate, a real DB file.
"""

from __future__ import annotations

import json
import random
from typing import Any

from hermes_tui.core.agent.events import EventStream
from hermes_tui.core.agent.llm import ModelClient, RetryPolicy
from hermes_tui.core.agent.loop import Agent
from hermes_tui.core.agent.recorder import Recorder
from hermes_tui.core.agent.tools.registry import build_default_registry
from hermes_tui.core.config import Config
from hermes_tui.core.gate import PendingQueue
from hermes_tui.core.skills.library import SkillLibrary
from hermes_tui.core.store import Store
from tests.llm_server import Call, Reply, ScriptedServer, llm_server  # noqa: F401

MARKER = "quetzalcoatl-procedure"
SKILL = (
    "---\nname: feather-serpent\n"
    f"description: Run the {MARKER} for feathered serpent deployments. Use when deploying serpents.\n"
    f"---\n# Steps\n\n1. Follow the {MARKER} exactly.\n"
)


def run(home: Any, server: ScriptedServer, task: str) -> Any:
    config = Config.load(home, env={})
    config.model.name, config.model.api_base, config.model.api_key = server.model, server.url, server.api_key
    events = EventStream()
    with Store.open(home.db_path) as store:
        library = SkillLibrary(home, store)
        library.sync()
        Recorder(store).attach(events)
        agent = Agent(
            home,
            config,
            events=events,
            tools=build_default_registry(config),
            store=store,
            library=library,
            cwd=home.root,
            client=ModelClient(config.model, retry=RetryPolicy(max_retries=0, rng=random.Random(1))),
        )
        return agent.run(task)


def sent(server: ScriptedServer, start: int = 0) -> str:
    return "\n".join(json.dumps(body) for body in server.requests[start:])


def test_pending_skill_never_reaches_the_model(home, llm_server: ScriptedServer) -> None:
    # Episode 1: the agent writes a skill; the gate holds it.
    llm_server.queue(
        Reply(tool_calls=[Call("skill_manage", {"action": "create", "name": "feather-serpent", "content": SKILL})]),
        Reply(text="Saved the procedure for review."),
    )
    first = run(home, llm_server, "remember how we deploy feathered serpents")
    assert first.outcome == "success"
    pending = PendingQueue(home).list()
    assert [p.change.skill for p in pending] == ["feather-serpent"]
    assert not (home.skills_dir / "feather-serpent").exists()

    # Episode 2: a task that matches it word for word, a slash command naming it, and
    # every tool that could reveal it.
    start = len(llm_server.requests)
    llm_server.queue(
        Reply(
            tool_calls=[
                Call("skills_list", {}),
                Call("skill_view", {"name": "feather-serpent"}),
                Call("session_search", {"query": "feathered serpent"}),
                Call("read_file", {"path": f"workbench/pending/{pending[0].id}/SKILL.md"}),
            ]
        ),
        Reply(text="Nothing found."),
    )
    second = run(home, llm_server, f"/feather-serpent deploy the feathered serpents with the {MARKER}")
    assert second.outcome == "success" and second.skills_loaded == ()
    assert "feather-serpent" not in second.skills_shown
    requests = sent(llm_server, start)
    # The user's own task text names the marker; strip it, then nothing may be left.
    task_text = json.dumps(f"/feather-serpent deploy the feathered serpents with the {MARKER}")[1:-1]
    assert MARKER not in requests.replace(task_text, "")
    assert "Follow the" not in requests

    # A person approves it: from now on the agent sees it.
    with Store.open(home.db_path) as store:
        PendingQueue(home).approve(pending[0].id, SkillLibrary(home, store))
    start = len(llm_server.requests)
    llm_server.queue(Reply(text="Deploying."))
    third = run(home, llm_server, "deploy the feathered serpents")
    assert third.outcome == "success"
    assert "feather-serpent" in third.skills_shown
    assert MARKER in sent(llm_server, start)
