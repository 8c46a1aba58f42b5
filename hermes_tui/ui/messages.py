"""The one bridge between the core's event stream and Textual.

:class:`EventBridge` is a sink of the workspace's :class:`EventStream`; it wraps each
core event in a :class:`CoreEvent` message and posts it to the app. Posting is
thread-safe (``post_message`` hands over to the app's loop when called from the
agent's worker thread), so the UI never polls and never touches a widget from
another thread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.message import Message

from hermes_tui.core.agent.events import Event

if TYPE_CHECKING:
    from textual.app import App


class CoreEvent(Message):
    """A core event, delivered on the app's thread."""

    def __init__(self, event: Event) -> None:
        super().__init__()
        self.event = event


class OpenToolCall(Message):
    """The user asked to see one tool call in full (``row``: a trace row)."""

    def __init__(self, row: Any) -> None:
        super().__init__()
        self.row = row


class EventBridge:
    """A sink that posts every event to ``app`` as a :class:`CoreEvent`."""

    def __init__(self, app: "App") -> None:
        self.app = app

    def __call__(self, event: Event) -> None:
        self.app.post_message(CoreEvent(event))
