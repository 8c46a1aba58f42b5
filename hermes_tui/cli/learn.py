"""`hermes-tui learn [--episodes ID...] [--json]`: run the learning loop on recorded episodes.

Without ``--episodes`` it takes the most recent successful episodes (``--limit``,
oldest first, so patterns build up as they did). Every candidate goes to the gate
(``hermes-tui pending``); ``[learning] auto_approve`` applies the loop's own items.
Runs whether or not ``[learning] enabled`` is set: asking is the user's decision.

``--json`` prints ``{"outcomes": [{episode_id, action, reason, pending_id, skill,
distiller, feedback}, ...]}``; action is created, merged, patch, rejected or skipped.
``feedback`` says when a person's feedback kept the loop from learning from the
episode: "rated-bad" (rated 1-2) or "corrected" (a turn or tool step corrected); else null.
"""

from __future__ import annotations

import argparse

from hermes_tui.cli.common import Workspace, plural, print_json
from hermes_tui.errors import HermesError, UsageError


def register(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("learn", parents=[parent], help="distill skill candidates from recorded episodes")
    p.add_argument("--episodes", nargs="+", metavar="ID", help="these episodes (default: the recent successful ones)")
    p.add_argument("--limit", type=int, default=20, metavar="N", help="how many recent episodes (default 20)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_learn)


def cmd_learn(args: argparse.Namespace) -> int:
    from hermes_tui.core.learning import learner_for

    if args.limit < 1:
        raise UsageError("--limit must be at least 1")
    with Workspace(args, strict_config=True) as ws:
        if args.episodes:
            missing = [eid for eid in args.episodes if ws.store.get_episode(eid) is None]
            if missing:
                raise HermesError(f"no episode {missing[0]!r} (hermes-tui episodes list shows them)")
            ids = list(dict.fromkeys(args.episodes))
        else:
            recent = [e for e in ws.store.list_episodes(limit=args.limit) if e.get("outcome") == "success"]
            ids = [e["id"] for e in sorted(recent, key=lambda e: e.get("started_at") or 0)]
        learner = learner_for(ws.home, ws.store, ws.library, ws.config)
        outcomes = [learner.consider(eid) for eid in ids]
    if args.json:
        print_json({"outcomes": [o.to_dict() for o in outcomes]})
        return 0
    for o in outcomes:
        target = f" {o.skill}" if o.skill else ""
        pending = f" -> pending {o.pending_id}" if o.pending_id and o.action != "skipped" else ""
        print(f"{o.episode_id}: {o.action}{target}{pending}: {o.reason}".rstrip(": "))
    made = sum(o.action in ("created", "patch") for o in outcomes)
    print(f"{plural(len(outcomes), 'episode')}, {plural(made, 'new proposal')}")
    return 0
