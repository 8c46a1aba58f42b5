"""The command line: ``hermes-tui [--home DIR] [COMMAND ...]``.

Each command group lives in its own module with a ``register(subparsers, parent)``
function; its handlers take the parsed ``args`` and return an exit code. Errors
meant for the user are :class:`~hermes_tui.errors.HermesError` and print as one
line; nothing prints a traceback unless ``HERMES_DEBUG=1``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import Sequence

from hermes_tui import __version__
from hermes_tui.errors import HermesError

# Command modules, in help order. Each defines register(subparsers, parent).
COMMAND_MODULES = (
    "hermes_tui.cli.skills",
    "hermes_tui.cli.pending",
    "hermes_tui.cli.search",
    "hermes_tui.cli.memory",
    "hermes_tui.cli.bench",
    "hermes_tui.cli.index",
    "hermes_tui.cli.run",
    "hermes_tui.cli.episodes",
    "hermes_tui.cli.demo",
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2
        self.exit(2, f"{self.prog}: error: {message}\n")


def home_option_parser() -> argparse.ArgumentParser:
    """``--home DIR``, accepted before or after any command."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--home",
        metavar="DIR",
        default=argparse.SUPPRESS,
        help="the home folder (default: $HERMES_HOME, else ~/.hermes)",
    )
    return parent


def build_parser() -> argparse.ArgumentParser:
    parent = home_option_parser()
    parser = _Parser(
        prog="hermes-tui",
        description="A keyboard-driven terminal workbench for a self-improving LLM agent.",
        parents=[parent],
    )
    parser.add_argument("--version", action="version", version=f"hermes-tui {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        module = importlib.import_module(name)
        module.register(sub, parent)
    return parser


def _group_parser(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser:
    for action in parser._subparsers._group_actions if parser._subparsers else ():
        if isinstance(action, argparse._SubParsersAction) and name in action.choices:
            return action.choices[name]
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "home"):
        args.home = None
    try:
        if getattr(args, "func", None) is None:
            if args.command:  # a group given without its subcommand: bad usage
                group = _group_parser(parser, args.command)
                group.print_usage(sys.stderr)
                print(f"{group.prog}: error: a subcommand is required", file=sys.stderr)
                return 2
            from hermes_tui.ui.app import run_app

            return run_app(home=args.home)
        return int(args.func(args) or 0)
    except HermesError as exc:
        print(f"hermes-tui: error: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("hermes-tui: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): not an error worth a message.
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return 0
    except Exception as exc:  # last resort: one line, never a traceback
        if os.environ.get("HERMES_DEBUG"):
            raise
        print(
            f"hermes-tui: internal error: {type(exc).__name__}: {' '.join(str(exc).split())} "
            "(set HERMES_DEBUG=1 for details)",
            file=sys.stderr,
        )
        return 1
