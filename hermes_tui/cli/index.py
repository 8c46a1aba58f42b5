"""`hermes-tui index ...` (not yet implemented)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    """Add the `index` command(s) to the parser."""
