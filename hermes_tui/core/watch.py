"""Hot reload: watch skills/ and re-sync every SKILL.md that is edited by hand,
added, moved or deleted, so the change is searchable within a few hundred ms.

The watcher runs in its own thread with its own store connection. Editors' save
patterns are handled: a temp file renamed over SKILL.md shows up as a change of
SKILL.md; swap and backup files (``.swp``, ``~``, vim's ``4913`` probe, our own
``.SKILL.md.*.tmp``) are ignored. A burst of changes arrives as one batch
(grouped for at most ``debounce_ms``) and is applied in one transaction.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable

from hermes_tui.core.home import Home
from hermes_tui.errors import one_line

# Tuned with benchmarks/bench_reload.py: a change is yielded once nothing new has
# arrived for STEP_MS, and a burst is grouped for at most DEBOUNCE_MS.
DEBOUNCE_MS = 200
STEP_MS = 20


def _make_filter():
    from watchfiles import DefaultFilter

    class SkillFilter(DefaultFilter):
        ignore_entity_patterns = (
            *DefaultFilter.ignore_entity_patterns,
            r"^4913$",  # vim's write probe
            r"\.tmp$",  # temp files of atomic writes (ours and editors')
            r"^#.*#$",  # emacs auto-save
            r"\.(swx|swp|swo|bak|orig|rej)$",
        )

    return SkillFilter()


class SkillWatcher:
    """Watch a home's skills/ folder in a background thread.

    ``on_change(report)`` is called (on the watcher's thread) after each batch that
    changed the library; ``on_error(message)`` with a one-line message when a batch
    could not be applied (the watcher goes on).
    """

    def __init__(
        self,
        home: Home,
        *,
        on_change: Callable[[object], None] | None = None,
        on_error: Callable[[str], None] | None = None,
        debounce_ms: int = DEBOUNCE_MS,
        step_ms: int = STEP_MS,
    ) -> None:
        self.home = home
        self.on_change = on_change
        self.on_error = on_error
        self.debounce_ms = debounce_ms
        self.step_ms = step_ms
        self.ready = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.batches = 0

    def start(self) -> "SkillWatcher":
        self.home.skills_dir.mkdir(parents=True, exist_ok=True)
        self._thread = threading.Thread(target=self._run, name="skill-watcher", daemon=True)
        self._thread.start()
        return self

    def wait_ready(self, timeout: float = 5.0) -> bool:
        return self.ready.wait(timeout)

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def __enter__(self) -> "SkillWatcher":
        self.start()
        self.wait_ready()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        from watchfiles import watch

        from hermes_tui.core.skills.library import SkillLibrary
        from hermes_tui.core.store import Store

        store = None
        try:
            store = Store.open(self.home.db_path)
            library = SkillLibrary(self.home, store)
            for changes in watch(
                self.home.skills_dir,
                watch_filter=_make_filter(),
                debounce=self.debounce_ms,
                step=self.step_ms,
                stop_event=self._stop,
                rust_timeout=100,
                yield_on_timeout=True,
                raise_interrupt=False,
            ):
                self.ready.set()
                if not changes:
                    continue
                paths = sorted({Path(path) for _change, path in changes})
                try:
                    report = library.sync_paths(paths)
                except Exception as exc:  # keep watching whatever happens
                    self._error(f"skill reload failed: {type(exc).__name__}: {exc}")
                    continue
                self.batches += 1
                if report.changed or report.errors:
                    if self.on_change is not None:
                        self.on_change(report)
        except Exception as exc:
            self._error(f"skill watcher stopped: {type(exc).__name__}: {exc}")
        finally:
            self.ready.set()
            if store is not None:
                store.close()

    def _error(self, message: str) -> None:
        if self.on_error is not None:
            self.on_error(one_line(message))
