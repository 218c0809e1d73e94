"""Whatever a server sends, a sweep goes on: every run ends as a record, never a traceback.

A scripted server on 127.0.0.1 (tests/scripted_server.py) answers the real Ollama and
OpenAI-compatible backends with well-formed but unexpected JSON, values beyond any plausible
run, lone surrogates, deep nesting, a trickle of bytes, and 50 MB answers; a property test
puts arbitrary JSON in every field a backend reads.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import run_jarri
from jarri.backends.base import Completion, GenerationOptions, ModelInfo, Residency
from jarri.backends.ollama import OllamaBackend
from jarri.backends.openai_compat import OpenAICompatBackend
from jarri.errors import BackendUnavailable, UnknownModel
from jarri.ledger.reader import parse_line, read_ledger
from jarri.ledger.record import MAX_INLINE_CHARS, RunRecord
from jarri.measure.meter import NullMeter
from jarri.runner.outcome import decide
from jarri.runner.plan import build_plan
from jarri.runner.record_builder import SweepContext, build_record
from jarri.suite import SuiteRegistry
from scripted_server import Reply, ScriptedServer

OPTS = GenerationOptions(max_output_tokens=16)
MODEL = "m:latest"

OPENAI_EVENTS: list[dict[str, Any]] = [
    {"id": "c1", "object": "chat.completion.chunk", "model": MODEL,
     "choices": [{"index": 0, "delta": {"role": "assistant", "content": "Paris"},
                  "finish_reason": None}]},
    {"id": "c1", "object": "chat.completion.chunk", "model": MODEL,
     "choices": [{"index": 0, "delta": {"reasoning_content": "hm"}, "finish_reason": "stop"}],
     "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7},
     "timings": {"prompt_ms": 1.5, "predicted_ms": 3.25}},
]
OLLAMA_LINES: list[dict[str, Any]] = [
    {"model": MODEL, "created_at": "2026-12-01T10:00:00Z",
     "message": {"role": "assistant", "content": "Paris", "thinking": "hm"}, "done": False},
    {"model": MODEL, "created_at": "2026-12-01T10:00:00Z",
     "message": {"role": "assistant", "content": ""}, "done": True, "done_reason": "stop",
     "total_duration": 5_000_000, "load_duration": 1_000_000, "prompt_eval_count": 5,
     "prompt_eval_duration": 2_000_000, "eval_count": 2, "eval_duration": 2_000_000},
]
METADATA = {
    "/v1/models": {"object": "list", "data": [{"id": MODEL, "object": "model"}]},
    "/api/version": {"version": "0.12.6"},
    "/api/tags": {"models": [{"name": MODEL, "model": MODEL, "digest": "d" * 64, "size": 100,
                              "details": {"format": "gguf", "quantization_level": "Q4_K_M",
                                          "parameter_size": "1B"}}]},
    "/api/ps": {"models": [{"name": MODEL, "size": 100, "size_vram": 100}]},
}


def sse(texts: list[bytes]) -> list[bytes]:
    return [b"data: " + t + b"\n\n" for t in texts] + [b"data: [DONE]\n\n"]


def ndjson(texts: list[bytes]) -> list[bytes]:
    return [t + b"\n" for t in texts]


class Script:
    """What the server answers now: metadata as a real server would, generation as set."""

    def __init__(self) -> None:
        self.generation = Reply()
        self.rotation: list[Reply] = []     # when set, generation requests take these in turn
        self.metadata: dict[str, Reply] = {}
        self.requests = 0

    def __call__(self, method: str, path: str, body: bytes) -> Reply:
        if path in self.metadata:
            return self.metadata[path]
        if path in METADATA:
            return Reply(pieces=[json.dumps(METADATA[path]).encode()])
        if path == "/api/show":
            return Reply(pieces=[b'{"model_info": {"gemma3.context_length": 32768}}'])
        if path in ("/v1/chat/completions", "/api/chat", "/v1/completions", "/api/generate"):
            self.requests += 1
            if self.rotation:
                return self.rotation[(self.requests - 1) % len(self.rotation)]
            return self.generation
        return Reply(status=404, pieces=[b'{"error": "not found"}'])


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[ScriptedServer, Script]]:
    script = Script()
    with ScriptedServer(script) as s:
        yield s, script


def backends(url: str) -> dict[str, Any]:
    return {"openai": OpenAICompatBackend(url), "ollama": OllamaBackend(url)}


def framed(kind: str, texts: list[bytes]) -> list[bytes]:
    return sse(texts) if kind == "openai" else ndjson(texts)


def events(kind: str) -> list[dict[str, Any]]:
    return OPENAI_EVENTS if kind == "openai" else OLLAMA_LINES


# ---- the record a run becomes ----------------------------------------------------------
EXP = SuiteRegistry().load("smoke_v1")


def recorded(kind: str, c: Completion) -> RunRecord:
    """The completion through the runner's own record path, written and read back."""
    (run,) = build_plan(sweep_id="s", backend=kind, models=[MODEL],
                        infos={MODEL: ModelInfo(MODEL)}, experiments=[EXP],
                        power_levels=[None], repeats=1, options=OPTS)[:1]
    ctx = SweepContext(sweep_id="s", backend=kind, backend_version=None,
                       jarri_version="0", host="h")
    now = datetime.now(UTC)
    rec = build_record(ctx=ctx, run=run, info=ModelInfo(MODEL), completion=c,
                       outcome=decide(run.task, c), energy=NullMeter("no GPU in this test").stop(),
                       residency=Residency(), started_at=now, finished_at=now, attempt=1,
                       answer_sha256=None, thinking_sha256=None, cold_start=False)
    back = parse_line(rec.to_line())
    assert isinstance(back, RunRecord), back
    return back


