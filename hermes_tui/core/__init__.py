"""The core of hermes-tui. It knows nothing of Textual (a test enforces it)."""
