"""hermes-tui: a keyboard-driven terminal workbench for a self-improving LLM agent."""

__version__ = "0.1.0"

import logging as _logging

# Library code logs under "hermes_tui"; nothing reaches the terminal unless an app
# adds a handler (the workbench logs to workbench/hermes.log).
_logging.getLogger("hermes_tui").addHandler(_logging.NullHandler())
