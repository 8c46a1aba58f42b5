"""The core must not know Textual, and nothing may import litellm eagerly."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
import textwrap

import hermes_tui

CORE_PACKAGES = ("hermes_tui.core", "hermes_tui.cli", "hermes_tui.errors")


def _core_modules() -> list[str]:
    names = ["hermes_tui", "hermes_tui.errors"]
    for info in pkgutil.walk_packages(hermes_tui.__path__, "hermes_tui."):
        if info.name.startswith(("hermes_tui.core", "hermes_tui.cli")):
            names.append(info.name)
    return names


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120)


def test_core_imports_without_textual() -> None:
    modules = _core_modules()
    assert "hermes_tui.core.home" in modules
    code = f"""
    import importlib, sys
    class Block:
        def find_spec(self, name, path=None, target=None):
            if name == "textual" or name.startswith("textual."):
                raise ImportError("textual is blocked in this test")
            return None
    sys.meta_path.insert(0, Block())
    for name in {modules!r}:
        importlib.import_module(name)
    assert not any(m == "textual" or m.startswith("textual.") for m in sys.modules), "textual leaked"
    print("ok", len({modules!r}))
    """
    proc = _run(code)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("ok")


def test_nothing_imports_litellm_eagerly() -> None:
    modules = _core_modules() + ["hermes_tui.ui.app"]
    code = f"""
    import importlib, sys
    for name in {modules!r}:
        importlib.import_module(name)
    leaked = sorted(m for m in sys.modules if m == "litellm" or m.startswith("litellm."))
    assert not leaked, leaked
    print("ok")
    """
    proc = _run(code)
    assert proc.returncode == 0, proc.stderr
