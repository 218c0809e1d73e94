"""A node lost mid-sweep, on a real two-node Ray cluster on this machine (two raylets, one
fake GPU each, no NVML): its worker cannot come back (no GPU is free), so after
--ray-restart-timeout-s its cells, the one in flight included, move to the other worker; the
ledger ends with exactly the planned records."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import REPO, jarri_cmd, run_jarri
from jarri.ledger.reader import read_ledger
from ray_cluster import FAST_HEALTH, add_node, ray_cluster, raylet_pid

pytestmark = pytest.mark.ray

LEDGER = "benchmarks/smoke_v1/llm_benchmark_runs.jsonl"


@pytest.fixture(scope="module")
def two_nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    base = tmp_path_factory.mktemp("fleet-nodes")
    env = {**os.environ, "PYTHONPATH": str(REPO / "tests" / "no_gpu"),
           "XDG_STATE_HOME": str(base / "state"), **FAST_HEALTH}
    with ray_cluster(env, gpus=1) as (address, joined):
        add_node(joined, address, 1, "doomed")
        yield address, joined


def test_a_lost_node_s_cells_move_to_the_live_worker(two_nodes: tuple[str, dict[str, str]],
                                                      tmp_path: Path) -> None:
    address, env = two_nodes
    mock = tmp_path / "mock.json"
    mock.write_text(json.dumps({"answers": [{"match": "", "answer": "Answer: 42",
                                             "delay_s": 0.2}]}))
    common = ["-m", "m1,m2", "-b", "mock", "--mock-file", str(mock), "-r", "2", "--idle-s",
              "0", "--sweep", "nodes"]
    single = run_jarri("run", "-w", str(tmp_path / "single"), *common, env=env)
    assert single.returncode == 0, single.stderr
    expected = {r.run_key for r in read_ledger(tmp_path / "single" / LEDGER).records}
    ws = tmp_path / "fleet"
    proc = subprocess.Popen(jarri_cmd("run", "-w", str(ws), *common, "--ray", address,
                                      "--ray-restart-timeout-s", "5"),
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while len((ws / LEDGER).read_bytes().splitlines() if (ws / LEDGER).exists()
                  else []) < 4:
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        os.kill(raylet_pid("doomed"), signal.SIGKILL)  # the node is gone, its worker with it
        out, err = proc.communicate(timeout=180)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out + err
    assert "did not come back within 5 s" in err and "move to worker" in err
    records = read_ledger(ws / LEDGER).records
    keys = [r.run_key for r in records]
    assert len(keys) == len(set(keys)) and set(keys) == expected
