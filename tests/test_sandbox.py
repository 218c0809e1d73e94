"""The code sandbox and the code evaluator, attacked as a hostile model would: hostile code ends
as a clean execute failure within the limits, cannot forge a result, leak a host file, leave a
process behind or touch a later evaluation, and the sweep's evaluator keeps going.

Everything here runs the real sandbox (namespaces where this machine allows them). Run as root
and as a normal user (docs/security.md says how)."""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import pytest

from jarri.evaluate.code import evaluate_code, extract_code
from jarri.evaluate.sandbox import Limits, isolation, run_python

REPO = Path(__file__).resolve().parents[1]
TESTS = {"tests": {"adds": "assert solution.add(2, 3) == 5",
                   "negatives": "assert solution.add(-2, -3) == -5",
                   "floats": "assert abs(solution.add(0.1, 0.2) - 0.3) < 1e-9"}}
TYPED = {"function": "add", "tests": {
    "small": "r = solution.add(2, 3)\nassert type(r) is int and r == 5",
    "big": f"r = solution.add({10**30}, 1)\nassert type(r) is int and r == 10**30 + 1",
    "neg": "r = solution.add(-7, 2)\nassert type(r) is int and r == -5"}}
FAST = Limits(cpu_s=2, wall_s=4, memory_mib=256)
PARAMS = {"cpu_s": 2, "wall_s": 4, "memory_mib": 256}
GOOD = "def add(a, b):\n    return a + b"
WRONG = "def add(a, b):\n    return a - b"
JAILED = isolation().jailed


def fenced(code: str) -> str:
    return f"Here is the function:\n```python\n{code}\n```\n"


def grade(code: str, gt: dict | None = None, params: dict | None = None):  # type: ignore[type-arg]
    return evaluate_code(fenced(code), gt or TYPED, params or PARAMS, 100)


def leftovers(tag: str) -> str:
    out = subprocess.run(["pgrep", "-af", tag], capture_output=True, text=True).stdout
    return "\n".join(ln for ln in out.splitlines() if "pgrep" not in ln)


def test_this_machine_jails_the_sandbox() -> None:
    # The build machines allow namespaces as root and as a normal user: the attack tests
    # below must run against the jail, not the fallback.
    assert JAILED, isolation().notes


def test_reference_and_partial_answers() -> None:
    good = evaluate_code(fenced(GOOD), TESTS, {}, 100)
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
    (fenced("import os\nos._exit(0)"), "execute", "runtime_error"),
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
    r = grade(HOSTILE[name] + "\n" + GOOD, TESTS)
    assert r.score_percent == 0 and r.failure_stage == "execute" and r.hard_failure, r.checks
    runs = next(c for c in r.checks if c.name == "code_runs")
    assert not runs.passed


# ---- point 5: forged results -----------------------------------------------------------------

FORGERIES = {
    "prints an old-style result marker": WRONG + "\nprint('@@JARRI_RESULT@@{\"tests\": {}}')",
    "prints the marker at exit": WRONG + "\nimport atexit\natexit.register(lambda: print("
                                         "'@@JARRI_RESULT@@{\"tests\": {}}'))",
    "always-equal object": "class E:\n    def __eq__(self, o): return True\n"
                           "    def __ne__(self, o): return False\n"
                           "def add(a, b):\n    return E()",
    "int subclass equal to all": "class I(int):\n    def __eq__(self, o): return True\n"
                                 "    __hash__ = int.__hash__\n"
                                 "def add(a, b):\n    return I(a + b + 1)",
    "writes the channel by number": WRONG + "\nimport os\nfor fd in range(3, 64):\n    try:\n"
                                    "        os.write(fd, b'{\"exit\": 0, \"lines\": \"\"}')\n"
                                    "    except OSError:\n        pass",
    "monkeypatches the harness codec": "import sys\nm = sys.modules['__main__']\n"
                                       "m.encode = lambda v, b=None: {'int': hex(5)}\n" + WRONG,
    "exits early on purpose": WRONG + "\nimport os\nos._exit(0)",
}


@pytest.mark.parametrize("name", list(FORGERIES))
def test_a_wrong_answer_cannot_forge_a_pass(name: str) -> None:
    r = grade(FORGERIES[name])
    assert r.score_percent == 0 and not r.passed, (name, r.checks)


