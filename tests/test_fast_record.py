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
from pydantic import AwareDatetime, ValidationError

from factories import make_record
from jarri.ledger.record import RunRecord
from jarri.paths import Workspace
from jarri.rebuild import fast_record
from jarri.rebuild.build import rebuild

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
            obj[key] = data.draw(_typed(info.annotation) if data.draw(st.integers(0, 3))
                                 else json_values)
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
    if data.draw(st.booleans()):  # a repeated key: pydantic and msgspec keep the last
        key = data.draw(st.sampled_from(FIELDS))
        line = line[:-1] + f',"{key}":' + json.dumps(data.draw(json_values)) + "}"
    return line.encode()


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
    try:
        model = RunRecord.model_validate_json(raw)
    except ValidationError as exc:
        pytest.fail(f"the mirror accepted a line pydantic refuses: {raw!r}\n{exc}")
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


def test_an_integer_beyond_64_bits_is_quarantined_with_that_reason(tmp_path: Path) -> None:
    big = json.dumps({**BASE, "prompt_tokens": 2**64}, separators=(",", ":"))
    RunRecord.model_validate_json(big)  # pydantic's ints have no bound; DuckDB's BIGINT has
    ledger = tmp_path / "benchmarks" / "smoke_v1" / "llm_benchmark_runs.jsonl"
    ledger.parent.mkdir(parents=True)
    ledger.write_text(big + "\n" + json.dumps(BASE) + "\n")
    result = rebuild(Workspace(tmp_path))
    assert result.rows_used == 1 and result.rows_quarantined == 1
    (q,) = result.quarantined
    assert q.line == 1 and "64-bit" in q.reason
