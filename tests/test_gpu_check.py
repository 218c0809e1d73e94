"""scripts/gpu_check.py against the scripted NVML stand-in (the real run needs a GPU)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "tests" / "fake_nvml"),
           "JARRI_FAKE_NVML_STATE": str(tmp_path / "gpu.json")}
    return subprocess.run([sys.executable, str(REPO / "scripts" / "gpu_check.py"),
                           "--idle-s", "0.5", *args], env=env, capture_output=True, text=True,
                          timeout=120)


def test_read_only_by_default(tmp_path: Path) -> None:
    r = run(tmp_path, "--tokens", "60,250w,1000w")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "NVIDIA H100 80GB HBM3" in out and "200 - 700" in out
    assert "| token 60" in out and "420 W (not applied)" in out
    assert "700 W (clamped) (not applied)" in out
    period = re.search(r"energy counter update period \(ms\)\s*\| ([\d.]+)", out)
    assert period and 99.0 <= float(period.group(1)) <= 150.0  # 100 ms steps, polled
    assert not (tmp_path / "gpu.json").exists()  # nothing was set


def test_apply_reads_back_and_restores(tmp_path: Path) -> None:
    r = run(tmp_path, "--tokens", "60,250w", "--apply")
    assert r.returncode == 0, r.stderr
    assert "set 420 W, reads back 420 W" in r.stdout and "set 250 W, reads back 250 W" in r.stdout
    state = json.loads((tmp_path / "gpu.json").read_text())
    assert state["0"]["limit_mw"] == 700_000  # restored
