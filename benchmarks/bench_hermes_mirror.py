"""Mirroring Hermes Agent's state.db into the workbench store.

    python benchmarks/bench_hermes_mirror.py [--messages 100000] [--per-session 100] [--looks 200]

Builds a Hermes home (schema version 30, WAL) with ``--messages`` messages in sessions of
``--per-session`` (user and assistant text, assistant tool calls with their results, some
reasoning), then times the first mirror (target: >= 20,000 messages/s), a look with
nothing new (target: < 50 ms; median and max of ``--looks``), and a look after one new
message in one session. Prints one JSON line; the first mirror's rate is given by wall
clock and by this process's CPU time (the machine may be shared: ``load_average``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.textgen import TextGen  # noqa: E402
from hermes_tui.core.hermes.mirror import HermesMirror  # noqa: E402
from hermes_tui.core.home import Home  # noqa: E402
from hermes_tui.core.store import Store  # noqa: E402
from tests.hermes_state import HermesStateDb, tool_call  # noqa: E402


def build(root: Path, messages: int, per_session: int, gen: TextGen) -> str:
    words = lambda n: " ".join(gen.words(n))  # noqa: E731
    db = HermesStateDb.create(root / "state.db", 30)
    db.conn.execute("BEGIN")
    t = 1_750_000_000.0
    made, session = 0, ""
    platforms = ("cli", "telegram", "discord", "tui", "slack")
    while made < messages:
        session = db.session(f"s{made:08d}", source=platforms[made % 5], started_at=t, model="gpt-4.1",
                             input_tokens=1000, output_tokens=200, estimated_cost_usd=0.01, title=None)
        for i in range(min(per_session, messages - made)):
            t += 1
            kind = i % 4
            if kind == 0:
                db.message(session, "user", words(25), timestamp=t)
            elif kind == 1:
                db.message(session, "assistant", "", timestamp=t, reasoning=words(15),
                           tool_calls=[tool_call(f"c{made}", "terminal", {"command": words(4)})])
            elif kind == 2:
                db.message(session, "tool", words(60), timestamp=t, tool_call_id=f"c{made - 1}",
                           tool_name="terminal")
            else:
                db.message(session, "assistant", words(40), timestamp=t)
            made += 1
        db.update("sessions", session, ended_at=t, end_reason="user_exit", message_count=per_session)
    db.conn.execute("COMMIT")
    db.close()
    return session


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--per-session", type=int, default=100)
    parser.add_argument("--looks", type=int, default=200)
    args = parser.parse_args()
    gen = TextGen(seed=7)
    with tempfile.TemporaryDirectory() as tmp:
        home = Home(Path(tmp) / "home").ensure()
        t0 = time.perf_counter()
        last = build(home.root, args.messages, args.per_session, gen)
        build_s = time.perf_counter() - t0
        with Store.open(home.db_path) as store:
            mirror = HermesMirror(home, store)
            t0, c0 = time.perf_counter(), time.process_time()
            report = mirror.look()
            first_s, first_cpu = time.perf_counter() - t0, time.process_time() - c0
            assert report.messages == args.messages, report
            idle = []
            for _ in range(args.looks):
                t0 = time.perf_counter()
                again = HermesMirror(home, store).look()  # (a new mirror each time, as a new command would)
                idle.append((time.perf_counter() - t0) * 1000)
                assert not again.looked
            db = HermesStateDb(home.root / "state.db", 30)
            db.message(last, "user", "one more message", timestamp=time.time())
            db.close()
            t0 = time.perf_counter()
            one = mirror.look()
            one_ms = (time.perf_counter() - t0) * 1000
            assert one.conversations == 1
            events = store.execute("SELECT count(*) FROM events")[0][0]
    print(json.dumps({
        "messages": args.messages,
        "sessions": -(-args.messages // args.per_session),
        "events": events,
        "build_s": round(build_s, 2),
        "first_mirror_s": round(first_s, 2),
        "messages_per_s": round(args.messages / first_s),
        "first_mirror_cpu_s": round(first_cpu, 2),
        "messages_per_cpu_s": round(args.messages / first_cpu),
        "load_average": round(os.getloadavg()[0], 1),
        "idle_look_ms_median": round(statistics.median(idle), 3),
        "idle_look_ms_max": round(max(idle), 3),
        "one_new_message_ms": round(one_ms, 1),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