# ---- named cases from real reports -------------------------------------------------------
DEEP = b"[" * 300 + b"]" * 300
OPENAI_HOSTILE = {
    "a list": b"[1,2]",
    "null": b"null",
    "a number": b"5",
    "a non-object choice": b'{"choices": [5]}',
    "choices an object": b'{"choices": {"delta": {}}}',
    "content a list": b'{"choices": [{"delta": {"content": ["a"]}}]}',
    "usage a string": b'{"choices": [], "usage": "abc"}',
    "usage negative": b'{"choices": [], "usage": {"completion_tokens": -1}}',
    "usage a fraction": b'{"choices": [], "usage": {"completion_tokens": 1.5}}',
    "usage 1e400": b'{"choices": [], "usage": {"completion_tokens": 1e400}}',
    "usage 2^63-1": b'{"choices": [], "usage": {"completion_tokens": 9223372036854775807}}',
    "usage beyond 64 bits": b'{"choices": [], "usage": {"prompt_tokens": 18446744073709551616}}',
    "timings a string": b'{"choices": [], "timings": "x"}',
    "timings 1e308 ms": b'{"choices": [], "timings": {"prompt_ms": 1e308}}',
    "timings text": b'{"choices": [], "timings": {"predicted_ms": "fast"}}',
    "a lone surrogate": b'{"choices": [{"delta": {"content": "\\ud800"}}]}',
    "finish_reason a number": b'{"choices": [{"delta": {}, "finish_reason": 3}]}',
    "nested deep": DEEP,
}
OLLAMA_HOSTILE = {
    "a list": b"[1,2]",
    "null": b"null",
    "message a number": b'{"message": 5, "done": false}',
    "done a string": b'{"message": {"content": "x"}, "done": "yes"}',
    "eval_count a string": b'{"done": true, "eval_count": "abc"}',
    "eval_count beyond 64 bits": b'{"done": true, "eval_count": 18446744073709551616}',
    "eval_count 2^63-1": b'{"done": true, "eval_count": 9223372036854775807}',
    "load_duration 1e400": b'{"done": true, "load_duration": 1e400}',
    "load_duration negative": b'{"done": true, "load_duration": -5}',
    "a lone surrogate": b'{"message": {"content": "\\udfff"}, "done": false}',
    "nested deep": DEEP,
}


@pytest.mark.parametrize("kind, name", [("openai", n) for n in OPENAI_HOSTILE]
                         + [("ollama", n) for n in OLLAMA_HOSTILE])
