"""Secret redaction: recall on 80+ kinds of fake secrets, false redactions on look-alikes,
throughput on a 10 MB tool log, and what recording a 1 MB tool result costs.

    python benchmarks/bench_redact.py [--mb 10] [--runs 3]

Prints one JSON line:
- ``kinds``, ``recall``, ``missed`` (kinds whose secret survived ``redact``);
- ``lookalikes``, ``false_redaction_rate``, ``falsely_redacted`` (look-alikes changed);
- ``stream_recall``: the same secrets streamed in 1-13 character pieces (StreamRedactor);
- ``throughput_mb_s``, ``ms_per_mb`` and ``cpu_ms_per_mb`` (process time: what the machine's
  load does not inflate) of ``redact`` on a realistic log (best of ``--runs``);
- ``record_1mb_ms``: one 1 MB tool result through the loop's redaction, the event stream
  and the recorder into a real store (best of ``--runs``), and ``record_1mb_redact_ms``,
  the part of it spent redacting, and ``record_1mb_cpu_ms`` (process time).
The samples are generated (tests/secret_samples.py); none is a real credential.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hermes_tui.core.agent.events import EpisodeFinished, EpisodeStarted, EventStream, ToolCallFinished  # noqa: E402
from hermes_tui.core.agent.recorder import Recorder  # noqa: E402
from hermes_tui.core.guard.redact import StreamRedactor, redact  # noqa: E402
from hermes_tui.core.store import Store  # noqa: E402
from tests.secret_samples import log_text, lookalike_samples, secret_samples  # noqa: E402

NO_ENV: dict[str, str] = {}


def detection() -> dict[str, object]:
    secrets, lookalikes = secret_samples(), lookalike_samples()
    missed = [s.kind for s in secrets if s.secret in redact(s.text, NO_ENV)]
    changed = [s.kind for s in lookalikes if redact(s.text, NO_ENV) != s.text]
    rng = random.Random(1)
    stream_missed = []
    for sample in secrets:
        redactor, shown, pos = StreamRedactor(env=NO_ENV), "", 0
        text = "Found this: " + sample.text + " and that is all for now, nothing more to see here."
        while pos < len(text):
            size = rng.choice((1, 2, 3, 5, 8, 13))
            shown += redactor.feed(text[pos : pos + size])
            pos += size
        if sample.secret in shown + redactor.flush():
            stream_missed.append(sample.kind)
    return {
        "kinds": len(secrets),
        "recall": round(1 - len(missed) / len(secrets), 4),
        "missed": missed,
        "stream_recall": round(1 - len(stream_missed) / len(secrets), 4),
        "lookalikes": len(lookalikes),
        "false_redaction_rate": round(len(changed) / len(lookalikes), 4),
        "falsely_redacted": changed,
    }


def best_of(runs: int, fn, clock=time.perf_counter) -> float:
    best = float("inf")
    for _ in range(runs):
        start = clock()
        fn()
        best = min(best, clock() - start)
    return best


def throughput(mb: int, runs: int) -> dict[str, float]:
    log = log_text(mb * 1_000_000)
    texts = iter([log + f" {run}" for run in range(runs)])  # a different text each run: no memo
    seconds = best_of(runs, lambda: redact(next(texts), NO_ENV))
    texts = iter([log + f" cpu {run}" for run in range(runs)])
    cpu = best_of(runs, lambda: redact(next(texts), NO_ENV), clock=time.process_time)
    return {
        "throughput_mb_s": round(mb / seconds, 1),
        "ms_per_mb": round(seconds * 1000 / mb, 1),
        "cpu_ms_per_mb": round(cpu * 1000 / mb, 1),
    }


def recording(runs: int) -> dict[str, float]:
    """A 1 MB tool result: the loop redacts it, the stream and the recorder redact it again."""
    result = log_text(1_000_000, seed=9)
    timings, cpu, redacting = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        with Store.open(Path(tmp) / "bench.db") as store:
            events = EventStream()
            Recorder(store).attach(events)
            for run in range(runs):
                episode = f"bench-{run}"
                events.emit(EpisodeStarted(episode_id=episode, task="bench", model="m", cwd=tmp))
                fresh = result + str(run)  # a new text each run
                start, start_cpu = time.perf_counter(), time.process_time()
                output = redact(fresh)  # what the loop does before emitting
                redacting.append(time.perf_counter() - start)
                events.emit(ToolCallFinished(episode_id=episode, step=1, call_id="c1", name="terminal", result=output))
                timings.append(time.perf_counter() - start)
                cpu.append(time.process_time() - start_cpu)
                events.emit(EpisodeFinished(episode_id=episode, outcome="success"))
    return {
        "record_1mb_ms": round(min(timings) * 1000, 1),
        "record_1mb_cpu_ms": round(min(cpu) * 1000, 1),
        "record_1mb_redact_ms": round(min(redacting) * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    out: dict[str, object] = detection()
    out.update(throughput(args.mb, args.runs))
    out.update(recording(args.runs))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
