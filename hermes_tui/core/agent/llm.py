"""Model access through litellm: lazy import, streaming with tools, retries, cancel.

litellm takes seconds to import and is chatty, so it is imported on first use only
(:func:`import_litellm`) and silenced: no banner, no logging to stdout/stderr.

:class:`ModelClient` runs one model turn with :meth:`ModelClient.stream_turn`:
text and reasoning deltas are forwarded as they arrive; tool-call deltas are put
together by index (:class:`ToolCallAccumulator`); usage and cost are read where
litellm knows them.

Retries: rate limits (429), server errors (5xx), timeouts and connection errors are
retried up to ``max_retries`` times with exponential backoff and jitter, honouring a
``Retry-After`` header; each retry is reported through ``on_retry``. A turn is only
retried when *nothing* was streamed yet: once text or a tool call reached the user,
a broken stream fails the turn with a clear reason (:class:`ModelError`) instead of
showing the user a second, different answer glued to the first. Authentication, bad
request and not-found errors are never retried.

Cancel: the request runs in a worker thread; the caller's thread watches ``cancel``
and, when it is set, closes the response and returns at once with an interrupted
:class:`TurnResult` (``interrupted=True``).
"""

from __future__ import annotations

import email.utils
import logging
import os
import queue
import random
import re
import threading
import time
import warnings
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Any, Callable

from hermes_tui.errors import HermesError, ModelNotConfigured

if TYPE_CHECKING:
    from hermes_tui.core.config import ModelConfig

#: Loggers litellm (and the HTTP clients under it) write to.
QUIET_LOGGERS = ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy", "httpx", "httpcore", "openai")

MODEL_HOWTO = (
    "no model configured: set [model] name in ~/.hermes/config.toml, or HERMES_MODEL, or pass --model "
    "(e.g. openai/gpt-4o-mini, anthropic/claude-sonnet-4-5, ollama/llama3)"
)

_import_lock = threading.Lock()
_litellm: ModuleType | None = None


def import_litellm() -> ModuleType:
    """Import litellm once, offline and silent, and return the module."""
    global _litellm
    if _litellm is not None:
        return _litellm
    with _import_lock:
        if _litellm is None:
            # Without this litellm fetches its model cost map from the network at import.
            os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
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
    line = " ".join(str(text).split())
    for cut in (" Original exception:", "Traceback (most recent call last)", " LiteLLM Retried:"):
        line = line.split(cut)[0].strip()
    for _ in range(4):
        new = _PROVIDER.sub("", _PREFIX.sub("", line))
        if new == line:
            break
        line = new
    line = line.replace("Received Model Group=", "").strip() or "unknown error"
    return line if len(line) <= limit else line[: limit - 1] + "…"


def classify_error(exc: BaseException) -> ModelError:
    """Turn an exception from litellm into a one-line :class:`ModelError`."""
    if isinstance(exc, ModelError):
        return exc
    litellm = import_litellm()
    status = getattr(exc, "status_code", None)
    status = status if isinstance(status, int) else None
    message = clean_message(str(exc))
    headers = getattr(exc, "litellm_response_headers", None)
    if headers is None:
        headers = getattr(getattr(exc, "response", None), "headers", None)
    retry_after = parse_retry_after(headers)
    exceptions = litellm.exceptions
    if isinstance(exc, exceptions.RateLimitError) or status == 429:
        return ModelError(f"rate limited by the provider (HTTP 429): {message}", retryable=True, retry_after=retry_after)
    if isinstance(exc, exceptions.AuthenticationError) or status == 401:
        return ModelError(f"authentication failed (HTTP 401), check the API key: {message}")
    if isinstance(exc, exceptions.PermissionDeniedError) or status == 403:
        return ModelError(f"permission denied by the provider (HTTP 403): {message}")
    if isinstance(exc, exceptions.NotFoundError) or status == 404:
        return ModelError(f"model or endpoint not found (HTTP 404): {message}")
    if isinstance(exc, exceptions.ContextWindowExceededError):
        return ModelError(f"the conversation is too long for the model's context window: {message}")
    if isinstance(exc, exceptions.Timeout):
        return ModelError(f"the model did not answer in time: {message}", retryable=True, retry_after=retry_after)
    if isinstance(exc, exceptions.APIConnectionError) or ("connection" in message.lower() and (status or 500) >= 500):
        return ModelError(f"cannot reach the model: {message}", retryable=True, retry_after=retry_after)
    if isinstance(exc, exceptions.BadRequestError) or status in (400, 422):
        return ModelError(f"the provider rejected the request (HTTP {status or 400}): {message}")
    if status is not None and status >= 500:
        return ModelError(f"the provider failed (HTTP {status}): {message}", retryable=True, retry_after=retry_after)
    if isinstance(exc, (ConnectionError, TimeoutError)):
        return ModelError(f"cannot reach the model: {message}", retryable=True)
    return ModelError(f"model call failed: {type(exc).__name__}: {message}")


# -- the client ------------------------------------------------------------------------
TextCallback = Callable[[str], None]
RetryCallback = Callable[[int, float, str], None]  # attempt (1-based), delay, reason

_POLL = 0.05  # seconds between cancel checks while waiting for the next chunk


class ModelClient:
    """One configured model; thread-safe for one turn at a time."""

    def __init__(self, model_config: "ModelConfig", *, retry: RetryPolicy | None = None) -> None:
        if not (model_config.name or "").strip():
            raise ModelNotConfigured(MODEL_HOWTO)
        self.config = model_config
        self.model = model_config.name.strip()
        self.retry = retry or RetryPolicy(max_retries=max(0, int(model_config.max_retries)))

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
        if self.config.api_base:
            kwargs["api_base"] = self.config.api_base
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
                error = classify_error(exc)
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
        litellm = import_litellm()
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
