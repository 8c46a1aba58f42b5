"""An answer of the agent, streamed into a Markdown widget as it arrives."""

from __future__ import annotations

import time
from typing import Any

from textual.timer import Timer
from textual.widgets import Markdown
from textual.widgets._markdown import MarkdownStream

STREAM_SECONDS = 0.05  # an answer's Markdown is updated at most 20 times a second


class Answer(Markdown):
    """One answer, streamed as it arrives.

    The fragments reach the Markdown at most every :data:`STREAM_SECONDS` (joined): a
    fast model sends hundreds a second, and each write parses and lays out the answer's
    last block again, which would hold back the prompt's keystrokes.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("", **kwargs)
        self.text = ""
        self._stream: MarkdownStream | None = None
        self._unsent: list[str] = []
        self._flush_timer: Timer | None = None
        self._last_write = 0.0

    async def add(self, fragment: str) -> None:
        self.text += fragment
        self._unsent.append(fragment)
        wait = self._last_write + STREAM_SECONDS - time.monotonic()
        if wait <= 0:
            await self._write()
        elif self._flush_timer is None:
            self._flush_timer = self.set_timer(wait, self._write, name="answer stream")

    async def _write(self) -> None:
        self._flush_timer = None
        if not self._unsent:
            return
        fragment = "".join(self._unsent)
        self._unsent.clear()
        self._last_write = time.monotonic()
        if self._stream is None:
            self._stream = Markdown.get_stream(self)
        await self._stream.write(fragment)

    async def finish(self, full_text: str | None = None) -> None:
        if self._flush_timer is not None:
            self._flush_timer.stop()
        await self._write()
        if self._stream is not None:
            await self._stream.stop()
            self._stream = None
        if full_text is not None and full_text != self.text:
            self.text = full_text
            await self.update(full_text)
