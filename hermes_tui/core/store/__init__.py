"""The store (SQLite via apsw) and the one search API."""

from hermes_tui.core.store.db import Store
from hermes_tui.core.store.search import HIGHLIGHT_END, HIGHLIGHT_START, Hit, SearchResult, search, search_result

__all__ = ["Store", "search", "search_result", "SearchResult", "Hit", "HIGHLIGHT_START", "HIGHLIGHT_END"]
