"""The suite never reaches a real GPU: the test process and every process a test starts see
the NVML of a machine without a driver (tests/conftest.py, tests/no_gpu/pynvml.py), even
where nvidia-ml-py and a real card are present."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from conftest import REPO, run_jarri


def test_this_process_imports_the_no_gpu_nvml() -> None:
    import pynvml

    assert os.path.dirname(pynvml.__file__) == str(REPO / "tests" / "no_gpu")
    from jarri.measure.gpu import open_gpus

    setup = open_gpus()
    assert setup.nvml is None and "NVML Shared Library Not Found" in setup.reason


def test_a_started_jarri_sees_no_gpu_and_keeps_journals_out_of_home() -> None:
    r = subprocess.run([sys.executable, "-c", "import pynvml; print(pynvml.__file__)"],
                       capture_output=True, text=True, timeout=60)
    assert r.stdout.strip() == str(REPO / "tests" / "no_gpu" / "pynvml.py"), r.stderr
    doctor = run_jarri("doctor")
    assert "NVML Shared Library Not Found" in doctor.stdout + doctor.stderr
    from jarri.measure.journal import journal_path

    assert str(journal_path()).startswith(tempfile.gettempdir())
    assert not str(journal_path()).startswith(os.path.expanduser("~/"))


def test_a_power_sweep_is_refused_without_the_opt_in(tmp_path: Path) -> None:
    r = run_jarri("run", "-m", "gemma3:270m", "--tdp-levels", "60", "--dry-run",
                  "-w", str(tmp_path))
    assert r.returncode == 2 and "NVIDIA GPU" in r.stderr, r.stderr
