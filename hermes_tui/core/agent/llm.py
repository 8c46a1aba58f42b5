"""Model access through litellm: lazy import, streaming with tools, retries, cancel.

litellm takes seconds to import and is chatty, so it is imported only when a model
is needed, and silenced: no banner, no logging to stdout/stderr. Creating a
:class:`ModelClient` starts the import in a background thread
(:func:`preload_litellm`, also the modules litellm's first call would import); a turn
waits for it while watching its cancel event.

:class:`ModelClient` runs one model turn with :meth:`ModelClient.stream_turn`:
text and reasoning deltas are forwarded as they arrive; tool-call deltas are put
together by index (:class:`ToolCallAccumulator`); usage and cost are read where
litellm knows them.

Retries: only what can succeed on a retry: rate limits (429), server errors (5xx),
timeouts and dropped connections, up to ``max_retries`` times with exponential
backoff and jitter, honouring a ``Retry-After`` header; each retry is reported
through ``on_retry``. A turn is only retried when *nothing* was streamed yet: once
text or a tool call reached the user, a broken stream fails the turn with a clear
reason (:class:`ModelError`) instead of showing the user a second, different answer
glued to the first. Everything else fails at once with one line naming what is wrong
(:func:`classify_error`): no API key (and which variable to set), an invalid
``api_base``, nothing listening on the address, an unknown host, a rejected key, a
model that is not found, a bad request.

Cancel: the request runs in a worker thread; the caller's thread watches ``cancel``
and, when it is set, closes the response and returns at once with an interrupted
:class:`TurnResult` (``interrupted=True``).
"""

from __future__ import annotations

import atexit
import email.utils
import functools
import importlib
import inspect
import json
import logging
import os
import queue
import random
import re
import socket
import ssl
import threading
import time
import warnings
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import urlsplit

from hermes_tui.errors import HermesError, ModelNotConfigured, one_line

if TYPE_CHECKING:
    from hermes_tui.core.config import ModelConfig

#: Loggers litellm (and the HTTP clients under it) write to.
QUIET_LOGGERS = ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy", "httpx", "httpcore", "openai")

MODEL_HOWTO = (
    "no model configured: set [model] name in ~/.hermes/config.toml, or HERMES_MODEL, or pass --model "
    "(e.g. openai/gpt-4o-mini, anthropic/claude-sonnet-4-5, ollama/llama3)"
)

_POLL = 0.05  # seconds between cancel checks (the next chunk, the import)

_import_lock = threading.Lock()
_litellm: ModuleType | None = None
_preload_lock = threading.Lock()
_preloaded = threading.Event()  # set once the background import has finished (or failed)
_preload_thread: threading.Thread | None = None
PRELOAD_EXIT_WAIT = 120.0  # seconds an exit waits for a running background import

#: Modules litellm imports lazily inside its first ``completion()`` (about 1-2 s);
#: the background import loads them too, so the first answer comes sooner.
WARM_MODULES = (
    "openai.resources.chat",  # the OpenAI client (OpenAI-compatible providers)
    "litellm.litellm_core_utils.default_encoding",  # litellm's tokenizer, for usage and cost
    "litellm.proxy.openai_files_endpoints.common_utils",  # every completion() looks for file ids
)


def import_litellm() -> ModuleType:
    """Import litellm once, offline and silent, and return the module."""
    global _litellm
    if _litellm is not None:
        return _litellm
    with _import_lock:
        if _litellm is None:
            # Without this litellm fetches its model cost map from the network at import.
            os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
            # Without this litellm loads a .env file from the working folder into our
            # environment at import: a project's secrets would reach the agent's commands.
            os.environ.setdefault("LITELLM_MODE", "PRODUCTION")
            import litellm

            litellm.suppress_debug_info = True  # no "Provider List" / "Give Feedback" banners
            litellm.set_verbose = False
            litellm.telemetry = False
            try:
                litellm._logging._disable_debugging()
            except AttributeError:  # not in every version
                pass
            silence_loggers()
            # Its deprecation warnings (pydantic, httpx) are not the user's business.
            warnings.filterwarnings("ignore", module=r"litellm(\..*)?$")
            _litellm = litellm
    return _litellm


