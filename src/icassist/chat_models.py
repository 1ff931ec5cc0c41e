"""Chat models for generative answers: a local GGUF model in-process, or any OpenAI-compatible server.

Generative answering is opt-in; `chat_model_from_settings` returns None when nothing is configured so callers
fall back to the extractive answerer.
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from langchain_core.language_models import BaseChatModel
from langchain_openai import ChatOpenAI
from pydantic import PrivateAttr, SecretStr

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


class LocalLlama:
    """A GGUF model loaded in-process by llama.cpp's server engine (xllamacpp), talked to through `ChatOpenAI`.

    The engine always serves an OpenAI-compatible HTTP listener, so streaming, stop sequences, usage and errors
    come from the OpenAI client rather than a second implementation here. The GGUF's own chat template is applied
    (jinja). Security: the listener is bound to 127.0.0.1 on a random port and demands a random key that lives
    only in this object and the chat models it makes (llama.cpp's keyless default would let any local process or
    browser page use it); the slots, props, metrics and web-UI endpoints are off so prompts cannot be read back.
    """

    def __init__(self, model_path: Path, n_threads: int = 2, n_ctx: int = 4096) -> None:
        if not model_path.is_file():
            raise ModelNotFoundError(model_path)
        self.model_path = model_path
        self.display_name = gguf_display_name(model_path)
        self.api_key = SecretStr(secrets.token_urlsafe(32))
        self._server: Any = _start_engine(model_path, n_threads, n_ctx, self.api_key)

    @property
    def base_url(self) -> str:
        """The listener's OpenAI-compatible base URL (…/v1)."""
        if self._server is None:
            raise RuntimeError(f"{self.display_name} was closed; load it again with LocalLlama(...)")
        return f"{self._server.listening_address}/v1"

    def chat_model(self, temperature: float = 0.0, max_tokens: int | None = 400, **kwargs: Any) -> LocalChatModel:
        model = LocalChatModel(
            base_url=self.base_url,
            model=self.display_name,
            api_key=self.api_key,
            temperature=temperature,
            max_tokens=max_tokens,
            streaming=True,
            stream_usage=True,
            **kwargs,
        )
        model._llama = self
        return model

    def close(self) -> None:
        """Free the model and stop the listener (the engine's destructor stops its threads)."""
        self._server = None

    def __enter__(self) -> LocalLlama:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


class LocalChatModel(ChatOpenAI):
    """ChatOpenAI on a LocalLlama's listener; holding the LocalLlama keeps the model loaded while this is in use."""

    _llama: LocalLlama | None = PrivateAttr(None)


def _start_engine(model_path: Path, n_threads: int, n_ctx: int, api_key: SecretStr) -> Any:
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = str(model_path)
    params.n_ctx = n_ctx
    params.n_parallel = 1  # One slot: the whole context window serves one answer at a time.
    params.cpuparams.n_threads = n_threads
    params.cpuparams_batch.n_threads = n_threads
    params.use_jinja = True  # Apply the GGUF's own chat template.
    params.hostnames = [LOOPBACK]
    params.port = 0
    params.api_keys = [api_key.get_secret_value()]
    params.ui = False
    params.endpoint_slots = False
    params.endpoint_props = False
    params.endpoint_metrics = False
    params.verbosity = -1
    server = xllamacpp.Server(params)
    address = urlsplit(str(server.listening_address)).hostname
    if address != LOOPBACK:
        del server
        raise RuntimeError(f"xllamacpp listener bound to {address}, expected {LOOPBACK}; refusing to run")
    _wait_until_ready(str(server.listening_address))
    return server


def _wait_until_ready(address: str, timeout_s: float = 60.0) -> None:
    """Return once the listener answers /health: an engine closed while still starting hangs in its destructor
    (reproduced: 1 in ~5 immediate load-then-close cycles never returned), so it is never handed out earlier."""
    import httpx

    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if httpx.get(f"{address}/health", timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"the local model's listener at {address} did not become ready in {timeout_s:.0f} s")
        time.sleep(0.05)


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


def openai_compatible(settings: AnswerSettings) -> ChatOpenAI:
    """ChatOpenAI pointed at `settings.openai_base_url`, streaming.

    The key comes only from settings (ICASSIST_ANSWER__OPENAI_API_KEY); OPENAI_API_KEY is deliberately not used,
    so a key meant for api.openai.com is never sent to a self-hosted server. Keyless servers get a placeholder.
    """
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

    A local GGUF is loaded here, once. Raises ModelNotFoundError when gguf_path is set but missing, so a typo is
    not silently extractive.
    """
    if settings.openai_base_url:
        return openai_compatible(settings)
    if settings.gguf_path is not None:
        llama = LocalLlama(settings.gguf_path, n_threads=settings.gguf_threads, n_ctx=settings.gguf_context)
        return llama.chat_model(temperature=settings.temperature, max_tokens=settings.max_tokens)
    return None


def describe(settings: AnswerSettings) -> str:
    """Display name of the configured chat model, never including a key or URL credentials."""
    if settings.openai_base_url:
        return f"{settings.openai_model or '(no model set)'} @ {_redacted_url(settings.openai_base_url)}"
    if settings.gguf_path is not None:
        return f"{gguf_display_name(settings.gguf_path)} (local GGUF)"
    return "no chat model configured"
