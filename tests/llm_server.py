"""A scripted OpenAI-compatible chat server on 127.0.0.1, for tests.

The test queues responses; every POST ``/v1/chat/completions`` takes the next one
and the request body is recorded in :attr:`ScriptedServer.requests`. Streamed
responses are sent as providers send them: server-sent events ``data: {...}\\n\\n``
with ``choices[0].delta`` content pieces, tool-call deltas keyed by index (id and
name in the first delta, the arguments split over several), a chunk with the
finish reason, a usage chunk (when ``stream_options.include_usage``), ``data: [DONE]``.

Response kinds: :class:`Reply` (text and/or tool calls; ``delay`` between chunks
makes a slow stream), :class:`HttpError` (e.g. a 429 with Retry-After, a 500), and
:class:`DieMidStream` (some text, then the socket is closed without an end).

    with ScriptedServer() as server:
        server.queue(Reply(text="hi"))
        ...  # model "openai/test-model", api_base=server.url
"""

from __future__ import annotations

import io
import json
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator

import pytest


@dataclass
class Call:
    """One tool call in a scripted reply; ``arguments`` is sent verbatim (may be bad JSON)."""

    name: str
    arguments: str | dict[str, Any] = "{}"
    id: str = ""

    def args_text(self) -> str:
        return self.arguments if isinstance(self.arguments, str) else json.dumps(self.arguments)


@dataclass
class Reply:
    text: str = ""
    tool_calls: list[Call] = field(default_factory=list)
    reasoning: str = ""
    finish_reason: str | None = None  # default: "tool_calls" if there are calls, else "stop"
    prompt_tokens: int = 11
    completion_tokens: int = 7
    chunk_size: int = 4  # characters of text / arguments per chunk
    delay: float = 0.0  # seconds to sleep before each chunk (a slow stream)


@dataclass
class HttpError:
    status: int
    message: str = "scripted error"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class DieMidStream:
    """Stream ``text`` then drop the connection without finish reason or [DONE]."""

    text: str = "partial answer that never"
    chunk_size: int = 5
    reset: bool = True


Response = Reply | HttpError | DieMidStream


def _pieces(text: str, size: int) -> list[str]:
    size = max(1, size)
    return [text[i : i + size] for i in range(0, len(text), size)] or []