def preload_litellm() -> None:
    """Start importing litellm (and what its first call needs) in a background thread.

    Call it as soon as a model will be needed; returns at once and only once starts
    a thread. :meth:`ModelClient.stream_turn` waits for it, watching its cancel event.
    A failed import is not reported here: the next :func:`import_litellm` raises it.
    """
    global _preload_thread
    with _preload_lock:
        if _preload_thread is not None:
            return
        _preload_thread = threading.Thread(target=_preload, name="hermes-litellm-import", daemon=True)
        _preload_thread.start()
        atexit.register(_finish_preload)


def _finish_preload() -> None:
    """At exit, let a running import end first. A daemon thread frozen by the
    interpreter's shutdown while it holds an import lock deadlocks the first
    ``__del__`` that imports (litellm's HTTP handlers do): exit would hang forever.
    (The CLI ends with ``os._exit`` before this when a cancel left it importing.)"""
    thread = _preload_thread
    if thread is not None and thread.is_alive():
        thread.join(PRELOAD_EXIT_WAIT)


def _preload() -> None:
    try:
        import_litellm()
    except BaseException:  # reported by the caller's own import_litellm()
        return
    finally:
        _preloaded.set()
    for name in WARM_MODULES:
        try:
            importlib.import_module(name)
        except BaseException:  # another litellm version: nothing to warm
            pass


def wait_for_litellm(cancel: threading.Event | None = None) -> ModuleType | None:
    """litellm, once imported (starting the import if needed); None if ``cancel`` is set first."""
    if _litellm is not None:
        return _litellm
    preload_litellm()
    while not _preloaded.wait(_POLL):
        if cancel is not None and cancel.is_set():
            return None
    return import_litellm()


def litellm_importing() -> bool:
    """Whether the background import (:func:`preload_litellm`) is still running."""
    thread = _preload_thread
    return thread is not None and thread.is_alive()


@functools.cache
def _skips_mcp_handler() -> bool:
    """Whether this litellm's ``completion()`` takes ``_skip_mcp_handler`` (it then
    skips importing its MCP gateway, 1-2 s, for calls with tools)."""
    completion = inspect.unwrap(import_litellm().main.completion)
    return "_skip_mcp_handler" in getattr(getattr(completion, "__code__", None), "co_consts", ())


def silence_loggers() -> None:
    """Keep litellm's and httpx's loggers from ever writing to stdout or stderr."""
    for name in QUIET_LOGGERS:
        logger = logging.getLogger(name)
        logger.setLevel(logging.CRITICAL + 1)
        logger.propagate = False
        for handler in list(logger.handlers):
            if isinstance(handler, logging.StreamHandler) and not isinstance(handler, logging.FileHandler):
                logger.removeHandler(handler)
        if not logger.handlers:
            logger.addHandler(logging.NullHandler())


# -- results -------------------------------------------------------------------------
@dataclass(frozen=True)
class ToolCallRequest:
    """A tool call as the model asked for it; ``arguments`` is the raw JSON text."""

    id: str
    name: str
    arguments: str


@dataclass
class TurnResult:
    text: str = ""
    tool_calls: list[ToolCallRequest] = field(default_factory=list)
    finish_reason: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cost: float | None = None
    reasoning: str = ""
    interrupted: bool = False  # the cancel event was set; the turn is incomplete


class ModelError(HermesError):
    """The model call failed for good (after any retries); the message is one line."""

    def __init__(self, message: str, *, retryable: bool = False, retry_after: float | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


# -- tool-call deltas ------------------------------------------------------------------
@dataclass
class _PartialCall:
    id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)


