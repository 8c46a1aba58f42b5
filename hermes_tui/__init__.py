"""hermes-tui: a keyboard-driven terminal workbench for a self-improving LLM agent."""

__version__ = "0.1.0"
