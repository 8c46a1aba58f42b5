"""`hermes-tui search QUERY [--kind K] [--limit N] [--json]`."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from hermes_tui.cli.common import Workspace, print_json
from hermes_tui.errors import UsageError


def parse_kinds(values: list[str] | None) -> list[str] | None:
    """``--kind`` values (repeatable, each may be comma-separated) -> kinds, or None for all."""
    from hermes_tui.core.store.search import KINDS

    if not values:
        return None
    kinds: list[str] = []
    for value in values:
        for kind in value.split(","):
            kind = kind.strip().lower()
            if not kind:
                continue
            if kind not in KINDS:
                raise UsageError(f"unknown kind {kind!r} (choose from {', '.join(KINDS)})")
            if kind not in kinds:
                kinds.append(kind)
    return kinds or None


def _render_snippet(snippet: str, styled: bool) -> Any:
    from hermes_tui.core.store.search import HIGHLIGHT_END, HIGHLIGHT_START

    if not styled:
        return snippet
    from rich.text import Text

    text = Text()
    bold = False
    for piece in snippet.replace(HIGHLIGHT_END, HIGHLIGHT_START).split(HIGHLIGHT_START):
        text.append(piece, style="bold" if bold else None)
        bold = not bold
    return text


def cmd_search(args: argparse.Namespace) -> int:
    from hermes_tui.core.store import search_result

    if not args.query.strip():
        raise UsageError("QUERY is empty; give the words to look for")
    if args.limit <= 0:
        raise UsageError("--limit must be a positive number")
    kinds = parse_kinds(args.kind)
    # The library is synced from its files first, so hand edits are always found.
    # A Ctrl+C stops the query at once (the store's time limit checks for it).
    with Workspace(args, sync=kinds is None or "skill" in kinds, hermes=True) as ws:
        result = search_result(ws.store, args.query, kinds=kinds, limit=args.limit, rated=args.rated,
                               min_rating=args.min_rating)
    hits = result.hits
    if result.partial:
        print("hermes-tui: warning: the search hit its time limit; these are the best matches found by then",
              file=sys.stderr)
    if args.json:
        print_json([h.to_dict() for h in hits])
        return 0
    if not hits:
        print("no matches", file=sys.stderr)
        return 0
    styled = sys.stdout.isatty()
    if styled:
        from rich.console import Console

        console = Console(highlight=False)
        for hit in hits:
            console.print(f"[cyan]{hit.kind}[/cyan] {hit.id}  [bold]{hit.title}[/bold]", markup=True)
            console.print(_render_snippet(hit.snippet, True))
            console.print()
    else:
        for hit in hits:
            print(f"{hit.kind} {hit.id}  {hit.title}")
            print(f"    {hit.snippet}")
    return 0


def register(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    """Add the `search` command to the parser."""
    p = sub.add_parser(
        "search",
        parents=[parent],
        help="search skills, episodes, events and notes",
        description=(
            "Full-text search over skills, episodes, tool events and memory notes. Any text is a "
            "safe query: words must all match (else the rare ones rank first; a sentence is ranked by "
            "its rare words), the last word also matches as a prefix, \"quoted words\" match as a "
            "phrase. Matches are marked «like this» (bold on a terminal). A search stops after 0.5 s "
            "with the best matches found by then (a warning says so); Ctrl+C stops it at once."
        ),
    )
    p.add_argument("query", metavar="QUERY", help="what to look for")
    p.add_argument(
        "--kind",
        action="append",
        metavar="K",
        help="only these kinds: skill, episode, event, note (repeat, or comma-separate: --kind skill,note)",
    )
    p.add_argument("--limit", type=int, default=20, metavar="N", help="at most N results (default 20)")
    p.add_argument("--rated", choices=("good", "bad", "any"), help="only episodes rated so, and their events")
    p.add_argument("--min-rating", type=int, metavar="N", help="only episodes rated at least N (1-5), and their events")
    p.add_argument("--json", action="store_true", help="print a JSON list of hits")
    p.set_defaults(func=cmd_search)
