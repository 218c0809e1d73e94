"""A sweep on Ray and the same sweep on one machine give the same run keys, the same records
(apart from the clock) and, rebuilt, byte-identical surfaces. A real local Ray cluster with
fake GPU resources and no NVML (the driverless stand-in), so both sides count no GPU and
the records differ in nothing but time."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import REPO, run_jarri
from jarri.ledger.reader import read_ledger
from ray_cluster import ray_cluster

pytestmark = pytest.mark.ray

LEDGER = "benchmarks/smoke_v1/llm_benchmark_runs.jsonl"
# What differs between any two real runs, even two on one machine: the clock.
CLOCK = {"started_at": "2026-01-01T00:00:00+00:00", "finished_at": "2026-01-01T00:00:01+00:00",
         "wall_s": 0.5, "wall_ns": 500_000_000, "ttft_s": 0.25}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    base = tmp_path_factory.mktemp("fleet-identity")
    env = {**os.environ, "PYTHONPATH": str(REPO / "tests" / "no_gpu"),
           "XDG_STATE_HOME": str(base / "state")}
    with ray_cluster(env) as joined:
        yield joined


def stop_the_clock(ledger: Path) -> None:
    lines = []
    for raw in ledger.read_bytes().splitlines():
        obj = json.loads(raw)
        for key, value in CLOCK.items():
            if obj.get(key) is not None:
                obj[key] = value
        lines.append(json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n")
    ledger.write_text("".join(lines), encoding="utf-8")


def surfaces(ws: Path) -> dict[str, str]:
    data = ws / "benchmark_ui" / "data"
    return {str(p.relative_to(data)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(data.rglob("*")) if p.is_file()}


def test_ray_and_one_machine_give_the_same_keys_records_and_surfaces(
        cluster: tuple[str, dict[str, str]], tmp_path: Path) -> None:
    address, env = cluster
    mock = tmp_path / "mock.json"
    mock.write_text(json.dumps({"answers": [
        {"match": "capital of France", "answer": "Answer: Paris", "thinking": "France...",
         "delay_s": 0.02},
        {"match": "gold", "answer": "Answer: Au", "output_tokens": 7},
        {"match": "", "answer": "Answer: 42"}]}))
    common = ["-m", "m1,m2,m3", "-b", "mock", "--mock-file", str(mock), "-r", "2",
              "--idle-s", "0", "--sweep", "identity"]
    single = run_jarri("run", "-w", str(tmp_path / "single"), *common, env=env)
    assert single.returncode == 0, single.stderr
    fleet = run_jarri("run", "-w", str(tmp_path / "fleet"), *common, "--ray", address, env=env)
    assert fleet.returncode == 0, fleet.stdout + fleet.stderr
    recs = {name: read_ledger(tmp_path / name / LEDGER).records for name in ("single", "fleet")}
    assert len(recs["fleet"]) == len(recs["single"]) == 3 * 6 * 2
    assert {r.run_key for r in recs["fleet"]} == {r.run_key for r in recs["single"]}
    # the ledgers hold the same records, in another order (workers finish in their own)
    for name in recs:
        stop_the_clock(tmp_path / name / LEDGER)
    lines = {name: (tmp_path / name / LEDGER).read_bytes().splitlines() for name in recs}
    assert sorted(lines["fleet"]) == sorted(lines["single"])
    assert lines["fleet"] != lines["single"]
    for name in recs:
        r = run_jarri("rebuild", "-w", str(tmp_path / name), env=env)
        assert r.returncode == 0, r.stderr
    built = {name: surfaces(tmp_path / name) for name in recs}
    assert len(built["single"]) > 10
    assert built["fleet"] == built["single"]


@pytest.mark.model
def test_the_real_model_answers_the_same_on_ray_workers_as_on_one_machine(
        cluster: tuple[str, dict[str, str]], tmp_path: Path) -> None:
    """gemma3:270m through the embedded llama.cpp engine, loaded by each worker on its own:
    greedy decoding gives the same answers, token counts and scores as one machine."""
    address, env = cluster
    common = ["-m", "gemma3:270m", "--idle-s", "0", "--sweep", "real"]
    single = run_jarri("run", "-w", str(tmp_path / "single"), *common, env=env)
    assert single.returncode == 0, single.stderr
    fleet = run_jarri("run", "-w", str(tmp_path / "fleet"), *common, "--ray", address, env=env)
    assert fleet.returncode == 0, fleet.stdout + fleet.stderr
    assert "worker  w0 " in fleet.stdout and "worker  w1 " in fleet.stdout

    def outcome(name: str) -> dict[str, tuple]:
        return {r.run_key: (r.answer_sha256, r.output_tokens, r.score_percent, r.status,
                            r.failure_type) for r in read_ledger(tmp_path / name / LEDGER).records}

    single_out, fleet_out = outcome("single"), outcome("fleet")
    assert len(fleet_out) == 6 and fleet_out == single_out
    assert all(v[3] == "ok" and v[0] for v in fleet_out.values())