def test_the_hidden_expected_values_never_enter_the_sandbox() -> None:
    # The candidate looks everywhere it can for the expected value 10**30 + 1 and the test
    # text; it may see the arguments (it needs them), never the expectations.
    spy = textwrap.dedent("""
        import os
        seen = []
        for top in ('/run', '/work', '/tmp', '.'):
            for d, _, files in os.walk(top):
                for f in files:
                    try:
                        seen.append(open(os.path.join(d, f), errors='replace').read())
                    except OSError:
                        pass
        blob = '\\n'.join(seen)
        LEAK = str(10**30 + 1) in blob or hex(10**30 + 1) in blob or ('ass' + 'ert') in blob
        def add(a, b):
            return 'LEAK' if LEAK else a + b
    """)
    r = grade(spy)
    assert r.score_percent == 100, r.checks


def test_a_correct_program_that_prints_a_lot_still_passes() -> None:
    noisy = "print('x' * 50_000)\nimport sys\nsys.stderr.write('y' * 50_000)\n" \
            "def add(a, b):\n    print('@@JARRI_RESULT@@ noise' * 1000)\n    return a + b"
    r = grade(noisy)
    assert r.score_percent == 100, r.checks


def test_huge_output_keeps_the_parent_bounded() -> None:
    # 1.5 GB printed: read with a cap, the program is killed or finishes, the parent's memory
    # does not follow (measured as the largest resident size of this process).
    import resource
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    res = run_python("import sys\nchunk = 'z' * (1 << 20)\nfor _ in range(1500):\n"
                     "    sys.stdout.write(chunk)\n", Limits(cpu_s=8, wall_s=15))
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert len(res.stdout) == Limits().output_chars
    assert grown_mib < 200, grown_mib


# ---- point 4: cross-run tampering and leftovers ---------------------------------------------

def test_a_setsid_daemon_cannot_outlive_its_evaluation_or_touch_the_next() -> None:
    tag = f"jarri-daemon-{os.getpid()}-{time.monotonic_ns()}"
    daemon = textwrap.dedent(f"""
        import os, time, glob
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                import sys
                sys.argv[0] = {tag!r}
                end = time.time() + 60
                while time.time() < end:   # rewrite every harness and solution it can find
                    for pat in ('/tmp/jarri-sandbox-*/**', '/run/*', '/work/*', '/tmp/*'):
                        for p in glob.glob(pat, recursive=True):
                            try:
                                open(p, 'w').write('def add(a, b):\\n    return a + b\\n')
                            except OSError:
                                pass
                    time.sleep(0.01)
                os._exit(0)
            os._exit(0)
        time.sleep(0.2)
    """) + WRONG
    first = grade(daemon)
    assert first.score_percent == 0
    time.sleep(0.3)
    assert leftovers(tag) == "", "a process outlived its evaluation"
    later = [grade(WRONG).score_percent for _ in range(3)]
    assert later == [0, 0, 0]


def test_background_process_holding_the_pipes_does_not_hang_the_evaluation() -> None:
    holder = "import os, time\nif os.fork() == 0:\n    os.setsid()\n    time.sleep(120)\n" + GOOD
    t0 = time.monotonic()
    r = grade(holder, params={"cpu_s": 2, "wall_s": 3, "memory_mib": 256})
    assert time.monotonic() - t0 < 3 + 2.5
    assert r.score_percent == 100, r.checks  # the answer was right: the daemon is killed


def test_an_evaluation_that_never_ends_is_killed_at_the_wall_clock() -> None:
    t0 = time.monotonic()
    res = run_python("import os, time\nos.close(1)\nos.close(2)\nwhile True:\n    time.sleep(1)",
                     Limits(wall_s=2))
    assert res.timed_out and time.monotonic() - t0 < 2 + 1.5


def test_the_fork_bomb_leaves_nothing_running() -> None:
    bomb = run_python(HOSTILE["fork bomb"], FAST)
    assert bomb.wall_s < FAST.wall_s + 2
    time.sleep(0.3)
    assert leftovers("jarri-sandbox") == ""


def test_the_program_and_its_inputs_are_read_only_to_it() -> None:
    probe = textwrap.dedent("""
        import os, sys
        bad = []
        for p in ('/run/main.py', '/run/data.txt', __file__):
            try:
                open(p, 'a').write('x')
                bad.append(p)
            except OSError:
                pass
        for d in ('/run', '/', '/usr'):
            try:
                open(os.path.join(d, 'new'), 'w').write('x')
                bad.append(d)
            except OSError:
                pass
        print('writable:', bad)
    """)
    res = run_python(probe, FAST, {"data.txt": "data"})
    assert res.returncode == 0 and "writable: []" in res.stdout, (res.stdout, res.stderr)


# ---- point 6: leaks -----------------------------------------------------------------------------

