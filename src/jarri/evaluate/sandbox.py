"""Run untrusted (model-written) Python in a separate, limited process.

Limits: CPU seconds, address space, processes, file size (``resource`` rlimits), wall clock
(the whole process group is killed), output size. Isolation, best available:
- as root: its own network namespace (``unshare --net``: no network at all) and an
  unprivileged user (``setpriv`` to nobody: the caller's files, e.g. ~/.ssh, are unreadable,
  and the process limit applies — it does not for root);
- otherwise an unprivileged user namespace with its own network (``unshare --user --net``)
  where the kernel allows it;
- otherwise no isolation beyond the limits, and the result says so.
The environment is scrubbed (no inherited secrets), the working directory is a fresh
temporary folder that is removed afterwards.
"""

from __future__ import annotations

import contextlib
import functools
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

NOBODY = 65534


@dataclass(frozen=True)
class Limits:
    cpu_s: int = 5
    wall_s: float = 10.0
    memory_mib: int = 512
    processes: int = 64
    file_mib: int = 16
    output_chars: int = 20_000


@dataclass(frozen=True)
class SandboxResult:
    returncode: int | None
    timed_out: bool
    stdout: str
    stderr: str
    wall_s: float
    isolation: tuple[str, ...]


@functools.cache
def isolation() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(command prefix, what it guarantees), probed once."""
    unshare, setpriv = shutil.which("unshare"), shutil.which("setpriv")
    if os.geteuid() == 0 and unshare and setpriv and _works([unshare, "--net", "--", "true"]):
        return ((unshare, "--net", "--", setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}",
                 "--clear-groups", "--"),
                ("no network (own network namespace)", "runs as user nobody"))
    if unshare and _works([unshare, "--user", "--net", "--", "true"]):
        return ((unshare, "--user", "--net", "--"),
                ("no network (own user and network namespace)",
                 "runs as the calling user: files that user can read are readable"))
    return ((), ("network NOT isolated: no network namespace available here",
                 "runs as the calling user: files that user can read are readable"))


def _works(cmd: list[str]) -> bool:
    try:
        return subprocess.run(cmd, capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def interpreter(prefix: tuple[str, ...]) -> str:
    # A user switched to nobody must be able to reach the interpreter: the system one.
    if "--reuid=65534" in prefix and os.access("/usr/bin/python3", os.X_OK):
        return "/usr/bin/python3"
    return sys.executable


def _limit(limits: Limits) -> None:
    os.setsid()  # its own process group, so everything it starts can be killed at once
    mib = 1024 * 1024
    for res, value in ((resource.RLIMIT_CPU, limits.cpu_s),
                       (resource.RLIMIT_AS, limits.memory_mib * mib),
                       (resource.RLIMIT_NPROC, limits.processes),
                       (resource.RLIMIT_FSIZE, limits.file_mib * mib),
                       (resource.RLIMIT_CORE, 0)):
        resource.setrlimit(res, (value, value))


def run_python(files: dict[str, str], script: str, limits: Limits = Limits()) -> SandboxResult:
    """Write ``files`` into a fresh folder and run ``python script`` there, limited."""
    prefix, notes = isolation()
    work = tempfile.mkdtemp(prefix="jarri-sandbox-")
    try:
        os.chmod(work, 0o777)  # the unprivileged user must be able to work in it
        for name, text in files.items():
            path = os.path.join(work, name)
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.chmod(path, 0o644)
        env = {"PATH": "/usr/bin:/bin", "HOME": work, "TMPDIR": work, "LANG": "C.UTF-8",
               "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0"}
        cmd = [*prefix, interpreter(prefix), "-I", "-S", script]
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=work, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                preexec_fn=functools.partial(_limit, limits))  # noqa: PLW1509
        timed_out = False
        try:
            out, err = proc.communicate(timeout=limits.wall_s)
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill_group(proc.pid)
            out, err = proc.communicate()
        _kill_group(proc.pid)  # anything it left running (e.g. a fork bomb's children)
        return SandboxResult(
            returncode=None if timed_out else proc.returncode, timed_out=timed_out,
            stdout=out.decode("utf-8", "replace")[: limits.output_chars],
            stderr=err.decode("utf-8", "replace")[-limits.output_chars:],
            wall_s=time.perf_counter() - t0, isolation=notes)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