def test_unexpected_json_is_a_recorded_protocol_error(server: tuple[ScriptedServer, Script],
                                                      kind: str, name: str) -> None:
    s, script = server
    text = (OPENAI_HOSTILE if kind == "openai" else OLLAMA_HOSTILE)[name]
    good = [json.dumps(e).encode() for e in events(kind)]
    script.generation = Reply(pieces=framed(kind, [good[0], text, good[1]]))
    c = backends(s.url)[kind].generate(MODEL, "q", OPTS, 10)
    assert c.failure is not None and (c.failure.stage, c.failure.type) == \
        ("transport", "protocol_error"), (name, c.failure)
    # the server, what could not be read, and the bytes themselves (cut)
    assert s.url in c.failure.message and "cannot be read" in c.failure.message
    assert "b'" in c.failure.message
    rec = recorded(kind, c)
    assert rec.status == "backend_error" and rec.failure_type == "protocol_error"
    assert rec.error is not None and len(rec.error) <= MAX_INLINE_CHARS + 200


def test_a_deeply_nested_usage_object_is_left_out_of_the_record(
        server: tuple[ScriptedServer, Script]) -> None:
    s, script = server
    last = {**OPENAI_EVENTS[1], "usage": {"prompt_tokens": 5, "completion_tokens": 2,
                                          "details": json.loads(DEEP)}}
    script.generation = Reply(pieces=sse([json.dumps(OPENAI_EVENTS[0]).encode(),
                                          json.dumps(last).encode()]))
    c = OpenAICompatBackend(s.url).generate(MODEL, "q", OPTS, 10)
    assert c.failure is None and c.output_tokens == 2
    rec = recorded("openai", c)
    assert rec.status == "ok" and "nested more than" in rec.raw_usage["omitted"]


@pytest.mark.parametrize("kind", ["openai", "ollama"])
def test_the_well_formed_answer_reads_as_before(server: tuple[ScriptedServer, Script],
                                                kind: str) -> None:
    s, script = server
    script.generation = Reply(pieces=framed(kind, [json.dumps(e).encode()
                                                   for e in events(kind)]))
    c = backends(s.url)[kind].generate(MODEL, "q", OPTS, 10)
    assert c.failure is None and c.answer_text == "Paris" and c.thinking_text == "hm"
    assert (c.prompt_tokens, c.output_tokens) == (5, 2)
    assert c.prompt_eval_s == pytest.approx(0.0015 if kind == "openai" else 0.002)
    assert recorded(kind, c).status == "ok"


@pytest.mark.parametrize("path, body", [
    ("/v1/models", b"<html>not json</html>"), ("/v1/models", b'[{"id": "m"}]'),
    ("/v1/models", b'{"data": [{"id": 5}]}'), ("/v1/models", b"null"),
    ("/api/tags", b"[1]"), ("/api/tags", b'{"models": [{"name": 3}]}'),
    ("/api/version", b'"0.1"'), ("/api/tags", DEEP),
])
def test_odd_metadata_is_a_clear_error_before_the_sweep(server: tuple[ScriptedServer, Script],
                                                        path: str, body: bytes) -> None:
    s, script = server
    script.metadata = {path: Reply(pieces=[body])}
    try:
        backend = backends(s.url)["openai" if path.startswith("/v1") else "ollama"]
        with pytest.raises(BackendUnavailable) as exc:
            backend.version()
            backend.model_info(MODEL)
        assert path in str(exc.value) and "cannot be read" in str(exc.value)
    finally:
        script.metadata = {}


def test_odd_residency_and_show_are_unknown_not_fatal(
        server: tuple[ScriptedServer, Script]) -> None:
    s, script = server
    script.metadata = {"/api/ps": Reply(pieces=[b'{"models": [{"name": "m:latest", '
                                                b'"size": "big"}]}']),
                       "/api/show": Reply(pieces=[b"[]"])}
    try:
        b = OllamaBackend(s.url)
        assert b.residency(MODEL).mode == "unknown"
        assert b.model_info(MODEL).context_length is None
    finally:
        script.metadata = {}


