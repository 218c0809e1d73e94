"""The one module that talks to NVML (``nvidia-ml-py``, import name ``pynvml``).

NVML speaks milli-joules and milli-watts; everything leaving this module is joules and watts.
Errors are translated at this boundary (errors.py): a missing permission becomes a message
that says what is needed, an unsupported call a clear "not supported on this GPU".
The module object is injectable, so tests drive this adapter with a scripted stand-in.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Any

from jarri.errors import JarriError

FI_POWER_INSTANT = 186  # NVML_FI_DEV_POWER_INSTANT


class NvmlError(JarriError):
    """An NVML call failed."""


class NvmlPermissionError(NvmlError):
    """Changing a setting needs root (or CAP_SYS_ADMIN)."""


class NvmlNotSupported(NvmlError):
    """The GPU or driver does not offer this call."""


@dataclass(frozen=True)
class GpuIdentity:
    index: int
    name: str
    uuid: str
    driver_version: str
    memory_total_mib: int


@dataclass(frozen=True)
class PowerLimits:
    default_w: float
    min_w: float
    max_w: float
    enforced_w: float


def _text(v: Any) -> str:
    return v.decode() if isinstance(v, bytes) else str(v)


def load_pynvml() -> ModuleType:
    import pynvml  # the official bindings; only imported here

    return pynvml


class Nvml:
    def __init__(self, module: ModuleType | None = None) -> None:
        self.m = module if module is not None else load_pynvml()
        self._handles: dict[int, Any] = {}

    def _call(self, fn: str, *args: Any) -> Any:
        base: type[Exception] = self.m.NVMLError
        try:
            return getattr(self.m, fn)(*args)
        except base as exc:
            text = str(exc)
            if isinstance(exc, getattr(self.m, "NVMLError_NoPermission", ())):
                raise NvmlPermissionError(
                    f"NVML refused {fn}: {text}",
                    hint="changing GPU power limits needs root (run with sudo) or the "
                         "CAP_SYS_ADMIN capability") from exc
            if isinstance(exc, getattr(self.m, "NVMLError_NotSupported", ())):
                raise NvmlNotSupported(f"{fn} is not supported on this GPU/driver: {text}") \
                    from exc
            raise NvmlError(f"NVML call {fn} failed: {text}") from exc

    def init(self) -> Nvml:
        self._call("nvmlInit")
        return self

    def shutdown(self) -> None:
        self._call("nvmlShutdown")

    def count(self) -> int:
        return int(self._call("nvmlDeviceGetCount"))

    def handle(self, index: int) -> Any:
        if index not in self._handles:
            self._handles[index] = self._call("nvmlDeviceGetHandleByIndex", index)
        return self._handles[index]

    def identity(self, index: int) -> GpuIdentity:
        h = self.handle(index)
        mem = self._call("nvmlDeviceGetMemoryInfo", h)
        return GpuIdentity(
            index=index,
            name=_text(self._call("nvmlDeviceGetName", h)),
            uuid=_text(self._call("nvmlDeviceGetUUID", h)),
            driver_version=_text(self._call("nvmlSystemGetDriverVersion")),
            memory_total_mib=int(mem.total) // (1024 * 1024),
        )

    def energy_j(self, index: int) -> float:
        """Energy since the driver loaded (J); updates about every 100 ms."""
        return float(self._call("nvmlDeviceGetTotalEnergyConsumption", self.handle(index))) / 1e3

    def power_w(self, index: int) -> float:
        """Power draw (W); a 1-second average on Ampere and newer."""
        return float(self._call("nvmlDeviceGetPowerUsage", self.handle(index))) / 1e3

    def power_instant_w(self, index: int) -> float:
        """Instantaneous power (W) from field NVML_FI_DEV_POWER_INSTANT (186); falls back to
        the 1-second average where the field is not offered."""
        try:
            values = self._call("nvmlDeviceGetFieldValues", self.handle(index), [FI_POWER_INSTANT])
            v = values[0]
            if getattr(v, "nvmlReturn", 1) == 0:
                return float(v.value.uiVal) / 1e3
        except (NvmlError, AttributeError, IndexError):
            pass
        return self.power_w(index)

    def limits(self, index: int) -> PowerLimits:
        h = self.handle(index)
        lo, hi = self._call("nvmlDeviceGetPowerManagementLimitConstraints", h)
        return PowerLimits(
            default_w=float(self._call("nvmlDeviceGetPowerManagementDefaultLimit", h)) / 1e3,
            min_w=float(lo) / 1e3, max_w=float(hi) / 1e3,
            enforced_w=float(self._call("nvmlDeviceGetEnforcedPowerLimit", h)) / 1e3,
        )

    def set_limit_w(self, index: int, watts: float) -> None:
        # The v1 setter: the v2 wrapper is documented to swallow errors.
        self._call("nvmlDeviceSetPowerManagementLimit", self.handle(index), round(watts * 1000))
