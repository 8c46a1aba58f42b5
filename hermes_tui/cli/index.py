"""`hermes-tui index rebuild`: rebuild the full-text indexes from the tables."""

from __future__ import annotations

import argparse
import time

from hermes_tui.cli.common import home_from_args
from hermes_tui.core.home import Home


def rebuild_index(home: Home) -> dict[str, float]:
    """Re-sync the skill library and the memory entries from their files, then rebuild and optimise every FTS
    index of the home's store; returns row counts and seconds."""
    from hermes_tui.core.memory import sync_memory_notes
    from hermes_tui.core.skills.library import SkillLibrary
    from hermes_tui.core.store import Store

    started = time.perf_counter()
    with Store.open(home.db_path) as store:
        SkillLibrary(home, store).sync()
        sync_memory_notes(home, store)
        store.rebuild_indexes()
        store.optimize()
        counts = {table: store.count(table) for table in ("skills", "episodes", "events", "notes")}
    return {**counts, "seconds": round(time.perf_counter() - started, 3)}


def cmd_rebuild(args: argparse.Namespace) -> int:
    figures = rebuild_index(home_from_args(args))
    seconds = figures.pop("seconds")
    rows = ", ".join(f"{n} {table}" for table, n in figures.items())
    print(f"rebuilt the search indexes ({rows}) in {seconds:.2f} s")
    return 0


def register(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    """Add the `index` command(s) to the parser."""
    p = sub.add_parser("index", parents=[parent], help="maintain the search indexes")
    isub = p.add_subparsers(dest="index_command", metavar="SUBCOMMAND")
    r = isub.add_parser(
        "rebuild", parents=[parent], help="rebuild the full-text indexes from the tables",
        description="Rebuild every full-text index from the stored rows, then optimise it.",
    )
    r.set_defaults(func=cmd_rebuild)
