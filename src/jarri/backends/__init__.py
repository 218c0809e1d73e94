"""Backends behind one interface; a plain name -> factory registry, heavy imports deferred."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from jarri.backends.base import Backend, Completion, GenerationOptions, ModelInfo
from jarri.vocabulary import BACKEND_NAMES


def _llamacpp(**kw: Any) -> Backend:
    from jarri.backends.llamacpp import LlamaCppBackend

    return LlamaCppBackend(n_threads=kw.get("n_threads"))


def _ollama(**kw: Any) -> Backend:
    from jarri.backends.ollama import OllamaBackend

    return OllamaBackend(kw.get("base_url"), keep_alive=kw.get("keep_alive", "10m"),
                         api=kw.get("ollama_api") or "chat")


def _openai(**kw: Any) -> Backend:
    from jarri.backends.openai_compat import OpenAICompatBackend

    return OpenAICompatBackend(kw.get("base_url"), endpoint=kw.get("openai_endpoint") or "chat",
                               api_key=kw.get("api_key"),
                               stream=kw.get("openai_stream", True),
                               ready_timeout_s=kw.get("load_timeout_s", 600.0))


def _mock(**kw: Any) -> Backend:
    from jarri.backends.mock import MockBackend

    script = kw.get("mock_file")
    return MockBackend(Path(script) if script else None)


FACTORIES: dict[str, Callable[..., Backend]] = {
    "llamacpp": _llamacpp,
    "ollama": _ollama,
    "openai": _openai,
    "mock": _mock,
}
assert set(FACTORIES) == set(BACKEND_NAMES), "one factory per backend in jarri/vocabulary.py"


def make_backend(name: str, **kwargs: Any) -> Backend:
    return FACTORIES[name](**kwargs)


__all__ = ["BACKEND_NAMES", "Backend", "Completion", "GenerationOptions", "ModelInfo",
           "make_backend"]
