"""`hermes-tui memory ...` (not yet implemented)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    """Add the `memory` command(s) to the parser."""
