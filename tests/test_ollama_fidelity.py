"""The Ollama adapter behaves as the real server makes it (issue: real servers), against the
stand-in built from Ollama's source (tests/ollama_stub.py says where each behaviour is)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from conftest import run_jarri
from jarri.backends.base import Completion, GenerationOptions, ModelInfo
from jarri.backends.keep_alive import KeepAliveError, parse_keep_alive
from jarri.backends.locality import energy_elsewhere, is_loopback
from jarri.backends.ollama import OllamaBackend, parse_version
from jarri.backends.think_policy import ThinkValueError, decide_ollama, parse_think
from jarri.errors import BackendUnavailable
from jarri.ledger.reader import read_ledger
from jarri.ledger.record import RunRecord
from jarri.runner.outcome import decide
from jarri.suite.registry import SuiteRegistry
from ollama_stub import THINK_TOKENS, StubServer

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


def _sweep(stub: StubServer, ws: Path, models: str, *extra: str) -> list[RunRecord]:
    r = run_jarri("run", "--backend", "ollama", "--base-url", stub.url, "--models", models,
                  "--experiments", "smoke_v1", "--workspace", str(ws), "--timeout-s", "10",
                  "--idle-s", "0", *extra)
    assert r.returncode == 0, r.stdout + r.stderr
    return read_ledger(ws / "benchmarks/smoke_v1/llm_benchmark_runs.jsonl").records


def _post(stub: StubServer, body: dict[str, object]) -> httpx.Response:
    return httpx.post(stub.url + "/api/chat", json=body, timeout=10)


# ---- 1. capabilities ---------------------------------------------------------------------
def test_the_stand_in_refuses_think_to_a_model_that_cannot_think(stub: StubServer) -> None:
    # What the real server does (routes.go): the reason for never sending it.
    r = _post(stub, {"model": "ok:1b", "think": True,
                     "messages": [{"role": "user", "content": "q"}]})
    assert r.status_code == 400 and "does not support thinking" in r.json()["error"]


def test_capabilities_come_from_api_show(backend: OllamaBackend) -> None:
    assert backend.model_info("think:8b").capabilities == ("completion", "thinking")
    assert backend.model_info("ok:1b").capabilities == ("completion",)
    assert backend.model_info("gptoss:20b").family == "gptoss"


def test_think_is_sent_only_to_models_that_can_think(backend: OllamaBackend,
                                                     stub: StubServer) -> None:
    asked = GenerationOptions(think=True)
    plain, note = backend.plan_options(backend.model_info("ok:1b"), asked)
    assert plain.think is None and note and "cannot think" in note
    c = backend.generate("ok:1b", "q", plain, 10)
    assert c.failure is None and "think" not in stub.requests[-1][1]
    thinker, note = backend.plan_options(backend.model_info("think:8b"), asked)
    assert thinker.think is True and note is None


def test_a_think_sweep_over_mixed_models_fails_no_run(stub: StubServer, tmp_path: Path) -> None:
    recs = _sweep(stub, tmp_path, "ok:1b,think:8b", "--think")
    assert len(recs) == 12
    assert not [r for r in recs if r.failure_type == "bad_request"]
    by = {m: [r for r in recs if r.model == m] for m in ("ok:1b", "think:8b")}
    assert all(r.options is not None and r.options.think is None for r in by["ok:1b"])
    assert all(r.options is not None and r.options.think is True for r in by["think:8b"])


def test_without_capabilities_an_unset_think_is_left_to_the_server() -> None:
    info = ModelInfo(name="old:1b", capabilities=None)
    d = decide_ollama(info, GenerationOptions())
    assert d.options.think is None and d.note and "server's choice" in d.note


# ---- 2. thinking policy -----------------------------------------------------------------
def test_a_thinking_model_left_unset_is_recorded_as_thinking_with_its_budget(
        stub: StubServer, tmp_path: Path) -> None:
    recs = _sweep(stub, tmp_path, "think:8b")
    cap = next(r for r in recs if r.task_id == "capital_france")
    assert cap.options is not None and cap.options.think is True  # never null
    assert cap.options.max_thinking_tokens == 6144
    assert cap.options.num_ctx == 2048 + 6144  # room for the thinking
    assert cap.request_options["think"] is True
    assert cap.request_options["options"]["num_predict"] == cap.options.max_output_tokens + 6144
    assert cap.output_tokens == THINK_TOKENS + 2 and cap.thinking_chars > 0
    assert cap.passed and cap.failure_type is None  # the harness no longer starves it


def test_the_harness_cap_is_labelled_apart_from_a_model_that_stops(stub: StubServer,
                                                                   tmp_path: Path) -> None:
    # A budget too small for this model's thinking: the cap ends it while it thinks.
    recs = _sweep(stub, tmp_path, "think:8b", "--max-thinking-tokens", "10",
                  "--max-output-tokens", "16")
    assert recs and all(r.failure_type == "thinking_cap_reached" for r in recs)
    assert all(r.failure_stage == "generation" and r.hard_failure for r in recs)
    assert all(r.options is not None and r.options.max_thinking_tokens == 10 for r in recs)


def test_thinking_only_is_a_model_that_stopped_by_itself() -> None:
    task = SuiteRegistry().load("smoke_v1").tasks[0]
    stopped = decide(task, Completion(thinking_text="hmm", done_reason="stop"))
    capped = decide(task, Completion(thinking_text="hmm", done_reason="length"))
    assert stopped.failure_type == "thinking_only"
    assert capped.failure_type == "thinking_cap_reached"


def test_no_think_turns_thinking_off_and_records_false(stub: StubServer,
                                                       tmp_path: Path) -> None:
    recs = _sweep(stub, tmp_path, "think:8b", "--no-think")
    assert all(r.options is not None and r.options.think is False for r in recs)
    assert all(r.options is not None and r.options.max_thinking_tokens is None for r in recs)
    assert all(r.thinking_chars == 0 for r in recs)


def test_gpt_oss_is_sent_a_level_and_cannot_be_turned_off(backend: OllamaBackend) -> None:
    info = backend.model_info("gptoss:20b")
    off, note = backend.plan_options(info, GenerationOptions(think=False))
    assert off.think == "medium" and note and "cannot stop thinking" in note
    high, _ = backend.plan_options(info, GenerationOptions(think="high"))
    assert high.think == "high" and high.max_thinking_tokens == 6144


def test_think_levels_go_through_the_cli(stub: StubServer, tmp_path: Path) -> None:
    recs = _sweep(stub, tmp_path, "gptoss:20b", "--think-level", "low")
    assert all(r.options is not None and r.options.think == "low" for r in recs)
    assert all(r.request_options["think"] == "low" for r in recs)


@pytest.mark.parametrize(("given", "want"), [
    (None, None), (True, True), ("false", False), ("On", True), ("high", "high"),
    (" LOW ", "low"), ("max", "max")])
def test_think_values_parse(given: object, want: object) -> None:
    assert parse_think(given) == want


@pytest.mark.parametrize("bad", ["maybe", "", 1, 0.5, ["high"]])
def test_think_values_that_no_server_accepts_are_refused(bad: object) -> None:
    with pytest.raises(ThinkValueError):
        parse_think(bad)


# ---- 3. context overflow ----------------------------------------------------------------
def test_an_overflow_400_is_a_context_overflow(backend: OllamaBackend) -> None:
    c = backend.generate("overflow:1b", "q", OPTS, 10)
    assert c.failure is not None
    assert (c.failure.stage, c.failure.type) == ("generation", "context_overflow")
    assert "exceed" in c.failure.message


def test_length_before_the_output_cap_is_a_full_context(backend: OllamaBackend) -> None:
    c = backend.generate("ctxfull:1b", "q", OPTS, 10)
    assert c.done_reason == "length" and c.output_tokens == 38
    assert c.failure is not None and c.failure.type == "context_overflow"
    capped = backend.generate("length:1b", "q", OPTS, 10)  # the cap itself: no failure
    assert capped.done_reason == "length" and capped.failure is None


def test_a_server_before_truncate_is_refused_by_name() -> None:
    with StubServer(version="0.12.5") as old:
        b = OllamaBackend(old.url)
        with pytest.raises(BackendUnavailable, match=r"older than 0\.12\.6"):
            b.version()
        # and a prompt it cut silently is still caught per run
        c = b.generate("overflow:1b", "q", OPTS, 10)
        assert c.failure is not None and c.failure.type == "context_overflow"
        assert "filled the context" in c.failure.message
        b.close()
        r = run_jarri("run", "--backend", "ollama", "--base-url", old.url, "-m", "ok:1b",
                      "--dry-run")
        assert r.returncode != 0 and "0.12.6" in r.stderr


@pytest.mark.parametrize(("text", "want"), [
    ("0.12.6", (0, 12, 6)), ("0.33.0-rc2", (0, 33, 0)), ("v0.9.0", (0, 9, 0)),
    ("0.0.0", (0, 0, 0)), ("", None), ("dev", None), ("1.2", None)])
def test_versions_parse(text: str, want: object) -> None:
    assert parse_version(text) == want


def test_a_source_build_is_accepted() -> None:
    with StubServer(version="0.0.0") as dev:
        b = OllamaBackend(dev.url)
        assert b.version() == "0.0.0"
        b.close()


# ---- 4. keep_alive -----------------------------------------------------------------------
def test_the_stand_in_refuses_a_unitless_string_as_ollama_does(stub: StubServer) -> None:
    r = _post(stub, {"model": "ok:1b", "keep_alive": "-1",
                     "messages": [{"role": "user", "content": "q"}]})
    assert r.status_code == 400 and "missing unit" in r.json()["error"]


@pytest.mark.parametrize(("given", "sent"), [
    ("-1", -1), ("300", 300), ("2.5", 2.5), (-1, -1), (0, 0), ("0", 0), ("10m", "10m"),
    ("1h30m", "1h30m"), ("-1m", "-1m"), ("90s", "90s"), (" 5m ", "5m")])
def test_keep_alive_numbers_are_sent_as_numbers(given: object, sent: object) -> None:
    got = parse_keep_alive(given)
    assert got == sent and type(got) is type(sent)


@pytest.mark.parametrize("bad", ["5 minutes", "10 m", "m", "1d", "", True, float("inf")])
def test_keep_alive_that_ollama_would_refuse_is_refused_first(bad: object) -> None:
    with pytest.raises(KeepAliveError):
        parse_keep_alive(bad)


def test_keep_alive_from_the_cli_reaches_the_server_as_a_number(stub: StubServer,
                                                                tmp_path: Path) -> None:
    recs = _sweep(stub, tmp_path, "ok:1b", "--keep-alive", "-1")
    assert all(r.request_options["keep_alive"] == -1 for r in recs)
    assert all(r.failure_type != "bad_request" for r in recs)
    bad = run_jarri("run", "--backend", "ollama", "--base-url", stub.url, "-m", "ok:1b",
                    "--keep-alive", "5 minutes", "-w", str(tmp_path / "bad"))
    assert bad.returncode != 0 and "keep_alive" in bad.stderr
    assert not (tmp_path / "bad" / "benchmarks").exists()  # refused before anything ran


# ---- 5. counts -----------------------------------------------------------------------------
def test_a_missing_count_is_recorded_as_unknown(stub: StubServer, tmp_path: Path) -> None:
    recs = _sweep(stub, tmp_path, "zeros:1b")
    assert recs and all(r.prompt_tokens is None and r.output_tokens == 3 for r in recs)


# ---- 6. loading -----------------------------------------------------------------------------
def test_the_warm_up_has_its_own_deadline(stub: StubServer, tmp_path: Path) -> None:
    # A load longer than a run may take: the warm-up waits for it, the runs do not time out.
    stub.loaded.discard("slowload:1b")
    recs = _sweep(stub, tmp_path / "a", "slowload:1b", "--timeout-s", "1",
                  "--load-timeout-s", "10")
    assert recs and all(r.status == "ok" and not r.cold_start for r in recs)


def test_a_failed_warm_up_is_reported_and_its_run_is_cold(stub: StubServer,
                                                          tmp_path: Path) -> None:
    r = run_jarri("run", "--backend", "ollama", "--base-url", stub.url, "-m", "busy:1b",
                  "-w", str(tmp_path), "--idle-s", "0", "--load-timeout-s", "1.5")
    assert r.returncode == 0 and "warm-up of busy:1b failed" in r.stderr, r.stderr
    recs = read_ledger(tmp_path / "benchmarks/smoke_v1/llm_benchmark_runs.jsonl").records
    assert recs[0].cold_start


def test_the_previous_model_is_unloaded_before_the_next(stub: StubServer,
                                                        tmp_path: Path) -> None:
    before = len(stub.requests)
    _sweep(stub, tmp_path, "ok:1b,hybrid:1b")
    seen = stub.requests[before:]
    unloads = [i for i, (p, b) in enumerate(seen)
               if b.get("keep_alive") == 0 and "messages" not in b and "prompt" not in b]
    assert [seen[i][1]["model"] for i in unloads] == ["ok:1b"]
    first_hybrid = next(i for i, (p, b) in enumerate(seen)
                        if p == "/api/chat" and b.get("model") == "hybrid:1b")
    assert unloads[0] < first_hybrid


# ---- 7. pinned sampling ------------------------------------------------------------------
def test_every_sampling_option_is_pinned_and_recorded(stub: StubServer, tmp_path: Path) -> None:
    recs = _sweep(stub, tmp_path, "ok:1b")
    sent = recs[0].request_options["options"]
    for name, neutral in (("min_p", 0.0), ("typical_p", 1.0), ("repeat_penalty", 1.0),
                          ("presence_penalty", 0.0), ("frequency_penalty", 0.0)):
        assert sent[name] == neutral
    last = next(b for p, b in reversed(stub.requests) if b.get("model") == "ok:1b"
                and "messages" in b)
    assert last["options"] == sent


# ---- 8. where the energy is --------------------------------------------------------------
def test_a_cloud_model_has_no_energy_here(stub: StubServer, tmp_path: Path) -> None:
    recs = _sweep(stub, tmp_path, "cloud:1b")
    assert recs and all(r.energy_confidence == "invalid" for r in recs)
    assert all("cloud model" in r.energy_confidence_reason for r in recs)
    assert all(r.passed for r in recs if r.task_id == "capital_france")  # still graded


@pytest.mark.parametrize(("url", "local"), [
    ("http://127.0.0.1:11434", True), ("http://localhost:11434", True),
    ("http://[::1]:11434", True), ("127.0.0.5:11434", True), ("http://LOCALHOST", True),
    ("http://192.168.1.20:11434", False), ("http://gpu-box:11434", False),
    ("https://ollama.com", False), ("http://0.0.0.0:11434", True), ("http://[::]:11434", True)])
def test_only_loopback_servers_are_measured_here(url: str, local: bool) -> None:
    assert is_loopback(url) is local
    reason = energy_elsewhere("ollama", url, ModelInfo(name="m"))
    assert (reason is None) is local


def test_records_of_this_sweep_say_what_was_sent(stub: StubServer, tmp_path: Path) -> None:
    recs = _sweep(stub, tmp_path, "ok:1b")
    line = json.loads((tmp_path / "benchmarks/smoke_v1/llm_benchmark_runs.jsonl")
                      .read_text().splitlines()[0])
    assert line["request_options"] == recs[0].request_options
    assert line["request_options"]["truncate"] is False


# ---- 9. OLLAMA_HOST ----------------------------------------------------------------------
@pytest.mark.parametrize(("raw", "url"), [
    ("", "http://127.0.0.1:11434"), ("0.0.0.0", "http://0.0.0.0:11434"),
    ("http://gpu-box:1234/", "http://gpu-box:1234"), ("https://host/", "https://host:443"),
    ("http://host", "http://host:80"), ("::1", "http://[::1]:11434"),
    ("[::1]:8080", "http://[::1]:8080"), ("[::1]", "http://[::1]:11434"),
    ("ollama.com", "https://ollama.com:443"), ("'localhost:11434'", "http://localhost:11434"),
    (' "10.0.0.5" ', "http://10.0.0.5:11434"), ("host:99999", "http://host:11434"),
    ("host:-1", "http://host:11434"), ("host:", "http://host:11434"),
    ("example.com/ollama", "http://example.com:11434/ollama"),
    ("::ffff:10.0.0.1", "http://10.0.0.1:11434"), ("http://10.0.0.2:abc/x", "http://10.0.0.2:80/x")])
def test_ollama_host_is_read_as_ollama_reads_it(raw: str, url: str,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # expected values follow envconfig/config.go Host() step by step
    from jarri.backends.ollama import default_base_url, ollama_host

    assert ollama_host(raw) == url
    monkeypatch.setenv("OLLAMA_HOST", raw)
    assert default_base_url() == url


# ---- 10. a lone </think> ---------------------------------------------------------------------
def test_reasoning_closed_by_a_lone_think_tag_is_thinking_on_every_backend(
        stub: StubServer, tmp_path: Path) -> None:
    # DeepSeek-R1 templates open the block themselves: the reply holds only the closing tag.
    # Every backend's completion goes through the same split (runner/outcome.py), shown here
    # through the mock backend end to end and through each backend's Completion shape.
    script = tmp_path / "r1.json"
    script.write_text(json.dumps({"answers": [
        {"match": "capital of France",
         "answer": "The user asks... Paris.\n</think>\n\nAnswer: Paris"}]}))
    r = run_jarri("run", "-b", "mock", "--mock-file", str(script), "-m", "r1", "-w",
                  str(tmp_path / "ws"), "--idle-s", "0")
    assert r.returncode == 0, r.stderr
    rec = next(x for x in read_ledger(tmp_path / "ws/benchmarks/smoke_v1/"
                                      "llm_benchmark_runs.jsonl").records
               if x.task_id == "capital_france")
    assert rec.passed and rec.thinking_chars == len("The user asks... Paris.")
    task = SuiteRegistry().load("smoke_v1").tasks[0]
    out = decide(task, Completion(answer_text="hmm\n</think>\nAnswer: Paris", done_reason="stop"))
    assert out.thinking_text == "hmm" and out.answer_text == "Answer: Paris"


# ---- 11. digests ------------------------------------------------------------------------------
def test_the_digest_is_stored_as_ollama_gives_it(stub: StubServer, tmp_path: Path) -> None:
    recs = _sweep(stub, tmp_path, "ok:1b")
    assert {r.model_digest for r in recs} == {"1".zfill(64)}


# ---- found in review against the source --------------------------------------------------
def test_gpt_oss_runs_max_as_high_and_says_so(backend: OllamaBackend) -> None:
    opts, note = backend.plan_options(backend.model_info("gptoss:20b"),
                                      GenerationOptions(think="max"))
    assert opts.think == "high" and note and "'max' as 'high'" in note


def test_max_is_refused_before_ollama_0_22(tmp_path: Path) -> None:
    from jarri.errors import ConfigError

    with StubServer(version="0.21.0") as old:
        b = OllamaBackend(old.url)
        b.version()
        with pytest.raises(ConfigError, match="0.22"):
            b.plan_options(b.model_info("think:8b"), GenerationOptions(think="max"))
        b.close()


@pytest.mark.parametrize("value", [9.3e9, "100000000000h", "-100000000000h", "2562048h"])
def test_keep_alive_past_what_go_can_hold_is_refused(value: object) -> None:
    with pytest.raises(KeepAliveError, match="292 years"):
        parse_keep_alive(value)


@pytest.mark.parametrize("text", [
    "input length (5000 tokens) exceeds the model's maximum context length (4096 tokens)",
    "max_tokens must be at least 1, got 0.",
    "Input length (5000) exceeds model's maximum context length (4096).",
    "THIS MODEL'S MAXIMUM CONTEXT LENGTH IS 4096 TOKENS"])
def test_every_server_overflow_text_is_an_overflow(text: str) -> None:
    from jarri.backends.http_errors import failure_for_status

    f = failure_for_status(400, json.dumps({"error": text}).encode())
    assert (f.stage, f.type) == ("generation", "context_overflow")


def test_the_unload_waits_until_the_model_has_left(stub: StubServer) -> None:
    b = OllamaBackend(stub.url)
    b.generate("ok:1b", "q", OPTS, 10)
    assert b.residency("ok:1b").mode != "unknown"
    b.unload("ok:1b")
    assert b.residency("ok:1b").mode == "unknown"
    b.close()


def test_a_prompt_that_fills_the_context_exactly_is_refused_as_overflow(
        backend: OllamaBackend) -> None:
    c = backend.generate("overflow:1b", "q", GenerationOptions(num_ctx=3000), 10)
    assert c.failure is not None and c.failure.type == "context_overflow"


def test_a_refused_think_level_leaves_nothing_behind(tmp_path: Path) -> None:
    with StubServer(version="0.21.0") as old:
        r = run_jarri("run", "--backend", "ollama", "--base-url", old.url, "-m", "think:8b",
                      "--think-level", "max", "-w", str(tmp_path))
    assert r.returncode != 0 and "0.22" in r.stderr
    assert not (tmp_path / "benchmarks").exists()


def test_a_show_without_capabilities_is_unknown_not_empty() -> None:
    with StubServer(capabilities=False) as s:
        b = OllamaBackend(s.url)
        info = b.model_info("think:8b")
        assert info.capabilities is None
        asked, _ = b.plan_options(info, GenerationOptions(think=True))
        assert asked.think is True  # what was asked is sent
        unset, note = b.plan_options(info, GenerationOptions())
        assert unset.think is None and note and "server's choice" in note
        b.close()
