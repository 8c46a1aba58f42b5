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
- ``ctrl_c_at_1s_exit_s``, ``ctrl_c_importing_exit_s``, ``ctrl_c_streaming_exit_s``:
  from SIGINT to the exit, for a SIGINT one second after the start, 0.1 s after the
  first ``turn_started`` (litellm still importing) and one second into a slow stream;
  ``*_outcomes``: the episodes' outcomes (or the error line when none had started)
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
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.llm_server import Reply, ScriptedServer  # noqa: E402

TIMEOUT = 120.0  # seconds before a child is taken as hung
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
    """One child `run --json`: when each event type first appeared, and the exit.

    ``interrupt_at``: send SIGINT that many seconds after the start;
    ``interrupt_after``: (event type, seconds): that long after the first such event.
    """

    def __init__(
        self, args: list[str], *, interrupt_at: float | None = None, interrupt_after: tuple[str, float] | None = None
    ) -> None:
        self.first: dict[str, float] = {}
        self.events: list[dict[str, Any]] = []
        self.signalled: float | None = None
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            proc = subprocess.Popen(
                [sys.executable, "-m", "hermes_tui", "run", *args, "--json"],
                cwd=tmp, env=child_env(Path(tmp) / "home"), stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            )  # fmt: skip
            assert proc.stdout is not None and proc.stderr is not None

            def interrupt() -> None:
                if proc.poll() is None:
                    self.signalled = time.perf_counter() - start
                    proc.send_signal(signal.SIGINT)

            timer = threading.Timer(interrupt_at, interrupt) if interrupt_at is not None else None
            if timer is not None:
                timer.start()
            watchdog = threading.Timer(TIMEOUT, proc.kill)  # a hung child must not hang the benchmark
            watchdog.start()
            for line in proc.stdout:
                event = json.loads(line)
                self.events.append(event)
                self.first.setdefault(event["type"], time.perf_counter() - start)
                if interrupt_after is not None and event["type"] == interrupt_after[0]:
                    threading.Timer(interrupt_after[1], interrupt).start()
                    interrupt_after = None
            self.stderr = proc.stderr.read()
            proc.wait()
            self.exit = time.perf_counter() - start
            watchdog.cancel()
            if timer is not None:
                timer.cancel()
            if self.exit >= TIMEOUT:
                raise SystemExit(f"a child hung (killed after {TIMEOUT} s): run {' '.join(args)}")
            self.after_signal = self.exit - self.signalled if self.signalled is not None else None
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


def failure_cases() -> dict[str, dict[str, str | None]]:
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
    from hermes_tui.errors import ModelNotConfigured

    import_litellm()
    saved = {k: os.environ.pop(k) for k in KEY_VARS if k in os.environ}
    out: dict[str, float] = {}
    try:
        for name, over in failure_cases().items():
            base = {"name": server.model, "api_base": server.url, "api_key": server.api_key}
            base.update({k[2:].replace("-", "_"): v or "" for k, v in over.items()})
            start = time.perf_counter()
            try:
                ModelClient(ModelConfig(**base)).stream_turn([{"role": "user", "content": "hi"}])
            except (ModelError, ModelNotConfigured):  # the latter: refused before any request
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
        for name, over in failure_cases().items():
            runs = [Timeline(["say hello", *model_args(server, **over)]) for _ in range(opts.repeat)]
            result[f"fail_{name}_s"] = median([t.exit for t in runs])
            reasons[name] = runs[-1].reason
        result.update(in_process_failures(server))
        slow = Reply(text="slowly " * 2000, chunk_size=7, delay=0.02)
        cases = {
            "ctrl_c_at_1s": {"interrupt_at": 1.0},
            "ctrl_c_importing": {"interrupt_after": ("turn_started", 0.1)},
            "ctrl_c_streaming": {"interrupt_after": ("text_delta", 1.0)},
        }
        for key, when in cases.items():
            stops = []
            for _ in range(opts.repeat):
                if not server.pending:  # a run interrupted before its request leaves it queued
                    server.queue(slow)
                stops.append(Timeline(["say hello", *model_args(server)], **when))
            result[f"{key}_exit_s"] = median([t.after_signal for t in stops])
            result[f"{key}_outcomes"] = sorted({t.events[-1].get("outcome", "") if t.events else t.stderr for t in stops})
        if opts.show_reasons:
            result["reasons"] = reasons
    print(json.dumps(result))


if __name__ == "__main__":
    main()
