"""Shared fixtures. Autouse ones shut the host machine out of every test:
a temporary HOME and HERMES_HOME, no provider keys, no network cost map."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests explore the same examples on every run (deterministic, offline);
# HYPOTHESIS_PROFILE=explore lets a developer search for new ones.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"

_SCRUB_PREFIXES = ("OPENAI_", "ANTHROPIC_", "OPENROUTER_", "GEMINI_", "AZURE_", "OLLAMA_", "HERMES_", "LITELLM_")


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_user_home = tmp_path_factory.mktemp("userhome")
    for name in list(os.environ):
        if name.startswith(_SCRUB_PREFIXES) or name.endswith(("_API_KEY", "_API_BASE")):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(fake_user_home))
    monkeypatch.setenv("HERMES_HOME", str(fake_user_home / ".hermes"))
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    monkeypatch.setenv("NO_COLOR", "1")
    # The real ~/.hermes must never be touched: fail loudly if a test resolves it.
    real = Path(os.path.expanduser("~")).resolve()
    assert real == fake_user_home.resolve()


@pytest.fixture(scope="session")
def bundled_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home where the bundled skills were installed once, through the library."""
    from hermes_tui.core.home import Home
    from hermes_tui.core.skills.bundled import install_bundled_skills
    from hermes_tui.core.skills.library import SkillLibrary
    from hermes_tui.core.store import Store

    home = Home(tmp_path_factory.mktemp("bundled") / "home").ensure()
    with Store.open(home.db_path) as store:
        install_bundled_skills(SkillLibrary(home, store))
    return home.root


@pytest.fixture
def home(tmp_path: Path, bundled_template: Path):
    """A fresh, created home in a temporary folder with the bundled skills' files and
    manifest as an install leaves them (not yet in its store: a sync indexes them)."""
    from hermes_tui.core.home import Home

    home = Home(tmp_path / "home").ensure()
    shutil.copytree(bundled_template / "skills", home.skills_dir, dirs_exist_ok=True)
    shutil.copy2(bundled_template / "workbench" / "bundled.json", home.bundled_manifest)
    return home


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not beside the repository")
    return CORPUS
