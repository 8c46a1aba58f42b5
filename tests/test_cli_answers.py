"""Every input, every path, a clear answer (issue 11, section 7), through the real CLI
in child processes with a temporary home."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hermes_tui.core.config import Config
from hermes_tui.core.gate import PendingQueue, SkillChange
from hermes_tui.core.home import Home
from hermes_tui.errors import HermesError

BIG = "99999999999999999999999"


def cli(*args: str, home: Path | None, code: int = 0, env: dict[str, str] | None = None, **kw) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "hermes_tui", *args, *(["--home", str(home)] if home is not None else [])]
    kw.setdefault("stdout", subprocess.PIPE)
    proc = subprocess.run(command, stderr=subprocess.PIPE, text=True, timeout=120, env=env, **kw)
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr
    assert proc.returncode == code, (args, proc.returncode, proc.stdout, proc.stderr)
    return proc


def one_error(proc: subprocess.CompletedProcess[str]) -> str:
    """The single error line a failed command printed."""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("hermes-tui: error: "), lines
    return lines[0].removeprefix("hermes-tui: error: ")


def skill(name: str, body: str = "Body.") -> str:
    return f"---\nname: {name}\ndescription: Answers clearly. Use in tests.\n---\n{body}\n"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    root = Home(tmp_path / "home").ensure().root
    path = root / "skills" / "mine" / "answers" / "SKILL.md"
    path.parent.mkdir(parents=True)
    path.write_text(skill("answers"))
    return root


def test_a_version_too_large_for_sqlite_is_no_version(home: Path) -> None:
    for args in (("skills", "diff", "answers", BIG), ("skills", "diff", "answers", "1", BIG), ("skills", "restore", "answers", BIG)):
        message = one_error(cli(*args, home=home, code=1))
        assert message == f"mine/answers has no version {BIG} (versions: 1)"


def test_an_empty_home_is_refused(tmp_path: Path) -> None:
    user_home = Path(os.environ["HOME"])
    assert one_error(cli("skills", "list", "--home", "", home=None, code=2)) == "--home is empty: give a folder"
    env = {**os.environ, "HERMES_HOME": ""}
    message = one_error(cli("skills", "list", home=None, code=1, env=env))
    assert message == "$HERMES_HOME is set but empty: give a folder, or unset it to use ~/.hermes"
    assert not (user_home / ".hermes").exists()
    with pytest.raises(HermesError):
        Home.resolve("   ")


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full here")
def test_output_that_cannot_be_written_is_one_clear_error(home: Path) -> None:
    for args in (("skills", "list"), ("skills", "list", "--json"), ("skills", "show", "answers"), ("pending", "list")):
        with open("/dev/full", "w") as full:
            proc = cli(*args, home=home, code=1, stdout=full)
        assert one_error(proc) == "cannot write the output: no space left on device"


def test_pending_skills_are_in_the_skill_list(home: Path) -> None:
    queue = PendingQueue(Home(home))
    item = queue.submit(SkillChange(op="create", skill="learned", category="ops", content=skill("learned")))
    rows = json.loads(cli("skills", "list", "--state", "pending", "--json", home=home).stdout)
    assert [(r["skill_id"], r["state"], r["source"]) for r in rows] == [("ops/learned", "pending", "agent")]
    assert rows[0]["path"] == str(home / "workbench" / "pending" / item.id / "SKILL.md")
    everything = {r["skill_id"]: r["state"] for r in json.loads(cli("skills", "list", "--json", home=home).stdout)}
    assert everything["ops/learned"] == "pending" and everything["mine/answers"] == "active"
    [line] = [line for line in cli("skills", "list", home=home).stdout.splitlines() if line.startswith("ops/learned ")]
    assert line.endswith(" Answers clearly. Use in tests. [pending]"), line
    assert one_error(cli("skills", "show", "learned", home=home, code=1)) == (
        f"skill ops/learned waits for approval (see `hermes-tui pending show {item.id}`)"
    )


def test_handled_changes_say_what_happened(home: Path) -> None:
    queue = PendingQueue(Home(home))
    approved = queue.submit(SkillChange(op="create", skill="kept", content=skill("kept")))
    rejected = queue.submit(SkillChange(op="create", skill="dropped", content=skill("dropped")))
    assert cli("pending", "approve", approved.id, home=home).stdout == "created kept (version 1)\n"
    cli("pending", "reject", rejected.id, "--reason", "too vague", home=home)
    for action in ("approve", "reject"):
        assert one_error(cli("pending", action, approved.id, home=home, code=1)) == (
            f"change {approved.id} was already approved: created kept (version 1)"
        )
        assert one_error(cli("pending", action, rejected.id, home=home, code=1)) == (
            f"change {rejected.id} was already rejected: too vague"
        )
    shown = cli("pending", "show", rejected.id, home=home).stdout
    assert "status: rejected (too vague)" in shown and "name: dropped" in shown
    data = json.loads(cli("pending", "show", rejected.id, "--json", home=home).stdout)
    assert (data["status"], data["note"]) == ("rejected", "too vague")
    assert json.loads(cli("pending", "list", "--json", home=home).stdout) == []
    assert one_error(cli("pending", "show", "nope", home=home, code=1)) == "no pending change 'nope'"


def test_versions_and_restore_wording(home: Path) -> None:
    assert "; 1 version\n" in cli("skills", "show", "answers", home=home).stdout
    assert cli("skills", "restore", "answers", "1", home=home).stdout == (
        "mine/answers already has the text of version 1 (version 1); nothing changed\n"
    )
    data = json.loads(cli("skills", "restore", "answers", "1", "--json", home=home).stdout)
    assert data == {"skill_id": "mine/answers", "restored": 1, "version": 1, "changed": False}
    (home / "skills" / "mine" / "answers" / "SKILL.md").write_text(skill("answers", "Second."))
    assert "; 2 versions\n" in cli("skills", "show", "answers", home=home).stdout
    assert cli("skills", "restore", "answers", "1", home=home).stdout == (
        "restored mine/answers to version 1 (recorded as version 3)\n"
    )
    assert cli("skills", "list", "--state", "stale", home=home).stdout == "no skills in state stale\n"


def test_showing_a_broken_skill_exits_1_with_its_error(home: Path) -> None:
    folder = home / "skills" / "mine" / "no-description"
    folder.mkdir()
    (folder / "SKILL.md").write_text("---\nname: no-description\n---\nBody only.\n")
    proc = cli("skills", "show", "no-description", home=home, code=1)
    assert "state: broken" in proc.stdout
    assert one_error(proc) == "skill mine/no-description is broken: no description: the skill cannot be shown to the model"
    data = json.loads(cli("skills", "show", "no-description", "--json", home=home, code=1).stdout)
    assert data["state"] == "broken"
    binary = home / "skills" / "mine" / "answers" / "SKILL.md"
    binary.write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)))  # stops loading: its last good version stays
    message = one_error(cli("skills", "show", "answers", home=home, code=1))
    assert message.startswith("skill mine/answers cannot be loaded: binary file")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"[agent\nmax_steps = 3\n", "config.toml is not valid TOML: "),
        (b"[agent]\nmax_steps = 'many'\n", "config.toml: agent.max_steps should be int, got 'many'"),
        (b"[agent]\nmax_steps = -5\n", "config.toml: agent.max_steps must be at least 1, got -5"),
        (b"[model]\nname = \"caf\xe9\"\n", "config.toml: it is not UTF-8 text (invalid continuation byte at byte 19)"),
    ],
)
def test_a_broken_config_is_a_warning_for_commands_that_read_it(home: Path, content: bytes, problem: str) -> None:
    (home / "config.toml").write_bytes(content)
    proc = cli("skills", "list", home=home)
    assert proc.stdout.rstrip().endswith("skills")
    [line] = proc.stderr.splitlines()
    assert line.startswith("hermes-tui: warning: ") and problem in line and line.endswith("(using the defaults)"), line
    run = cli("run", "do it", "--model", "openai/none", home=home, code=1)
    assert problem in one_error(run)
    with pytest.raises(HermesError):
        Config.load(Home(home), env={})
    problems: list[str] = []
    config = Config.load(Home(home), env={}, problems=problems)
    assert len(problems) == 1 and config.agent.max_steps == 30


def test_config_values_out_of_range_are_refused() -> None:
    for section, key, value in (
        ("agent", "max_steps", 0),
        ("agent", "tool_timeout", 0),
        ("agent", "tool_output_chars", -1),
        ("model", "max_retries", -1),
        ("model", "temperature", -0.5),
        ("prompt", "skills_budget_tokens", -100),
    ):
        with pytest.raises(HermesError, match=f"config.toml: {section}.{key} must be "):
            Config.from_dict({section: {key: value}})
    config = Config.from_dict({"agent": {"max_steps": 1}, "model": {"max_retries": 0, "temperature": 1}})
    assert (config.agent.max_steps, config.model.max_retries, config.model.temperature) == (1, 0, 1.0)
