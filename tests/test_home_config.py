from __future__ import annotations

import os
from pathlib import Path

import pytest

from hermes_tui.core.config import Config
from hermes_tui.core.fsutil import atomic_write
from hermes_tui.core.home import Home
from hermes_tui.errors import HermesError


def test_resolution_order(tmp_path: Path) -> None:
    assert Home.resolve(tmp_path / "a", env={"HERMES_HOME": str(tmp_path / "b")}).root == tmp_path / "a"
    assert Home.resolve(None, env={"HERMES_HOME": str(tmp_path / "b")}).root == tmp_path / "b"
    assert Home.resolve(None, env={}).root == Path(os.path.expanduser("~/.hermes"))


def test_ensure_creates_layout(tmp_path: Path) -> None:
    home = Home(tmp_path / "h").ensure()
    for folder in (home.skills_dir, home.memories_dir, home.pending_dir, home.archive_dir):
        assert folder.is_dir()
    # idempotent
    home.ensure()


def test_home_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(HermesError, match="not a folder"):
        Home(tmp_path / "f").ensure()


def test_config_roundtrip_and_env(tmp_path: Path) -> None:
    home = Home(tmp_path / "h").ensure()
    config = Config.load(home, env={})
    assert config.prompt.skills_budget_tokens == 1500
    assert config.learning.enabled is False
    config.model.name = 'openai/gpt "quoted"\n'
    config.extra["future"] = {"knob": 3}
    config.save(home)
    again = Config.load(home, env={})
    assert again.model.name == 'openai/gpt "quoted"\n'
    assert again.extra["future"] == {"knob": 3}
    assert Config.load(home, env={"HERMES_MODEL": "ollama/llama3"}).model.name == "ollama/llama3"


def test_config_errors_are_one_line(tmp_path: Path) -> None:
    home = Home(tmp_path / "h").ensure()
    home.config_path.write_text("[model\nname = 1")
    with pytest.raises(HermesError) as info:
        Config.load(home, env={})
    assert "\n" not in str(info.value)
    home.config_path.write_text("[agent]\nmax_steps = 'many'\n")
    with pytest.raises(HermesError, match="agent.max_steps"):
        Config.load(home, env={})


def test_atomic_write_keeps_old_file_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "ro" / "file.txt"
    atomic_write(target, "old")
    os.chmod(target.parent, 0o500)
    try:
        if os.access(target.parent, os.W_OK):
            pytest.skip("running as a user that can write anywhere")
        with pytest.raises(HermesError):
            atomic_write(target, "new")
    finally:
        os.chmod(target.parent, 0o700)
    assert target.read_text() == "old"
    assert [p.name for p in target.parent.iterdir()] == ["file.txt"]