# ---- a deadline over the whole request ---------------------------------------------------
@pytest.mark.parametrize("kind", ["openai", "ollama"])
@pytest.mark.parametrize("how", ["a byte at a time, no newline", "whole lines, never done",
                                 "silence after the headers", "headers never finished"])
def test_a_trickling_server_is_cut_off_at_the_deadline(server: tuple[ScriptedServer, Script],
                                                       kind: str, how: str) -> None:
    s, script = server
    if how.startswith("a byte"):
        script.generation = Reply(pieces=[b"d"] * 40, pause_s=0.25)
    elif how.startswith("whole lines"):
        line = json.dumps(events(kind)[0]).encode()
        script.generation = Reply(pieces=framed(kind, [line] * 40)[:-1] if kind == "openai"
                                  else framed(kind, [line] * 40), pause_s=0.25)
    elif how.startswith("silence"):
        script.generation = Reply(pieces=[b"", b"x"], pause_s=8)
    else:
        script.generation = Reply(pieces=[b"HTTP/1.0 200 OK\r\n"] + [b"X-Slow: y\r\n"] * 40,
                                  pause_s=0.25, raw=True)
    t0 = time.monotonic()
    c = backends(s.url)[kind].generate(MODEL, "q", OPTS, 2.0)
    took = time.monotonic() - t0
    assert c.failure is not None and c.failure.type == "timeout", (how, c.failure)
    assert 1.9 <= took < 3.0, (how, took)
    assert recorded(kind, c).status == "timeout"


# ---- arbitrary JSON in every field a backend reads ----------------------------------------
FRAGMENTS = st.one_of(
    st.recursive(st.none() | st.booleans() | st.integers(-(2**70), 2**70)
                 | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=6),
                 lambda inner: st.lists(inner, max_size=3)
                 | st.dictionaries(st.text(max_size=4), inner, max_size=3),
                 max_leaves=5).map(lambda v: json.dumps(v).encode()),
    st.sampled_from([b"1e400", b"-1e400", b"NaN", b"Infinity", b'"\\ud800"', b'"\\udfff"',
                     b"18446744073709551616", b"9223372036854775807", b"-1", b"1.5", b"0",
                     b'"abc"', b"[1,2]", b"null", b"{}", b"[]", b'""', b"true", DEEP,
                     b"{" + b'"a":{' * 300 + b"}" * 301]))
HOLE = "\x00HOLE\x00"