class ToolCallAccumulator:
    """Put streamed tool-call deltas back together.

    Deltas are keyed by ``index``: the first for an index carries the id and the
    name, later ones pieces of the arguments. Some providers send every call with
    index 0; a delta with a new id at an index that already has one starts a new call.
    """

    def __init__(self) -> None:
        self._calls: list[_PartialCall] = []
        self._slot: dict[int, int] = {}  # delta index -> position in _calls

    def add(self, delta: Any) -> None:
        index = _get(delta, "index")
        index = int(index) if isinstance(index, int) else len(self._slot) if index is None else int(index)
        call_id = _get(delta, "id") or ""
        function = _get(delta, "function")
        name = (_get(function, "name") or "") if function is not None else ""
        arguments = (_get(function, "arguments") or "") if function is not None else ""
        position = self._slot.get(index)
        if position is None or (call_id and self._calls[position].id and call_id != self._calls[position].id):
            self._calls.append(_PartialCall())
            position = self._slot[index] = len(self._calls) - 1
        call = self._calls[position]
        if call_id and not call.id:
            call.id = call_id
        if name:
            # The name comes whole in one delta; a provider that repeats it must not double it.
            call.name = name if not call.name or call.name == name else call.name + name
        if arguments:
            call.arguments.append(arguments)

    def __bool__(self) -> bool:
        return bool(self._calls)

    def result(self) -> list[ToolCallRequest]:
        out = []
        for number, call in enumerate(self._calls):
            if not call.name and not call.arguments:
                continue
            out.append(ToolCallRequest(id=call.id or f"call_{number}", name=call.name, arguments="".join(call.arguments)))
        return out


def _get(obj: Any, key: str) -> Any:
    if obj is None:
        return None
    if isinstance(obj, dict):
        return obj.get(key)
    return getattr(obj, key, None)


# -- retries ---------------------------------------------------------------------------
@dataclass
class RetryPolicy:
    """Exponential backoff with jitter; ``Retry-After`` wins when the server sends one."""

    max_retries: int = 4
    base_delay: float = 1.0
    max_delay: float = 30.0
    max_retry_after: float = 120.0  # a longer Retry-After is cut to this
    jitter: float = 0.25  # up to +25 %
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """The wait before retry number ``attempt`` (1-based)."""
        if retry_after is not None and retry_after >= 0:
            return min(retry_after, self.max_retry_after)
        backoff = min(self.base_delay * (2 ** (attempt - 1)), self.max_delay)
        return backoff * (1 + self.rng.uniform(0, self.jitter))


def parse_retry_after(headers: Any) -> float | None:
    """Seconds to wait from ``retry-after-ms`` / ``retry-after`` (seconds or an HTTP date)."""
    if headers is None:
        return None
    try:
        value_ms = headers.get("retry-after-ms")
        if value_ms is not None:
            return max(0.0, float(value_ms) / 1000)
        value = headers.get("retry-after")
    except (AttributeError, TypeError, ValueError):
        return None
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(str(value))
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


_PREFIX = re.compile(r"^\s*(?:litellm\.)?[A-Za-z]+(?:Error|Exception)\s*:\s*")
_PROVIDER = re.compile(r"^\s*[A-Za-z]+Exception\s+-\s+")


def clean_message(text: str, limit: int = 300) -> str:
    """litellm's "litellm.XError: XError: OpenAIException - msg" -> "msg", one line."""
    line = one_line(text)
    for cut in (" Original exception:", "Traceback (most recent call last)", " LiteLLM Retried:"):
        line = line.split(cut)[0].strip()
    for _ in range(4):
        new = _PROVIDER.sub("", _PREFIX.sub("", line))
        if new == line:
            break
        line = new
    line = line.replace("Received Model Group=", "").strip() or "unknown error"
    line = _json_error_message(line) or line
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _json_error_message(line: str) -> str | None:
    """``{"error": {"message": "m", ...}}`` (a provider's error body, as is) -> "m"."""
    if not line.startswith("{"):
        return None
    try:
        body = json.loads(line)
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    message = error.get("message") if isinstance(error, dict) else error
    return " ".join(message.split()) if isinstance(message, str) and message.strip() else None


