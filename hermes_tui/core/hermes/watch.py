"""Mirror Hermes's state.db again whenever it changes, in a background thread.

state.db is written by Hermes processes many times a second in bursts; watching the
home with inotify would also wake on every write of our own store (workbench/). So
the watcher polls what a look compares anyway: the ``stat`` of state.db and its
``-wal`` (a few microseconds), and runs :meth:`HermesMirror.look` when it changed. Its
first look is the mirror at start. In the same loop it lists Hermes's two pending
folders (``pending/skills``, ``pending/memory``: names only) and says when a staged
write appeared or went.
"""

from __future__ import annotations

import threading
from typing import Callable

from hermes_tui.core.hermes.statedb import file_stamp
from hermes_tui.core.home import Home

INTERVAL = 0.5  # seconds between two stats of state.db


class HermesWatcher:
    """``on_change(report)`` after a look that mirrored something; ``on_note(text)`` for its notes
    (each distinct note once); ``on_pending()`` when Hermes's staged writes changed (and once at
    start). All are called on the watcher's thread."""

    def __init__(self, home: Home, *, on_change: Callable[[object], None] | None = None,
                 on_note: Callable[[str], None] | None = None, on_pending: Callable[[], None] | None = None,
                 interval: float = INTERVAL) -> None:
        self.home = home
        self.on_change = on_change
        self.on_note = on_note
        self.on_pending = on_pending
        self.interval = interval
        self.looks = 0  # looks that read state.db or found nothing new
        self.attempts = 0  # looks tried (a failed one is tried again at the next poll)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._said: set[str] = set()

    def start(self) -> "HermesWatcher":
        self._thread = threading.Thread(target=self._run, name="hermes-watcher", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def __enter__(self) -> "HermesWatcher":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        from hermes_tui.core.hermes.mirror import HermesMirror
        from hermes_tui.core.hermes.pending import waiting_names
        from hermes_tui.core.store import Store

        path = self.home.root / "state.db"
        try:
            store = Store.open(self.home.db_path)
        except Exception as exc:  # (a StoreError, an unreadable home): said once, nothing watched
            self._note(f"Hermes sessions are not followed: {exc}")
            return
        try:
            mirror = HermesMirror(self.home, store)
            seen = staged = None
            while not self._stop.is_set():
                stamp = file_stamp(path)
                if stamp != seen:
                    seen = stamp if self._look(mirror) else None  # (a failed look is tried again)
                names = waiting_names(self.home)
                if names != staged:
                    staged = names
                    if self.on_pending is not None and not self._stop.is_set():
                        self.on_pending()
                self._stop.wait(self.interval)
        finally:
            store.close()

    def _look(self, mirror: object) -> bool:
        """One look; False when state.db could not be read (locked, corrupt, gone)."""
        self.attempts += 1
        try:
            report = mirror.look()  # type: ignore[attr-defined]
        except Exception as exc:  # keep watching whatever happens
            self._note(f"Hermes mirror failed: {type(exc).__name__}: {exc}")
            return False
        self.looks += 1
        for note in report.notes:
            self._note(note)
        if report.conversations and self.on_change is not None:
            self.on_change(report)
        return report.looked or not report.notes

    def _note(self, text: str) -> None:
        if text not in self._said and self.on_note is not None:
            self._said.add(text)
            self.on_note(" ".join(text.split()))
