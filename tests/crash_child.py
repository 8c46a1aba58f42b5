"""A child process for the crash tests: writes in a loop until it is killed.

``python -m tests.crash_child MODE HOME START``; MODE is one of skill, memory,
episode, rebuild. It prints ``ready`` once set up, then one line per write AFTER the
write committed (``<n> <id>``), flushed at once, so the parent knows exactly what
must survive a SIGKILL.
"""

from __future__ import annotations

import sys
from pathlib import Path

from hermes_tui.core.home import Home
from hermes_tui.core.store import Store

PAD = "Padding so that each write takes a while. " * 400  # ~17 KB per write


def skill_text(n: int) -> str:
    return f"---\nname: crash-skill\ndescription: Version {n} of a skill saved in a loop.\n---\n# Version {n}\n\n{PAD}\n"


def memory_entry(n: int) -> str:
    return f"entry {n}: remember this one ({PAD[:600]})"


def episode_id(n: int) -> str:
    return f"crash-{n:06d}"


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def run_skill(home: Home, start: int) -> None:
    from hermes_tui.core.skills.library import SkillLibrary

    with Store.open(home.db_path) as store:
        library = SkillLibrary(home, store)
        library.sync()
        say("ready")
        for n in range(start, start + 1_000_000):
            version = library.save("crash-skill", skill_text(n), author="user")
            say(f"{n} {version}")


def run_memory(home: Home, start: int) -> None:
    from hermes_tui.core.memory import MemoryFiles

    memory = MemoryFiles(home, limits={"memory": 10**9})
    memory.entries("memory")
    say("ready")
    for n in range(start, start + 1_000_000):
        memory.add("memory", memory_entry(n))
        say(f"{n} {n}")


def run_episode(home: Home, start: int) -> None:
    from hermes_tui.core.agent import events as ev
    from hermes_tui.core.agent.recorder import Recorder

    with Store.open(home.db_path) as store:
        recorder = Recorder(store)
        say("ready")
        for n in range(start, start + 1_000_000):
            eid = episode_id(n)
            for event in (
                ev.EpisodeStarted(episode_id=eid, task=f"crash task {n} zebrafish", model="m", cwd="/tmp"),
                ev.TurnStarted(episode_id=eid, step=1, model="m"),
                ev.ToolCallStarted(episode_id=eid, step=1, call_id="c1", name="terminal", arguments={"command": f"echo {n}"}),
                ev.ToolCallFinished(episode_id=eid, step=1, call_id="c1", name="terminal", result=f"{n}\n{PAD[:4000]}"),
                ev.TurnFinished(episode_id=eid, step=1, text=f"answer {n}"),
                ev.EpisodeFinished(episode_id=eid, outcome="success", answer=f"answer {n}", steps=1),
            ):
                recorder(event)
            if recorder.errors:
                raise SystemExit(recorder.errors[0])
            say(f"{n} {eid}")


def run_rebuild(home: Home, start: int) -> None:
    with Store.open(home.db_path) as store:
        say("ready")
        for n in range(start, start + 1_000_000):
            store.rebuild_indexes()
            store.optimize()
            say(f"{n} rebuilt")


def tagged_text(tag: str, n: int) -> str:
    return f"---\nname: shared-skill\ndescription: Saved by {tag}, round {n}.\n---\n# {tag} {n}\n\n{PAD[:2000]}\n"


def run_saves(home: Home, start: int) -> None:
    """Save ``shared-skill`` COUNT times as TAG (``saves:TAG:COUNT``), then exit."""
    from hermes_tui.core.skills.library import SkillLibrary

    _mode, tag, count = sys.argv[1].split(":")
    with Store.open(home.db_path) as store:
        library = SkillLibrary(home, store)
        say("ready")
        sys.stdin.readline()  # start together
        for n in range(start, start + int(count)):
            say(f"{n} {library.save('shared-skill', tagged_text(tag, n), author='user')}")


def run_adds(home: Home, start: int) -> None:
    """Add COUNT memory entries as TAG (``adds:TAG:COUNT``), retrying a refused add; then exit."""
    from hermes_tui.core.memory import MemoryFiles
    from hermes_tui.errors import HermesError

    _mode, tag, count = sys.argv[1].split(":")
    memory = MemoryFiles(home, limits={"memory": 10**9})
    memory.entries("memory")
    say("ready")
    sys.stdin.readline()
    for n in range(start, start + int(count)):
        while True:
            try:
                memory.add("memory", f"{tag} {n}")
                break
            except HermesError as exc:
                if "changed on disk" not in str(exc):
                    raise
        say(f"{n} {tag}")


def run_wait_then_save(home: Home, start: int) -> None:
    """Open the library, wait for a line on stdin (an editor writes meanwhile), then save."""
    from hermes_tui.core.skills.library import SkillLibrary

    with Store.open(home.db_path) as store:
        library = SkillLibrary(home, store)
        library.sync()
        say("ready")
        sys.stdin.readline()
        say(f"{start} {library.save('shared-skill', tagged_text('workbench', start), author='user')}")


MODES = {"skill": run_skill, "memory": run_memory, "episode": run_episode, "rebuild": run_rebuild,
         "saves": run_saves, "adds": run_adds, "wait-then-save": run_wait_then_save}  # fmt: skip


if __name__ == "__main__":
    mode, home, start = sys.argv[1].split(":")[0], Home(Path(sys.argv[2])), int(sys.argv[3])
    MODES[mode](home, start)
