"""The prompt builder: a real library from real files in a temporary home, a real store."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from hermes_tui.core.agent.prompt import (
    IDENTITY,
    PromptParts,
    build_system_prompt,
    expand_slash_command,
    memory_entries,
    query_terms,
    read_memory_snapshot,
    shorten,
)
from hermes_tui.core.agent.tokens import count_tokens
from hermes_tui.core.config import Config
from hermes_tui.core.home import Home
from hermes_tui.core.skills.library import SkillLibrary
from hermes_tui.core.store import Store

TOOLS = ["terminal", "skills_list", "skill_view", "memory", "session_search"]

SKILLS = {
    "testing/pytest-import-errors": (
        "pytest-import-errors",
        "Fix pytest runs that fail with ImportError or ModuleNotFoundError after a module moved.",
        "Check sys.path, conftest.py placement, __init__.py files and rootdir. Run pytest -x.",
    ),
    "testing/flaky-tests": ("flaky-tests", "Find and fix tests that pass or fail at random.", "Rerun with -p no:randomly."),
    "devops/docker-basics": ("docker-basics", "Build, run and clean up containers and images.", "docker ps; docker system prune."),
    "devops/k8s-deploy": ("k8s-deploy", "Roll out services to a Kubernetes cluster with kubectl.", "kubectl apply -f."),
    "writing/blog-post": ("blog-post", "Draft and edit blog posts in a clear voice.", "Outline, draft, cut."),
    "notes": ("notes", "Keep short working notes in a markdown file.", "Append to NOTES.md."),
    # Made non-active below: they must never reach a prompt.
    "testing/pending-pytest-magic": ("pending-pytest-magic", "Pytest import errors solved by magic.", "pytest import"),
    "testing/stale-pytest-trick": ("stale-pytest-trick", "An old pytest import trick.", "pytest import moved module"),
    "devops/old-pytest-runner": ("old-pytest-runner", "Run pytest on the old CI after a module moved.", "pytest"),
}


def skill_text(name: str, description: str, body: str) -> str:
    return f"---\nname: {name}\ndescription: {description}\n---\n# {name}\n\n{body}\n"


def write_skill(home: Home, rel: str, text: str) -> None:
    path = home.skills_dir / rel / "SKILL.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")


@pytest.fixture
def bare_home(tmp_path: Path) -> Home:
    return Home(tmp_path / "home").ensure()


@pytest.fixture
def env(bare_home: Home):
    """A library of real SKILL.md files: six active skills, one each pending, stale,
    archived and broken (no description)."""
    for rel, (name, description, body) in SKILLS.items():
        write_skill(bare_home, rel, skill_text(name, description, body))
    write_skill(bare_home, "testing/broken-pytest", "---\nname: broken-pytest\n---\npytest import errors fixed\n")
    store = Store.open(bare_home.db_path)
    library = SkillLibrary(bare_home, store)
    library.sync()
    store.set_skill_state("testing/pending-pytest-magic", "pending")
    store.set_skill_state("testing/stale-pytest-trick", "stale")
    library.archive("old-pytest-runner")
    assert store.get_skill("testing/broken-pytest")["state"] == "broken"
    yield bare_home, library, store
    store.close()


def build(env, task: str = "", *, budget: int | None = None, snapshot: dict[str, str] | None = None, tools=TOOLS) -> PromptParts:
    home, library, store = env
    config = Config()
    if budget is not None:
        config.prompt.skills_budget_tokens = budget
    return build_system_prompt(
        home=home, config=config, library=library, store=store, task=task, tool_names=tools, memory_snapshot=snapshot
    )


INACTIVE = ("pending-pytest-magic", "stale-pytest-trick", "old-pytest-runner", "broken-pytest")
TASK = "my pytest run fails with an import error after I moved a module"


def test_only_active_skills_ever_appear(env) -> None:
    parts = build(env, TASK)
    for name in INACTIVE:
        assert name not in parts.system
    shown = set(parts.relevant) | set(parts.listed)
    assert shown == {"testing/pytest-import-errors", "testing/flaky-tests", "devops/docker-basics", "devops/k8s-deploy", "writing/blog-post", "notes"}
    # Not even when the user asks for one by name.
    assert "pending-pytest-magic" not in build(env, "use pending-pytest-magic please").system


def test_relevant_skills_with_descriptions_the_rest_by_category(env) -> None:
    parts = build(env, TASK)
    assert parts.relevant[0] == "testing/pytest-import-errors"
    index = parts.index
    assert index in parts.system
    assert (
        "- pytest-import-errors: Fix pytest runs that fail with ImportError or ModuleNotFoundError after a module moved."
        in index
    )
    assert "skill_view(name)" in index
    # Everything not described is listed by name under its category, and only there.
    for sid in parts.listed:
        assert sid not in parts.relevant
    categories = {line.split(": ", 1)[0]: line.split(": ", 1)[1].split(", ") for line in index.splitlines()[4 + len(parts.relevant) :]}
    rows = {r["skill_id"]: r for r in env[1].active()}
    for sid in parts.listed:
        assert rows[sid]["name"] in categories[rows[sid]["category"] or "uncategorized"]
        assert rows[sid]["description"] not in index  # listed skills carry no description
    assert sorted(categories) == sorted({(rows[s]["category"] or "uncategorized") for s in parts.listed})
    assert "Other skills by category (name only):" in index
    assert parts.index_tokens == count_tokens(index) <= 1500


def test_no_task_lists_everything_by_category(env) -> None:
    parts = build(env, "")
    assert parts.relevant == []
    assert len(parts.listed) == 6
    assert "Skills by category" in parts.index


@pytest.mark.parametrize("budget", [200, 120, 80, 50, 10, 0])
def test_small_budgets_are_never_exceeded(env, budget: int) -> None:
    parts = build(env, TASK, budget=budget)
    assert parts.index_tokens == count_tokens(parts.index) <= budget
    for sid in parts.relevant + parts.listed:  # what is reported as shown is really shown
        assert sid.rsplit("/", 1)[-1] in parts.index
    if budget == 0:
        assert parts.index == "" and parts.relevant == [] and parts.listed == []


def test_descriptions_shrink_before_relevant_skills_are_dropped(env) -> None:
    home, library, store = env
    long = "Fix pytest import errors. " + "Explains sys.path, rootdir, conftest and packaging in detail. " * 8
    write_skill(home, "testing/pytest-import-errors", skill_text("pytest-import-errors", long, "pytest import moved"))
    library.sync()
    full = build(env, TASK, budget=5000)
    assert len(full.relevant) >= 2
    tight = build(env, TASK, budget=full.index_tokens - 40)
    assert tight.relevant == full.relevant  # same skills ...
    assert "…" in tight.index and tight.index_tokens <= full.index_tokens - 40  # ... shorter descriptions


def test_names_are_cut_per_category_with_more_marker(bare_home: Home) -> None:
    for i in range(40):
        what = "Tighten bolts with a torque wrench." if i == 7 else f"Tool number {i}."
        write_skill(bare_home, f"tools/tool-{i:02d}", skill_text(f"tool-{i:02d}", what, "body"))
        write_skill(bare_home, f"data/dataset-{i:02d}", skill_text(f"dataset-{i:02d}", f"Dataset {i}.", "body"))
    store = Store.open(bare_home.db_path)
    library = SkillLibrary(bare_home, store)
    library.sync()
    parts = build((bare_home, library, store), "which torque wrench do I need", budget=150)
    store.close()
    assert parts.index_tokens <= 150
    assert re.search(r"^tools: .*\(\+\d+ more\)$", parts.index, re.M)
    assert re.search(r"^data: .*\(\+\d+ more\)$", parts.index, re.M)
    assert "skills_list shows every skill" in parts.index
    assert parts.relevant and parts.relevant[0] == "tools/tool-07"
    hidden = sum(int(n) for n in re.findall(r"\(\+(\d+) more\)", parts.index))
    assert len(parts.relevant) + len(parts.listed) + hidden == 80


def test_duplicate_names_are_shown_by_skill_id(bare_home: Home) -> None:
    write_skill(bare_home, "a/deploy", skill_text("deploy", "Deploy the A service.", "a"))
    write_skill(bare_home, "b/deploy", skill_text("deploy", "Deploy the B service.", "b"))
    store = Store.open(bare_home.db_path)
    library = SkillLibrary(bare_home, store)
    library.sync()
    parts = build((bare_home, library, store), "deploy the B service")
    store.close()
    assert parts.relevant[0] == "b/deploy"
    assert "- b/deploy: Deploy the B service." in parts.index


def test_memory_snapshot_is_included_and_frozen(env) -> None:
    home = env[0]
    home.memory_file.write_text("Project uses uv, not pip.\n§\nCI runs on Python 3.11.\n", "utf-8")
    home.user_file.write_text("Name: Ada\n§\nPrefers short answers.\n", "utf-8")
    snapshot = read_memory_snapshot(home)
    parts = build(env, TASK, snapshot=snapshot)
    assert "Project uses uv, not pip.\n§\nCI runs on Python 3.11." in parts.system
    assert "Name: Ada\n§\nPrefers short answers." in parts.system
    # The memory tool writes during the session: the session's prompt does not change.
    home.memory_file.write_text("Something new.\n", "utf-8")
    again = build(env, TASK, snapshot=snapshot)
    assert again.system == parts.system
    assert "Something new." not in again.system
    # A new session (no snapshot given) reads the files again.
    assert "Something new." in build(env, TASK).system


def test_missing_memory_files_read_as_empty(env) -> None:
    assert read_memory_snapshot(env[0]) == {"memory": "", "user": ""}
    parts = build(env, TASK)
    assert "## Memory" not in parts.system
    assert parts.system.startswith(IDENTITY)


def test_memory_entries_split_on_section_sign_lines() -> None:
    text = "one\r\n§\r\n\r\ntwo\nstill two\n  §  \n§\nthree § inline\n"
    assert memory_entries(text) == ["one", "two\nstill two", "three § inline"]


def test_tool_guidance_follows_the_tools_given(env) -> None:
    parts = build(env, TASK, tools=["terminal", "skill_view", "memory", "my_custom_tool"])
    assert "skill_view(name):" in parts.system
    assert "memory:" in parts.system and "session_search:" not in parts.system
    assert "Also available (see their descriptions): my_custom_tool." in parts.system
    assert "## Tools" not in build(env, TASK, tools=[]).system


def test_the_prompt_is_deterministic(env) -> None:
    first = build(env, TASK)
    assert build(env, TASK) == first
    assert build(env, "deploy containers to the cluster") == build(env, "deploy containers to the cluster")


def test_no_active_skills_means_no_index(bare_home: Home) -> None:
    store = Store.open(bare_home.db_path)
    library = SkillLibrary(bare_home, store)
    parts = build((bare_home, library, store), TASK)
    store.close()
    assert parts.index == "" and parts.index_tokens == 0 and "## Skills" not in parts.system


def test_odd_tasks_are_safe(env) -> None:
    for task in ['"unbalanced', "AND OR NOT", "col:*^", "\x00\x07", "日本語のテスト", "zzqxw", "a" * 5000]:
        parts = build(env, task)
        assert parts.index_tokens <= 1500


def test_query_terms_drop_stop_words() -> None:
    assert query_terms("My pytest run FAILS with an import error after I moved a module!") == [
        "pytest", "run", "fails", "import", "error", "moved", "module",
    ]
    assert query_terms("the and of") == []


def test_shorten_cuts_at_a_word_boundary() -> None:
    assert shorten("short", 10) == "short"
    assert shorten("one\n two\tthree", 100) == "one two three"
    cut = shorten("alpha beta gamma delta epsilon", 16)
    assert cut == "alpha beta…" and len(cut) <= 16


# -- /skill-name --------------------------------------------------------------------------
def test_slash_command_loads_an_active_skill(env) -> None:
    library = env[1]
    text, loaded = expand_slash_command("/pytest-import-errors why does this fail?", library)
    assert loaded == ["testing/pytest-import-errors"]
    assert text.startswith('<skill name="pytest-import-errors" id="testing/pytest-import-errors">\n# pytest-import-errors')
    assert "Check sys.path, conftest.py placement" in text
    assert text.endswith("</skill>\n\nwhy does this fail?")


def test_slash_command_several_skills_and_ids(env) -> None:
    text, loaded = expand_slash_command("/docker-basics /devops/k8s-deploy ship it", env[1])
    assert loaded == ["devops/docker-basics", "devops/k8s-deploy"]
    assert text.count("<skill ") == 2 and text.endswith("</skill>\n\nship it")
    alone, loaded = expand_slash_command("/notes", env[1])
    assert loaded == ["notes"] and alone.endswith("</skill>")


@pytest.mark.parametrize(
    "message",
    [
        "/no-such-skill do it",
        "/pending-pytest-magic fix it",  # pending: never loaded
        "/stale-pytest-trick fix it",
        "/old-pytest-runner fix it",  # archived
        "/broken-pytest fix it",
        "/usr/bin/env is missing",
        "please /notes later",  # only leading tokens are commands
        "",
    ],
)
def test_slash_command_leaves_other_text_unchanged(env, message: str) -> None:
    assert expand_slash_command(message, env[1]) == (message, [])


def test_slash_command_stops_at_the_first_unknown_token(env) -> None:
    text, loaded = expand_slash_command("/notes /nope rest", env[1])
    assert loaded == ["notes"]
    assert text.endswith("</skill>\n\n/nope rest")


# -- the real corpus ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def corpus_env(tmp_path_factory: pytest.TempPathFactory):
    from tests.conftest import CORPUS

    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not beside the repository")
    home = Home(tmp_path_factory.mktemp("corpus") / "home").ensure()
    for source in sorted(p for p in CORPUS.iterdir() if p.is_dir()):
        for folder in sorted(p for p in source.iterdir() if p.is_dir()):
            shutil.copytree(folder, home.skills_dir / source.name / folder.name)
    store = Store.open(home.db_path)
    library = SkillLibrary(home, store)
    library.sync()
    yield home, library, store
    store.close()


@pytest.mark.parametrize("budget", [1500, 200, 50])
def test_corpus_index_never_exceeds_the_budget(corpus_env, budget: int) -> None:
    library = corpus_env[1]
    assert len(library.active()) > 400
    for task in ["", TASK, "deploy my Next.js app", "single-cell RNA-seq clustering", "x " * 3000]:
        parts = build(corpus_env, task, budget=budget)
        assert parts.index_tokens == count_tokens(parts.index) <= budget
        if budget == 1500 and task.strip() and "x x" not in task:
            assert len(parts.relevant) >= 3
            assert "(+" in parts.index  # 497 names cannot all fit in 1,500 tokens
    parts = build(corpus_env, "cluster the cells in my h5ad file and find marker genes", budget=1500)
    assert "kdense-scientific-skills/scanpy" in parts.relevant[:3]
