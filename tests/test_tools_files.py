"""read_file, write_file, patch and search_files on real files in tmp_path."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hermes_tui.core.agent.approvals import ApprovalBroker
from hermes_tui.core.agent.events import ApprovalRequested, ApprovalResolved, Event
from hermes_tui.core.agent.tools.base import ToolContext
from hermes_tui.core.agent.tools.registry import build_default_registry
from hermes_tui.core.config import Config


@pytest.fixture
def tools():
    return build_default_registry(Config())


def make_ctx(home, cwd: Path, policy: str = "deny") -> tuple[ToolContext, list[Event]]:
    events: list[Event] = []
    broker = ApprovalBroker(events.append, policy=policy, timeout=1)
    return ToolContext(home=home, config=Config(), cwd=cwd, episode_id="ep", approvals=broker, emit=events.append), events


# -- read_file -------------------------------------------------------------------------------
def test_read_file_numbers_lines(home, tmp_path: Path, tools) -> None:
    (tmp_path / "a.txt").write_text("alpha\nbeta\n", "utf-8")
    ctx, _ = make_ctx(home, tmp_path)
    result = tools.run("read_file", {"path": "a.txt"}, ctx)
    assert result.output == "     1\talpha\n     2\tbeta"


def test_read_file_pages_large_files(home, tmp_path: Path, tools) -> None:
    (tmp_path / "big.txt").write_text("".join(f"line {i}\n" for i in range(1, 5001)), "utf-8")
    ctx, _ = make_ctx(home, tmp_path)
    first = tools.run("read_file", {"path": "big.txt"}, ctx).output
    assert first.splitlines()[0] == "     1\tline 1"
    assert first.endswith("[lines 1-2000 of 5000; call again with offset=2001 to read on]")
    page = tools.run("read_file", {"path": "big.txt", "offset": 4999, "limit": 10}, ctx).output
    assert page == "  4999\tline 4999\n  5000\tline 5000\n[lines 4999-5000 of 5000]"
    past = tools.run("read_file", {"path": "big.txt", "offset": 6000}, ctx)
    assert past.error == "offset 6000 is past the end of big.txt (5000 lines)"


def test_read_file_refuses_binary_and_folders(home, tmp_path: Path, tools) -> None:
    (tmp_path / "img.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(100))
    ctx, _ = make_ctx(home, tmp_path)
    assert "binary file" in tools.run("read_file", {"path": "img.png"}, ctx).error
    assert "is a folder" in tools.run("read_file", {"path": "."}, ctx).error
    assert tools.run("read_file", {"path": "missing.txt"}, ctx).error == "missing.txt does not exist"
    assert tools.run("read_file", {}, ctx).error == "missing the 'path' argument"


def test_read_file_cuts_very_long_lines_and_reads_absolute_paths(home, tmp_path: Path, tools) -> None:
    target = tmp_path / "sub" / "long.txt"
    target.parent.mkdir()
    target.write_text("x" * 5000 + "\n", "utf-8")
    ctx, _ = make_ctx(home, tmp_path / "sub")
    output = tools.run("read_file", {"path": str(target)}, ctx).output
    assert output.endswith("[... line cut: 5000 characters]")
    assert len(output) < 2100


# -- write_file ------------------------------------------------------------------------------
def test_write_file_creates_parents_atomically(home, tmp_path: Path, tools) -> None:
    ctx, _ = make_ctx(home, tmp_path)
    result = tools.run("write_file", {"path": "new/dir/file.py", "content": "print('hi')\n"}, ctx)
    assert result.output == "created new/dir/file.py: 12 characters, 1 lines"
    assert (tmp_path / "new/dir/file.py").read_text("utf-8") == "print('hi')\n"
    result = tools.run("write_file", {"path": "new/dir/file.py", "content": ""}, ctx)
    assert result.output.startswith("replaced")
    assert (tmp_path / "new/dir/file.py").read_text("utf-8") == ""
    assert not [p for p in (tmp_path / "new/dir").iterdir() if p.name.endswith(".tmp")]


def test_write_file_asks_before_env_ssh_and_rc_files(home, tmp_path: Path, tools) -> None:
    ctx, events = make_ctx(home, tmp_path, policy="deny")
    result = tools.run("write_file", {"path": ".env", "content": "TOKEN=x\n"}, ctx)
    assert result.error == "denied by the approval policy (--approve deny)"
    assert not (tmp_path / ".env").exists()
    result = tools.run("write_file", {"path": "~/.ssh/authorized_keys", "content": "ssh-ed25519 AAA\n"}, ctx)
    assert result.error == "denied by the approval policy (--approve deny)"
    assert not Path(os.path.expanduser("~/.ssh")).exists()
    result = tools.run("write_file", {"path": "~/.bashrc", "content": "alias x=y\n"}, ctx)
    assert result.error == "denied by the approval policy (--approve deny)"
    rules = [e.rule for e in events if isinstance(e, ApprovalRequested)]
    assert rules == ["write-env", "write-ssh", "write-shell-rc"]
    ctx_ok, _ = make_ctx(home, tmp_path, policy="all")
    assert tools.run("write_file", {"path": ".env", "content": "TOKEN=x\n"}, ctx_ok).error is None
    assert (tmp_path / ".env").read_text("utf-8") == "TOKEN=x\n"


def test_write_file_refuses_skills_memory_and_workbench(home, tmp_path: Path, tools) -> None:
    ctx, _ = make_ctx(home, tmp_path, policy="all")
    skill = home.skills_dir / "x" / "SKILL.md"
    assert "skill_manage" in tools.run("write_file", {"path": str(skill), "content": "x"}, ctx).error
    assert not skill.exists()
    assert "memory tool" in tools.run("write_file", {"path": str(home.memory_file), "content": "x"}, ctx).error
    assert "workbench" in tools.run("write_file", {"path": str(home.db_path), "content": "x"}, ctx).error


# -- patch ------------------------------------------------------------------------------------
def test_patch_replaces_once_and_returns_a_diff(home, tmp_path: Path, tools) -> None:
    (tmp_path / "m.py").write_text("def f():\n    return 1\n", "utf-8")
    ctx, _ = make_ctx(home, tmp_path)
    result = tools.run("patch", {"path": "m.py", "old_string": "return 1", "new_string": "return 2"}, ctx)
    assert result.error is None
    assert (tmp_path / "m.py").read_text("utf-8") == "def f():\n    return 2\n"
    assert "--- a/m.py\n+++ b/m.py\n" in result.output
    assert "-    return 1\n+    return 2\n" in result.output


def test_patch_errors_say_how_many_matches(home, tmp_path: Path, tools) -> None:
    (tmp_path / "m.py").write_text("x = 1\nx = 1\n    y = 2\n", "utf-8")
    ctx, _ = make_ctx(home, tmp_path)
    many = tools.run("patch", {"path": "m.py", "old_string": "x = 1", "new_string": "x = 3"}, ctx)
    assert many.error.startswith("old_string occurs 2 times in m.py")
    none = tools.run("patch", {"path": "m.py", "old_string": "z = 9", "new_string": "q"}, ctx)
    assert none.error == "old_string was not found in m.py"
    spaced = tools.run("patch", {"path": "m.py", "old_string": "y  =  2", "new_string": "y = 3"}, ctx)
    assert "whitespace is ignored" in spaced.error
    same = tools.run("patch", {"path": "m.py", "old_string": "x", "new_string": "x"}, ctx)
    assert "the same" in same.error
    assert (tmp_path / "m.py").read_text("utf-8") == "x = 1\nx = 1\n    y = 2\n"
    every = tools.run("patch", {"path": "m.py", "old_string": "x = 1", "new_string": "x = 3", "replace_all": True}, ctx)
    assert "2 replacements" in every.output
    assert (tmp_path / "m.py").read_text("utf-8") == "x = 3\nx = 3\n    y = 2\n"


def test_patch_keeps_crlf_and_refuses_binary(home, tmp_path: Path, tools) -> None:
    (tmp_path / "w.txt").write_bytes(b"one\r\ntwo\r\n")
    (tmp_path / "b.bin").write_bytes(b"ab\0cd")
    ctx, _ = make_ctx(home, tmp_path)
    assert tools.run("patch", {"path": "w.txt", "old_string": "two", "new_string": "2"}, ctx).error is None
    assert (tmp_path / "w.txt").read_bytes() == b"one\r\n2\r\n"
    assert "binary" in tools.run("patch", {"path": "b.bin", "old_string": "ab", "new_string": "x"}, ctx).error


@pytest.mark.parametrize(
    ("policy", "error"),
    [("unattended", "denied: no one to ask (use --approve)"), ("deny", "denied by the approval policy (--approve deny)")],
)
def test_a_refusal_says_who_refused(home, tmp_path: Path, tools, policy: str, error: str) -> None:
    ctx, events = make_ctx(home, tmp_path, policy=policy)
    result = tools.run("write_file", {"path": ".env", "content": "TOKEN=x\n"}, ctx)
    assert result.error == error and result.output.startswith(f"error: {error} (write-env: ")
    assert [e.decision for e in events if isinstance(e, ApprovalResolved)] == ["deny"]
    assert not (tmp_path / ".env").exists()


def test_patch_of_a_protected_file_asks(home, tmp_path: Path, tools) -> None:
    (tmp_path / ".env").write_text("A=1\n", "utf-8")
    ctx, _ = make_ctx(home, tmp_path, policy="deny")
    result = tools.run("patch", {"path": ".env", "old_string": "A=1", "new_string": "A=2"}, ctx)
    assert result.error == "denied by the approval policy (--approve deny)"
    assert (tmp_path / ".env").read_text("utf-8") == "A=1\n"


# -- search_files ---------------------------------------------------------------------------
@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "project"  # beside the test home, which lives in tmp_path/home
    files = {
        "src/app.py": "import os\n\ndef handler(event):\n    return event\n",
        "src/util.py": "def helper():\n    pass  # handler helper\n",
        "docs/notes.md": "The handler is in src/app.py\n",
        ".git/config": "handler = git\n",
        "node_modules/x/index.js": "handler()\n",
        ".hidden/h.txt": "handler\n",
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, "utf-8")
    (root / "src/blob.bin").write_bytes(b"handler\0\0")
    return root


def test_search_files_finds_lines(home, tree: Path, tools) -> None:
    ctx, _ = make_ctx(home, tree)
    result = tools.run("search_files", {"pattern": r"def \w+\("}, ctx)
    assert result.output == "src/app.py:3: def handler(event):\nsrc/util.py:1: def helper():"


def test_search_files_skips_hidden_vendor_and_binary(home, tree: Path, tools) -> None:
    ctx, _ = make_ctx(home, tree)
    lines = tools.run("search_files", {"pattern": "handler"}, ctx).output.splitlines()
    assert [line.split(":")[0] for line in lines] == ["docs/notes.md", "src/app.py", "src/util.py"]


def test_search_files_glob_path_cap_and_literal_fallback(home, tree: Path, tools) -> None:
    ctx, _ = make_ctx(home, tree)
    only_py = tools.run("search_files", {"pattern": "handler", "glob": "*.py"}, ctx).output
    assert "docs/notes.md" not in only_py and "src/app.py:3" in only_py
    in_docs = tools.run("search_files", {"pattern": "handler", "path": "docs"}, ctx).output
    assert in_docs == "docs/notes.md:1: The handler is in src/app.py"
    capped = tools.run("search_files", {"pattern": "handler", "max_results": 1}, ctx).output
    assert capped.endswith("[more matches not shown: narrow the pattern, path or glob]")
    literal = tools.run("search_files", {"pattern": "handler(event"}, ctx).output
    assert literal.startswith("(not a valid regular expression")
    assert "src/app.py:3: def handler(event):" in literal
    nothing = tools.run("search_files", {"pattern": "zzz-none"}, ctx).output
    assert nothing.startswith("no matches for 'zzz-none'")
    assert "does not exist" in tools.run("search_files", {"pattern": "x", "path": "nope"}, ctx).error
