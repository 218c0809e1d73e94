"""The OpenAI-compatible backend against a real server: llama-cpp-python's own
``python -m llama_cpp.server`` on 127.0.0.1 with the real gemma3:270m model."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from conftest import run_jarri
from jarri.backends.base import GenerationOptions
from jarri.backends.openai_compat import OpenAICompatBackend
from jarri.errors import BackendUnavailable, UnknownModel
from jarri.ledger.reader import read_ledger

OPTS = GenerationOptions(max_output_tokens=12, num_ctx=1024)
_OPEN: list[OpenAICompatBackend] = []


def request_close(b: OpenAICompatBackend) -> None:
    _OPEN.append(b)


@pytest.fixture(autouse=True)
def _close_backends() -> Iterator[None]:
    yield
    while _OPEN:
        _OPEN.pop().close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(gemma_path: Path) -> Iterator[str]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(gemma_path),
         "--model_alias", "gemma3:270m", "--host", "127.0.0.1", "--port", str(port),
         "--n_ctx", "2048", "--verbose", "False"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                if httpx.get(url + "/v1/models", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.25)
        else:
            pytest.fail("llama_cpp.server did not start within 30 s")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_metadata(server: str) -> None:
    b = OpenAICompatBackend(server + "/v1")
    request_close(b)
    assert b.list_models() == ["gemma3:270m"]
    assert b.version() is None  # llama-cpp-python's server has no /props
    assert b.model_info("gemma3:270m").name == "gemma3:270m"
    with pytest.raises(UnknownModel, match="it lists: gemma3:270m"):
        b.model_info("qwen3:8b")


def test_non_streaming_gives_exact_usage(server: str) -> None:
    b = OpenAICompatBackend(server, endpoint="completions", stream=False)
    request_close(b)
    c = b.generate("gemma3:270m", "What is the capital of France?", OPTS, 60)
    assert c.failure is None and c.answer_text.strip().startswith("Paris")
    assert c.done_reason == "length" and c.output_tokens == 12
    assert c.prompt_tokens is not None and c.prompt_tokens > 5
    assert c.raw_usage["usage"]["completion_tokens"] == 12 and c.ttft_s is None


def test_streaming_measures_ttft_and_flags_missing_usage(server: str) -> None:
    b = OpenAICompatBackend(server, endpoint="completions", stream=True)
    request_close(b)
    c = b.generate("gemma3:270m", "What is the capital of France?", OPTS, 60)
    assert c.failure is None and c.answer_text.strip().startswith("Paris")
    assert c.done_reason == "length"
    assert c.ttft_s is not None and 0 < c.ttft_s <= c.wall_ns / 1e9
    # This server sends no usage in streams: counts stay unknown instead of being invented.
    assert c.output_tokens is None and "usage_missing" in c.raw_usage


def test_greedy_repeats_are_identical(server: str) -> None:
    b = OpenAICompatBackend(server, endpoint="completions", stream=False)
    request_close(b)
    a1 = b.generate("gemma3:270m", "What is 7 + 5?", OPTS, 60).answer_text
    a2 = b.generate("gemma3:270m", "What is 7 + 5?", OPTS, 60).answer_text
    assert a1 == a2 and a1.strip()


def test_cli_sweep_against_real_server(server: str, tmp_path: Path) -> None:
    r = run_jarri("run", "--backend", "openai", "--base-url", server, "--openai-endpoint",
                  "completions", "--no-openai-stream", "-m", "gemma3:270m",
                  "--workspace", str(tmp_path))
    assert r.returncode == 0, r.stderr
    res = read_ledger(tmp_path / "benchmarks/smoke_v1/llm_benchmark_runs.jsonl")
    assert len(res.records) == 6 and not res.quarantined
    for rec in res.records:
        assert rec.backend == "openai" and rec.status == "ok" and rec.completed
        assert rec.output_tokens is not None and 0 < rec.output_tokens <= 32
        assert rec.prompt_tokens and rec.wall_s > 0 and rec.answer_sha256
        assert rec.score_percent in (0.0, 100.0)
    capital = next(x for x in res.records if x.task_id == "capital_france")
    assert capital.passed and "Paris" in (capital.extracted_answer or "")


def test_unreachable_server() -> None:
    b = OpenAICompatBackend(f"http://127.0.0.1:{_free_port()}")
    request_close(b)
    with pytest.raises(BackendUnavailable, match="does not answer"):
        b.list_models()
    c = b.generate("gemma3:270m", "q", OPTS, 5)
    assert c.failure is not None and c.failure.type == "connection_error" and not c.completed
