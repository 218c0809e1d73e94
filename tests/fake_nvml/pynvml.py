"""A scripted stand-in for ``pynvml`` (nvidia-ml-py): the same calls, no GPU.

Two GPUs by default. Values follow what measurement.md measured on a real H100: the energy
counter is in mJ and advances every 100 ms; power readings are mW; limits are mW with a
default of 700 W and constraints 200–700 W. State that a real GPU keeps across processes —
the power limit — lives in a JSON file named by JARRI_FAKE_NVML_STATE, so a killed process
leaves it changed exactly as it would on hardware. Knobs (environment):
  JARRI_FAKE_NVML_GPUS       number of GPUs (default 2; 0 = none)
  JARRI_FAKE_NVML_NO_ROOT    "1": setting a limit raises NVMLError_NoPermission
  JARRI_FAKE_NVML_NO_ENERGY  "1": the energy counter is not supported
  JARRI_FAKE_NVML_LOAD_W     power drawn while busy (default 300 W, capped by the limit;
                             idle is 70 W)
A GPU's entry in the state file may also hold "default_mw" (another card model's default
limit, e.g. a mixed fleet); the constraints then run from 200 W to that default. Writes to the
state file are serialised between processes (flock), as each real GPU keeps its own setting.
The simulated GPU is "busy" while the calling process burns CPU (e.g. the embedded engine
generating): between two reads, energy grows by idle x wall time plus (load - idle) x the
process's CPU time. The counter only moves in 100 ms steps, like the real one.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from collections.abc import Iterator
from types import SimpleNamespace

NVML_SUCCESS = 0
_IDLE_W = 70.0
_init = 0


class NVMLError(Exception):
    def __init__(self, value: int = 999, msg: str = "Unknown Error") -> None:
        super().__init__(msg)
        self.value = value


class NVMLError_NoPermission(NVMLError):  # noqa: N801 - the real class name
    def __init__(self) -> None:
        super().__init__(4, "Insufficient Permissions")


class NVMLError_NotSupported(NVMLError):  # noqa: N801
    def __init__(self) -> None:
        super().__init__(3, "Not Supported")


class NVMLError_Uninitialized(NVMLError):  # noqa: N801
    def __init__(self) -> None:
        super().__init__(1, "Uninitialized")


def _gpus() -> int:
    return int(os.environ.get("JARRI_FAKE_NVML_GPUS", "2"))


def _state_path() -> str | None:
    return os.environ.get("JARRI_FAKE_NVML_STATE")


def _load() -> dict[str, dict[str, float]]:
    path = _state_path()
    if path and os.path.exists(path):
        with open(path) as fh:
            return json.load(fh)
    return {}


def _save(state: dict[str, dict[str, float]]) -> None:
    path = _state_path()
    if path:
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w") as fh:
            json.dump(state, fh)
        os.replace(tmp, path)


@contextlib.contextmanager
def _state_lock() -> Iterator[None]:
    path = _state_path()
    if not path:
        yield
        return
    fd = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _check() -> None:
    if _init <= 0:
        raise NVMLError_Uninitialized()


def nvmlInit() -> None:  # noqa: N802
    global _init
    _init += 1


def nvmlShutdown() -> None:  # noqa: N802
    global _init
    _init = max(0, _init - 1)


def nvmlDeviceGetCount() -> int:  # noqa: N802
    _check()
    return _gpus()


def nvmlDeviceGetHandleByIndex(i: int) -> SimpleNamespace:  # noqa: N802
    _check()
    if not 0 <= i < _gpus():
        raise NVMLError(2, "Invalid Argument")
    return SimpleNamespace(index=i)


def nvmlSystemGetDriverVersion() -> str:  # noqa: N802
    return "580.159.04"


def nvmlDeviceGetName(h: SimpleNamespace) -> str:  # noqa: N802
    return "NVIDIA H100 80GB HBM3"


def nvmlDeviceGetUUID(h: SimpleNamespace) -> str:  # noqa: N802
    return f"GPU-00000000-0000-0000-0000-00000000000{h.index}"


def nvmlDeviceGetMemoryInfo(h: SimpleNamespace) -> SimpleNamespace:  # noqa: N802
    return SimpleNamespace(total=81559 * 1024 * 1024, used=0, free=81559 * 1024 * 1024)


def _limit_mw(i: int) -> int:
    entry = _load().get(str(i), {})
    return int(entry.get("limit_mw", entry.get("default_mw", 700_000)))


def _load_w(i: int) -> float:
    return min(float(os.environ.get("JARRI_FAKE_NVML_LOAD_W", "300")), _limit_mw(i) / 1000)


# per GPU: [counter mJ, wall time of the last step, process CPU time of the last step]
_counter: dict[int, list[float]] = {}
_last_power: dict[int, float] = {}


def _advance(i: int) -> int:
    now, cpu = time.monotonic(), time.process_time()
    state = _counter.setdefault(i, [5e9 + 1e6 * i, now, cpu])
    dt = now - state[1]
    if dt >= 0.1:  # the counter moves in ~100 ms steps
        busy = min(max(cpu - state[2], 0.0), dt)
        joules = _IDLE_W * dt + (_load_w(i) - _IDLE_W) * busy
        state[0] += 1000 * joules
        _last_power[i] = joules / dt
        state[1], state[2] = now, cpu
    return int(state[0])


def nvmlDeviceGetTotalEnergyConsumption(h: SimpleNamespace) -> int:  # noqa: N802
    _check()
    if os.environ.get("JARRI_FAKE_NVML_NO_ENERGY") == "1":
        raise NVMLError_NotSupported()
    return _advance(h.index)


def nvmlDeviceGetPowerUsage(h: SimpleNamespace) -> int:  # noqa: N802
    _check()
    _advance(h.index)
    return int(_last_power.get(h.index, _IDLE_W) * 1000)


def _default_mw(i: int) -> int:
    return int(_load().get(str(i), {}).get("default_mw", 700_000))


def nvmlDeviceGetPowerManagementDefaultLimit(h: SimpleNamespace) -> int:  # noqa: N802
    return _default_mw(h.index)


def nvmlDeviceGetPowerManagementLimitConstraints(h: SimpleNamespace) -> tuple[int, int]:  # noqa: N802
    return 200_000, _default_mw(h.index)


def nvmlDeviceGetEnforcedPowerLimit(h: SimpleNamespace) -> int:  # noqa: N802
    return _limit_mw(h.index)


def nvmlDeviceGetPowerManagementLimit(h: SimpleNamespace) -> int:  # noqa: N802
    return _limit_mw(h.index)


def nvmlDeviceSetPowerManagementLimit(h: SimpleNamespace, mw: int) -> None:  # noqa: N802
    _check()
    if os.environ.get("JARRI_FAKE_NVML_NO_ROOT") == "1":
        raise NVMLError_NoPermission()
    if not 200_000 <= mw <= _default_mw(h.index):
        raise NVMLError(2, "Invalid Argument")
    with _state_lock():
        state = _load()
        state.setdefault(str(h.index), {})["limit_mw"] = mw
        state.setdefault("history", {}).setdefault("sets", 0)
        state["history"]["sets"] += 1
        _save(state)


def nvmlDeviceGetFieldValues(h: SimpleNamespace, field_ids: list[int]) -> list[SimpleNamespace]:  # noqa: N802
    _check()
    _advance(h.index)
    out = []
    for fid in field_ids:
        if fid == 186:  # NVML_FI_DEV_POWER_INSTANT
            mw = int(_last_power.get(h.index, _IDLE_W) * 1000)
            out.append(SimpleNamespace(fieldId=fid, nvmlReturn=0, value=SimpleNamespace(uiVal=mw)))
        else:
            out.append(SimpleNamespace(fieldId=fid, nvmlReturn=3, value=SimpleNamespace(uiVal=0)))
    return out
