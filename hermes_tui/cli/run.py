"""`hermes-tui run ...` (not yet implemented)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    """Add the `run` command(s) to the parser."""