def _paths(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out += _paths(v, (*prefix, i))
    return out


def _punch(obj: Any, path: tuple[Any, ...]) -> Any:
    if not path:
        return HOLE
    obj = json.loads(json.dumps(obj))
    node = obj
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = HOLE
    return obj


@st.composite
def hostile_stream(draw: st.DrawFn, kind: str) -> list[bytes]:
    texts = []
    for event in events(kind):
        if draw(st.integers(0, 2)) == 0:
            texts.append(json.dumps(event).encode())
            continue
        path = draw(st.sampled_from(_paths(event)))
        punched = json.dumps(_punch(event, path)).encode()
        hole = json.dumps(HOLE).encode()
        fragment = draw(FRAGMENTS) if draw(st.integers(0, 5)) else b""  # b"": key dropped
        if fragment == b"" and path:
            obj = json.loads(json.dumps(event))
            node = obj
            for p in path[:-1]:
                node = node[p]
            del node[path[-1]]
            texts.append(json.dumps(obj).encode())
        else:
            texts.append(punched.replace(hole, fragment or b"null"))
    return framed(kind, texts)


@pytest.mark.parametrize("kind", ["openai", "ollama"])
@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_arbitrary_json_in_any_field_is_a_recorded_run(server: tuple[ScriptedServer, Script],
                                                       kind: str, data: st.DataObject) -> None:
    s, script = server
    pieces = data.draw(hostile_stream(kind))
    script.generation = Reply(pieces=pieces)
    backend = backends(s.url)[kind]
    try:
        c = backend.generate(MODEL, "q", OPTS, 10)
    finally:
        backend.close()
    rec = recorded(kind, c)
    assert rec.status in ("ok", "backend_error", "evaluator_error", "not_evaluated"), rec.error
    if c.failure is not None and c.failure.type == "protocol_error":
        assert rec.error and "sent" in rec.error


# ---- a whole sweep against a hostile server, rerun ---------------------------------------
def test_a_sweep_survives_a_hostile_server_and_a_50_mb_answer(
        tmp_path: Path, server: tuple[ScriptedServer, Script]) -> None:
    s, script = server
    big = ("Paris " * 200_000).encode()  # 1.2 MB a piece, about 50 MB in all
    chunk = json.dumps({"choices": [{"delta": {"content": big.decode()}}]}).encode()
    answers = [
        Reply(pieces=sse([chunk] * 42 + [json.dumps(OPENAI_EVENTS[1]).encode()])),
        Reply(pieces=sse([b"[1,2]"])),
        Reply(pieces=sse([b'{"choices": [], "usage": {"completion_tokens": 1e400}}'])),
        Reply(pieces=sse([b'{"choices": [{"delta": {"content": "\\ud800"}}]}'])),
        Reply(pieces=sse([b"null"])),
        Reply(pieces=sse([json.dumps(e).encode() for e in OPENAI_EVENTS])),
    ]
    script.rotation, script.requests = answers, 0
    args = ("run", "--backend", "openai", "--base-url", s.url, "-m", MODEL, "-e", "smoke_v1",
            "--no-warmup", "--timeout-s", "60", "-w", str(tmp_path))
    first = run_jarri(*args, timeout=600)
    assert first.returncode == 0 and "Traceback" not in first.stderr, first.stderr[-3000:]
    ledger = tmp_path / "benchmarks" / "smoke_v1" / "llm_benchmark_runs.jsonl"
    lines = ledger.read_bytes().splitlines()
    assert len(lines) == len(EXP.tasks)
    assert max(map(len, lines)) < 64 * 1024  # the 50 MB answer is in the content store
    result = read_ledger(ledger)
    assert not result.quarantined and len(result.records) == len(EXP.tasks)
    types = sorted(r.failure_type or "-" for r in result.records)
    assert types.count("protocol_error") == 4, types
    stored = [p for p in (tmp_path / "benchmarks" / "smoke_v1").rglob("*")
              if p.is_file() and p.stat().st_size > 40_000_000]
    assert stored, "the whole answer is kept in the content store"
    again = run_jarri(*args, timeout=300)
    assert again.returncode == 0 and "0 to run" in again.stdout, again.stdout
    assert len(ledger.read_bytes().splitlines()) == len(EXP.tasks)
    script.rotation = []
    rebuilt = run_jarri("rebuild", "-w", str(tmp_path), timeout=300)
    assert rebuilt.returncode == 0, rebuilt.stderr
    summary = json.loads((tmp_path / "benchmark_ui/data/verification/quarantine.json")
                         .read_text())
    assert summary["rows"] == [], summary


SHOW = {"model_info": {"gemma3.context_length": 32768, "general.architecture": "gemma3"}}


@st.composite
def hostile_document(draw: st.DrawFn, doc: Any) -> bytes:
    path = draw(st.sampled_from(_paths(doc)))
    hole = json.dumps(HOLE).encode()
    return json.dumps(_punch(doc, path)).encode().replace(hole, draw(FRAGMENTS))


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_arbitrary_json_in_any_metadata_field_is_a_clear_error_or_an_answer(
        server: tuple[ScriptedServer, Script], data: st.DataObject) -> None:
    s, script = server
    path = data.draw(st.sampled_from([*METADATA, "/api/show"]))
    body = data.draw(hostile_document(SHOW if path == "/api/show" else METADATA[path]))
    script.metadata = {path: Reply(pieces=[body])}
    backend = OpenAICompatBackend(s.url) if path.startswith("/v1") else OllamaBackend(s.url)
    try:
        backend.version()
        info = backend.model_info(MODEL)
        assert info.context_length is None or 0 < info.context_length <= 10**12
        assert backend.residency(MODEL).mode in ("full_gpu", "hybrid", "cpu", "unknown")
    except (BackendUnavailable, UnknownModel) as exc:
        assert s.url in str(exc)  # a message naming the server, not a traceback
    finally:
        script.metadata = {}
        backend.close()
