"""Property tests (derandomized, bounded): SKILL.md loading, search queries and every
agent tool's arguments never end in anything but a result or a one-line HermesError."""

from __future__ import annotations

import string
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from hermes_tui.core.agent.approvals import ApprovalBroker
from hermes_tui.core.agent.tools.base import ToolContext, ToolResult
from hermes_tui.core.agent.tools.registry import build_default_registry
from hermes_tui.core.config import Config
from hermes_tui.core.home import Home
from hermes_tui.core.memory import MemoryFiles
from hermes_tui.core.skills.library import SkillLibrary
from hermes_tui.core.skills.model import LoadError, Skill
from hermes_tui.core.skills.parse import load_skill
from hermes_tui.core.skills.validate import validate_skill
from hermes_tui.core.store import Store
from hermes_tui.core.store.search import search_result
from hermes_tui.errors import HermesError

FIXTURES = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


def one_line(exc: HermesError) -> bool:
    return bool(exc.message.strip()) and "\n" not in exc.message


# -- SKILL.md from arbitrary bytes -----------------------------------------------------

_SKILL_PIECES = st.sampled_from(
    [b"---\n", b"name: x\n", b"description: ", b"metadata:\n  a: [", b"\xff\xfe", b"\xef\xbb\xbf", b"\x00",
     b"\r\n", b"allowed-tools: ", b"- ", b"{", b"&anchor ", b"*anchor", b"!!binary ", b"\xe2\x80\xae", b"\x80"]
)  # fmt: skip


@settings(max_examples=200, deadline=None, suppress_health_check=FIXTURES)
@given(st.lists(_SKILL_PIECES | st.binary(max_size=12), max_size=30).map(b"".join))
def test_loading_any_bytes_gives_a_skill_or_a_load_error(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "lib" / "case" / "SKILL.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    loaded = load_skill(path, tmp_path / "lib")
    assert isinstance(loaded, (Skill, LoadError))
    if isinstance(loaded, LoadError):
        assert "\n" not in loaded.reason
    else:
        assert all("\n" not in str(p) for p in validate_skill(loaded))


# -- search queries --------------------------------------------------------------------


@pytest.fixture
def searchable(tmp_path: Path):
    with Store.open(tmp_path / "fuzz.db") as store:
        store.add_notes({"text": f"note {i}: deploy the narwhal service 数据库 😀 {'x' * i}"} for i in range(200))
        yield store


_QUERY_PIECES = st.sampled_from(['"', "*", "^", "NEAR(", "OR", "AND NOT", "(", ")", ":", "-", "+", "\x00", "\ud800",
                                 "\U0010ffff", "数据", "\u200b", "\u202e", "\\", "%", "deploy", "  ", "a" * 300])  # fmt: skip


@settings(max_examples=200, deadline=None, suppress_health_check=FIXTURES)
@given(st.lists(st.text(max_size=20) | _QUERY_PIECES, max_size=15).map("".join))
def test_any_query_returns_in_bounded_time(searchable: Store, query: str) -> None:
    started = time.perf_counter()
    try:
        result = search_result(searchable, query, limit=5)
    except HermesError as exc:
        assert one_line(exc)
    else:
        assert isinstance(result.hits, list)
    assert time.perf_counter() - started < 5  # the search's own time limit is 0.5 s


# -- tool arguments --------------------------------------------------------------------

PATH_KEYS = ("path", "file_path", "file", "glob")
SAFE_COMMANDS = ("echo fuzz", "true", "pwd", "ls", "printf '%s' x")
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)
# Path arguments stay inside the test's folder: the property is about parsing, not about
# where a write may go (tests/test_tools_files.py and the sandbox tests cover that).
_relative_path = st.text(alphabet=string.ascii_letters + string.digits + "._-/ *", max_size=20).filter(
    lambda p: ".." not in p and not p.startswith(("/", "~"))
)


# Values near what a schema type expects: where parsing code slips.
_NEAR = {
    "integer": st.integers() | st.floats() | st.text(alphabet="0123456789-+.e _", max_size=30)
    | st.sampled_from(["9" * 5000, "1e999", "0x10", "١٢", float("inf"), float("-inf"), float("nan"), 10**40, -1, True]),  # fmt: skip
    "boolean": st.booleans() | st.sampled_from(["true", "no", "", 0, 1, 2.5]),
    "string": st.text(max_size=40) | st.sampled_from(["", " ", "\x00", "\ud800", "a" * 5000]),
}


def _value(key: str, schema: dict) -> st.SearchStrategy:
    if key == "command":
        return st.sampled_from(SAFE_COMMANDS) | st.none() | st.integers() | st.lists(st.text(max_size=4), max_size=2)
    if key in PATH_KEYS:
        return st.sampled_from(["notes.txt", ".", "*.txt"]) | _relative_path | st.none() | st.integers() | st.booleans() | st.dictionaries(st.text(max_size=3), st.none())
    near = _NEAR.get(schema.get("type", ""), st.nothing())
    if schema.get("enum"):
        near = near | st.sampled_from(schema["enum"])
    return near | _json


def _arguments(properties: dict) -> st.SearchStrategy:
    keys = sorted(properties)
    known = st.fixed_dictionaries({}, optional={k: _value(k, properties[k]) for k in keys})
    extra = st.dictionaries(st.text(max_size=8).filter(lambda k: k not in keys and k != "command" and k not in PATH_KEYS),
                            _json, max_size=2)  # fmt: skip
    return st.tuples(known, extra).map(lambda pair: {**pair[1], **pair[0]})


TOOL_NAMES = [t["function"]["name"] for t in build_default_registry(Config()).schemas()]


@pytest.fixture
def tool_context(tmp_path: Path):
    home = Home(tmp_path / "home").ensure()
    work = tmp_path / "work"
    work.mkdir()
    (work / "notes.txt").write_text("alpha\nbeta\n")
    with Store.open(home.db_path) as store:
        library = SkillLibrary(home, store)
        ctx = ToolContext(home=home, config=Config(), cwd=work, episode_id="fuzz", store=store, library=library,
                          approvals=ApprovalBroker(lambda e: None, policy="deny"), emit=lambda e: None,
                          memory=MemoryFiles(home))  # fmt: skip
        yield ctx


@pytest.mark.parametrize("name", TOOL_NAMES)
def test_tool_arguments_never_raise(tool_context: ToolContext, name: str) -> None:
    registry = build_default_registry(tool_context.config)
    tool = registry.get(name)

    @settings(max_examples=25 if name == "terminal" else 200, deadline=None, suppress_health_check=FIXTURES)
    @given(_arguments(tool.parameters.get("properties", {})))
    def check(args: dict) -> None:
        assume(args.get("command") is None or isinstance(args.get("command"), (str, int, list)))
        try:
            result = tool.run(args, tool_context)  # not the registry: its last-resort catch would hide a bug
        except HermesError as exc:
            assert one_line(exc), exc.message
        else:
            assert isinstance(result, ToolResult) and isinstance(result.output, str)

    check()
