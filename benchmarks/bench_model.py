"""Model start, exit and failure times of `hermes-tui run`, against a local server.

    python benchmarks/bench_model.py [--repeat 3]

Each figure is the median of ``--repeat`` child processes (``python -m hermes_tui run
... --json``) against the instant OpenAI-compatible server of tests/llm_server.py on
127.0.0.1 (offline; a temporary home each time). Prints one JSON line:

- ``import_litellm_s``: a bare ``import_litellm()`` in a fresh interpreter
- ``hello_first_token_s`` / ``hello_finished_s`` / ``hello_exit_s``: ``run "say hello"``
  from the start of the process to its first ``text_delta``, to its
  ``episode_finished`` line and to its exit; ``hello_exit_after_finish_s`` is the gap
- ``fail_missing_key_s``, ``fail_bad_url_s``, ``fail_refused_s``: wall time of a run
  with no API key, ``--api-base not-a-url``, and a port nothing listens on
  (``*_after_import_s``: the same failure in-process, litellm already imported)
- ``ctrl_c_exit_s``: SIGINT one second into a slow stream, to the process's exit
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.llm_server import Reply, ScriptedServer  # noqa: E402

KEY_VARS = ("OPENAI_API_KEY", "HERMES_API_KEY", "HERMES_MODEL", "HERMES_API_BASE")


def child_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in KEY_VARS}
    env.update(HERMES_HOME=str(home), PYTHONUNBUFFERED="1", PYTHONPATH=str(ROOT))
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Timeline:
    """One child `run --json`: the time each event type first appeared, and the exit."""

    def __init__(self, args: list[str], *, interrupt_after: float | None = None) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            proc = subprocess.Popen(
                [sys.executable, "-m", "hermes_tui", "run", *args, "--json"],
                cwd=tmp, env=child_env(Path(tmp) / "home"), stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            )  # fmt: skip
            assert proc.stdout is not None
            self.first: dict[str, float] = {}
            self.events: list[dict[str, Any]] = []
            for line in proc.stdout:
                event = json.loads(line)
                self.events.append(event)
                self.first.setdefault(event["type"], time.perf_counter() - start)
                if interrupt_after is not None and event["type"] == "text_delta":
                    time.sleep(interrupt_after)
                    sent = time.perf_counter()
                    proc.send_signal(signal.SIGINT)
                    interrupt_after = None
            self.stderr = proc.stderr.read() if proc.stderr else ""
            proc.wait(timeout=120)
            self.exit = time.perf_counter() - start
            self.after_signal = self.exit - (sent - start) if "sent" in locals() else None
            self.returncode = proc.returncode

    @property
    def reason(self) -> str:
        return self.events[-1].get("reason", "") if self.events else self.stderr.strip()


def median(values: list[float | None]) -> float | None:
    clean = [v for v in values if v is not None]
    return round(statistics.median(clean), 3) if clean else None


def model_args(server: ScriptedServer, **over: str) -> list[str]:
    opts = {"--model": server.model, "--api-base": server.url, "--api-key": server.api_key, **over}
    return [part for key, value in opts.items() if value is not None for part in (key, value)]


def failure_cases(server: ScriptedServer) -> dict[str, dict[str, str | None]]:
    return {
        "missing_key": {"--api-key": None},
        "bad_url": {"--api-base": "not-a-url"},
        "refused": {"--api-base": f"http://127.0.0.1:{free_port()}/v1"},
    }


def import_time() -> float:
    code = (
        "import time; t = time.perf_counter()\n"
        "from hermes_tui.core.agent.llm import import_litellm; import_litellm()\n"
        "print(time.perf_counter() - t)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run([sys.executable, "-c", code], env=child_env(Path(tmp)), capture_output=True, text=True)
    return float(out.stdout.strip())


def in_process_failures(server: ScriptedServer) -> dict[str, float]:
    """Each failure case through ModelClient with the default retry policy, litellm loaded."""
    from hermes_tui.core.agent.llm import ModelClient, ModelError, import_litellm
    from hermes_tui.core.config import ModelConfig

    import_litellm()
    saved = {k: os.environ.pop(k) for k in KEY_VARS if k in os.environ}
    out: dict[str, float] = {}
    try:
        for name, over in failure_cases(server).items():
            base = {"name": server.model, "api_base": server.url, "api_key": server.api_key}
            base.update({k[2:].replace("-", "_"): v or "" for k, v in over.items()})
            start = time.perf_counter()
            try:
                ModelClient(ModelConfig(**base)).stream_turn([{"role": "user", "content": "hi"}])
            except ModelError:
                pass
            out[f"fail_{name}_after_import_s"] = round(time.perf_counter() - start, 3)
    finally:
        os.environ.update(saved)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--show-reasons", action="store_true", help="also print each failure's message")
    opts = parser.parse_args()
    result: dict[str, Any] = {"repeat": opts.repeat}
    result["import_litellm_s"] = median([import_time() for _ in range(opts.repeat)])
    with ScriptedServer() as server:
        hello = []
        for _ in range(opts.repeat):
            server.queue(Reply(text="Hello! How can I help?"))
            hello.append(Timeline(["say hello", *model_args(server)]))
        result["hello_first_token_s"] = median([t.first.get("text_delta") for t in hello])
        result["hello_finished_s"] = median([t.first.get("episode_finished") for t in hello])
        result["hello_exit_s"] = median([t.exit for t in hello])
        result["hello_exit_after_finish_s"] = median([t.exit - t.first["episode_finished"] for t in hello])
        reasons = {}
        for name, over in failure_cases(server).items():
            runs = [Timeline(["say hello", *model_args(server, **over)]) for _ in range(opts.repeat)]
            result[f"fail_{name}_s"] = median([t.exit for t in runs])
            reasons[name] = runs[-1].reason
        result.update(in_process_failures(server))
        stops = []
        for _ in range(opts.repeat):
            server.queue(Reply(text="slowly " * 2000, chunk_size=7, delay=0.02))
            stops.append(Timeline(["say hello", *model_args(server)], interrupt_after=1.0))
        result["ctrl_c_exit_s"] = median([t.after_signal for t in stops])
        result["ctrl_c_outcome"] = stops[-1].events[-1].get("outcome") if stops[-1].events else None
        if opts.show_reasons:
            result["reasons"] = reasons
    print(json.dumps(result))


if __name__ == "__main__":
    main()
