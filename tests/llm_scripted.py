"""A scripted litellm provider (a ``CustomLLM``) for fast loop tests without HTTP.

Model ``scripted/test``; the test queues :class:`tests.llm_server.Reply` objects (or
exceptions to raise) and reads the messages litellm handed over in ``requests``. It
streams through litellm's real ``CustomStreamWrapper``: text in pieces, each tool
call as one chunk, a final chunk with the finish reason and usage.

litellm is imported inside :func:`scripted_provider` only (never at module level).
"""

from __future__ import annotations

import threading
import time
from typing import Any, Iterator

import pytest

from tests.llm_server import Reply, _pieces

PROVIDER = "scripted"
MODEL = f"{PROVIDER}/test"


class Script:
    """The queue of replies and the record of requests, shared with the provider."""

    def __init__(self) -> None:
        self._items: list[Reply | BaseException] = []
        self._lock = threading.Lock()
        self.requests: list[dict[str, Any]] = []

    def queue(self, *items: Reply | BaseException) -> None:
        with self._lock:
            self._items.extend(items)

    def take(self, messages: list[Any], optional_params: dict[str, Any]) -> Reply | BaseException:
        with self._lock:
            self.requests.append({"messages": [dict(m) for m in messages], "tools": optional_params.get("tools")})
            if not self._items:
                return RuntimeError("the test script has no more replies")
            return self._items.pop(0)


def _generic(text: str = "", *, tool_use: dict[str, Any] | None = None, finish: str = "", usage: dict | None = None) -> dict:
    return {
        "text": text,
        "tool_use": tool_use,
        "is_finished": bool(finish),
        "finish_reason": finish,
        "usage": usage,
        "index": 0,
    }


def make_provider(script: Script) -> Any:
    """A ``litellm.CustomLLM`` instance serving ``script`` (imports litellm)."""
    from hermes_tui.core.agent.llm import import_litellm

    litellm = import_litellm()

    class ScriptedLLM(litellm.CustomLLM):  # type: ignore[name-defined,misc]
        def streaming(self, model: str, messages: list, *args: Any, **kwargs: Any) -> Iterator[dict]:
            item = script.take(messages, kwargs.get("optional_params") or {})
            if isinstance(item, BaseException):
                raise item
            return self._chunks(item)

        @staticmethod
        def _chunks(reply: Reply) -> Iterator[dict]:
            for piece in _pieces(reply.text, reply.chunk_size):
                if reply.delay:
                    time.sleep(reply.delay)
                yield _generic(piece)
            for index, call in enumerate(reply.tool_calls):
                yield _generic(
                    tool_use={
                        "id": call.id or f"call_{index}_{call.name}",
                        "type": "function",
                        "function": {"name": call.name, "arguments": call.args_text()},
                        "index": index,
                    }
                )
            finish = reply.finish_reason or ("tool_calls" if reply.tool_calls else "stop")
            usage = {
                "prompt_tokens": reply.prompt_tokens,
                "completion_tokens": reply.completion_tokens,
                "total_tokens": reply.prompt_tokens + reply.completion_tokens,
            }
            yield _generic(finish=finish, usage=usage)

    return ScriptedLLM()


@pytest.fixture
def scripted() -> Iterator[Script]:
    """Register the scripted provider for one test (model ``scripted/test``)."""
    from hermes_tui.core.agent.llm import import_litellm

    litellm = import_litellm()
    script = Script()
    saved = list(litellm.custom_provider_map)
    litellm.custom_provider_map = [*saved, {"provider": PROVIDER, "custom_handler": make_provider(script)}]
    try:
        yield script
    finally:
        litellm.custom_provider_map = saved
