"""The code sandbox and the code evaluator: hostile code ends as a clean execute failure
within the limits, and the sweep's evaluator keeps going."""

from __future__ import annotations

import os
import subprocess

import pytest

from jarri.evaluate.code import evaluate_code, extract_code
from jarri.evaluate.sandbox import Limits, isolation, run_python

TESTS = {"tests": {"adds": "assert solution.add(2, 3) == 5",
                   "negatives": "assert solution.add(-2, -3) == -5",
                   "floats": "assert abs(solution.add(0.1, 0.2) - 0.3) < 1e-9"}}
FAST = Limits(cpu_s=2, wall_s=4, memory_mib=256)


def fenced(code: str) -> str:
    return f"Here is the function:\n```python\n{code}\n```\n"


def test_reference_and_partial_answers() -> None:
    good = evaluate_code(fenced("def add(a, b):\n    return a + b"), TESTS, {}, 100)
    assert good.score_percent == 100 and good.passed and good.failure_stage is None
    partial = evaluate_code(fenced("def add(a, b):\n    return abs(a) + abs(b)"), TESTS, {}, 100)
    # pass@1: failing one hidden test makes the program wrong; the checks say which test
    assert partial.score_percent == 0 and partial.failure_stage == "semantic"
    assert partial.failure_subtypes == ("test:negatives",) and partial.hard_failure


@pytest.mark.parametrize(("answer", "stage", "ftype"), [
    ("", "generation", "empty_output"),
    ("hello", "format", "format_violation"),
    (fenced("def add(a, b) return"), "execute", "runtime_error"),
    (fenced("raise SystemExit('no')"), "execute", "runtime_error"),
])
def test_garbage_scores_zero_with_a_hard_failure(answer: str, stage: str, ftype: str) -> None:
    r = evaluate_code(answer, TESTS, {}, 100)
    assert r.score_percent == 0 and r.hard_failure
    assert (r.failure_stage, r.failure_type) == (stage, ftype)


HOSTILE = {
    "infinite loop": "while True:\n    pass",
    "fork bomb": "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n"
                 "        pass",
    "10 GB allocation": "x = bytearray(10 * 1024 ** 3)",
    "read ~/.ssh": "print(open(os.path.expanduser('~root/.ssh/id_rsa')).read())\nimport os",
    "open a socket": "import socket\nsocket.create_connection(('127.0.0.1', 22), timeout=2)",
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_code_is_a_clean_execute_failure(name: str) -> None:
    code = HOSTILE[name]
    r = evaluate_code(fenced(code + "\ndef add(a, b):\n    return a + b"), TESTS,
                      {"cpu_s": 2, "wall_s": 4, "memory_mib": 256}, 100)
    assert r.score_percent == 0 and r.failure_stage == "execute" and r.hard_failure, r.checks
    runs = next(c for c in r.checks if c.name == "code_runs")
    assert not runs.passed


def test_limits_and_isolation_directly() -> None:
    bomb = run_python({"m.py": HOSTILE["fork bomb"]}, "m.py", FAST)
    assert bomb.timed_out and bomb.wall_s < FAST.wall_s + 2
    left = subprocess.run(["pgrep", "-f", "jarri-sandbox"], capture_output=True, text=True)
    assert left.stdout.strip() == ""  # nothing left running
    env = run_python({"m.py": "import os; print(sorted(os.environ))"}, "m.py", FAST)
    assert "HOME" in env.stdout and "OLLAMA_HOST" not in env.stdout and "AWS" not in env.stdout
    net = run_python({"m.py": HOSTILE["open a socket"]}, "m.py", FAST)
    prefix, notes = isolation()
    if os.geteuid() == 0:
        assert "runs as user nobody" in notes and "no network" in notes[0]
        assert "Network is unreachable" in net.stderr
        ssh = run_python({"m.py": "open('/root/.ssh/x')"}, "m.py", FAST)
        assert "Permission denied" in ssh.stderr
    assert net.returncode != 0


def test_extract_code() -> None:
    assert extract_code("```py\nx = 1\n```") == "x = 1"
    assert extract_code("def f():\n    return 1") == "def f():\n    return 1"
    assert extract_code("The answer is 4.") is None