class ScriptedServer:
    """A real HTTP server in a background thread; see the module docstring."""

    model = "openai/test-model"
    api_key = "sk-test-not-a-real-key"

    def __init__(self) -> None:
        self._responses: list[Response] = []
        self._lock = threading.Lock()
        self.requests: list[dict[str, Any]] = []
        self.disconnects = 0  # streams the client closed before the end
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="llm-server", daemon=True)

    # -- control ----------------------------------------------------------------------
    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> "ScriptedServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> "ScriptedServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def queue(self, *responses: Response) -> None:
        with self._lock:
            self._responses.extend(responses)

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._responses)

    def _next(self, body: dict[str, Any]) -> Response | None:
        with self._lock:
            self.requests.append(body)
            return self._responses.pop(0) if self._responses else None

    # -- HTTP -------------------------------------------------------------------------
    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

            def do_POST(self) -> None:  # noqa: N802 (http.server API)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    self._json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
                    return
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    self._json(400, {"error": {"message": "body is not JSON", "type": "invalid_request_error"}})
                    return
                response = server._next(body)
                if response is None:
                    self._json(500, {"error": {"message": "the test script has no more responses", "type": "server_error"}})
                elif isinstance(response, HttpError):
                    self._json(
                        response.status,
                        {"error": {"message": response.message, "type": "scripted", "code": str(response.status)}},
                        response.headers,
                    )
                elif isinstance(response, DieMidStream):
                    self._die(body, response)
                elif body.get("stream"):
                    self._stream(body, response)
                else:
                    self._json(200, _full_completion(body, response))

            # responses
            def _json(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            def _start_sse(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.send_header("Connection", "close")
                self.end_headers()
                self.close_connection = True

            def _send(self, payload: dict[str, Any] | str) -> None:
                data = payload if isinstance(payload, str) else json.dumps(payload)
                self.wfile.write(f"data: {data}\n\n".encode())
                self.wfile.flush()

            def _stream(self, body: dict[str, Any], reply: Reply) -> None:
                self._start_sse()
                include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
                try:
                    for chunk in _stream_chunks(body, reply, include_usage):
                        if reply.delay:
                            time.sleep(reply.delay)
                        self._send(chunk)
                    self._send("[DONE]")
                except (BrokenPipeError, ConnectionResetError):
                    with server._lock:
                        server.disconnects += 1

            def _die(self, body: dict[str, Any], die: DieMidStream) -> None:
                self._start_sse()
                cid = "chatcmpl-die"
                try:
                    self._send(_chunk(cid, body, {"role": "assistant", "content": ""}))
                    for piece in _pieces(die.text, die.chunk_size):
                        self._send(_chunk(cid, body, {"content": piece}))
                except (BrokenPipeError, ConnectionResetError):
                    pass
                # Drop the connection hard: no finish reason, no [DONE]. With ``reset`` the
                # socket is closed with SO_LINGER 0 (a TCP RST, a connection error for the
                # client); without, a plain close (the body just ends early).
                self.close_connection = True
                if die.reset:
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.wfile.close()
                    self.rfile.close()
                    self.connection.close()
                    # http.server still flushes / closes these after the handler returns.
                    self.wfile, self.rfile = io.BytesIO(), io.BytesIO()

        return Handler


def _chunk(cid: str, body: dict[str, Any], delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {
        "id": cid,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": body.get("model", "test-model"),
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def _call_ids(reply: Reply) -> list[str]:
    return [c.id or f"call_{i}_{c.name}" for i, c in enumerate(reply.tool_calls)]


def _finish(reply: Reply) -> str:
    return reply.finish_reason or ("tool_calls" if reply.tool_calls else "stop")


def _stream_chunks(body: dict[str, Any], reply: Reply, include_usage: bool) -> Iterator[dict[str, Any]]:
    cid = "chatcmpl-scripted"
    yield _chunk(cid, body, {"role": "assistant", "content": ""})
    for piece in _pieces(reply.reasoning, reply.chunk_size):
        yield _chunk(cid, body, {"reasoning_content": piece})
    for piece in _pieces(reply.text, reply.chunk_size):
        yield _chunk(cid, body, {"content": piece})
    for index, (call, call_id) in enumerate(zip(reply.tool_calls, _call_ids(reply))):
        yield _chunk(
            cid,
            body,
            {"tool_calls": [{"index": index, "id": call_id, "type": "function", "function": {"name": call.name, "arguments": ""}}]},
        )
        for piece in _pieces(call.args_text(), reply.chunk_size):
            yield _chunk(cid, body, {"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
    yield _chunk(cid, body, {}, _finish(reply))
    if include_usage:
        usage = _usage(reply)
        yield {**_chunk(cid, body, {}), "choices": [], "usage": usage}


def _usage(reply: Reply) -> dict[str, int]:
    return {
        "prompt_tokens": reply.prompt_tokens,
        "completion_tokens": reply.completion_tokens,
        "total_tokens": reply.prompt_tokens + reply.completion_tokens,
    }


def _full_completion(body: dict[str, Any], reply: Reply) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.text or None}
    if reply.tool_calls:
        message["tool_calls"] = [
            {"id": call_id, "type": "function", "function": {"name": c.name, "arguments": c.args_text()}}
            for c, call_id in zip(reply.tool_calls, _call_ids(reply))
        ]
    return {
        "id": "chatcmpl-scripted",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "test-model"),
        "choices": [{"index": 0, "message": message, "finish_reason": _finish(reply)}],
        "usage": _usage(reply),
    }


@pytest.fixture
def llm_server() -> Iterator[ScriptedServer]:
    """A started :class:`ScriptedServer`, stopped after the test."""
    with ScriptedServer() as server:
        yield server
