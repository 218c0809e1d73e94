"""Run untrusted (model-written) Python in a separate, limited, isolated process.

What a program run here gets (``isolation()`` says which level this machine reached):

- **jail** (the normal case, as root or as a normal user where the kernel allows unprivileged
  user namespaces): fresh mount, PID, network and IPC namespaces (``unshare``) and a new root
  built by :mod:`jarri.evaluate.jail`: only the system's and the interpreter's libraries,
  read-only; the program and its inputs read-only in ``/run``; private small tmpfs ``/work``,
  ``/tmp`` and ``/dev/shm``. No network, no host sockets, no ``/proc``, no workspace, no home.
  As root it runs as user ``nobody``; as a normal user without any capability. The program is
  PID 1 of its PID namespace: when it exits or is killed, the kernel kills everything it
  started (a ``setsid`` daemon included) and its mounts vanish.
- **fallback** (no namespaces): a private 0700 folder, the limits below, and nothing else;
  the result's ``isolation`` notes say so plainly.

Always: rlimits (CPU seconds, address space, processes, file size, no core dumps), one wall
clock for the whole evaluation after which the process group is killed, a scrubbed
environment, stdout and stderr read with a size cap (the parent's memory stays bounded however
much is printed), and a **result channel**: a pipe (its descriptor number in the environment
as ``JARRI_CHANNEL_FD``) that only the program's first process holds, read separately from
stdout, so nothing printed can pose as a result.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import resource
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

NOBODY = 65534
CHANNEL_MAX_BYTES = 8 * 1024 * 1024
JAIL = Path(__file__).with_name("jail.py")
# What gets out of a hung sandbox in the end: the process is killed at the deadline and the
# pipes are given this long to drain before they are closed regardless (a process outside the
# PID namespace, in the fallback, could hold them open for ever).
DRAIN_S = 0.5


@dataclass(frozen=True)
class Limits:
    cpu_s: int = 5
    wall_s: float = 10.0
    memory_mib: int = 512
    processes: int = 64
    file_mib: int = 16
    output_chars: int = 20_000
    scratch_mib: int = 16  # each of /work, /tmp and /dev/shm inside the jail


@dataclass(frozen=True)
class SandboxResult:
    returncode: int | None
    timed_out: bool
    stdout: str
    stderr: str
    wall_s: float
    isolation: tuple[str, ...]
    channel: bytes = b""
    channel_overflow: bool = False


@dataclass(frozen=True)
class Isolation:
    jailed: bool
    user_namespace: bool
    notes: tuple[str, ...]


def _interpreter() -> str:
    return os.path.realpath(sys.executable)


def _binds() -> list[str]:
    """What the jail mounts read-only: the system's libraries and the interpreter's prefix."""
    binds = ["/usr", "/etc/ld.so.cache"]
    for prefix in (sys.base_prefix, os.path.dirname(os.path.dirname(_interpreter()))):
        real = os.path.realpath(prefix)
        if not any(real == b or real.startswith(b.rstrip("/") + "/") for b in binds):
            binds.append(real)
    return binds


def _unshare_cmd(user_namespace: bool) -> list[str]:
    unshare = shutil.which("unshare") or "unshare"
    cmd = [unshare]
    if user_namespace:
        cmd += ["--user", "--map-root-user"]
    return [*cmd, "--mount", "--pid", "--fork", "--kill-child", "--net", "--ipc", "--"]


@functools.cache
def isolation() -> Isolation:
    """The best isolation this machine allows, probed once by building a real jail."""
    if shutil.which("unshare") and shutil.which("setpriv"):
        for user_ns in ((False, True) if os.geteuid() == 0 else (True,)):
            with contextlib.suppress(OSError, subprocess.SubprocessError):
                res = _run(b"print('ok')", Limits(wall_s=20), {}, jailed=True,
                           user_namespace=user_ns, notes=())
                if res.returncode == 0 and res.stdout.strip() == "ok":
                    who = ("runs as user nobody with no capability" if not user_ns else
                           "runs without any capability in a user namespace")
                    return Isolation(True, user_ns, (
                        "jail: own mount, PID, network and IPC namespaces; no network",
                        "sees only system libraries and its own files; no workspace, no home",
                        who))
    return Isolation(False, False, (
        "NOT isolated: this machine allows no namespaces (unshare failed)",
        "network NOT isolated; files the calling user can read are readable",
        "processes are killed by group only: a setsid daemon could outlive the run"))


def _limit(limits: Limits) -> None:
    os.setsid()  # its own process group, so the whole sandbox can be killed at once
    mib = 1024 * 1024
    for res, value in ((resource.RLIMIT_CPU, limits.cpu_s),
                       (resource.RLIMIT_AS, limits.memory_mib * mib),
                       (resource.RLIMIT_NPROC, limits.processes),
                       (resource.RLIMIT_FSIZE, limits.file_mib * mib),
                       (resource.RLIMIT_CORE, 0)):
        resource.setrlimit(res, (value, value))


def run_python(program: str | bytes, limits: Limits = Limits(),
               inputs: dict[str, str | bytes] | None = None) -> SandboxResult:
    """Run ``program`` (Python source) isolated; ``inputs`` are files beside it (``/run``).

    The program may write its result to the descriptor ``JARRI_CHANNEL_FD``; what it
    writes there comes back as ``channel`` (at most 8 MiB; beyond, ``channel_overflow``)."""
    iso = isolation()
    src = program.encode() if isinstance(program, str) else program
    return _run(src, limits, inputs or {}, jailed=iso.jailed,
                user_namespace=iso.user_namespace, notes=iso.notes)


def _run(program: bytes, limits: Limits, inputs: dict[str, str | bytes], *, jailed: bool,
         user_namespace: bool, notes: tuple[str, ...]) -> SandboxResult:
    base = tempfile.mkdtemp(prefix="jarri-sandbox-")  # 0700: no other evaluation sees it
    try:
        stage = Path(base, "stage")
        run_dir, work_dir = stage / "run", stage / "work"
        run_dir.mkdir(parents=True)
        work_dir.mkdir()
        for name, data in {**inputs, "main.py": program}.items():
            if "/" in name or name.startswith("."):
                raise ValueError(f"sandbox input name {name!r} must be a plain file name")
            (run_dir / name).write_bytes(data.encode() if isinstance(data, str) else data)
        env = {"PATH": "/usr/bin:/bin", "HOME": "/work", "TMPDIR": "/tmp", "LANG": "C.UTF-8",
               "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0"}
        if jailed:
            uid = NOBODY if not user_namespace else 0
            cfg = {"root": str(Path(base, "root")), "stage": str(stage), "binds": _binds(),
                   "scratch_mib": limits.scratch_mib,
                   "user": "keep" if user_namespace else "nobody", "uid": uid,
                   "setpriv": shutil.which("setpriv") or "setpriv", "python": _interpreter(),
                   "env": env}
            Path(base, "root").mkdir()
            cmd = [*_unshare_cmd(user_namespace), _interpreter(), "-I", "-S", str(JAIL),
                   json.dumps(cfg)]
            cwd = base
        else:
            os.chmod(base, 0o700)
            env = {**env, "HOME": str(work_dir), "TMPDIR": str(work_dir)}
            cmd = [_interpreter(), "-I", "-S", str(run_dir / "main.py")]
            cwd = str(work_dir)
        return _supervise(cmd, cwd, env, limits, notes)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _supervise(cmd: list[str], cwd: str, env: dict[str, str], limits: Limits,
               notes: tuple[str, ...]) -> SandboxResult:
    chan_r, chan_w = os.pipe()
    try:
        env = {**env, "JARRI_CHANNEL_FD": str(chan_w)}
        t0 = time.perf_counter()
        deadline = t0 + limits.wall_s
        proc = subprocess.Popen(
            cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, pass_fds=(chan_w,),
            preexec_fn=functools.partial(_limit, limits))  # noqa: PLW1509
    except BaseException:
        os.close(chan_r)
        os.close(chan_w)
        raise
    os.close(chan_w)
    assert proc.stdout is not None and proc.stderr is not None
    caps = {"out": limits.output_chars * 4, "err": limits.output_chars * 4,
            "chan": CHANNEL_MAX_BYTES}
    bufs: dict[str, bytearray] = {k: bytearray() for k in caps}
    over = {k: False for k in caps}
    sel = selectors.DefaultSelector()
    for key, fd in (("out", proc.stdout.fileno()), ("err", proc.stderr.fileno()),
                    ("chan", chan_r)):
        os.set_blocking(fd, False)
        sel.register(fd, selectors.EVENT_READ, key)
    timed_out, exited_at = False, None
    try:
        while sel.get_map():
            now = time.perf_counter()
            if exited_at is None and proc.poll() is not None:
                exited_at = now
            if exited_at is not None and now > exited_at + DRAIN_S:
                break  # something outside the sandbox's namespaces still holds a pipe
            if exited_at is None and now >= deadline:
                timed_out = True
                _kill(proc)
                exited_at = time.perf_counter()
                continue
            wait = min(deadline - now, 0.1) if exited_at is None else DRAIN_S
            for skey, _ in sel.select(timeout=max(wait, 0.0)):
                name: str = skey.data
                try:
                    chunk = os.read(skey.fd, 65536)
                except BlockingIOError:
                    continue
                if not chunk:
                    sel.unregister(skey.fd)
                    continue
                room = caps[name] - len(bufs[name])
                if name == "err":  # stderr: the end says why it failed
                    bufs["err"] = (bufs["err"] + chunk)[-caps["err"]:]
                elif room > 0:
                    bufs[name] += chunk[:room]
                if len(chunk) > room and name != "err":
                    over[name] = True
    finally:
        _kill(proc)
        sel.close()
        for f in (proc.stdout, proc.stderr):
            f.close()
        os.close(chan_r)
        proc.wait()
    return SandboxResult(
        returncode=None if timed_out else proc.returncode, timed_out=timed_out,
        stdout=bufs["out"].decode("utf-8", "replace")[: limits.output_chars],
        stderr=bufs["err"].decode("utf-8", "replace")[-limits.output_chars:],
        wall_s=time.perf_counter() - t0, isolation=notes, channel=bytes(bufs["chan"]),
        channel_overflow=over["chan"])


def _kill(proc: subprocess.Popen[bytes]) -> None:
    # The group: unshare, and in the fallback everything that did not leave the group. In the
    # jail, killing unshare kills the namespace's PID 1 (--kill-child), and with it the rest.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
