"""The fast schema mirror (rebuild/fast_record.py) never accepts what pydantic refuses, and
what it accepts has pydantic's values; lines it refuses still reach pydantic in the rebuild."""

from __future__ import annotations

import json
import types
import typing
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import AwareDatetime

from factories import make_record
from jarri.ledger.reader import parse_line, read_ledger
from jarri.ledger.record import RunRecord
from jarri.paths import Workspace
from jarri.rebuild import fast_record
from jarri.rebuild.build import rebuild
from jarri.rebuild.reader import read_ledgers

FIELDS = list(RunRecord.model_fields)
BASE: dict[str, Any] = json.loads(make_record(3, prompt_tokens=12, output_tokens=30,
                                              energy_net_j=1.5, gpu_indices=[0]).to_line())

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12)
    | st.sampled_from(["12", "1.5", "true", "yes", "ollama", "full_gpu", "high", "ok",
                       "2026-01-30T00:00:00+00:00", "2026-02-30T00:00:00+00:00",
                       "2026-01-30 00:00:00+00:00", "2026-01-30T00:00:00Z",
                       "2026-01-30T00:00:00.1234567+00:00", "2026-01-30T00:00:00",
                       "2026-13-01T00:00:00+00:00", "2026-01-30T24:00:00+00:00"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                max_size=3),
    max_leaves=6)


DATETIMES = st.sampled_from([
    "2026-01-30T00:00:00+00:00", "2026-02-30T00:00:00+00:00", "2026-01-30 00:00:00+00:00",
    "2026-01-30T00:00:00Z", "2026-01-30T00:00:00.1234567+00:00", "2026-01-30T00:00:00",
    "2026-13-01T00:00:00+00:00", "2026-01-30T24:00:00+00:00", "2024-02-29T23:59:59.5-05:30",
    "2023-02-29T00:00:00+00:00", "2026-00-10T00:00:00+00:00", "2026-04-31T00:00:00+01:00"])


