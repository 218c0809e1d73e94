"""The Ollama adapter against recorded response shapes served on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conftest import run_jarri
from jarri.backends import wire
from jarri.backends.base import GenerationOptions
from jarri.backends.ollama import OllamaBackend, default_base_url, residency_from_ps
from jarri.errors import BackendUnavailable, UnknownModel
from ollama_stub import StubServer, thought

OPTS = GenerationOptions(max_output_tokens=64, num_ctx=2048, seed=7)


@pytest.fixture(scope="module")
def stub() -> Iterator[StubServer]:
    with StubServer() as s:
        yield s


@pytest.fixture
def backend(stub: StubServer) -> Iterator[OllamaBackend]:
    b = OllamaBackend(stub.url)
    yield b
    b.close()


def test_success_and_pinned_options(backend: OllamaBackend, stub: StubServer) -> None:
    c = backend.generate("ok:1b", "Capital of France?", OPTS, 10)
    assert c.failure is None and c.completed
    assert c.answer_text == "Paris" and c.done_reason == "stop"
    assert (c.prompt_tokens, c.output_tokens) == (26, 3)
    assert c.eval_s == pytest.approx(4.535599) and c.prompt_eval_s == pytest.approx(0.342546)
    assert c.load_s == pytest.approx(0.001334875)
    assert c.raw_usage["total_duration"] == 4883583458 and "message" not in c.raw_usage
    assert c.ttft_s is not None and c.wall_ns > 0
    path, body = stub.requests[-1]
    assert path == "/api/chat" and body["stream"] is True
    assert body["options"] == {"temperature": 0.0, "seed": 7, "top_k": 1, "top_p": 1.0,
                               "min_p": 0.0, "typical_p": 1.0, "repeat_penalty": 1.0,
                               "repeat_last_n": 0, "presence_penalty": 0.0,
                               "frequency_penalty": 0.0, "num_ctx": 2048, "num_predict": 64}
    assert body["truncate"] is False and body["shift"] is False
    assert body["keep_alive"] == "10m" and "think" not in body
    # what is recorded is what was sent, the prompt and model aside
    assert c.sent_options == {k: v for k, v in body.items()
                              if k not in ("model", "messages", "stream")}


def test_thinking_is_separate(backend: OllamaBackend, stub: StubServer) -> None:
    c = backend.generate("think:8b", "q", GenerationOptions(think=True), 10)
    assert c.answer_text == "Answer: Paris"
    assert c.thinking_text == "".join(thought(i) for i in range(300))
    assert c.output_tokens == 302  # eval_count includes thinking tokens
    assert c.thinking_tokens is None  # Ollama does not count them apart
    assert stub.requests[-1][1]["think"] is True


def test_token_cap(backend: OllamaBackend) -> None:
    c = backend.generate("length:1b", "q", OPTS, 10)
    assert c.done_reason == "length" and c.failure is None


def test_omitted_counts_are_unknown_not_zero(backend: OllamaBackend) -> None:
    c = backend.generate("zeros:1b", "q", OPTS, 10)
    assert c.failure is None and c.prompt_tokens is None
    assert c.prompt_eval_s is None and c.load_s is None and c.eval_s == pytest.approx(4.535599)


@pytest.mark.parametrize(("model", "stage", "ftype", "text"), [
    ("missing:1b", "transport", "model_not_found", "not found"),
    ("boom:1b", "transport", "server_error", "HTTP 500"),
    ("midstream:1b", "transport", "stream_error", "error was encountered"),
    ("nodone:1b", "generation", "stream_incomplete", "without a final 'done'"),
])
def test_failure_shapes_become_data(backend: OllamaBackend, model: str, stage: str,
                                    ftype: str, text: str) -> None:
    c = backend.generate(model, "q", OPTS, 10)
    assert c.failure is not None
    assert (c.failure.stage, c.failure.type) == (stage, ftype)
    assert text in c.failure.message
    assert c.completed == (stage != "transport")


def test_per_run_timeout(backend: OllamaBackend) -> None:
    c = backend.generate("slow:1b", "q", OPTS, 1.0)
    assert c.failure is not None and c.failure.type == "timeout"
    assert c.wall_ns < 2.9e9


def test_unreachable_server_is_a_failure_not_a_crash() -> None:
    b = OllamaBackend("http://127.0.0.1:9")
    try:
        c = b.generate("ok:1b", "q", OPTS, 5)
        assert c.failure is not None and c.failure.type == "connection_error"
        with pytest.raises(BackendUnavailable, match="does not answer"):
            b.version()
    finally:
        b.close()


def test_metadata(backend: OllamaBackend) -> None:
    assert backend.version() == "0.13.0"
    assert "ok:1b" in backend.list_models()
    info = backend.model_info("ok:1b")
    assert info.digest == "1".zfill(64)  # bare hex, as Ollama gives it
    assert info.capabilities == ("completion",) and info.family == "qwen3"
    assert backend.model_info("think:8b").capabilities == ("completion", "thinking")
    assert (info.quantization, info.parameter_size, info.format) == ("Q4_K_M", "751.63M", "gguf")
    assert info.context_length == 40960
    with pytest.raises(UnknownModel, match="ollama pull missing:1b"):
        backend.model_info("missing:1b")


def test_residency(backend: OllamaBackend) -> None:
    backend.generate("ok:1b", "q", OPTS, 10)
    backend.generate("hybrid:1b", "q", OPTS, 10)
    assert backend.residency("ok:1b").mode == "full_gpu"
    assert backend.residency("hybrid:1b").mode == "hybrid"
    assert backend.residency("nothere:1b").mode == "unknown"
    entry = wire.decode(b'{"size": 10, "name": "x"}', wire.OllamaRunning, "ps")
    assert residency_from_ps(entry).mode == "cpu"  # size_vram omitted = 0


def test_ollama_host_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OLLAMA_HOST", "0.0.0.0")
    assert default_base_url() == "http://0.0.0.0:11434"
    monkeypatch.setenv("OLLAMA_HOST", "http://gpu-box:1234/")
    assert default_base_url() == "http://gpu-box:1234"


def test_sweep_through_cli_records_every_shape(stub: StubServer, tmp_path) -> None:  # noqa: ANN001
    models = "ok:1b,think:8b,length:1b,boom:1b,midstream:1b,nodone:1b,hybrid:1b"
    r = run_jarri("run", "--backend", "ollama", "--base-url", stub.url, "--models", models,
                  "--experiments", "smoke_v1", "--workspace", str(tmp_path), "--timeout-s", "10")
    assert r.returncode == 0, r.stderr
    from jarri.ledger.reader import read_ledger

    res = read_ledger(tmp_path / "benchmarks/smoke_v1/llm_benchmark_runs.jsonl")
    assert not res.quarantined and len(res.records) == 7 * 6
    by_model = {m: [x for x in res.records if x.model == m] for m in models.split(",")}
    assert all(x.status == "backend_error" and x.failure_type == "server_error"
               and x.hard_failure and not x.completed for x in by_model["boom:1b"])
    assert all(x.failure_type == "stream_error" for x in by_model["midstream:1b"])
    assert all(x.failure_stage == "generation" for x in by_model["nodone:1b"]
               if not x.fully_correct)
    cap = [x for x in by_model["length:1b"] if x.task_id == "capital_france"][0]
    # cut off at the cap mid-sentence, but the answer it commits to is right
    assert cap.truncated and cap.done_reason == "length" and cap.fully_correct
    assert cap.format_ok is False and "no_answer_line" in cap.format_violations
    assert cap.failure_stage is None and cap.passed
    ok = [x for x in by_model["ok:1b"] if x.task_id == "capital_france"][0]
    assert ok.passed and ok.residency == "full_gpu" and ok.model_digest and ok.output_tokens == 3
    assert ok.eval_s == pytest.approx(4.535599) and ok.backend_version == "0.13.0"
    assert all(x.residency == "hybrid" for x in by_model["hybrid:1b"])
    th = [x for x in by_model["think:8b"] if x.task_id == "capital_france"][0]
    assert th.thinking_chars == len("".join(thought(i) for i in range(300)))
    assert th.thinking_sha256
    assert th.options is not None and th.options.think is True  # the server's default, pinned


def test_retry_failed_adds_attempts_that_supersede(stub: StubServer, tmp_path) -> None:  # noqa: ANN001
    from jarri.ledger.reader import read_ledger

    args = ("run", "--backend", "ollama", "--base-url", stub.url, "--models", "boom:1b",
            "--workspace", str(tmp_path))
    assert run_jarri(*args).returncode == 0
    again = run_jarri(*args)
    assert "nothing to run" in again.stdout
    retry = run_jarri(*args, "--retry-failed")
    assert retry.returncode == 0 and "0 already in the ledger, 6 to run" in retry.stdout
    recs = read_ledger(tmp_path / "benchmarks/smoke_v1/llm_benchmark_runs.jsonl").records
    first = {r.run_key: r for r in recs if r.attempt == 1}
    second = [r for r in recs if r.attempt == 2]
    assert len(first) == 6 and len(second) == 6
    assert all(r.supersedes == first[r.run_key].run_id for r in second)
    assert len({r.run_id for r in recs}) == 12


def test_require_full_gpu_refuses_to_measure_hybrid(stub: StubServer, tmp_path,  # noqa: ANN001
                                                     monkeypatch) -> None:  # noqa: ANN001
    import importlib.util
    import sys as _sys
    from pathlib import Path as _Path

    from jarri.config import make_config
    from jarri.ledger.reader import read_ledger
    from jarri.runner.progress import ConsoleProgress
    from jarri.runner.sweep import execute, prepare

    fake = _Path(__file__).parent / "fake_nvml" / "pynvml.py"
    monkeypatch.setenv("JARRI_FAKE_NVML_STATE", str(tmp_path / "gpu.json"))
    spec = importlib.util.spec_from_file_location("pynvml", fake)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    monkeypatch.setitem(_sys.modules, "pynvml", mod)
    for flag, ws in ((True, "strict"), (False, "default")):
        cfg = make_config({"models": ["ok:1b", "hybrid:1b"], "backend": "ollama",
                           "base_url": stub.url, "workspace": str(tmp_path / ws),
                           "require_full_gpu": flag, "idle_s": 0.1}, "test")
        execute(prepare(cfg), ConsoleProgress())
        recs = read_ledger(tmp_path / ws / "benchmarks/smoke_v1/llm_benchmark_runs.jsonl").records
        hybrid = [r for r in recs if r.model == "hybrid:1b"]
        full = [r for r in recs if r.model == "ok:1b"]
        assert hybrid and all(r.energy_confidence == "invalid" for r in hybrid)
        assert all(r.residency == "full_gpu" and r.energy_confidence != "invalid" or
                   "did not move" in r.energy_confidence_reason for r in full)
        reason = hybrid[0].energy_confidence_reason
        assert ("--require-full-gpu" in reason) == flag and "hybrid" in reason
