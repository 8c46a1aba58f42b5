"""The command line: ``hermes-tui [--home DIR] [COMMAND ...]``.

Each command group lives in its own module with a ``register(subparsers, parent)``
function; its handlers take the parsed ``args`` and return an exit code. Errors
meant for the user are :class:`~hermes_tui.errors.HermesError` and print as one
line; nothing prints a traceback unless ``HERMES_DEBUG=1``.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import logging
import os
import sys
from typing import Any, Sequence

from hermes_tui import __version__
from hermes_tui.core.fsutil import describe_os_error
from hermes_tui.errors import HermesError, one_line

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
    "hermes_tui.cli.export",
    "hermes_tui.cli.demo",
    "hermes_tui.cli.learn",
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


class _OutputError(HermesError):
    """stdout cannot take the command's output."""


class _CheckedOutput:
    """``sys.stdout`` while a command runs: a write the output cannot take (a full disk,
    ``> /dev/full``, an I/O error) is one clear HermesError, not an internal error."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def _checked(self, call: Any, *args: Any) -> Any:
        try:
            return call(*args)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise _OutputError(f"cannot write the output: {describe_os_error(exc)}") from exc

    def write(self, text: str) -> int:
        return self._checked(self._stream.write, text)

    def flush(self) -> None:
        self._checked(self._stream.flush)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _drop_output() -> None:
    """Send what is left of stdout to /dev/null, so the exit's flush fails no more."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.__stdout__.fileno())
        os.close(devnull)
    except (OSError, AttributeError, ValueError):
        pass


def _run_command(args: argparse.Namespace) -> int:
    real = sys.stdout
    sys.stdout = _CheckedOutput(real)
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()
        return code
    finally:
        sys.stdout = real


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; ``argv=None`` means the program itself (then see :func:`_ending`)."""
    code = _main(argv)
    if argv is None:
        _ending(code)
    return code


def _ending(code: int) -> None:
    """The process ends next: skip the slow or unsafe parts of the interpreter's teardown.

    Once litellm is loaded, the teardown is not safe: a thread still inside litellm (a
    background import, or a stream cancelled by Ctrl+C while litellm imported lazily)
    is frozen holding a module's import lock, and litellm's ``__del__`` methods import
    during the teardown: exit hung for ever (seen about one run in ten of a Ctrl+C'd
    ``run`` under load). Then the process ends here, once logs and output are flushed;
    every command has closed its store and files by now. Otherwise the live objects
    are frozen: nothing in them needs collecting, and the last collection is skipped.
    """
    from hermes_tui.core.agent.llm import litellm_importing

    if litellm_importing() or "litellm" in sys.modules:
        logging.shutdown()
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(code)
    gc.freeze()


def _main(argv: Sequence[str] | None) -> int:
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
        return _run_command(args)
    except HermesError as exc:
        if isinstance(exc, _OutputError):
            _drop_output()
        print(f"hermes-tui: error: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("hermes-tui: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): not an error worth a message.
        _drop_output()
        return 0
    except Exception as exc:  # last resort: one line, never a traceback
        if os.environ.get("HERMES_DEBUG"):
            raise
        print(
            f"hermes-tui: internal error: {one_line(exc)} "
            "(set HERMES_DEBUG=1 for details)",
            file=sys.stderr,
        )
        return 1
