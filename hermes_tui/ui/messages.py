"""The one bridge between the core's event stream and Textual.

:class:`EventBridge` is a sink of the workspace's :class:`EventStream`, called on
whatever thread emits (the agent's worker, the UI thread). It queues the event and,
when the queue was empty, posts one :class:`CoreEvents` message to the app
(``post_message`` is thread-safe). The app drains the queue on its own thread in
slices of :data:`SLICE_SECONDS`, yielding between slices, so a burst of thousands of
events never holds a frame or a keystroke back, and events keep their order. The UI
never polls and never touches a widget from another thread.

The queue is bounded: a worker thread that emits faster than the UI shows (more than
:data:`BACKLOG` events waiting) waits until the UI has caught up with half of them
(at most :data:`WAIT_SECONDS` each time). Without that, the emitting thread holds the
interpreter lock while the UI thread waits for it, and every frame takes several
times its own work. The UI's own thread never waits, and nothing waits once the app
is closing.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from textual.message import Message

from hermes_tui.core.agent.events import Event

if TYPE_CHECKING:
    from textual.app import App

SLICE_SECONDS = 0.008
BACKLOG = 256
WAIT_SECONDS = 0.1


class CoreEvents(Message):
    """Core events are waiting in ``bridge``; drain them on the app's thread."""

    def __init__(self, bridge: "EventBridge") -> None:
        super().__init__()
        self.bridge = bridge


class OpenToolCall(Message):
    """The user asked to see one tool call in full (``row``: a trace row)."""

    def __init__(self, row: Any) -> None:
        super().__init__()
        self.row = row


class HermesMirrored(Message):
    """The Hermes watcher mirrored new or changed sessions (posted from its thread)."""


class HermesPendingChanged(Message):
    """A Hermes staged write appeared or went (posted from the watcher's thread)."""


class HermesNote(Message):
    """A note of the Hermes watcher (state.db locked, corrupt, of an unknown schema ...)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class EventBridge:
    """A sink that hands events to ``app`` in order, in time slices."""

    def __init__(self, app: "App[Any]") -> None:
        self.app = app
        self._pending: deque[Event] = deque()
        self._lock = threading.Lock()
        self._posted = False
        self._room = threading.Event()  # clear while the backlog is full
        self._room.set()
        self._closed = False
        self._ui_thread = threading.get_ident()  # the bridge is made on the app's thread

    def __call__(self, event: Event) -> None:
        with self._lock:
            self._pending.append(event)
            if len(self._pending) >= BACKLOG:
                self._room.clear()
            posted, self._posted = self._posted, True
        if not posted:
            self.app.post_message(CoreEvents(self))
        if not self._room.is_set() and not self._closed and threading.get_ident() != self._ui_thread:
            self._room.wait(WAIT_SECONDS)

    def close(self) -> None:
        """The app is closing: no emitter waits any more."""
        self._closed = True
        self._room.set()

    async def drain(self, route: Callable[[Event], Awaitable[None]]) -> None:
        """Route waiting events for one slice; post again and yield if some are left."""
        deadline = time.perf_counter() + SLICE_SECONDS
        while time.perf_counter() < deadline:
            with self._lock:
                if not self._pending:
                    self._posted = False
                    self._room.set()
                    return
                event = self._pending.popleft()
                if len(self._pending) <= BACKLOG // 2:
                    self._room.set()
            await route(event)
        self.app.post_message(CoreEvents(self))
        await asyncio.sleep(0)  # let the screen paint and timers run
