"""Chat models for generative answers: a local GGUF model in-process, or any OpenAI-compatible server.

Generative answering is opt-in; `chat_model_from_settings` returns None when nothing is configured so callers
fall back to the extractive answerer.
"""

from __future__ import annotations

import queue
import secrets
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, convert_to_openai_messages
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict, Field, PrivateAttr, SecretStr, model_validator

from icassist.model_install import MODEL_DISPLAY_NAME, MODEL_FILE
from icassist.settings import AnswerSettings

INSTALL_COMMAND = "icassist models install  (or: python -m icassist.model_install)"
LOOPBACK = "127.0.0.1"
# Display names for GGUF files whose stem is not a readable model name.
_KNOWN_GGUF_NAMES = {Path(MODEL_FILE).stem: MODEL_DISPLAY_NAME}


class ModelNotFoundError(FileNotFoundError):
    """A configured GGUF file is missing; the message names the path and how to install a model."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"GGUF model not found: {path}. Install the local model with `{INSTALL_COMMAND}`, "
            "or point ICASSIST_ANSWER__GGUF_PATH at an existing .gguf file."
        )
        self.path = path


class XLlamaError(RuntimeError):
    """llama.cpp rejected a request (e.g. the prompt exceeds the context window)."""


class ChatXLlama(BaseChatModel):
    """LangChain chat model running a GGUF file in-process through xllamacpp (llama.cpp's server engine).

    The model loads once, lazily on first use (or via `load()`), and is freed by `close()` or when the object
    is collected. Requests go through the engine's chat-completions handler, so the chat template embedded in
    the GGUF file is applied (jinja) rather than one guessed here.

    Security: llama.cpp's engine always opens an HTTP listener as well. It is bound to 127.0.0.1 only, on a
    random port, and since llama.cpp's keyless default would let any local process or browser page use it, each
    instance sets a random API key that never leaves this object. In-process calls do not need the key. The
    slots, props, metrics and web-UI endpoints are off so prompts cannot be read back over HTTP.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    model_path: Path = Field(description="GGUF chat model file.")
    n_threads: int = Field(2, ge=1, description="CPU threads for generation and prompt processing.")
    n_ctx: int = Field(4096, ge=256, description="Context window in tokens (prompt plus answer).")
    temperature: float = Field(0.0, ge=0.0, description="Sampling temperature; 0 is greedy and repeatable.")
    max_tokens: int | None = Field(400, ge=1, description="Default generation limit per call.")
    stop: list[str] | None = Field(None, description="Default stop sequences, merged with per-call ones.")
    display_name: str | None = Field(None, description="Name shown to users; defaults to one derived from the file.")

    _server: Any = PrivateAttr(default=None)
    _http_key: SecretStr = PrivateAttr(default_factory=lambda: SecretStr(secrets.token_urlsafe(32)))
    _load_lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @model_validator(mode="after")
    def _model_file_exists(self) -> ChatXLlama:
        if not self.model_path.is_file():
            raise ModelNotFoundError(self.model_path)
        return self

    @property
    def _llm_type(self) -> str:
        return "xllamacpp"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {
            "model_path": str(self.model_path),
            "n_ctx": self.n_ctx,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
        }

    @property
    def name_for_display(self) -> str:
        return self.display_name or gguf_display_name(self.model_path)

    def load(self) -> None:
        """Load the model now (idempotent, thread-safe), e.g. to warm up before the first question."""
        self._engine()

    def close(self) -> None:
        """Free the model and stop the listener; a later call loads it again."""
        with self._load_lock:
            self._server = None  # The engine's destructor stops its threads; in-flight calls hold their own ref.

    def __enter__(self) -> ChatXLlama:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @property
    def listening_address(self) -> str:
        """Base URL of the engine's loopback HTTP listener (loads the model)."""
        return str(self._engine().listening_address)

    @property
    def http_api_key(self) -> SecretStr:
        """Key the loopback listener demands; only for deliberately sharing the loaded model over HTTP."""
        return self._http_key

    def _engine(self) -> Any:
        with self._load_lock:
            if self._server is None:
                self._server = self._start()
            return self._server

    def _start(self) -> Any:
        import xllamacpp

        params = xllamacpp.CommonParams()
        params.model.path = str(self.model_path)
        params.n_ctx = self.n_ctx
        params.n_parallel = 1  # One slot: the whole context window serves one answer at a time.
        params.cpuparams.n_threads = self.n_threads
        params.cpuparams_batch.n_threads = self.n_threads
        params.use_jinja = True  # Apply the GGUF's own chat template.
        params.hostnames = [LOOPBACK]
        params.port = 0
        params.api_keys = [self._http_key.get_secret_value()]
        params.ui = False
        params.endpoint_slots = False
        params.endpoint_props = False
        params.endpoint_metrics = False
        params.verbosity = -1
        server = xllamacpp.Server(params)
        address = urlsplit(str(server.listening_address)).hostname
        if address != LOOPBACK:
            del server
            raise XLlamaError(f"xllamacpp listener bound to {address}, expected {LOOPBACK}; refusing to run")
        return server

    def _request(self, messages: list[BaseMessage], stop: list[str] | None, stream: bool, **kwargs: Any) -> dict:
        request: dict[str, Any] = {
            "messages": convert_to_openai_messages(messages),
            "temperature": self.temperature,
            "stream": stream,
            **kwargs,
        }
        if self.max_tokens is not None:
            request.setdefault("max_tokens", self.max_tokens)
        stops = [*(self.stop or []), *(stop or [])]
        if stops:
            request["stop"] = stops
        if stream:
            request["stream_options"] = {"include_usage": True}
        return request

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        response = self._engine().handle_chat_completions(self._request(messages, stop, stream=False, **kwargs))
        _raise_for_error(response)
        choice = response["choices"][0]
        usage = _usage(response.get("usage"))
        message = AIMessage(
            content=choice["message"].get("content") or "",
            usage_metadata=usage,
            response_metadata=self._response_metadata(choice.get("finish_reason")),
        )
        generation = ChatGeneration(message=message)
        return ChatResult(generations=[generation], llm_output={"token_usage": response.get("usage")})

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        # The engine delivers chunks through a blocking callback; a worker thread turns that into a generator,
        # and the callback's True return stops generation when the consumer goes away.
        engine = self._engine()
        chunks: queue.Queue[dict | BaseException | None] = queue.Queue()
        abandoned = threading.Event()

        def on_chunk(chunk: dict) -> bool:
            chunks.put(chunk)
            return abandoned.is_set()

        def produce() -> None:
            try:
                engine.handle_chat_completions(self._request(messages, stop, stream=True, **kwargs), on_chunk)
            except BaseException as error:  # Re-raised in the consumer's thread.
                chunks.put(error)
            finally:
                chunks.put(None)

        worker = threading.Thread(target=produce, name="xllamacpp-stream", daemon=True)
        worker.start()
        try:
            while (item := chunks.get()) is not None:
                if isinstance(item, BaseException):
                    raise item
                _raise_for_error(item)
                chunk = self._chunk(item)
                if chunk is None:
                    continue
                if run_manager and chunk.text:
                    run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                yield chunk
        finally:
            abandoned.set()
            worker.join()

    def _chunk(self, event: dict) -> ChatGenerationChunk | None:
        usage = _usage(event.get("usage"))
        choices = event.get("choices") or []
        if not choices:
            return ChatGenerationChunk(message=AIMessageChunk(content="", usage_metadata=usage)) if usage else None
        choice = choices[0]
        content = (choice.get("delta") or {}).get("content") or ""
        finish = choice.get("finish_reason")
        if not content and not finish:
            return None
        metadata = self._response_metadata(finish) if finish else {}
        return ChatGenerationChunk(
            message=AIMessageChunk(content=content, usage_metadata=usage, response_metadata=metadata)
        )

    def _response_metadata(self, finish_reason: str | None) -> dict[str, Any]:
        return {"finish_reason": finish_reason, "model_name": self.name_for_display, "model_provider": "xllamacpp"}


def _raise_for_error(response: dict) -> None:
    if "error" in response:
        error = response["error"]
        raise XLlamaError(error.get("message", str(error)) if isinstance(error, dict) else str(error))


def _usage(usage: dict | None) -> UsageMetadata | None:
    if not usage:
        return None
    return UsageMetadata(
        input_tokens=usage.get("prompt_tokens", 0),
        output_tokens=usage.get("completion_tokens", 0),
        total_tokens=usage.get("total_tokens", 0),
    )


def gguf_display_name(path: Path) -> str:
    return _KNOWN_GGUF_NAMES.get(path.stem.lower(), path.stem)


def _redacted_url(url: str) -> str:
    """The URL without user:password, which some servers take in place of an API key."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit(parts._replace(netloc=netloc))


def openai_compatible(settings: AnswerSettings) -> BaseChatModel:
    """ChatOpenAI pointed at `settings.openai_base_url`, streaming.

    The key comes only from settings (ICASSIST_ANSWER__OPENAI_API_KEY); OPENAI_API_KEY is deliberately not used,
    so a key meant for api.openai.com is never sent to a self-hosted server. Keyless servers get a placeholder.
    """
    from langchain_openai import ChatOpenAI

    if not settings.openai_base_url:
        raise ValueError("openai_compatible needs ICASSIST_ANSWER__OPENAI_BASE_URL")
    if not settings.openai_model:
        raise ValueError(
            f"Set ICASSIST_ANSWER__OPENAI_MODEL to the model name served at {_redacted_url(settings.openai_base_url)}"
        )
    return ChatOpenAI(
        base_url=settings.openai_base_url,
        model=settings.openai_model,
        api_key=settings.openai_api_key or SecretStr("not-needed"),
        temperature=settings.temperature,
        max_tokens=settings.max_tokens,
        streaming=True,
        stream_usage=True,
    )


def chat_model_from_settings(settings: AnswerSettings) -> BaseChatModel | None:
    """The configured chat model: an OpenAI-compatible server if its URL is set, else a local GGUF, else None.

    Raises ModelNotFoundError when gguf_path is set but missing, so a typo is not silently extractive.
    """
    if settings.openai_base_url:
        return openai_compatible(settings)
    if settings.gguf_path is not None:
        return ChatXLlama(
            model_path=settings.gguf_path,
            n_threads=settings.gguf_threads,
            n_ctx=settings.gguf_context,
            temperature=settings.temperature,
            max_tokens=settings.max_tokens,
        )
    return None


def describe(settings: AnswerSettings) -> str:
    """Display name of the configured chat model, never including a key or URL credentials."""
    if settings.openai_base_url:
        return f"{settings.openai_model or '(no model set)'} @ {_redacted_url(settings.openai_base_url)}"
    if settings.gguf_path is not None:
        return f"{gguf_display_name(settings.gguf_path)} (local GGUF)"
    return "no chat model configured"
