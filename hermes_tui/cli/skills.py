"""`hermes-tui skills ...` (not yet implemented)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    """Add the `skills` command(s) to the parser."""
