"""litellm, imported our way, never loads a .env file from the working folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

CHILD = """
import os
from hermes_tui.core.agent.llm import import_litellm
import_litellm()
print("LEAKED" if "HERMES_DOTENV_CANARY" in os.environ else "CLEAN")
"""


@pytest.mark.slow
def test_import_ignores_a_dotenv_in_the_working_folder(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("HERMES_DOTENV_CANARY=sk-canary-0123456789\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("LITELLM_MODE", "HERMES_DOTENV_CANARY")}
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).resolve().parents[1]), env.get("PYTHONPATH", "")])
    proc = subprocess.run(
        [sys.executable, "-c", CHILD], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "CLEAN"
