"""The one bridge between the core's event stream and Textual.

:class:`EventBridge` is a sink of the workspace's :class:`EventStream`, called on
whatever thread emits (the agent's worker, the UI thread). It queues the event and,
when the queue was empty, posts one :class:`CoreEvents` message to the app
(``post_message`` is thread-safe). The app drains the queue on its own thread in
slices of :data:`SLICE_SECONDS`, yielding between slices, so a burst of thousands of
events never holds a frame or a keystroke back, and events keep their order. The UI
never polls and never touches a widget from another thread.
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


class EventBridge:
    """A sink that hands events to ``app`` in order, in time slices."""

    def __init__(self, app: "App[Any]") -> None:
        self.app = app
        self._pending: deque[Event] = deque()
        self._lock = threading.Lock()
        self._posted = False

    def __call__(self, event: Event) -> None:
        with self._lock:
            self._pending.append(event)
            if self._posted:
                return
            self._posted = True
        self.app.post_message(CoreEvents(self))

    async def drain(self, route: Callable[[Event], Awaitable[None]]) -> None:
        """Route waiting events for one slice; post again and yield if some are left."""
        deadline = time.perf_counter() + SLICE_SECONDS
        while time.perf_counter() < deadline:
            with self._lock:
                if not self._pending:
                    self._posted = False
                    return
                event = self._pending.popleft()
            await route(event)
        self.app.post_message(CoreEvents(self))
        await asyncio.sleep(0)  # let the screen paint and timers run
