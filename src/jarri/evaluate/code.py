"""The code evaluator: run model-written Python against hidden tests, in the sandbox.

Ground truth: ``{"tests": {"name": "assert solution.f(1) == 2", ...}}`` (each test is Python
that sees the answer's module as ``solution``). Score: 100 when every hidden test passes, else
0 (pass@1; each test is still a check). No code in the answer is a format failure; code that
cannot be imported, crashes the process or runs out of time is an execute failure; a failing
test is a semantic failure (wrong_answer).
"""

from __future__ import annotations

import ast
import json
import re
import textwrap
from dataclasses import dataclass
from typing import Any

from jarri.evaluate.language import refusal
from jarri.evaluate.reply import prepare
from jarri.evaluate.report import Check, EvalReport, build_report
from jarri.evaluate.sandbox import Limits, run_python

# A fence at any indentation (inside a list item too), any tag; the tag decides the language.
_FENCE = re.compile(r"^([ \t]*)```[ \t]*([\w+#.-]*)[^\n]*\n(.*?)^[ \t]*```", re.S | re.M)
_PYTHON_TAGS = {"", "python", "python3", "py", "py3", "python2", "pycon", "ipython"}
_CODE_START = re.compile(r"^(?:def|class|import|from|async\s+def|@)\b", re.M)
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


@dataclass(frozen=True)
class CodeAnswer:
    code: str | None
    violations: tuple[str, ...]


def _parses(code: str) -> bool:
    try:
        ast.parse(code)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False
    return True


def _defines(code: str, name: str | None) -> bool:
    return name is None or re.search(rf"^\s*(?:async\s+)?def\s+{re.escape(name)}\s*\(",
                                     code, re.M) is not None


def _unfenced(text: str) -> str | None:
    """Python written without a fence: from the first def/class/import line, dropping prose
    lines at the end until it parses."""
    m = _CODE_START.search(text)
    if m is None:
        return None
    lines = text[m.start():].splitlines()
    while lines:
        code = "\n".join(lines)
        if _parses(code):
            return code
        lines.pop()
    return None


def find_code(answer: str, function: str | None = None) -> CodeAnswer:
    """The Python the answer commits to: among its Python fenced blocks (tag python, py,
    python3 ... or none), the last one that defines the asked function (else the last that
    parses, else the last); without fences, the code written plainly."""
    text = prepare(answer).text
    fences = list(_FENCE.finditer(text))
    python = [(textwrap.dedent(m.group(3)), m.group(2).casefold()) for m in fences
              if m.group(2).casefold() in _PYTHON_TAGS]
    fmt: list[str] = list(prepare(answer).violations)
    if python:
        chosen = next((c for c, _ in reversed(python) if _defines(c, function) and _parses(c)),
                      None) or next((c for c, _ in reversed(python) if _parses(c)), None) \
            or python[-1][0]
        tag = next(t for c, t in python if c == chosen)
        if tag not in ("python", "py", "python3", "py3"):
            fmt.append("no_python_fence")
        if len(fences) > 1:
            fmt.append("several_code_blocks")
        outside = _FENCE.sub("", text).strip()
        if outside:
            fmt.append("text_outside_block")
        return CodeAnswer(chosen.rstrip("\n"), tuple(fmt))
    code = _unfenced(text)
    fmt.append("no_python_fence")
    if code is not None and text.strip() != code.strip():
        fmt.append("text_outside_block")
    return CodeAnswer(code, tuple(fmt))


def extract_code(answer: str) -> str | None:
    return find_code(answer).code


def code_problems(params: dict[str, Any], ground_truth: Any) -> list[str]:
    tests = ground_truth.get("tests") if isinstance(ground_truth, dict) else None
    if isinstance(ground_truth, dict) and not isinstance(ground_truth.get("function", ""), str):
        return ["code: 'function' (the name the answer must define) must be text"]
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
                  pass_threshold: float, *, prompt: str = "", prefill: str = "") -> EvalReport:
    tests: dict[str, str] = ground_truth["tests"]
    found = find_code(answer, ground_truth.get("function"))
    code, fmt = found.code, list(found.violations)
    present = Check("code_present", code is not None, weight=0.0,
                    detail="fenced or plain Python found" if code else "no Python code found")
    if code is None:
        checks = [present, *(Check(f"test:{n}", False, detail="not run") for n in tests)]
        stage, ftype = ("generation", "empty_output") if not answer.strip() else \
            ("semantic", "refusal") if refusal(answer) else ("format", "format_violation")
        return build_report(checks, pass_threshold=pass_threshold, extracted=None,
                            failure_stage=stage, failure_type=ftype, format_violations=fmt)
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
                            failure_stage="execute", failure_type=ftype,
                            format_violations=fmt)
    results: dict[str, str | None] = outcome["tests"]
    checks = [present, Check("code_runs", True, weight=0.0, detail=f"ran [{where}]")]
    checks += [Check(f"test:{n}", results.get(n) is None and n in results,
                     detail="passed" if results.get(n) is None and n in results
                     else str(results.get(n, "not run"))) for n in tests]
    # Functional correctness is all or nothing (pass@1, as HumanEval grades): a program that
    # fails a hidden test is wrong, however many it passes; the checks still say which.
    failed = any(not c.passed for c in checks)
    return build_report(checks, pass_threshold=pass_threshold, extracted=code[:2000],
                        failure_stage="semantic", failure_type="wrong_answer",
                        format_violations=fmt, void=failed)