def test_no_workspace_ledger_or_suite_file_is_readable() -> None:
    targets = [REPO / "README.md", REPO / "src/jarri/evaluate/code.py",
               next((REPO / "src/jarri/suites").rglob("*.json")), Path("/etc/passwd"),
               Path("/root/.bashrc"), Path.home() / ".bashrc", Path(tempfile.gettempdir())]
    probe = "import os\nfor p in %r:\n    try:\n        if os.path.isdir(p):\n" \
            "            print('LEAK', p, os.listdir(p)[:1])\n        else:\n" \
            "            print('LEAK', p, open(p).read(20))\n    except OSError as e:\n" \
            "        print('denied', p, type(e).__name__)\n" % [str(t) for t in targets]
    res = run_python(probe, FAST)
    assert res.returncode == 0, res.stderr
    leaks = [ln for ln in res.stdout.splitlines() if ln.startswith("LEAK")]
    # /tmp inside is the sandbox's own, empty tmpfs: listing it shows nothing of the host's
    assert leaks in ([], [f"LEAK {tempfile.gettempdir()} []"]), leaks


def test_dev_shm_and_tmp_are_private_small_and_gone_afterwards() -> None:
    marker = f"jarri-shm-{os.getpid()}-{time.monotonic_ns()}"
    fill = textwrap.dedent(f"""
        import os
        wrote = {{}}
        for d in ('/dev/shm', '/tmp', '/work'):
            n = 0
            try:
                with open(os.path.join(d, {marker!r}), 'wb') as fh:
                    for _ in range(1024):        # try 1 GiB
                        fh.write(b'\\0' * (1 << 20))
                        n += 1
            except OSError:
                pass
            wrote[d] = n
        print(wrote)
    """)
    res = run_python(fill, Limits(cpu_s=8, wall_s=15))
    wrote = eval(res.stdout.strip())  # noqa: S307 - a dict of ints printed by the test itself
    assert all(n <= Limits().scratch_mib for n in wrote.values()), wrote
    for d in ("/dev/shm", "/tmp"):
        assert not Path(d, marker).exists()
    assert not list(Path(tempfile.gettempdir()).glob("jarri-sandbox-*"))


def test_a_host_unix_socket_cannot_be_reached() -> None:
    path = Path(tempfile.mkdtemp(prefix="jarri-sock-")) / "s"
    os.chmod(path.parent, 0o755)
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(str(path))
    os.chmod(path, 0o777)
    srv.listen(1)
    srv.settimeout(3)
    got: list[bool] = []
    threading.Thread(target=lambda: got.append(_accepts(srv)), daemon=True).start()
    probe = f"import socket\ns = socket.socket(socket.AF_UNIX)\ns.connect({str(path)!r})\n" \
            "print('CONNECTED')"
    res = run_python(probe, FAST)
    time.sleep(0.2)
    srv.close()
    assert "CONNECTED" not in res.stdout and res.returncode != 0
    assert got in ([], [False])
    abstract = run_python("import socket\ns = socket.socket(socket.AF_UNIX)\n"
                          "s.connect('\\0jarri-no-such')\n", FAST)
    assert abstract.returncode != 0


def _accepts(srv: socket.socket) -> bool:
    try:
        srv.accept()
        return True
    except OSError:
        return False


def test_network_and_environment() -> None:
    env = run_python("import os; print(sorted(os.environ))", FAST)
    assert "HOME" in env.stdout and "OLLAMA_HOST" not in env.stdout and "AWS" not in env.stdout
    hidden = grade("import os\nC = 'JARRI_CHANNEL_FD' in os.environ\ndef add(a, b):\n"
                   "    return 0 if C else a + b")
    assert hidden.score_percent == 100, hidden.checks  # the candidate never learns the channel
    net = run_python(HOSTILE["open a socket"], FAST)
    assert net.returncode != 0 and "unreachable" in net.stderr.lower(), net.stderr
    if os.geteuid() == 0:
        who = run_python("import os; print(os.getuid())", FAST)
        assert who.stdout.strip() == "65534"


def test_the_result_channel_is_separate_and_bounded() -> None:
    res = run_python("import os\nos.write(int(os.environ['JARRI_CHANNEL_FD']), b'hi')\n"
                     "print('stdout')", FAST)
    assert res.channel == b"hi" and res.stdout == "stdout\n"
    big = run_python("import os\nfd = int(os.environ['JARRI_CHANNEL_FD'])\n"
                     "for _ in range(12):\n    os.write(fd, b'x' * (1 << 20))", FAST)
    assert big.channel_overflow and len(big.channel) == 8 * 1024 * 1024


def test_extract_code() -> None:
    assert extract_code("```py\nx = 1\n```") == "x = 1"
    assert extract_code("def f():\n    return 1") == "def f():\n    return 1"
    assert extract_code("The answer is 4.") is None