def _typed(annotation: Any) -> st.SearchStrategy[Any]:
    """Values near what a field expects: right type, edge values, near misses."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:  # a bounded type (ledger/bounds.py): its edges too
        edges = [getattr(m, a) for f in args[1:] for m in getattr(f, "metadata", [])
                 for a in ("ge", "le") if hasattr(m, a)]
        return _typed(args[0]) | st.sampled_from(
            [e + d for e in edges for d in (-1, 0, 1)] + [float(e) for e in edges])
    if origin in (typing.Union, types.UnionType):
        return st.one_of(*(_typed(a) for a in args))
    if annotation is type(None):
        return st.none()
    if annotation is bool:
        return st.booleans()
    if annotation is int:
        return st.integers(-(2**64), 2**64) | st.sampled_from([0, -1, 2**63 - 1, 2**63, 1.0])
    if annotation is float:
        return st.floats(allow_nan=False, allow_infinity=False) | st.integers(-5, 5) \
            | st.sampled_from([-0.0, 100.0, 100.5, 1e308])
    if annotation is str:
        return st.text(max_size=8)
    if annotation is AwareDatetime:
        return DATETIMES
    if origin is Literal:
        return st.sampled_from([*args, "x", 2])
    if origin is list:
        return st.lists(_typed(args[0]) if args[0] in (str, int) else json_values, max_size=3)
    return json_values


def _mutate(data: st.DataObject) -> bytes:
    obj = dict(BASE)
    for _ in range(data.draw(st.integers(0, 3))):
        kind = data.draw(st.sampled_from(["set", "set", "set", "drop", "add", "check",
                                          "option"]))
        key = data.draw(st.sampled_from(FIELDS))
        if kind == "set":
            info = RunRecord.model_fields[key]
            typed = _typed(info.annotation)
            for m in info.metadata:  # bounds pydantic lifted off the annotation
                typed = typed | st.sampled_from([getattr(m, a) + d for a in ("ge", "le")
                                                 if hasattr(m, a) for d in (-1, 0, 1)])
            obj[key] = data.draw(typed if data.draw(st.integers(0, 3)) else json_values)
        elif kind == "drop":
            obj.pop(key, None)
        elif kind == "add":
            obj[data.draw(st.sampled_from(["extra", "wrap_sha", "wrap_line", "Model"]))] = 1
        elif kind == "check":
            obj["checks"] = [{"name": "c", "passed": True,
                              data.draw(st.sampled_from(["weight", "detail", "x"])):
                                  data.draw(json_values)}]
        else:
            obj["options"] = {**BASE["options"],
                              data.draw(st.sampled_from(["seed", "top_p", "think", "x"])):
                                  data.draw(json_values)}
    line = json.dumps(obj, separators=(",", ":"))
    extra = data.draw(st.sampled_from(["", "", "", "bom", "surrogate", "nan"]))
    if extra == "surrogate":
        line = line[:-1] + ',"error":"' + data.draw(st.sampled_from(
            ["\\ud800", "\\udfff x", "\\ud83d\\ude00", "\\ud83d"])) + '"}'
    elif extra == "nan":
        line = line[:-1] + ',"raw_usage":{"x":NaN}}'
    if data.draw(st.booleans()):  # a repeated key: pydantic and msgspec keep the last
        key = data.draw(st.sampled_from(FIELDS))
        line = line[:-1] + f',"{key}":' + json.dumps(data.draw(json_values)) + "}"
    return (b"\xef\xbb\xbf" if extra == "bom" else b"") + line.encode()


def _same(mirror_value: Any, pydantic_value: Any) -> bool:
    if isinstance(pydantic_value, datetime):
        return datetime.fromisoformat(mirror_value) == pydantic_value
    if isinstance(pydantic_value, float) and isinstance(mirror_value, int):
        return float(mirror_value) == pydantic_value
    return bool(mirror_value == pydantic_value)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_whatever_the_mirror_accepts_pydantic_accepts_with_the_same_values(
        data: st.DataObject) -> None:
    raw = _mutate(data)
    rec = fast_record.check_line(raw)
    if rec is None:
        return  # pydantic decides (the reader's slow path)
    model = parse_line(raw)
    if isinstance(model, str):
        pytest.fail(f"the mirror accepted a line the ledger reader refuses: {raw!r}\n{model}")
    mirrored = msgspec.structs.asdict(rec)
    for name in FIELDS:
        value = getattr(model, name)
        if hasattr(value, "model_dump"):
            value = value.model_dump()
        elif isinstance(value, list) and value and hasattr(value[0], "model_dump"):
            value = [v.model_dump() for v in value]
        got = msgspec.to_builtins(mirrored[name])
        assert _same(got, value), (name, got, value, raw)


@pytest.mark.parametrize("line, why", [
    (b'{"prompt_tokens":"12"}', "a number in a string"),
    (b'{"wall_ns":500000000.0}', "an integer written as a float"),
    (b'{"truncated":"false"}', "a boolean in a string"),
    (b'{"started_at":"2026-11-27 10:00:03+00:00"}', "a timestamp with a space"),
])
def test_lines_pydantic_accepts_but_the_mirror_refuses(line: bytes, why: str) -> None:
    merged = {**BASE, **json.loads(line)}
    raw = json.dumps(merged, separators=(",", ":")).encode()
    assert fast_record.check_line(raw) is None, why
    RunRecord.model_validate_json(raw)  # pydantic's lax reading accepts it


def test_the_rebuild_uses_refused_but_valid_lines_and_the_last_of_repeated_keys(
        tmp_path: Path) -> None:
    lax = {**BASE, "run_id": "a-1", "prompt_tokens": "12", "wall_ns": 500000000.0}
    repeated = json.dumps({**BASE, "run_id": "b-1"}, separators=(",", ":"))
    repeated = repeated[:-1] + ',"output_tokens":"oops","output_tokens":7}'
    ledger = tmp_path / "benchmarks" / "smoke_v1" / "llm_benchmark_runs.jsonl"
    ledger.parent.mkdir(parents=True)
    ledger.write_text(json.dumps(lax) + "\n" + repeated + "\n")
    result = rebuild(Workspace(tmp_path))
    assert result.rows_used == 2 and result.rows_quarantined == 0
    page = json.loads(next((tmp_path / "benchmark_ui/data/runs").glob("page_*.json"))
                      .read_text())
    runs = {r[page["columns"].index("run_id")]: r for r in page["rows"]}
    col = page["columns"].index
    assert runs["a-1"][col("prompt_tokens")] == 12
    assert runs["b-1"][col("output_tokens")] == 7


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.data(), min_size=1, max_size=1))
def test_resume_and_rebuild_agree_on_every_line(tmp_path_factory: pytest.TempPathFactory,
                                                draws: list[st.DataObject]) -> None:
    """One verdict per line: a run is done for resume exactly when the rebuild uses it."""
    data = draws[0]
    lines = [_mutate(data) for _ in range(data.draw(st.integers(1, 25)))]
    ws = tmp_path_factory.mktemp("agree")
    ledger = ws / "benchmarks" / "smoke_v1" / "llm_benchmark_runs.jsonl"
    ledger.parent.mkdir(parents=True)
    ledger.write_bytes(b"\n".join(lines) + b"\n")
    resume = read_ledger(ledger)
    work = ws / "work"
    work.mkdir()
    stats = read_ledgers([ledger], work, root=ws)
    used_by_rebuild = stats.rows_valid
    assert used_by_rebuild == len(resume.records), (lines, resume.quarantined,
                                                     stats.quarantined)
    assert {q.line for q in stats.quarantined} == {q.line for q in resume.quarantined}
    for q_rebuild, q_resume in zip(stats.quarantined, resume.quarantined, strict=True):
        assert q_rebuild.reason == q_resume.reason


EXTREME = [
    ("output_tokens", 2**63 - 1), ("prompt_tokens", 2**64), ("output_tokens", -1),
    ("wall_s", 1e308), ("wall_ns", 2**63 - 1), ("eval_s", 1e308), ("ttft_s", 1e20),
    ("energy_gross_j", 1e308), ("energy_net_j", -1e308), ("energy_net_mj", 2**63 - 1),
    ("avg_power_w", 1e300), ("power_limit_applied_w", 1e12), ("answer_chars", 10**15),
    ("model_size_bytes", 2**62), ("repeat_index", 2**63), ("experiment_revision", 2**64),
]


@pytest.mark.parametrize("field, value", EXTREME)
def test_an_extreme_value_is_quarantined_by_both_readers_and_the_rebuild_goes_on(
        tmp_path: Path, field: str, value: Any) -> None:
    big = json.dumps({**BASE, field: value}, separators=(",", ":"))
    ok = json.dumps({**BASE, "run_id": "other-1", "run_key": "k2"}, separators=(",", ":"))
    ledger = tmp_path / "benchmarks" / "smoke_v1" / "llm_benchmark_runs.jsonl"
    ledger.parent.mkdir(parents=True)
    ledger.write_text(big + "\n" + ok + "\n")
    reason = parse_line(big.encode())
    assert isinstance(reason, str) and f"'{field}'" in reason
    result = rebuild(Workspace(tmp_path))
    assert result.rows_used == 1 and result.rows_quarantined == 1
    (q,) = result.quarantined
    assert q.line == 1 and q.reason == reason
    assert len(read_ledger(ledger).records) == 1
