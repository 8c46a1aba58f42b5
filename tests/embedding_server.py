"""An OpenAI-compatible ``POST /v1/embeddings`` server on 127.0.0.1, for tests.

Vectors come from a concept table the test gives: each concept is one dimension, and
a text's vector counts the words of each concept it contains (plus a constant
dimension, so no vector is zero). Every request body is recorded in ``requests``.

    with EmbeddingServer({"resume": "cv resume career"}) as server:
        ...  # model "openai/test-embed", api_base=server.url
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_WORD = re.compile(r"[a-z0-9]+")


class EmbeddingServer:
    model = "openai/test-embed"
    api_key = "sk-test-not-a-real-key"

    def __init__(self, concepts: dict[str, str]) -> None:
        self.concepts = [set(words.split()) for words in concepts.values()]
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="embedding-server", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def vector(self, text: str) -> list[float]:
        words = _WORD.findall(text.lower())
        return [0.1] + [float(sum(w in concept for w in words)) for concept in self.concepts]

    def texts(self) -> list[str]:
        """Every text embedded so far, in order."""
        with self._lock:
            return [t for body in self.requests for t in body["input"]]

    def __enter__(self) -> "EmbeddingServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

            def do_POST(self) -> None:  # noqa: N802 (http.server API)
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if not self.path.rstrip("/").endswith("/embeddings"):
                    return self._json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
                body = json.loads(raw or b"{}")
                inputs = body.get("input")
                inputs = [inputs] if isinstance(inputs, str) else list(inputs or [])
                body["input"] = inputs
                with server._lock:
                    server.requests.append(body)
                data = [{"object": "embedding", "index": i, "embedding": server.vector(t)} for i, t in enumerate(inputs)]
                usage = {"prompt_tokens": len(inputs), "total_tokens": len(inputs)}
                self._json(200, {"object": "list", "data": data, "model": body.get("model"), "usage": usage})

            def _json(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler
