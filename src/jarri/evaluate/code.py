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
from pathlib import Path
from typing import Any

from jarri.evaluate import assertions, values
from jarri.evaluate.language import refusal
from jarri.evaluate.reply import prepare
from jarri.evaluate.report import Check, EvalReport, build_report
from jarri.evaluate.sandbox import Limits, SandboxResult, run_python

# A fence at any indentation (inside a list item too), any tag; the tag decides the language.
_FENCE = re.compile(r"^([ \t]*)```[ \t]*([\w+#.-]*)[^\n]*\n(.*?)^[ \t]*```", re.S | re.M)
_PYTHON_TAGS = {"", "python", "python3", "py", "py3", "python2", "pycon", "ipython"}
_CODE_START = re.compile(r"^(?:def|class|import|from|async\s+def|@)\b", re.M)
# Runs inside the sandbox after the value codec (values.py's source): PID 1 of the sandbox
# forks the candidate, which imports the answer, makes each call from calls.json and writes one
# encoded outcome a line into a pipe of its own; the parent process then passes the lines on
# through the result channel, which the candidate never holds. Only return values leave: the
# expected values stay with the evaluator.
HARNESS = '''
import ctypes, json, os, select, sys


def _candidate(calls, out_fd):
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)  # python -I leaves the program's folder off sys.path
    out = os.fdopen(out_fd, "w", encoding="utf-8")
    try:
        import solution
    except BaseException as exc:
        out.write(json.dumps({"import_error": type(exc).__name__ + ": " + str(exc)[:300]}))
        out.write("\\n")
        out.flush()
        os._exit(0)
    for name, args, kwargs in calls:
        try:
            value = getattr(solution, name)(*[decode(a) for a in args],
                                            **{k: decode(v) for k, v in kwargs})
            line = {"value": encode(value)}
        except BaseException as exc:
            line = {"raised": type(exc).__name__ + ": " + str(exc)[:200]}
        try:
            text = json.dumps(line)
        except BaseException as exc:
            text = json.dumps({"raised": "the result could not be passed back: "
                               + type(exc).__name__})
        out.write(text + "\\n")
        out.flush()
    os._exit(0)  # no atexit handler, no finaliser of the candidate's runs after the calls


def main():
    channel = int(os.environ.pop("JARRI_CHANNEL_FD"))
    ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE 0: no ptrace by the candidate
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "calls.json"), encoding="utf-8") as fh:
        calls = json.load(fh)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(channel)
        os.close(r)
        _candidate(calls, w)
    os.close(w)
    # Read until the candidate has exited (not until EOF: a process it started may hold the
    # pipe open); what is still buffered then is read without waiting.
    data, status, finished = bytearray(), 0, 0
    os.set_blocking(r, False)
    while True:
        select.select([r], [], [], 0.05)
        eof = False
        while True:
            try:
                chunk = os.read(r, 65536)
            except BlockingIOError:
                break
            if not chunk:
                eof = True
                break
            if len(data) < 8_000_000:
                data += chunk
        if eof or finished:
            break
        finished, status = os.waitpid(pid, os.WNOHANG)
    if not finished:
        _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    with os.fdopen(channel, "w", encoding="utf-8") as fh:
        fh.write(json.dumps({"exit": code, "lines": data.decode("utf-8", "replace")}))


main()
'''


