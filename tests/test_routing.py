"""Routing (which skills the prompt offers for a task), `skills match`, and the optional
embedding re-rank: real skill files in a temporary home, a real store, real child
processes for the CLI and a real OpenAI-compatible embeddings server on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hermes_tui.core.agent.prompt import build_system_prompt, match_skills
from hermes_tui.core.agent.routing import RoutingIndex, stem, tokens, when_to_use
from hermes_tui.core.config import Config
from hermes_tui.core.home import Home
from hermes_tui.core.skills.library import SkillLibrary
from hermes_tui.core.store import Store
from tests.embedding_server import EmbeddingServer

SKILLS = {
    "career/tailored-resume": (
        "tailored-resume",
        "Tailor a resume to a job posting: match keywords, reorder experience, quantify results.",
        "## When to use\nA job application is due and the resume must fit the role.\n\n## Steps\nRead the posting.",
    ),
    "code/code-formatting": (
        "code-formatting",
        "Format source files with the project's formatter before a commit.",
        "Run ruff format or prettier. Check the formatting of every changed file; keep the diff small.",
    ),
    "devops/docker-cleanup": (
        "docker-cleanup",
        "Remove dangling images, stopped containers and unused volumes to free disk space.",
        "docker system prune; docker image prune -a.",
    ),
    "media/image-upscale": (
        "image-upscale",
        "Upscale and sharpen a blurry image or screenshot.",
        "## When to use\nSomeone needs a crisp version of a low resolution picture.\n",
    ),
    "notes/meeting-notes": (
        "meeting-notes",
        "Keep meeting notes: decisions, owners, dates.",
        "Mention docker and images here only in passing, as a body word.",
    ),
}


def skill_text(name: str, description: str, body: str) -> str:
    return f"---\nname: {name}\ndescription: {description}\n---\n# {name}\n\n{body}\n"


def make_home(root: Path) -> Home:
    home = Home(root / "home").ensure()
    for rel, (name, description, body) in SKILLS.items():
        path = home.skills_dir / rel / "SKILL.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(skill_text(name, description, body), "utf-8")
    return home


@pytest.fixture
def env(tmp_path: Path):
    home = make_home(tmp_path)
    store = Store.open(home.db_path)
    library = SkillLibrary(home, store)
    library.sync()
    yield home, library, store
    store.close()


def relevant(env, task: str, config: Config | None = None) -> list[str]:
    home, library, store = env
    parts = build_system_prompt(
        home=home,
        config=config or Config(),
        library=library,
        store=store,
        task=task,
        tool_names=["skill_view"],
        memory_snapshot={"memory": "", "user": ""},
    )
    return parts.relevant


def cli(home: Path, *args: str, check: int | None = 0) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "hermes_tui", *args, "--home", str(home)], capture_output=True, text=True, timeout=120
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    if check is not None:
        assert proc.returncode == check, (proc.returncode, proc.stdout, proc.stderr)
    return proc


# -- words -------------------------------------------------------------------------------
def test_stem_joins_forms_of_a_word() -> None:
    assert {stem(w) for w in ("deploying", "deploys", "deployed", "deployment", "deploy")} == {"deploy"}
    assert stem("images") == stem("image") and stem("boxes") == "box"
    assert stem("running") == "run" and stem("mapped") == "map"
    assert tokens("The images of the DEPLOYMENTS") == [stem("image"), "deploy"]


def test_when_to_use_section_is_read_up_to_the_next_heading() -> None:
    body = "# x\n\nIntro.\n\n## When to use\nA job application is due.\n\n## Steps\nRead."
    assert when_to_use(body).strip() == "A job application is due."
    assert when_to_use("# x\nno such section") == ""


def test_a_word_in_the_name_or_description_weighs_more_than_in_the_body() -> None:
    rows = [
        {"skill_id": "a", "name": "docker-cleanup", "description": "Free disk space.", "body": "x"},
        {"skill_id": "b", "name": "notes", "description": "Keep notes.", "body": "docker " * 3},
        {"skill_id": "c", "name": "other", "description": "Something else.", "body": "y"},
    ]
    index = RoutingIndex(rows)
    words = {stem("docker"): 1.0}
    assert index.score("a", words, []) > index.score("b", words, []) > index.score("c", words, []) == 0.0


# -- routing through the prompt ----------------------------------------------------------
def test_field_weights_put_the_named_skill_before_a_body_mention(env) -> None:
    assert relevant(env, "clean up old docker images")[0] == "devops/docker-cleanup"


def test_paraphrase_with_a_synonym_finds_the_skill(env) -> None:
    # No word of the task is in the skill: "CV" reaches "resume" through the synonyms.
    assert relevant(env, "rework my CV so it fits this job posting")[0] == "career/tailored-resume"
    assert relevant(env, "make this photo less blurry")[0] == "media/image-upscale"


def test_match_skills_is_the_order_of_the_prompt_index(env) -> None:
    home, library, store = env
    for task in ("clean up old docker images", "rework my CV", "format the code before the commit", "meeting"):
        matches = match_skills(library, store, task, limit=8, config=Config())
        assert [m.skill_id for m in matches] == relevant(env, task)
        assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)
    assert match_skills(library, store, "the and of", limit=8) == []
    assert match_skills(library, store, "", limit=8) == []


# -- hermes-tui skills match -------------------------------------------------------------
def test_skills_match_json_shape_and_order(tmp_path: Path) -> None:
    home = make_home(tmp_path)
    task = "clean up old docker images and format the code"
    found = json.loads(cli(home.root, "skills", "match", task, "--json").stdout)
    assert found and all(set(f) == {"skill_id", "name", "description", "score"} for f in found)
    scores = [f["score"] for f in found]
    assert scores == sorted(scores, reverse=True)
    # The task names two skills: both lead, the rest follow.
    assert {f["skill_id"] for f in found[:2]} == {"devops/docker-cleanup", "code/code-formatting"}
    first = found[0]["skill_id"]
    assert found[0]["name"] == first.split("/")[1] and found[0]["description"] == SKILLS[first][1]
    store = Store.open(home.db_path)
    try:
        assert [f["skill_id"] for f in found] == relevant((home, SkillLibrary(home, store), store), task)
    finally:
        store.close()
    assert json.loads(cli(home.root, "skills", "match", task, "--limit", "1", "--json").stdout) == found[:1]
    text = cli(home.root, "skills", "match", task).stdout
    assert text.splitlines()[0].split()[1] == first
    assert json.loads(cli(home.root, "skills", "match", "zzzqqq", "--json").stdout) == []
    assert "no skill matches" in cli(home.root, "skills", "match", "zzzqqq").stdout


def test_skills_match_bad_usage(tmp_path: Path) -> None:
    home = make_home(tmp_path)
    for args in (("--limit", "0"), ("--limit", "x")):
        proc = cli(home.root, "skills", "match", "docker", *args, check=2)
        assert "error" in proc.stderr and len(proc.stderr.strip().splitlines()) <= 2
    proc = cli(home.root, "skills", "match", "  ", check=2)
    assert proc.stderr.startswith("hermes-tui: error: give a task")


# -- the optional embedding re-rank ------------------------------------------------------
CONCEPTS = {"career": "cv resume career job", "tidy": "tidy clean cleanup prune"}


def embedding_config(server: EmbeddingServer | None, *, api_base: str | None = None) -> Config:
    config = Config()
    config.search.embedding_model = EmbeddingServer.model
    config.search.embedding_api_base = api_base or server.url
    config.search.embedding_api_key = EmbeddingServer.api_key
    config.search.embedding_timeout = 5.0
    return config


def test_embedding_rerank_reorders_and_caches_vectors(env) -> None:
    home, library, store = env
    # Lexically "format" wins; by meaning ("CV"), the resume skill does.
    task = "format my CV"
    assert relevant(env, task)[0] == "code/code-formatting"
    with EmbeddingServer(CONCEPTS) as server:
        config = embedding_config(server)
        warnings: list[str] = []
        first = match_skills(library, store, task, limit=8, config=config, warnings=warnings)
        assert warnings == []
        assert first[0].skill_id == "career/tailored-resume"
        assert [m.skill_id for m in first] == relevant(env, task, config)
        embedded = server.texts()
        assert embedded[0] == task and any(t.startswith("tailored-resume: Tailor a resume") for t in embedded)
        assert (home.workbench_dir / "embeddings.db").is_file()
        # The skills' vectors come from SQLite now: only tasks are embedded again.
        before = len(server.requests)
        match_skills(library, store, "format my CV quickly", limit=8, config=config)
        assert [body["input"] for body in server.requests[before:]] == [["format my CV quickly"]]


def test_embedding_endpoint_down_keeps_the_lexical_order(env) -> None:
    home, library, store = env
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = embedding_config(None, api_base=f"http://127.0.0.1:{port}/v1")
    warnings: list[str] = []
    start = time.monotonic()
    matches = match_skills(library, store, "clean up old docker images", limit=8, config=config, warnings=warnings)
    assert time.monotonic() - start < 60  # the import of litellm included; no retries, no hang
    assert [m.skill_id for m in matches] == relevant(env, "clean up old docker images")
    assert len(warnings) == 1 and warnings[0].startswith("embedding re-rank skipped (openai/test-embed)")


def test_skills_match_cli_with_an_embedding_model(tmp_path: Path) -> None:
    home = make_home(tmp_path)
    with EmbeddingServer(CONCEPTS) as server:
        home.config_path.write_text(
            f'[search]\nembedding_model = "{server.model}"\nembedding_api_base = "{server.url}"\n'
            f'embedding_api_key = "{server.api_key}"\n',
            "utf-8",
        )
        found = json.loads(cli(home.root, "skills", "match", "format my CV", "--json").stdout)
    assert found[0]["skill_id"] == "career/tailored-resume"


def test_without_an_embedding_model_nothing_is_imported(tmp_path: Path) -> None:
    home = make_home(tmp_path)
    code = (
        "import sys\n"
        "from hermes_tui.core.agent.prompt import build_system_prompt\n"
        "from hermes_tui.core.config import Config\n"
        "from hermes_tui.core.home import Home\n"
        "from hermes_tui.core.skills.library import SkillLibrary\n"
        "from pathlib import Path\n"
        "from hermes_tui.core.store import Store\n"
        f"home = Home(Path({str(home.root)!r})).ensure()\n"
        "store = Store.open(home.db_path); library = SkillLibrary(home, store); library.sync()\n"
        "parts = build_system_prompt(home=home, config=Config.load(home), library=library, store=store,\n"
        "    task='clean up old docker images', tool_names=[], memory_snapshot={'memory': '', 'user': ''})\n"
        "print(parts.relevant[0], 'litellm' in sys.modules, 'hermes_tui.core.agent.embeddings' in sys.modules)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.stdout.split() == ["devops/docker-cleanup", "False", "False"], proc.stderr
    assert not (home.workbench_dir / "embeddings.db").exists()


def test_an_edited_skill_is_routed_by_its_new_text(env) -> None:
    home, library, store = env
    assert "notes/meeting-notes" not in relevant(env, "sharpen a blurry screenshot")[:1]
    path = home.skills_dir / "notes" / "meeting-notes" / "SKILL.md"
    path.write_text(skill_text("meeting-notes", "Sharpen every blurry screenshot of a meeting.", "Notes."), "utf-8")
    library.sync()
    assert relevant(env, "sharpen a blurry screenshot")[0] == "notes/meeting-notes"


@pytest.mark.parametrize("broken", ["folder", "garbage"])
def test_an_unusable_vector_cache_still_reranks(env, broken: str) -> None:
    home, library, store = env
    cache = home.workbench_dir / "embeddings.db"
    if broken == "folder":
        cache.mkdir()
    else:
        cache.write_bytes(b"not a database at all " * 200)
    with EmbeddingServer(CONCEPTS) as server:
        warnings: list[str] = []
        matches = match_skills(library, store, "format my CV", limit=8, config=embedding_config(server), warnings=warnings)
    assert warnings == [] and matches[0].skill_id == "career/tailored-resume"
    assert cache.is_dir() if broken == "folder" else cache.read_bytes().startswith(b"not a database")


@pytest.mark.parametrize(
    "task, skill",
    [
        ("write tests for my python code", "writing-tests"),
        ("review this pull request", "reviewing-pull-requests"),
        ("debug why the build fails", "systematic-debugging"),
        ("remember that I prefer tabs", "managing-memory"),
    ],
)
def test_a_small_library_routes_a_task_that_names_its_skill(tmp_path: Path, task: str, skill: str) -> None:
    """The seven bundled skills alone: rarity says little in so few skills, so a task
    holding every word of a skill's name puts that skill first."""
    from hermes_tui.core.workspace import Workspace

    with Workspace.open(tmp_path / "home") as ws:
        matches = match_skills(ws.library, ws.store, task, limit=3, config=ws.config)
    assert matches and matches[0].skill_id.split("/")[-1] == skill, [m.skill_id for m in matches]
