"""The code evaluator: run model-written Python against hidden tests, in the sandbox.

Ground truth: ``{"tests": {"name": "assert solution.f(1) == 2", ...}}`` (each test is Python
that sees the answer's module as ``solution``). Score: the share of tests that pass. No code
in the answer is a format failure; code that cannot be imported, crashes the process or runs
out of time is an execute failure (hard); failing tests are semantic failures (partial credit).
"""

from __future__ import annotations

import json
import re
from typing import Any

from jarri.evaluate.report import Check, EvalReport, build_report
from jarri.evaluate.sandbox import Limits, run_python

_FENCE = re.compile(r"```(?:python|py)?[ \t]*\n(.*?)(?:\n```|$)", re.S | re.I)
MARKER = "@@JARRI_RESULT@@"

# Runs inside the sandbox: imports the answer, runs each hidden test, prints one JSON line.
HARNESS = '''
import json, sys
sys.path.insert(0, ".")  # python -I leaves the script's folder off sys.path
TESTS = json.loads(open("tests.json", encoding="utf-8").read())
result = {}
try:
    import solution
except BaseException as exc:
    error = type(exc).__name__ + ": " + str(exc)[:300]
    print("@@JARRI_RESULT@@" + json.dumps({"import_error": error}))
    sys.exit(0)
for name, src in TESTS.items():
    try:
        exec(compile(src, name, "exec"), {"solution": solution})
        result[name] = None
    except AssertionError as exc:
        result[name] = "assertion failed" + (": " + str(exc)[:200] if str(exc) else "")
    except BaseException as exc:
        result[name] = type(exc).__name__ + ": " + str(exc)[:200]
print("@@JARRI_RESULT@@" + json.dumps({"tests": result}))
'''


def extract_code(answer: str) -> str | None:
    """The first fenced block, else the whole answer if it looks like Python."""
    m = _FENCE.search(answer)
    if m:
        return m.group(1)
    text = answer.strip()
    if re.search(r"^\s*(def|class|import|from)\s", text, re.M):
        return text
    return None


def code_problems(params: dict[str, Any], ground_truth: Any) -> list[str]:
    tests = ground_truth.get("tests") if isinstance(ground_truth, dict) else None
    if not isinstance(tests, dict) or not tests or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in tests.items()):
        return ["code needs ground truth {tests: {name: python assertion, ...}}"]
    for name, src in tests.items():
        try:
            compile(src, name, "exec")
        except SyntaxError as exc:
            return [f"code: hidden test {name!r} is not valid Python: {exc}"]
    return []


def evaluate_code(answer: str, ground_truth: Any, params: dict[str, Any],
                  pass_threshold: float) -> EvalReport:
    tests: dict[str, str] = ground_truth["tests"]
    code = extract_code(answer)
    present = Check("code_present", code is not None, weight=0.0,
                    detail="fenced or plain Python found" if code else "no Python code found")
    if code is None:
        checks = [present, *(Check(f"test:{n}", False, detail="not run") for n in tests)]
        stage, ftype = ("generation", "empty_output") if not answer.strip() else \
            ("format", "format_violation")
        return build_report(checks, pass_threshold=pass_threshold, extracted=None,
                            failure_stage=stage, failure_type=ftype)
    limits = Limits(cpu_s=int(params.get("cpu_s", 5)), wall_s=float(params.get("wall_s", 10)),
                    memory_mib=int(params.get("memory_mib", 512)))
    res = run_python({"solution.py": code, "tests.json": json.dumps(tests),
                      "harness.py": HARNESS}, "harness.py", limits)
    where = "; ".join(res.isolation)
    payload = next((ln[len(MARKER):] for ln in reversed(res.stdout.splitlines())
                    if ln.startswith(MARKER)), None)
    outcome: dict[str, Any] = json.loads(payload) if payload else {}
    if res.timed_out or outcome.get("import_error") or "tests" not in outcome:
        if res.timed_out:
            why, ftype = f"killed after {limits.wall_s:g} s wall clock", "execution_timeout"
        elif outcome.get("import_error"):
            why, ftype = f"the code failed on import: {outcome['import_error']}", "runtime_error"
        elif res.returncode is not None and res.returncode < 0:
            why, ftype = f"killed by signal {-res.returncode} (CPU {limits.cpu_s} s or memory " \
                         f"{limits.memory_mib} MiB limit)", "execution_timeout" \
                if -res.returncode in (9, 24) else "runtime_error"
        else:
            why, ftype = f"the process failed (exit {res.returncode}): " \
                         f"{res.stderr.strip().splitlines()[-1:]}", "runtime_error"
        runs = Check("code_runs", False, weight=0.0, detail=f"{why} [{where}]")
        checks = [present, runs, *(Check(f"test:{n}", False, detail="not run") for n in tests)]
        return build_report(checks, pass_threshold=pass_threshold, extracted=code[:2000],
                            failure_stage="execute", failure_type=ftype)
    results: dict[str, str | None] = outcome["tests"]
    checks = [present, Check("code_runs", True, weight=0.0, detail=f"ran [{where}]")]
    checks += [Check(f"test:{n}", results.get(n) is None and n in results,
                     detail="passed" if results.get(n) is None and n in results
                     else str(results.get(n, "not run"))) for n in tests]
    return build_report(checks, pass_threshold=pass_threshold, extracted=code[:2000],
                        failure_stage="semantic", failure_type="wrong_answer")