def _program() -> str:
    # One codec, both sides: the harness is built from values.py's own source.
    return Path(values.__file__).read_text(encoding="utf-8") + HARNESS


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
    parses, else the last); without fences, the code written plainly. The code is taken as
    written: what runs is what the model wrote (reply.py, ``code=True``)."""
    reply = prepare(answer, code=True)
    text = reply.text
    fences = list(_FENCE.finditer(text))
    python = [(textwrap.dedent(m.group(3)), m.group(2).casefold()) for m in fences
              if m.group(2).casefold() in _PYTHON_TAGS]
    fmt: list[str] = list(reply.violations)
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
            assertions.parse(name, src)
        except assertions.TestSyntaxError as exc:
            return [f"code: hidden test {name!r}: {exc}. A hidden test calls the answer as "
                    "solution.NAME(literal arguments) and asserts on the results with plain "
                    "expressions (docs/evaluators.md, 'Hidden tests')"]
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
    trees = {n: assertions.parse(n, src) for n, src in tests.items()}
    wanted = list({c.key: c for t in trees.values() for c in assertions.calls(t)}.values())
    res = run_python(_program(), limits, {"solution.py": code,
                                          "calls.json": json.dumps([c.wire() for c in wanted])})
    where = "; ".join(res.isolation)
    outcomes, exit_code, why_bad = _outcomes(res, wanted)
    import_error = outcomes.pop("import_error", None)
    answered = len(outcomes) == len(wanted)
    if res.timed_out or import_error or why_bad or not answered:
        if res.timed_out:
            why, ftype = f"killed after {limits.wall_s:g} s wall clock", "execution_timeout"
        elif import_error:
            why, ftype = f"the code failed on import: {import_error.error}", "runtime_error"
        elif why_bad:
            why, ftype = why_bad, "runtime_error"
        else:
            code_ = exit_code if exit_code is not None else res.returncode
            why = f"the program ended (exit {code_}) after {len(outcomes)} of {len(wanted)} " \
                  f"calls: {res.stderr.strip().splitlines()[-1:]}"
            ftype = "runtime_error"
            if code_ is not None and code_ < 0:
                why = f"killed by signal {-code_} (CPU {limits.cpu_s} s or memory " \
                      f"{limits.memory_mib} MiB limit) after {len(outcomes)} of " \
                      f"{len(wanted)} calls"
                ftype = "execution_timeout" if -code_ in (9, 24) else "runtime_error"
        runs = Check("code_runs", False, weight=0.0, detail=f"{why} [{where}]")
        checks = [present, runs, *(Check(f"test:{n}", False, detail="not run") for n in tests)]
        return build_report(checks, pass_threshold=pass_threshold, extracted=code[:2000],
                            failure_stage="execute", failure_type=ftype,
                            format_violations=fmt)
    checks = [present, Check("code_runs", True, weight=0.0, detail=f"ran [{where}]")]
    for name, tree in trees.items():
        try:
            assertions.check(tree, outcomes)
            checks.append(Check(f"test:{name}", True, detail="passed"))
        except assertions.TestFailed as exc:
            checks.append(Check(f"test:{name}", False, detail=str(exc)[:300]))
    # Functional correctness is all or nothing (pass@1, as HumanEval grades): a program that
    # fails a hidden test is wrong, however many it passes; the checks still say which.
    failed = any(not c.passed for c in checks)
    return build_report(checks, pass_threshold=pass_threshold, extracted=code[:2000],
                        failure_stage="semantic", failure_type="wrong_answer",
                        format_violations=fmt, void=failed)


def _outcomes(res: SandboxResult, wanted: list[assertions.Call]
              ) -> tuple[dict[str, assertions.Outcome], int | None, str | None]:
    """The sandbox's answers by call key, the candidate's exit code, and what was malformed.

    Everything here came out of the sandbox, so it is parsed as hostile data: strict JSON,
    strict tagged values, at most one answer per call, in order."""
    if res.channel_overflow:
        return {}, None, "the program returned more than 8 MiB of results"
    if not res.channel:
        return {}, None, None
    try:
        report = json.loads(res.channel)
        exit_code, lines = report["exit"], report["lines"].splitlines()
        if not isinstance(exit_code, int) or isinstance(exit_code, bool):
            raise ValueError("exit is not a number")
        out: dict[str, assertions.Outcome] = {}
        for i, line in enumerate(lines):
            data = json.loads(line)
            if i == 0 and isinstance(data, dict) and set(data) == {"import_error"}:
                out["import_error"] = assertions.Outcome(error=str(data["import_error"])[:300])
                break
            if i >= len(wanted):
                raise ValueError("more results than calls")
            out[wanted[i].key] = assertions.outcome_from_wire(data)
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError,
            RecursionError) as exc:
        return {}, None, f"the program's results were malformed: {str(exc)[:200]}"
    return out, exit_code, None
