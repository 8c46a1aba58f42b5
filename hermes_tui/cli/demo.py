"""`hermes-tui demo`: the workbench on a throwaway home with a built-in scripted model.

Nothing touches the user's home or current folder: the demo's home and the sample
files its agent works on live in a new temporary folder, removed on exit.
"""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("demo", help="open the workbench on a throwaway demo home (no API key needed)")
    p.add_argument("--keep", action="store_true", help="keep the demo folder on exit (its path is printed)")
    p.set_defaults(func=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    from hermes_tui.ui.demo import run_demo

    return run_demo(keep=args.keep)
