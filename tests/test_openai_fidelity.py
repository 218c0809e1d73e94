"""The OpenAI-compatible adapter behaves as llama-server and vLLM make it (issue: real
servers, points 12-14), against the stand-in built from their sources (tests/openai_stub.py)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import run_jarri
from jarri.backends.base import GenerationOptions
from jarri.backends.openai_compat import NEUTRAL_SAMPLING, OpenAICompatBackend
from jarri.ledger.reader import read_ledger
from openai_stub import MODEL, N_CTX, OpenAIStub

OPTS = GenerationOptions(max_output_tokens=64, num_ctx=2048, seed=7, think=True)
DIALECTS = ("llama-server", "vllm")


@pytest.fixture(params=DIALECTS)
def stub(request: pytest.FixtureRequest) -> Iterator[OpenAIStub]:
    with OpenAIStub(request.param) as s:
        yield s


@pytest.fixture
def backend(stub: OpenAIStub) -> Iterator[OpenAICompatBackend]:
    b = OpenAICompatBackend(stub.url)
    b.version()
    yield b
    b.close()


# ---- 12. only what is sent; server defaults neutralised ----------------------------------
def test_every_server_default_is_pinned_and_what_was_sent_is_recorded(
        backend: OpenAICompatBackend, stub: OpenAIStub) -> None:
    c = backend.generate(MODEL, "Capital of France?", OPTS, 10)
    sent = stub.requests[-1][1]
    for name, neutral in NEUTRAL_SAMPLING.items():
        assert sent[name] == neutral
    assert sent["min_p"] == 0.0  # llama-server's own default is 0.05
    assert sent["repetition_penalty"] == 1.0  # vLLM applies generation_config otherwise
    assert c.sent_options == {k: v for k, v in sent.items()
                              if k not in ("model", "messages", "stream")}
    # num_ctx is not a request field of these servers: it is not sent; think goes through
    # the chat template
    assert "num_ctx" not in sent and "think" not in sent
    assert sent["chat_template_kwargs"] == {"enable_thinking": True}


def test_think_goes_through_the_chat_template_and_is_recorded(stub: OpenAIStub,
                                                               tmp_path: Path) -> None:
    r = run_jarri("run", "--backend", "openai", "--base-url", stub.url, "-m", MODEL,
                  "--think", "-w", str(tmp_path / "on"), "--idle-s", "0")
    assert r.returncode == 0, r.stderr
    recs = read_ledger(tmp_path / "on/benchmarks/smoke_v1/llm_benchmark_runs.jsonl").records
    assert recs and all(x.options is not None and x.options.think is True for x in recs)
    for x in recs:
        assert x.request_options["chat_template_kwargs"] == {"enable_thinking": True}
        assert x.options is not None and x.options.max_thinking_tokens == 6144
        assert x.request_options["max_tokens"] == x.options.max_output_tokens + 6144


def test_an_unset_think_is_not_sent_and_recorded_as_null(stub: OpenAIStub,
                                                         tmp_path: Path) -> None:
    r = run_jarri("run", "--backend", "openai", "--base-url", stub.url, "-m", MODEL,
                  "-w", str(tmp_path), "--idle-s", "0")
    assert r.returncode == 0, r.stderr
    recs = read_ledger(tmp_path / "benchmarks/smoke_v1/llm_benchmark_runs.jsonl").records
    assert recs and all(x.options is not None and x.options.think is None for x in recs)
    assert all("chat_template_kwargs" not in x.request_options
               and "num_ctx" not in x.request_options for x in recs)
    # num_ctx is not sent: the options say the context the server itself runs
    assert all(x.options is not None and x.options.num_ctx == N_CTX for x in recs)
    # ... and the context the server really used is what the record names
    assert all(x.context_length == N_CTX for x in recs)


# ---- 13. stream errors, loading, overflow --------------------------------------------------
def test_a_context_overflow_is_named_not_an_empty_answer(backend: OpenAICompatBackend) -> None:
    c = backend.generate(MODEL, "OVERFLOW " * 10, OPTS, 10)
    assert c.failure is not None
    assert (c.failure.stage, c.failure.type) == ("generation", "context_overflow")


def test_an_error_after_the_stream_started_is_a_stream_error(
        backend: OpenAICompatBackend) -> None:
    c = backend.generate(MODEL, "MIDSTREAM", OPTS, 10)
    assert c.failure is not None and c.failure.type == "stream_error"
    assert "Compute error" in c.failure.message


def test_the_context_filling_up_is_length_with_fewer_tokens_than_the_cap(
        backend: OpenAICompatBackend) -> None:
    c = backend.generate(MODEL, "FULL", OPTS, 10)
    assert c.done_reason == "length" and c.output_tokens == 7
    assert c.failure is not None and c.failure.type == "context_overflow"
    capped = backend.generate(MODEL, "Capital?", GenerationOptions(max_output_tokens=1), 10)
    assert capped.done_reason == "length" and capped.failure is None  # the cap itself


def test_thinking_is_read_in_either_field_and_counted_where_reported(
        backend: OpenAICompatBackend, stub: OpenAIStub) -> None:
    c = backend.generate(MODEL, "THINK", OPTS, 10)
    assert c.thinking_text == "Let me think." and c.answer_text == "Paris"
    assert c.output_tokens == 5  # thinking included
    assert c.thinking_tokens == (3 if stub.dialect == "vllm" else None)
    assert c.prompt_cached_tokens == 12


def test_a_loading_llama_server_is_waited_for(tmp_path: Path) -> None:
    with OpenAIStub("llama-server", loading_s=1.5) as s:
        t0 = time.monotonic()
        r = run_jarri("run", "--backend", "openai", "--base-url", s.url, "-m", MODEL,
                      "-w", str(tmp_path), "--idle-s", "0", "--load-timeout-s", "30")
        assert r.returncode == 0, r.stderr
        assert time.monotonic() - t0 >= 1.5
    recs = read_ledger(tmp_path / "benchmarks/smoke_v1/llm_benchmark_runs.jsonl").records
    assert recs and all(x.status == "ok" for x in recs)


def test_a_server_that_never_finishes_loading_is_refused_with_the_reason() -> None:
    with OpenAIStub("llama-server", loading_s=60) as s:
        b = OpenAICompatBackend(s.url, ready_timeout_s=1.0)
        with pytest.raises(Exception, match="503"):
            b.version()
        b.close()


# ---- 14. metadata ----------------------------------------------------------------------------
def test_metadata_names_the_server_and_the_model(backend: OpenAICompatBackend,
                                                 stub: OpenAIStub) -> None:
    version = backend.version()
    info = backend.model_info(MODEL)
    if stub.dialect == "llama-server":
        assert version == "llama.cpp b6000-abc1234"
        assert info.size_bytes == 5027783488
    else:
        assert version == "vllm 0.11.0"
    assert info.context_length == N_CTX
    assert info.digest is not None and info.digest.startswith("meta-sha256:")


def test_a_model_swapped_behind_the_same_id_gets_other_run_keys(tmp_path: Path) -> None:
    with OpenAIStub("llama-server") as s:
        args = ("run", "--backend", "openai", "--base-url", s.url, "-m", MODEL,
                "-w", str(tmp_path), "--idle-s", "0", "--sweep", "same")
        assert run_jarri(*args).returncode == 0
        assert "nothing to run" in run_jarri(*args).stdout  # same model: resumes
        s.n_params += 1  # another file served under the same id
        again = run_jarri(*args)
        assert again.returncode == 0 and "0 already in the ledger" in again.stdout


def test_model_details_do_not_depend_on_asking_the_version_first(stub: OpenAIStub) -> None:
    b = OpenAICompatBackend(stub.url)
    info = b.model_info(MODEL)  # no version() before it
    assert info.context_length == N_CTX
    if stub.dialect == "llama-server":
        b2 = OpenAICompatBackend(stub.url)
        b2.version()
        assert b2.model_info(MODEL).digest == info.digest
        b2.close()
    b.close()


def test_a_level_is_sent_where_each_server_reads_it(backend: OpenAICompatBackend,
                                                    stub: OpenAIStub) -> None:
    backend.generate(MODEL, "q", GenerationOptions(think="high"), 10)
    sent = stub.requests[-1][1]
    assert sent["chat_template_kwargs"] == {"enable_thinking": True, "reasoning_effort": "high"}
    assert sent["reasoning_effort"] == "high"
