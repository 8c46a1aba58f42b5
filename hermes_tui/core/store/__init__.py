"""The store (SQLite via apsw) and the one search API."""

from hermes_tui.core.store.db import Store
from hermes_tui.core.store.search import HIGHLIGHT_END, HIGHLIGHT_START, Hit, search

__all__ = ["Store", "search", "Hit", "HIGHLIGHT_START", "HIGHLIGHT_END"]