_NO_KEY = re.compile(
    r"missing credentials|missing \w+ api.?key|api.?key (?:client option )?must be set|no api.?key", re.IGNORECASE
)
_NO_PROVIDER = re.compile(r"LLM Provider NOT provided", re.IGNORECASE)


def classify_error(exc: BaseException, *, model: str = "", api_base: str = "", api_key: str = "") -> ModelError:
    """Turn an exception from litellm into a one-line :class:`ModelError`.

    Only what can succeed on a retry is ``retryable``: rate limits (429), server
    errors (5xx), timeouts and dropped connections. A missing API key, an invalid
    ``api_base``, a refused connection, an unknown host or a TLS failure fail at once,
    saying what is wrong. The cause is read from the whole exception chain, because
    litellm reports most local failures as "HTTP 500". ``api_key``: the configured key
    (a 401 without any key says which variable to set).
    """
    if isinstance(exc, ModelError):
        return exc
    litellm = import_litellm()
    chain = _chain(exc)
    message = clean_message(str(exc))
    url = _request_url(chain) or api_base
    provider = _provider(litellm, model)
    http_status = _http_status(chain)
    status = http_status or _status(exc)
    headers = getattr(exc, "litellm_response_headers", None)
    if headers is None:
        headers = getattr(getattr(exc, "response", None), "headers", None)
    retry_after = parse_retry_after(headers)
    exceptions = litellm.exceptions

    def retry(text: str) -> ModelError:
        return ModelError(text, retryable=True, retry_after=retry_after)

    # Local failures first: no request reached a server, or none can.
    if _find(chain, ConnectionRefusedError):
        return ModelError(f"nothing listens on {_host_port(url)} (is the model server running? check api_base)")
    if _find(chain, socket.gaierror):
        return ModelError(f"cannot resolve the host {_host(url)!r} (check api_base and the network)")
    if _named(chain, "UnsupportedProtocol", "InvalidURL") or "missing an 'http://'" in message:
        return ModelError(api_base_error(api_base or url) or f"invalid model URL {url!r}")
    if _named(chain, "LocalProtocolError") or _find(chain, UnicodeEncodeError):
        # Not the error's own text: it quotes the header, which holds the key.
        return ModelError("cannot send the request: the API key (or another header) has characters HTTP cannot carry")
    if _find(chain, ssl.SSLError):
        return ModelError(f"TLS failed with {_host(url)}: {clean_message(str(_find(chain, ssl.SSLError)))}")
    no_key = f"no API key for {provider}: set {_key_variable(litellm, model, provider)} or [model] api_key"
    if http_status is None and any(_NO_KEY.search(str(e)) for e in chain):
        return ModelError(no_key)
    if _NO_PROVIDER.search(message):
        return ModelError(f"unknown provider in model {model!r}: write provider/model, e.g. openai/gpt-4o-mini")
    # Answers from a server, and failures on the way.
    if isinstance(exc, exceptions.RateLimitError) or status == 429:
        return retry(f"rate limited by the provider (HTTP 429): {message}")
    if isinstance(exc, exceptions.AuthenticationError) or status == 401:
        if not (api_key or _key_in_environment(litellm, model)):
            return ModelError(f"{no_key} (HTTP 401: {message})")
        return ModelError(f"authentication failed: {provider} rejected the API key (HTTP 401): {message}")
    if isinstance(exc, exceptions.PermissionDeniedError) or status == 403:
        return ModelError(f"permission denied by {provider} (HTTP 403): {message}")
    if isinstance(exc, exceptions.NotFoundError) or status == 404:
        return ModelError(f"model {model!r} not found at {api_base or provider} (HTTP 404): {message}")
    if isinstance(exc, exceptions.ContextWindowExceededError):
        return ModelError(f"the conversation is too long for the model's context window: {message}")
    if isinstance(exc, exceptions.Timeout) or _find(chain, TimeoutError) or _named(chain, "TimeoutException"):
        return retry(f"the model did not answer in time: {message}")
    if _find(chain, ConnectionError) or _named(chain, "RemoteProtocolError", "ReadError", "WriteError"):
        return retry(f"the connection to the model dropped: {message}")
    if isinstance(exc, exceptions.BadRequestError) or status in (400, 422):
        return ModelError(f"the provider rejected the request (HTTP {status or 400}): {message}")
    if isinstance(exc, exceptions.APIConnectionError):
        return retry(f"cannot reach the model: {message}")
    if status is not None and status >= 500:
        return retry(f"the provider failed (HTTP {status}): {message}")
    return ModelError(f"model call failed: {type(exc).__name__}: {message}")


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and the exceptions it was raised from (``__cause__``, else ``__context__``)."""
    out: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not seen for seen in out):
        out.append(current)
        current = current.__cause__ or current.__context__
    return out


def _find(chain: list[BaseException], kind: type[BaseException]) -> BaseException | None:
    return next((e for e in chain if isinstance(e, kind)), None)


def _named(chain: list[BaseException], *names: str) -> bool:
    """Whether an exception in the chain is of a class so named (httpx, httpcore and forks)."""
    return any(cls.__name__ in names for e in chain for cls in type(e).__mro__)


def _status(exc: BaseException) -> int | None:
    status = getattr(exc, "status_code", None)
    return status if isinstance(status, int) else None


def _http_status(chain: list[BaseException]) -> int | None:
    """The status of a real HTTP response in the chain (litellm invents a 500 for local failures)."""
    for e in chain:
        if _named([e], "HTTPStatusError"):
            return _status(getattr(e, "response", None)) or None
    return None


def _request_url(chain: list[BaseException]) -> str:
    """The URL the HTTP client tried (litellm's own exceptions carry placeholder requests)."""
    for e in chain:
        if type(e).__module__.split(".")[0] not in ("httpx", "httpcore", "openai", "anthropic"):
            continue
        try:
            url = getattr(e, "request", None) and e.request.url  # type: ignore[attr-defined]
        except (AttributeError, RuntimeError):  # httpx: "the request instance has not been set"
            continue
        if url:
            return str(url)
    return ""


def _host(url: str) -> str:
    try:
        return urlsplit(url).hostname or url
    except ValueError:
        return url


def _host_port(url: str) -> str:
    """``host:port`` of a URL, the scheme's default port when it names none."""
    try:
        parts = urlsplit(url)
        port = parts.port or {"https": 443, "http": 80}.get(parts.scheme)
    except ValueError:
        return url or "the model's address"
    host = parts.hostname or url
    host = f"[{host}]" if ":" in host else host
    return f"{host}:{port}" if port else host


def _provider(litellm: ModuleType, model: str) -> str:
    try:
        return str(litellm.get_llm_provider(model)[1])
    except Exception:  # an unknown provider: the model's own prefix
        return model.split("/", 1)[0] if "/" in model else "the provider"


def _environment(litellm: ModuleType, model: str) -> dict[str, Any]:
    """litellm's view of the provider's variables: keys_in_environment, missing_keys."""
    try:
        return dict(litellm.validate_environment(model))
    except Exception:  # litellm does not know the provider
        return {}


def _key_in_environment(litellm: ModuleType, model: str) -> bool:
    return bool(_environment(litellm, model).get("keys_in_environment", True))


def _key_variable(litellm: ModuleType, model: str, provider: str) -> str:
    """The environment variable that holds ``provider``'s API key, e.g. OPENAI_API_KEY."""
    missing = _environment(litellm, model).get("missing_keys") or []
    keys = [name for name in missing if "KEY" in name or "TOKEN" in name]
    return " or ".join(keys) or f"{provider.upper().replace('-', '_')}_API_KEY"


def api_base_error(api_base: str) -> str | None:
    """The one-line error for an ``api_base`` that is not an endpoint URL, else None."""
    try:
        parts = urlsplit(api_base)
        parts.port  # noqa: B018 (raises ValueError for a bad port)
    except ValueError as exc:
        return f"invalid api_base {api_base!r}: {exc}"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"invalid api_base {api_base!r}: it needs http:// or https:// and a host"
    return None


# -- the client ------------------------------------------------------------------------
TextCallback = Callable[[str], None]
RetryCallback = Callable[[int, float, str], None]  # attempt (1-based), delay, reason


class ModelClient:
    """One configured model; thread-safe for one turn at a time.

    Raises :class:`ModelNotConfigured` at once for no model or an invalid ``api_base``;
    otherwise starts importing litellm in the background (:func:`preload_litellm`).
    """

    def __init__(self, model_config: "ModelConfig", *, retry: RetryPolicy | None = None) -> None:
        if not (model_config.name or "").strip():
            raise ModelNotConfigured(MODEL_HOWTO)
        self.config = model_config
        self.model = model_config.name.strip()
        self.api_base = (model_config.api_base or "").strip()
        if self.api_base and (problem := api_base_error(self.api_base)):
            raise ModelNotConfigured(problem)
        self.retry = retry or RetryPolicy(max_retries=max(0, int(model_config.max_retries)))
        preload_litellm()

    def completion_kwargs(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None) -> dict[str, Any]:
        """The arguments given to ``litellm.completion`` for one streamed turn."""
        kwargs: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "stream": True,
            "stream_options": {"include_usage": True},
            "timeout": self.config.timeout,
            "max_retries": 0,  # retries are ours (with events); the SDK must not retry silently
        }
        if tools:
            kwargs["tools"] = tools
        if self.api_base:
            kwargs["api_base"] = self.api_base
        if _skips_mcp_handler():
            kwargs["_skip_mcp_handler"] = True  # our tools are functions, never MCP servers (saves 1-2 s)
        if self.config.api_key:
            kwargs["api_key"] = self.config.api_key
        if self.config.temperature is not None:
            kwargs["temperature"] = self.config.temperature
        if self.config.max_tokens is not None:
            kwargs["max_tokens"] = self.config.max_tokens
        return kwargs

    def stream_turn(
        self,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]] | None = None,
        *,
        cancel: threading.Event | None = None,
        on_text: TextCallback | None = None,
        on_reasoning: TextCallback | None = None,
        on_retry: RetryCallback | None = None,
    ) -> TurnResult:
        """Run one model turn, streaming; retries as the module docstring says.

        Raises :class:`ModelError` (one line) when the turn fails for good.
        """
        cancel = cancel or threading.Event()
        attempt = 0
        while True:
            if cancel.is_set():
                return TurnResult(interrupted=True, finish_reason="interrupted")
            streamed = [False]
            try:
                return self._attempt(messages, tools, cancel, on_text, on_reasoning, streamed)
            except Exception as exc:  # classified below; nothing escapes unexplained
                error = classify_error(exc, model=self.model, api_base=self.api_base, api_key=self.config.api_key)
            if streamed[0]:
                raise ModelError(f"the model's response broke off mid-stream: {error.message}") from None
            if not error.retryable or attempt >= self.retry.max_retries:
                if error.retryable and attempt:
                    raise ModelError(f"{error.message} (gave up after {attempt} retries)") from None
                raise error from None
            attempt += 1
            delay = self.retry.delay(attempt, error.retry_after)
            if on_retry is not None:
                on_retry(attempt, delay, error.message)
            if cancel.wait(delay):
                return TurnResult(interrupted=True, finish_reason="interrupted")

    # one request
    def _attempt(
        self,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]] | None,
        cancel: threading.Event,
        on_text: TextCallback | None,
        on_reasoning: TextCallback | None,
        streamed: list[bool],
    ) -> TurnResult:
        litellm = wait_for_litellm(cancel)
        if litellm is None:
            return TurnResult(interrupted=True, finish_reason="interrupted")
        kwargs = self.completion_kwargs(messages, tools)
        items: queue.Queue[tuple[str, Any]] = queue.Queue()
        holder: dict[str, Any] = {}
        stop = threading.Event()

        def worker() -> None:
            try:
                response = litellm.completion(**kwargs)
                holder["response"] = response
                for chunk in response:
                    if stop.is_set():
                        break
                    items.put(("chunk", chunk))
                items.put(("end", None))
            except BaseException as exc:  # handed to the caller's thread
                items.put(("error", exc))

        thread = threading.Thread(target=worker, name="hermes-model-stream", daemon=True)
        thread.start()

        text: list[str] = []
        reasoning: list[str] = []
        calls = ToolCallAccumulator()
        result = TurnResult()
        while True:
            try:
                kind, payload = items.get(timeout=_POLL)
            except queue.Empty:
                kind, payload = "idle", None
            if kind == "error":
                raise payload
            if kind == "end":
                break
            if kind == "chunk":
                self._take_chunk(payload, result, text, reasoning, calls, on_text, on_reasoning, streamed)
            if cancel.is_set():
                # Stop reading now: the worker sees ``stop`` or its closed response and ends.
                stop.set()
                _close_response(holder.get("response"))
                result.text, result.reasoning = "".join(text), "".join(reasoning)
                result.tool_calls = calls.result()
                result.interrupted, result.finish_reason = True, "interrupted"
                return result
        result.text = "".join(text)
        result.reasoning = "".join(reasoning)
        result.tool_calls = calls.result()
        result.cost = self._cost(result)
        return result

    @staticmethod
    def _take_chunk(
        chunk: Any,
        result: TurnResult,
        text: list[str],
        reasoning: list[str],
        calls: ToolCallAccumulator,
        on_text: TextCallback | None,
        on_reasoning: TextCallback | None,
        streamed: list[bool],
    ) -> None:
        usage = _get(chunk, "usage")
        if usage is not None:
            prompt, completion = _get(usage, "prompt_tokens"), _get(usage, "completion_tokens")
            if isinstance(prompt, int):
                result.prompt_tokens = prompt
            if isinstance(completion, int):
                result.completion_tokens = completion
        for choice in _get(chunk, "choices") or ():
            delta = _get(choice, "delta")
            if delta is not None:
                piece = _get(delta, "reasoning_content")
                if isinstance(piece, str) and piece:
                    reasoning.append(piece)
                    streamed[0] = True
                    if on_reasoning is not None:
                        on_reasoning(piece)
                piece = _get(delta, "content")
                if isinstance(piece, str) and piece:
                    text.append(piece)
                    streamed[0] = True
                    if on_text is not None:
                        on_text(piece)
                for call_delta in _get(delta, "tool_calls") or ():
                    calls.add(call_delta)
                    streamed[0] = True
            finish = _get(choice, "finish_reason")
            if finish:
                result.finish_reason = str(finish)

    def _cost(self, result: TurnResult) -> float | None:
        """The turn's cost in USD where litellm knows the model's prices, else None."""
        if result.prompt_tokens is None and result.completion_tokens is None:
            return None
        try:
            prompt_cost, completion_cost = import_litellm().cost_per_token(
                model=self.model,
                prompt_tokens=result.prompt_tokens or 0,
                completion_tokens=result.completion_tokens or 0,
            )
            return float(prompt_cost) + float(completion_cost)
        except Exception:  # an unknown model has no price: not an error
            return None


def _close_response(response: Any) -> None:
    """Close a streaming response so its worker stops reading (best effort).

    litellm's stream wrapper holds the provider's stream (``completion_stream``, e.g.
    an OpenAI ``Stream`` with ``close()``), which holds the HTTP response.
    """
    if response is None:
        return
    stream = getattr(response, "completion_stream", None)
    for target in (stream, getattr(stream, "response", None), response):
        closer = getattr(target, "close", None)
        if callable(closer):
            try:
                closer()
            except Exception:  # closing from another thread may race the reader: fine
                pass
